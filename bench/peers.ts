/**
 * `npm run bench:peers [--rounds R] [--seconds s]`: meanfield's SGD step against a PyTorch twin of the
 * same step (bench/peers/sgd_torch.py: same data law, activation and hand-written gradient; float64 and
 * float32; one thread), interleaved in one run on this machine: every round times each case once in
 * each engine and precision, back to back, so load from other processes hits both alike. Reported per
 * case and precision: the median steps/s of each engine and the median over rounds of the per-round
 * ratio meanfield / PyTorch in the same precision (meanfield float32: particles.precision "float32").
 * Written to bench/results.json under `peers` with the machine and the PyTorch version. Optional and
 * not in CI: without `python3 -c "import torch"` (Debian: apt-get install python3-torch, and
 * libopenblas0-openmp for an optimised BLAS rather than the reference libblas3) it says so and
 * exits 0. The interpreter is bench/timing.ts `torchPython()`.
 *
 * meanfield is timed on one thread and, in the same rounds, on two (particles.threads 2): PyTorch and C stay on one, so the two-thread ratios say what the second core
 * buys, not a like-for-like comparison.
 *
 * Also, when a C compiler is there: the hand-written C twin of the float64 step (bench/peers/sgd_c.c,
 * cc -O3 -march=native, same protocol) in the same rounds, and the STREAM triad bandwidth on one thread
 * and on every core (bench/peers/stream_triad.c, OpenMP), recorded beside the rows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { machineInfo, median, ONE_THREAD_ENV, torchPython } from './timing.ts';
import { PRECISIONS, SGD_BENCH_CASES, sgdStepTimer, type SgdBenchCase } from './sgd.ts';
import type { Precision } from '../src/particles/sgd.ts';
import { PACKAGE_VERSION, toJson } from '../src/io/output.ts';

interface PeerRow extends SgdBenchCase {
  /** Median steps/s of meanfield per precision. */
  readonly meanfieldStepsPerSecond: Record<Precision, number>;
  /** Median steps/s of the PyTorch twin per precision. */
  readonly pytorchStepsPerSecond: Record<Precision, number>;
  /** Median over rounds of (meanfield / PyTorch) in that round, both in that precision. */
  readonly ratio: Record<Precision, number>;
  /**
   * meanfield on two threads (particles.threads 2: a helper thread takes half of each step's kernels, same
   * bits) in the same rounds, and the median per-round ratio of that to PyTorch.
   */
  readonly meanfieldTwoThreadsStepsPerSecond: Record<Precision, number>;
  readonly ratioTwoThreads: Record<Precision, number>;
  /** The hand-written C twin (float64; null without a C compiler): median steps/s and median per-round meanfield f64 / C. */
  readonly cStepsPerSecond: number | null;
  readonly ratioC: number | null;
  readonly rounds: number;
}

interface Peer {
  readonly version: string;
  /** The BLAS the peer process loaded (Debian: reference libblas3 unless e.g. libopenblas0-openmp is installed). */
  readonly blas: string;
  rate(c: SgdBenchCase, precision: Precision, seconds: number): Promise<number>;
  close(): void;
}

/**
 * A twin of the SGD step as a persistent process speaking the protocol of bench/peers/sgd_torch.py
 * (JSON lines): `rate(case, precision, seconds)` times one run.
 */
async function startPeer(command: string, args: readonly string[]): Promise<Peer | { readonly unavailable: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env: ONE_THREAD_ENV });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | null> => {
    const line = await lines.next();
    return line.done ? null : JSON.parse(line.value);
  };
  const spawnError = new Promise<null>((resolve) => child.once('error', () => resolve(null)));
  const hello = await Promise.race([next(), spawnError]);
  if (!hello || 'error' in hello) {
    child.kill();
    return { unavailable: hello ? String(hello.error) : `cannot run ${python}` };
  }
  return {
    version: String(hello.ready),
    blas: String(hello.blas),
    async rate(c: SgdBenchCase, precision: Precision, seconds: number): Promise<number> {
      child.stdin.write(JSON.stringify({ d: c.d, N: c.N, B: c.B, dtype: precision, seconds }) + '\n');
      const reply = await next();
      if (!reply || 'error' in reply) throw new Error(`the peer ${command} failed: ${reply ? String(reply.error) : 'exited'}`);
      return Number(reply.stepsPerSecond);
    },
    close: () => child.stdin.end(),
  };
}

