/**
 * Property-based fuzzing of the command line as a user meets it: `node bin/meanfield.mjs solve |
 * compare | potentials | minimize` as child processes on a tiny Fig. 1 spec (few cells, a short
 * horizon, few units) with ONE field broken or pushed to an extreme (./mutations.ts). Each run must
 *  - end within BOUND_MS, or have printed progress by then and stop on SIGINT (exit 130) soon after;
 *  - exit 0, or 2 with a one-line "invalid spec" message naming the mutated field;
 *  - print no stack trace (no "    at " lines; they are for --debug);
 *  - when it succeeds, write a result.json without NaN, ±Infinity or null where a number belongs.
 * Spawned processes cost seconds each on a loaded machine, so this file runs few cases (the bulk is
 * in-process in ./validate.test.ts); two run at once.
 */
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMutation, describeMutation, FUZZ_SCALE, FUZZ_SEED, mutationOf, pathText, tinyFig1, type Mutation } from './mutations.ts';
import { badNumbers, namesField } from './oracle.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meanfield.mjs');
/** A run still going after this long must have shown progress; it is then stopped with SIGINT. */
const BOUND_MS = 20_000;
/** Time a SIGINT-ed run has to write its work and exit. */
const STOP_MS = 10_000;
const CLI_RUNS = 6;
const AT_ONCE = 2;

const COMMANDS = {
  solve: (out: string) => ['--out', out],
  compare: (out: string) => ['--out', out],
  potentials: () => ['--at', '0.3,1.5', '--json'],
  minimize: () => ['--json'],
} as const;
type Command = keyof typeof COMMANDS;

interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the run outlived BOUND_MS and was sent SIGINT. */
  readonly interrupted: boolean;
  /** Progress (a "[n s] …" line or a resource estimate) printed before BOUND_MS. */
  readonly progressInTime: boolean;
  /** True when even SIGINT did not end it within STOP_MS (then killed). */
  readonly hung: boolean;
}

const PROGRESS_LINE = /^\[\d+ (s|min)|^estimate: /m;

function runCli(args: string[]): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MEANFIELD_PROGRESS_SECONDS: '1' } });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    let progressInTime = false;
    let hung = false;
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const bound = setTimeout(() => {
      interrupted = true;
      progressInTime = PROGRESS_LINE.test(stderr);
      child.kill('SIGINT');
    }, BOUND_MS);
    const kill = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, BOUND_MS + STOP_MS);
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      clearTimeout(kill);
      // a command with nothing to save (potentials, minimize) may simply die of the SIGINT: the shell's 130
      resolve({ code: code ?? (signal === 'SIGINT' && !hung ? 130 : null), stdout, stderr, interrupted, progressInTime, hung });
    });
  });
}

/** What is wrong with one run (empty when it behaved). */
function problems(outcome: CliOutcome, mutation: Mutation, outDir: string | undefined): string[] {
  const out: string[] = [];
  const { code, stderr, stdout } = outcome;
  if (outcome.hung) out.push('did not stop within 10 s of SIGINT (killed)');
  if (outcome.interrupted && !outcome.progressInTime) out.push(`ran past ${BOUND_MS / 1000} s without printing progress`);
  // after SIGINT: 130, or 2 when the bad spec was found while the run was setting up (checked below like any exit 2)
  if (outcome.interrupted && !outcome.hung && code !== 130 && code !== 2) out.push(`exit ${code} after SIGINT (expected 130)`);
  if (!outcome.interrupted && code !== 0 && code !== 2) out.push(`exit ${code} (expected 0, or 2 for a bad spec)`);
  if (/^\s+at /m.test(stderr) || /^\s+at /m.test(stdout)) out.push('printed a stack trace');
  if (code === 2) {
    // progress lines ("[3 s] solve: …") and a resource estimate may come first: the message is what follows
    const lines = stderr.trim().split('\n').filter((l) => !/^\[\d+ (s|min)|^estimate: |^ {2}|^SIGINT: /.test(l) && l.trim() !== '');
    const m = /^meanfield: invalid spec: ([^:]+): (.*)$/.exec(lines[0]);
    if (lines.length !== 1 || !m) out.push(`exit 2 without a one-line "invalid spec" message: ${stderr.slice(0, 300)}`);
    else if (!namesField(m[1], `${m[1]}: ${m[2]}`, pathText(mutation.path))) out.push(`message does not name ${pathText(mutation.path)}: ${lines[0]}`);
  }
  if (code === 0 && outDir !== undefined) {
    const file = join(outDir, 'result.json');
    if (!existsSync(file)) out.push('exit 0 without result.json');
    else {
      const bad = badNumbers(JSON.parse(readFileSync(file, 'utf8')));
      if (bad.length > 0) out.push(`result.json has NaN/Infinity/null numbers at ${bad.slice(0, 5).join(', ')}`);
    }
  }
  if (code === 0 && outDir === undefined) {
    try {
      const bad = badNumbers(JSON.parse(stdout));
      if (bad.length > 0) out.push(`--json output has NaN/Infinity/null numbers at ${bad.slice(0, 5).join(', ')}`);
    } catch {
      out.push(`--json output is not JSON: ${stdout.slice(0, 200)}`);
    }
  }
  return out;
}

/** Runs `jobs` with at most AT_ONCE at a time. */
async function pooled<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  return results;
}

describe('fuzz: the CLI on one broken field', () => {
  it('badNumbers finds the nulls a NaN becomes, and allows the documented absences', () => {
    expect(badNumbers({ risk: [1, null], meanR: null, companion: null, error: { order: [null, 2] }, x: 'NaN', spec: { a: null } })).toEqual(['risk[1]', 'meanR', 'x = NaN']);
  });

  it(`${CLI_RUNS} runs of solve, compare, potentials and minimize: in time, exit 0 or 2 naming the field, no stack, finite results`, async () => {
    const base = tinyFig1();
    const dir = mkdtempSync(join(tmpdir(), 'meanfield-fuzz-cli-'));
    const cases = fc.sample(fc.tuple(fc.constantFrom(...(Object.keys(COMMANDS) as Command[])), mutationOf(base)), { seed: FUZZ_SEED, numRuns: Math.round(CLI_RUNS * FUZZ_SCALE) });
    const reports = await pooled(
      cases.map(([command, mutation], i) => async () => {
        const specPath = join(dir, `spec-${i}.json`);
        writeFileSync(specPath, JSON.stringify(applyMutation(base, mutation)));
        const outDir = command === 'solve' || command === 'compare' ? join(dir, `out-${i}`) : undefined;
        const outcome = await runCli([command, specPath, ...COMMANDS[command](outDir!)]);
        const found = problems(outcome, mutation, outDir);
        return found.length > 0 ? `${command} with ${describeMutation(mutation)} (${specPath}): ${found.join('; ')}` : null;
      }),
    );
    const failures = reports.filter((r) => r !== null);
    if (failures.length === 0) rmSync(dir, { recursive: true, force: true }); // a failure keeps its specs for a rerun by hand
    expect(failures).toEqual([]);
  }, 4 * 60_000);
});
