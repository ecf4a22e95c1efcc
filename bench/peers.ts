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
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  readonly rounds: number;
}

interface TorchPeer {
  readonly version: string;
  /** The BLAS the peer process loaded (Debian: reference libblas3 unless e.g. libopenblas0-openmp is installed). */
  readonly blas: string;
  rate(c: SgdBenchCase, precision: Precision, seconds: number): Promise<number>;
  close(): void;
}

/** The PyTorch twin as a persistent process: `rate(case, precision, seconds)` times one run. */
async function startTorchPeer(python: string): Promise<TorchPeer | { readonly unavailable: string }> {
  const child = spawn(python, [fileURLToPath(new URL('./peers/sgd_torch.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'], env: ONE_THREAD_ENV });
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
      if (!reply) throw new Error('the PyTorch peer exited');
      return Number(reply.stepsPerSecond);
    },
    close: () => child.stdin.end(),
  };
}

async function runPeerBench(options: { rounds: number; seconds: number; python: string }): Promise<{ rows: PeerRow[]; pytorch: string; blas: string } | { unavailable: string }> {
  const peer = await startTorchPeer(options.python);
  if ('unavailable' in peer) return { unavailable: peer.unavailable };
  const rows: PeerRow[] = [];
  for (const c of SGD_BENCH_CASES) {
    const ours = { float64: sgdStepTimer(c, 'float64'), float32: sgdStepTimer(c, 'float32') };
    const mine = { float64: [] as number[], float32: [] as number[] };
    const theirs = { float64: [] as number[], float32: [] as number[] };
    const ratios = { float64: [] as number[], float32: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      for (const p of PRECISIONS) {
        const m = ours[p].time(options.seconds).stepsPerSecond;
        const t = await peer.rate(c, p, options.seconds);
        mine[p].push(m);
        theirs[p].push(t);
        ratios[p].push(m / t);
      }
    }
    rows.push({
      ...c,
      meanfieldStepsPerSecond: { float64: median(mine.float64), float32: median(mine.float32) },
      pytorchStepsPerSecond: { float64: median(theirs.float64), float32: median(theirs.float32) },
      ratio: { float64: median(ratios.float64), float32: median(ratios.float32) },
      rounds: options.rounds,
    });
  }
  peer.close();
  return { rows, pytorch: peer.version, blas: peer.blas };
}

function formatPeerBench(rows: readonly PeerRow[]): string {
  const head = '  (d, N, B)          meanfield f64   PyTorch f64   ratio f64   meanfield f32   PyTorch f32   ratio f32';
  const fmt = (x: number) => Math.round(x).toLocaleString('en').padStart(13);
  return [head, ...rows.map((r) =>
    `  ${`(${r.d}, ${r.N}, ${r.B})`.padEnd(18)}${PRECISIONS.map((p) => `${fmt(r.meanfieldStepsPerSecond[p])} ${fmt(r.pytorchStepsPerSecond[p])} ${r.ratio[p].toFixed(2).padStart(11)}`).join('  ')}`)].join('\n');
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
console.log(`SGD step, meanfield ${PACKAGE_VERSION} vs PyTorch ${outcome.pytorch} (one thread, BLAS ${outcome.blas}), ${rounds} interleaved rounds of ${seconds} s, on ${machine.cpu} (${machine.cores} cores):`);
console.log(formatPeerBench(outcome.rows));
const path = fileURLToPath(new URL('./results.json', import.meta.url));
const previous = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
const peers = { createdAt: new Date().toISOString(), machine, pytorch: outcome.pytorch, blas: outcome.blas, rounds, seconds, sgd: outcome.rows };
writeFileSync(path, toJson({ ...previous, peers }, true) + '\n');
console.log(`\nwrote ${path} (peers)`);
