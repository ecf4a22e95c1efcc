/**
 * The READMEs' measured numbers are generated (scripts/docs-numbers.ts): the marker format, and that
 * every cheap, deterministic region of the committed READMEs is what its generator writes today
 * (the same check as `npm run docs:numbers -- --check`). Timings are never checked.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES, ROOT, newContext, roughTime, sci } from '../../scripts/docs-numbers/generators.ts';
import { GENERATORS } from '../../scripts/docs-numbers/registry.ts';
import { findRegions, rewriteRegions } from '../../scripts/docs-numbers/regions.ts';
import { renderGenerators, rewriteFiles } from '../../scripts/docs-numbers/update.ts';

const sample = [
  'Intro with <!-- numbers:speed -->≈ 40 s<!-- /numbers:speed --> inside a sentence.',
  '',
  '<!-- numbers:table -->',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '<!-- /numbers:table -->',
  'Trailing text.',
  '',
].join('\n');

describe('marked regions', () => {
  it('finds inline and block regions with their content', () => {
    const regions = findRegions(sample, 'sample.md');
    expect(regions.map((r) => [r.name, r.inline, r.content])).toEqual([
      ['speed', true, '≈ 40 s'],
      ['table', false, '\n| a | b |\n|---|---|\n| 1 | 2 |\n'],
    ]);
  });

  it('rewrites only the named regions and keeps every byte outside the markers', () => {
    const generated = new Map([
      ['speed', '≈ 55 s'],
      ['table', '| a | b |\n|---|---|\n| 3 | 4 |\n'],
    ]);
    const { text, changed } = rewriteRegions(sample, 'sample.md', generated);
    expect(changed).toEqual(['speed', 'table']);
    expect(text).toBe(sample.replace('≈ 40 s', '≈ 55 s').replace('| 1 | 2 |', '| 3 | 4 |'));
    // generating again is a fixed point, and a region without a generated text is kept as it is
    expect(rewriteRegions(text, 'sample.md', generated).changed).toEqual([]);
    expect(rewriteRegions(sample, 'sample.md', new Map([['speed', '≈ 55 s']])).text).toBe(sample.replace('≈ 40 s', '≈ 55 s'));
  });

  it('refuses malformed markers with the file and line', () => {
    expect(() => findRegions('a\n<!-- numbers:x -->\nb\n', 'f.md')).toThrow('f.md:2: region "x" is never closed');
    expect(() => findRegions('<!-- /numbers:x -->', 'f.md')).toThrow('f.md:1: closing marker of "x" without its opening marker');
    expect(() => findRegions('<!-- numbers:x -->\n<!-- numbers:y -->\n<!-- /numbers:y -->\n<!-- /numbers:x -->', 'f.md')).toThrow('f.md:2: region "y" opens inside region "x"');
    expect(() => findRegions('<!-- numbers:x -->1<!-- /numbers:x --> <!-- numbers:x -->2<!-- /numbers:x -->', 'f.md')).toThrow('region "x" appears twice');
    expect(() => findRegions('<!-- numbers:x -->one\ntwo<!-- /numbers:x -->', 'f.md')).toThrow('inline region "x" spans several lines');
    expect(() => findRegions('<!-- numbers:x -->\ntable<!-- /numbers:x -->', 'f.md')).toThrow('must start its own line');
    expect(() => rewriteRegions(sample, 'sample.md', new Map([['speed', 'two\nlines']]))).toThrow('region "speed" is inline');
  });
});

describe('number formats', () => {
  it('prints errors to two digits with a true minus sign, and times to what a loaded machine allows', () => {
    expect([sci(2.5e-4), sci(-5.12e-5), sci(7.6e-4), sci(8.1e-3, 1)]).toEqual(['2.5e-4', '−5.1e-5', '7.6e-4', '8e-3']);
    expect([roughTime(7.4), roughTime(41), roughTime(183), roughTime(1500)]).toEqual(['≈ 7 s', '≈ 40 s', '≈ 3 min', '≈ 25 min']);
  });
});

describe('the committed READMEs', () => {
  it('hold exactly what the checked generators write (npm run docs:numbers -- --check)', async () => {
    const context = newContext();
    const { generated, skipped } = await renderGenerators(context, ['checked']);
    expect(skipped).toEqual([]);
    expect([...generated.keys()].sort()).toEqual(GENERATORS.filter((g) => g.kind === 'checked').map((g) => g.name).sort());
    // also fails if a marker names no generator or a generator has no region
    expect(rewriteFiles(context, generated, false)).toEqual([]);

    // and the check can fail: one digit changed in a generated table is found
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = findRegions(readme, 'README.md').find((r) => r.name === 'fig1-accuracy')!;
    const edited = readme.slice(0, table.start) + table.content.replace(/\d(?=\d* \|)/, (digit) => String((Number(digit) + 1) % 10)) + readme.slice(table.end);
    expect(edited).not.toBe(readme);
    expect(rewriteRegions(edited, 'README.md', generated).changed).toEqual(['fig1-accuracy']);
  });

  it('name only known generators, and every generator has a region', () => {
    const root = mkdtempSync(join(tmpdir(), 'docs-numbers-test-'));
    try {
      const copy = (edit: (file: string, text: string) => string) => {
        for (const file of FILES) {
          mkdirSync(dirname(join(root, file)), { recursive: true });
          writeFileSync(join(root, file), edit(file, readFileSync(join(ROOT, file), 'utf8')));
        }
      };
      copy((file, text) => (file === 'notebooks/README.md' ? `${text}\n<!-- numbers:no-such-number -->1<!-- /numbers:no-such-number -->\n` : text));
      expect(() => rewriteFiles(newContext(root), new Map(), false)).toThrow('notebooks/README.md: region "no-such-number" has no generator');
      copy((_, text) => text.replace(/<!-- numbers:kernel-orders -->.*?<!-- \/numbers:kernel-orders -->/, 'K = 22'));
      expect(() => rewriteFiles(newContext(root), new Map(), false)).toThrow('generators without a region in README.md, examples/README.md, notebooks/README.md: kernel-orders');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('give the quick start one time everywhere', () => {
    const times = FILES.flatMap((file) => findRegions(readFileSync(join(ROOT, file), 'utf8'), file).filter((r) => r.name === 'quick-start-time').map((r) => r.content));
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(new Set(times).size).toBe(1);
  });
});
