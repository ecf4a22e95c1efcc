/**
 * Screenshots of reports as a reader sees them: `node bin/run-ts.mjs scripts/report-screenshots.ts
 * <out-dir> <report.html | folder with report.html>...` writes <out-dir>/<name>.png at 1400 px width
 * (the whole page of each report, named after its folder), <out-dir>/<name>-figN.png (each figure's
 * section) and prints every layout problem (untitled axis,
 * overlapping text) that src/plot/screenshot.ts finds; exit code 1 if there is any.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { launchChromium } from '../src/plot/export.ts';
import { figureBoxes, layoutProblems, openReport, screenshot, screenshotFigures } from '../src/plot/screenshot.ts';

const [outDir, ...inputs] = process.argv.slice(2);
if (!outDir || inputs.length === 0) {
  console.error('usage: report-screenshots.ts <out-dir> <report.html | dir>...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const browser = await launchChromium();
let problems = 0;
try {
  for (const input of inputs) {
    const file = existsSync(input) && statSync(input).isDirectory() ? join(input, 'report.html') : input;
    const name = basename(dirname(file));
    const page = await openReport(browser, file);
    await screenshot(page, join(outDir, `${name}.png`));
    await screenshotFigures(page, join(outDir, name));
    for (const figure of await figureBoxes(page)) {
      for (const line of layoutProblems(figure)) {
        console.log(`${name}: ${line}`);
        problems++;
      }
    }
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`${inputs.length} report(s), ${problems} layout problem(s); screenshots in ${outDir}`);
process.exit(problems > 0 ? 1 : 0);
