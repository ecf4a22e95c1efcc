/**
 * Regenerates the marked regions of the READMEs (scripts/docs-numbers/regions.ts) with the generators
 * of scripts/docs-numbers/registry.ts, and reports which regions changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILES, type Context, type GeneratorKind } from './generators.ts';
import { GENERATORS } from './registry.ts';
import { findRegions, rewriteRegions } from './regions.ts';

/** The text of every generator of the given kinds; `skipped`: timings never measured (their regions are kept). */
export async function renderGenerators(context: Context, kinds: readonly GeneratorKind[]): Promise<{ generated: Map<string, string>; skipped: string[] }> {
  const generated = new Map<string, string>();
  const skipped: string[] = [];
  for (const g of GENERATORS.filter((g) => kinds.includes(g.kind))) {
    const text = await g.render(context);
    if (text === null) skipped.push(g.name);
    else generated.set(g.name, text);
  }
  return { generated, skipped };
}

/**
 * Rewrites the regions of FILES named in `generated` (on disk only if `write`) and returns
 * "file: region" of each region whose text differed. Every marker must name a generator, and every
 * generator must own at least one region.
 */
export function rewriteFiles(context: Context, generated: ReadonlyMap<string, string>, write: boolean): string[] {
  const texts = FILES.map((file) => ({ file, text: readFileSync(join(context.root, file), 'utf8') }));
  const known = new Set(GENERATORS.map((g) => g.name));
  const used = new Set<string>();
  for (const { file, text } of texts) {
    for (const region of findRegions(text, file)) {
      if (!known.has(region.name)) throw new Error(`${file}: region "${region.name}" has no generator (known: ${[...known].join(', ')})`);
      used.add(region.name);
    }
  }
  const orphans = [...known].filter((name) => !used.has(name));
  if (orphans.length > 0) throw new Error(`generators without a region in ${FILES.join(', ')}: ${orphans.join(', ')}`);
  const stale: string[] = [];
  for (const { file, text } of texts) {
    const result = rewriteRegions(text, file, generated);
    stale.push(...result.changed.map((name) => `${file}: ${name}`));
    if (write && result.changed.length > 0) writeFileSync(join(context.root, file), result.text);
  }
  return stale;
}
