/**
 * Property-based fuzzing of the validation layer, in-process (fast-check, fixed seed): every example
 * spec with ONE field broken or pushed to an extreme (./mutations.ts) is either accepted or refused by a
 * ConfigError naming that field in one line; nothing else may be thrown (a RangeError, a TypeError, a
 * zod error is a bug: the CLI would print it as a run-time failure). The CLI itself is fuzzed in
 * ./cli.test.ts on a smaller number of cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { toJson } from '../../src/io/output.ts';
import { runSolveSpec } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';
import { estimateRun } from '../../src/spec/resources.ts';
import { applyMutation, BAD_FORMULAS, describeMutation, EXAMPLES_DIR, FUZZ_SCALE, FUZZ_SEED, mutationOf, pathText, readExample, tinyFig1, type Json, type Mutation } from './mutations.ts';
import { badNumbers, namesField, validateInProcess } from './oracle.ts';

/**
 * The examples and how many mutations of each. Formulas for σ are fuzzed by the last test only: a formula
 * that is fine as σ costs seconds to set up on an example's grid.
 */
const CASES: readonly { file: string; runs: number }[] = [
  { file: 'mmn-fig1.json', runs: 200 },
  { file: 'mmn-fig3.json', runs: 80 },
  { file: 'mmn-fig4.json', runs: 80 },
  { file: 'mmn-clt.json', runs: 60 },
  { file: 'sgd-diffusion-fig1.json', runs: 60 },
  { file: 'sgd-diffusion-regimes.json', runs: 40 },
  { file: 'rve-line.json', runs: 80 },
  { file: 'rve-circle.json', runs: 80 },
  { file: 'rve-line-birth-death.json', runs: 60 },
  { file: 'rve-3spin.json', runs: 60 },
  { file: 'debortoli-regimes.json', runs: 8 },
];

/** The failure text of one mutation, or null when it behaves. */
async function misbehaviour(base: Json, m: Mutation): Promise<string | null> {
  let verdict;
  try {
    verdict = await validateInProcess(applyMutation(base, m));
  } catch (e) {
    return `${describeMutation(m)}: threw ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
  }
  if (verdict.ok) return null;
  if (verdict.message.includes('\n')) return `${describeMutation(m)}: message of several lines: ${verdict.message}`;
  if (!namesField(verdict.field, verdict.message, pathText(m.path))) return `${describeMutation(m)}: refused as ${verdict.message}, which does not name ${pathText(m.path)}`;
  return null;
}

describe('fuzz: one broken field of an example spec', () => {
  it.each(CASES)('$file: accepted, or refused naming the field ($runs mutations)', async ({ file, runs }) => {
    const base = readExample(file);
    const arbitrary = mutationOf(base).filter((m) => m.kind !== 'formula');
    await fc.assert(
      fc.asyncProperty(arbitrary, async (m) => {
        const failure = await misbehaviour(base, m);
        expect(failure).toBeNull();
      }),
      { seed: FUZZ_SEED, numRuns: Math.round(runs * FUZZ_SCALE), endOnFailure: true },
    );
  });

  it('tiny Fig. 1: an accepted mutation that the cost model calls cheap solves (in this thread) to finite, sane numbers', async () => {
    const base = tinyFig1();
    let solved = 0;
    await fc.assert(
      fc.asyncProperty(mutationOf(base).filter((m) => m.kind !== 'formula'), async (m) => {
        const json = applyMutation(base, m);
        if (!(await validateInProcess(json)).ok) return;
        const spec = await parseSpec(json, { baseDir: EXAMPLES_DIR });
        const seconds = spec.runs.reduce((s, run) => s + estimateRun(run, { pde: true, particles: false }).seconds, 0);
        if (!(seconds < 0.05)) return; // the CLI test and the limits tests cover the long ones
        let result;
        try {
          result = runSolveSpec(spec);
        } catch (e) {
          if (e instanceof ConfigError && namesField(e.field, e.message, pathText(m.path))) return;
          throw e;
        }
        solved++;
        expect(badNumbers(JSON.parse(toJson(result))), describeMutation(m)).toEqual([]);
        // and nothing absurd: R = E(y − ŷ)² ≥ 0, non-increasing for the noiseless deterministic flow (the scheme
        // dissipates the discrete risk exactly, up to round-off), mass 1, mean radius inside the grid
        spec.runs.forEach((run, i) => {
          const r = result.runs[i];
          const where = `${describeMutation(m)}, run ${i}`;
          for (const R of r.risk) expect(R, where).toBeGreaterThanOrEqual(-1e-12);
          if (!run.noise && run.limit === 'deterministic' && r.methodName === 'finite-volume') {
            for (let k = 1; k < r.risk.length; k++) expect(r.risk[k], where).toBeLessThanOrEqual(r.risk[k - 1] + 1e-12);
          }
          if (r.fv) {
            for (const mass of r.fv.mass) expect(Math.abs(mass - 1), where).toBeLessThan(1e-12);
            const hi = r.fv.axes[0].hi;
            for (const mean of r.means[0]) expect(mean >= 0 && mean <= hi, `${where}: mean r = ${mean} outside [0, ${hi}]`).toBe(true);
          }
        });
      }),
      { seed: FUZZ_SEED, numRuns: Math.round(40 * FUZZ_SCALE), endOnFailure: true },
    );
    expect(solved).toBeGreaterThan(5); // the property is not vacuous
  });

  it('every bad formula for σ is refused naming model.activation.expr, or accepted (Fig. 1)', async () => {
    const base = readExample('mmn-fig1.json');
    // formulas that are fine as σ: accepting them is right; their set-up is the slow part, so they are only parsed here
    const fine = new Set(['tanh(t)', 'erf(t)', 'cbrt(t)', 'max(t, 0)', 'abs(t) - 2', 'mod(t, 0)']);
    for (const expr of BAD_FORMULAS.filter((f) => !fine.has(f))) {
      const m: Mutation = { kind: 'formula', path: ['model', 'activation'], expr };
      const verdict = await validateInProcess(applyMutation(base, m));
      expect(verdict.ok, describeMutation(m)).toBe(false);
      // a formula that is real and finite everywhere but too large for the kernel series (exp(t)) is named as the activation
      if (!verdict.ok) expect(verdict.field, verdict.message).toMatch(/^model\.activation(\.expr)?$/);
    }
  });
});
