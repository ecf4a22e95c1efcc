/**
 * `npm run bench:mnist`: SGD steps/s of the MNIST two-layer net (reduced-models/mnist-two-layer,
 * README §4 kernels) at batch B = 100 and N = 100, 1000, 3000, 10⁴ on the 8000 training digits of the
 * example's split, and of PyTorch on the same step and shapes in the same run (bench/mnist-torch.py,
 * one thread, float64 and float32, hand-written and autograd gradient), if a python3 with torch is found.
 * A step = draw B rows uniformly with replacement, forward, softmax cross-entropy, gradient, update.
 *
 * Method: per case 0.3 s of warm-up steps, then 3 timed repeats of ≈ 0.5 s; the median steps/s by CPU
 * time of the process (one thread: robust to other jobs taking turns on a shared machine) and by wall
 * time. Rounds (default 3) alternate all of ours and all of PyTorch's cases; reported is the median over
 * rounds. Prints a table and writes bench/mnist-results.json. Options: --units 100,1000 --rounds 3 --no-torch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, median, ONE_THREAD_ENV, torchPython } from './timing.ts';
import { splitByClass } from '../src/data/dataset.ts';
import { loadMnistPackage } from '../src/data/mnist.ts';
import { PACKAGE_VERSION, toJson } from '../src/io/output.ts';
import { Rng } from '../src/rng.ts';
import { sparseInputs, TwoLayerClassifier } from '../reduced-models/mnist-two-layer/network.ts';

const BATCH = 100;
const args = process.argv.slice(2);
const unitsArg = args.indexOf('--units');
const UNITS = unitsArg >= 0 ? args[unitsArg + 1].split(',').map(Number) : [100, 1000, 3000, 10000];
const withTorch = !args.includes('--no-torch');
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 3;

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Rate {
  readonly cpuStepsPerSecond: number;
  readonly wallStepsPerSecond: number;
  readonly stepsPerRepeat: number;
}

function rate(step: () => void, seconds = 0.5, repeats = 3): Rate {
  let t0 = performance.now();
  let k = 0;
  while (performance.now() - t0 < 300 || k < 2) {
    step();
    k++;
  }
  const steps = Math.max(2, Math.round((seconds * 1000 * k) / (performance.now() - t0)));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = cpuSeconds();
    t0 = performance.now();
    for (let q = 0; q < steps; q++) step();
    cpu.push(steps / (cpuSeconds() - c0));
    wall.push(steps / ((performance.now() - t0) / 1000));
  }
  return { cpuStepsPerSecond: median(cpu), wallStepsPerSecond: median(wall), stepsPerRepeat: steps };
}

const train = splitByClass(loadMnistPackage(), 0.2, 1).train;
const data = sparseInputs(train);

function oursAt(N: number): Rate {
  const net = new TwoLayerClassifier(N, train.dim, train.classes, BATCH);
  const rng = new Rng(1);
  for (let i = 0; i < net.uT.length; i++) net.uT[i] = (2 * rng.uniform() - 1) / 28;
  for (let i = 0; i < net.a.length; i++) net.a[i] = 2 * rng.uniform() - 1;
  const rows = new Uint32Array(BATCH);
  const s = 1e-3 / N;
  return rate(() => {
    for (let b = 0; b < BATCH; b++) rows[b] = Math.floor(rng.uniform() * data.n);
    net.step(data, rows, BATCH, s);
  });
}

interface TorchRow extends Rate {
  readonly N: number;
  readonly dtype: string;
  readonly gradient: string;
  readonly torch: string;
}

/** One pass of bench/mnist-torch.py over every N (rows, or a note saying why there are none). */
function torchPass(python: string, dir: string): { rows: TorchRow[]; note: string } {
  const script = fileURLToPath(new URL('./mnist-torch.py', import.meta.url));
  const r = spawnSync(python, [script, '--images', join(dir, 'x.f64'), '--labels', join(dir, 'y.u8'), '--dim', String(train.dim), '--batch', String(BATCH), '--units', UNITS.join(',')], { encoding: 'utf8', env: ONE_THREAD_ENV });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim());
  const rows = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TorchRow);
  const skip = lines.find((l) => l.startsWith('skip:'));
  return { rows, note: skip ?? (r.status === 0 ? `${python}, torch ${rows[0]?.torch}, 1 thread` : `failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`) };
}

/** Per case, the median over rounds of each round's median (rounds alternate ours and PyTorch, so drifts in the machine's speed hit both). */
function medianOver(rounds: readonly Rate[]): Rate {
  return { cpuStepsPerSecond: median(rounds.map((r) => r.cpuStepsPerSecond)), wallStepsPerSecond: median(rounds.map((r) => r.wallStepsPerSecond)), stepsPerRepeat: rounds[0].stepsPerRepeat };
}

const python = withTorch ? torchPython() : null;
let torchNote = withTorch ? 'skipped: no python3 with torch found (Debian: apt-get install -y python3-torch)' : 'not run (--no-torch)';
const oursRounds: Rate[][] = UNITS.map(() => []);
const torchRounds: TorchRow[][] = [];
const dir = mkdtempSync(join(tmpdir(), 'meanfield-mnist-bench-'));
try {
  writeFileSync(join(dir, 'x.f64'), new Uint8Array(train.inputs.buffer, train.inputs.byteOffset, train.inputs.byteLength));
  writeFileSync(join(dir, 'y.u8'), train.labels);
  for (let round = 0; round < ROUNDS; round++) {
    UNITS.forEach((N, i) => oursRounds[i].push(oursAt(N)));
    if (python) {
      const pass = torchPass(python, dir);
      torchNote = pass.note;
      torchRounds.push(pass.rows);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ours = UNITS.map((N, i) => ({ N, B: BATCH, ...medianOver(oursRounds[i]) }));
const torch: TorchRow[] = (torchRounds[0] ?? []).map((row, j) => ({ ...row, ...medianOver(torchRounds.map((rows) => rows[j])) }));

const machine = machineInfo();
console.log(`MNIST two-layer SGD step, B = ${BATCH}, steps/s by CPU time (wall in parentheses); ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
console.log(`PyTorch: ${torchNote}`);
const fmt = (r: Rate | undefined) => (r ? `${r.cpuStepsPerSecond.toFixed(1)} (${r.wallStepsPerSecond.toFixed(1)})` : '—');
const columns = ['f64 hand', 'f64 autograd', 'f32 hand', 'f32 autograd'];
console.log(['N', 'ours f64', ...columns.map((c) => `torch ${c}`)].map((c) => c.padStart(19)).join(' '));
for (const o of ours) {
  const t = (dtype: string, gradient: string) => torch.find((r) => r.N === o.N && r.dtype === dtype && r.gradient === gradient);
  const cells = [fmt(o), fmt(t('float64', 'hand')), fmt(t('float64', 'autograd')), fmt(t('float32', 'hand')), fmt(t('float32', 'autograd'))];
  console.log([String(o.N), ...cells].map((c) => c.padStart(19)).join(' '));
}
const path = new URL('./mnist-results.json', import.meta.url);
writeFileSync(path, toJson({ version: PACKAGE_VERSION, createdAt: new Date().toISOString(), machine, batch: BATCH, ours, torch, torchNote }, true) + '\n');
console.log(`wrote ${fileURLToPath(path)}`);