/**
 * Compiles a C peer (bench/peers/<source>) with `cc -O3 -march=native` into a temporary directory;
 * its path, or null (with the compiler's complaint on stderr) when there is no working C compiler.
 */
function compileC(source: string, extraFlags: readonly string[] = []): string | null {
  const out = join(mkdtempSync(join(tmpdir(), 'meanfield-peer-')), source.replace(/\.c$/, ''));
  const cc = spawnSync('cc', ['-O3', '-march=native', ...extraFlags, '-o', out, fileURLToPath(new URL(`./peers/${source}`, import.meta.url)), '-lm'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return cc.status === 0 ? out : null;
}

/** STREAM triad GB/s with `threads` OpenMP threads (bench/peers/stream_triad.c), or null without cc/OpenMP. */
function streamTriad(binary: string | null, threads: number): number | null {
  if (!binary) return null;
  const run = spawnSync(binary, [], { env: { ...process.env, OMP_NUM_THREADS: String(threads), OMP_PROC_BIND: 'spread' }, encoding: 'utf8' });
  return run.status === 0 ? Number(run.stdout.trim().split(/\s+/)[1]) : null;
}

async function runPeerBench(options: { rounds: number; seconds: number; python: string }): Promise<{ rows: PeerRow[]; pytorch: string; blas: string; c: string | null } | { unavailable: string }> {
  const peer = await startPeer(options.python, [fileURLToPath(new URL('./peers/sgd_torch.py', import.meta.url))]);
  if ('unavailable' in peer) return { unavailable: peer.unavailable };
  const cBinary = compileC('sgd_c.c');
  const started = cBinary ? await startPeer(cBinary, []) : null;
  const cPeer = started && !('unavailable' in started) ? started : null;
  if (!cPeer) console.log('bench:peers: no C twin (cc -O3 -march=native bench/peers/sgd_c.c failed); its column stays empty');
  const rows: PeerRow[] = [];
  for (const c of SGD_BENCH_CASES) {
    const ours = { float64: sgdStepTimer(c, 'float64'), float32: sgdStepTimer(c, 'float32') };
    const two = { float64: sgdStepTimer(c, 'float64', 2), float32: sgdStepTimer(c, 'float32', 2) };
    const mine = { float64: [] as number[], float32: [] as number[] };
    const mine2 = { float64: [] as number[], float32: [] as number[] };
    const ratios2 = { float64: [] as number[], float32: [] as number[] };
    const theirs = { float64: [] as number[], float32: [] as number[] };
    const ratios = { float64: [] as number[], float32: [] as number[] };
    const cRates: number[] = [];
    const cRatios: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const p of PRECISIONS) {
        const m = ours[p].time(options.seconds).stepsPerSecond;
        const m2 = two[p].time(options.seconds).stepsPerSecond;
        const t = await peer.rate(c, p, options.seconds);
        mine[p].push(m);
        theirs[p].push(t);
        ratios[p].push(m / t);
        mine2[p].push(m2);
        ratios2[p].push(m2 / t);
        if (cPeer && p === 'float64') {
          const rc = await cPeer.rate(c, p, options.seconds);
          cRates.push(rc);
          cRatios.push(m / rc);
        }
      }
    }
    rows.push({
      ...c,
      meanfieldStepsPerSecond: { float64: median(mine.float64), float32: median(mine.float32) },
      pytorchStepsPerSecond: { float64: median(theirs.float64), float32: median(theirs.float32) },
      ratio: { float64: median(ratios.float64), float32: median(ratios.float32) },
      meanfieldTwoThreadsStepsPerSecond: { float64: median(mine2.float64), float32: median(mine2.float32) },
      ratioTwoThreads: { float64: median(ratios2.float64), float32: median(ratios2.float32) },
      cStepsPerSecond: cPeer ? median(cRates) : null,
      ratioC: cPeer ? median(cRatios) : null,
      rounds: options.rounds,
    });
    await Promise.all([...Object.values(ours), ...Object.values(two)].map((timer) => timer.close()));
  }
  peer.close();
  cPeer?.close();
  return { rows, pytorch: peer.version, blas: peer.blas, c: cPeer?.version ?? null };
}

function formatPeerBench(rows: readonly PeerRow[]): string {
  const fmt = (x: number | null) => (x === null ? '—' : Math.round(x).toLocaleString('en')).padStart(13);
  const ratio = (x: number | null, width: number) => (x === null ? '—' : x.toFixed(2)).padStart(width);
  const head = '  (d, N, B)          meanfield f64   PyTorch f64   ratio f64   meanfield f32   PyTorch f32   ratio f32           C f64  ratio vs C';
  const oneThread = rows.map((r) =>
    `  ${`(${r.d}, ${r.N}, ${r.B})`.padEnd(18)}${PRECISIONS.map((p) => `${fmt(r.meanfieldStepsPerSecond[p])} ${fmt(r.pytorchStepsPerSecond[p])} ${r.ratio[p].toFixed(2).padStart(11)}`).join('  ')}  ${fmt(r.cStepsPerSecond)}  ${ratio(r.ratioC, 10)}`);
  const twoHead = '\n  meanfield on two threads (particles.threads 2), same rounds:\n  (d, N, B)          meanfield f64   ratio vs PyTorch f64   meanfield f32   ratio vs PyTorch f32';
  const twoThreads = rows.map((r) =>
    `  ${`(${r.d}, ${r.N}, ${r.B})`.padEnd(18)}${PRECISIONS.map((p) => `${fmt(r.meanfieldTwoThreadsStepsPerSecond[p])} ${ratio(r.ratioTwoThreads[p], 22)}`).join('  ')}`);
  return [head, ...oneThread, twoHead, ...twoThreads].join('\n');
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '0.5' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) { console.error('bench:peers: --rounds must be an integer in [1, 100]'); process.exit(2); }
if (!(seconds >= 0.05 && seconds <= 60)) { console.error('bench:peers: --seconds must be in [0.05, 60]'); process.exit(2); }
const python = torchPython();
const outcome = python ? await runPeerBench({ rounds, seconds, python }) : { unavailable: 'no python3 with torch found' };
if ('unavailable' in outcome) {
  console.log(`bench:peers skipped: ${outcome.unavailable} (Debian: apt-get install python3-torch libopenblas0-openmp)`);
  process.exit(0);
}
const machine = machineInfo();
console.log(`SGD step, meanfield ${PACKAGE_VERSION} vs PyTorch ${outcome.pytorch} (one thread, BLAS ${outcome.blas}) and ${outcome.c ?? 'no C twin'}, ${rounds} interleaved rounds of ${seconds} s, on ${machine.cpu} (${machine.cores} cores):`);
console.log(formatPeerBench(outcome.rows));
// The memory bandwidth the grid solvers are judged against (bench/pde-nd.ts reports their own traffic).
const stream = compileC('stream_triad.c', ['-fopenmp']);
const triad = { oneThreadGBps: streamTriad(stream, 1), allCoresGBps: streamTriad(stream, machine.cores) };
console.log(triad.oneThreadGBps === null
  ? '\nSTREAM triad: not measured (cc -fopenmp bench/peers/stream_triad.c failed)'
  : `\nSTREAM triad (bench/peers/stream_triad.c): ${triad.oneThreadGBps.toFixed(1)} GB/s on 1 thread, ${triad.allCoresGBps?.toFixed(1)} GB/s on ${machine.cores}`);
const path = fileURLToPath(new URL('./results.json', import.meta.url));
const previous = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
const peers = { createdAt: new Date().toISOString(), machine, pytorch: outcome.pytorch, blas: outcome.blas, c: outcome.c, rounds, seconds, sgd: outcome.rows, streamTriad: triad };
writeFileSync(path, toJson({ ...previous, peers }, true) + '\n');
console.log(`\nwrote ${path} (peers)`);
