import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataTree, exportData, npyBytes, npyName } from '../../src/io/data-export.ts';
import { runSolveSpec, writeSolveOutputs } from '../../src/pipeline/solve.ts';
import { parseSpec } from '../../src/spec/index.ts';

/** A small .npy (format 1.0, '<f8', C order) reader: shape and values. */
function readNpy(bytes: Buffer): { shape: number[]; values: Float64Array } {
  expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  expect(header).toMatch(/'descr': '<f8', 'fortran_order': False/);
  expect((10 + headerLength) % 64).toBe(0);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim() !== '').map(Number);
  const data = bytes.subarray(10 + headerLength);
  const values = new Float64Array(data.length / 8);
  for (let i = 0; i < values.length; i++) values[i] = data.readDoubleLE(8 * i);
  return { shape, values };
}

/** Every numeric array of a JSON value by its path, flattened (null as NaN). */
function numericArrays(value: unknown, path = '', out = new Map<string, number[]>()): Map<string, number[]> {
  if (Array.isArray(value)) {
    const flat = value.flat(Infinity as 1) as unknown[];
    if (value.length > 0 && flat.every((x) => x === null || typeof x === 'number')) out.set(path, flat.map((x) => (x === null ? Number.NaN : (x as number))));
    else value.forEach((x, i) => typeof x === 'object' && x !== null && numericArrays(x, `${path}/${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!(path === '' && (k === 'provenance' || k === 'spec'))) numericArrays(v, path ? `${path}/${k}` : k, out);
  }
  return out;
}

const SPEC = {
  model: { name: 'isotropic-gaussians', delta: 0.8, d: 40, activation: { kind: 'mmn' } },
  init: { kind: 'gaussian', scale: 0.8 },
  grid: { rMax: 8, cells: 120 },
  saveTimes: [0, 0.1, 0.2],
  variants: [{ label: 'a', model: { delta: 0.8 } }, { label: 'b', model: { delta: 0.6 } }],
};

describe('data export of a result.json (h5, npy)', () => {
  let dir: string;
  let result: Record<string, unknown>;
  let expected: Map<string, number[]>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meanfield-data-'));
    writeSolveOutputs(dir, runSolveSpec(await parseSpec(SPEC)));
    result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expected = numericArrays(result);
    await exportData(dir, ['h5', 'npy']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('labels the axes: save times, coordinates and the grid of the cell masses', () => {
    const tree = dataTree(result);
    const byPath = new Map(tree.arrays.map((a) => [a.path, a]));
    expect(byPath.get('variants/0/risk')!.dims).toEqual(['t']);
    expect(byPath.get('variants/1/means')!.dims).toEqual(['coordinate', 't']);
    expect(byPath.get('variants/0/fv/density')!).toMatchObject({ shape: [3, 120], dims: ['t', 'r'] });
    expect(tree.arrays.length).toBe(expected.size);
  });

  it('h5: every array bit for bit, the provenance as an attribute (h5wasm)', async () => {
    const h5wasm = await import('h5wasm/node');
    await h5wasm.ready;
    const f = new h5wasm.File(join(dir, 'data', 'result.h5'), 'r');
    try {
      for (const [path, values] of expected) {
        const d = f.get(path) as InstanceType<typeof h5wasm.Dataset>;
        expect(d, path).toBeDefined();
        expect(Array.from(d.value as Float64Array), path).toEqual(values);
      }
      expect(JSON.parse(f.attrs.provenance.value as string)).toEqual(result.provenance);
      expect((f.get('variants/1') as InstanceType<typeof h5wasm.Group>).attrs.label.value).toBe('b');
      expect((f.get('variants/0/fv/density') as InstanceType<typeof h5wasm.Dataset>).shape).toEqual([3, 120]);
    } finally {
      f.close();
    }
  });

  it('npy: one file per array with its shape, and a sidecar with dims and provenance', () => {
    const index = JSON.parse(readFileSync(join(dir, 'data', 'npy', 'index.json'), 'utf8'));
    expect(index.provenance).toEqual(result.provenance);
    for (const [path, values] of expected) {
      const { shape, values: read } = readNpy(readFileSync(join(dir, 'data', 'npy', npyName(path))));
      expect(shape, path).toEqual(index.arrays[path].shape);
      expect(Array.from(read), path).toEqual(values);
    }
    expect(index.arrays['variants/0/risk'].dims).toEqual(['t']);
  });

  it('npy headers: a 1-D shape is written as a one-tuple', () => {
    const header = npyBytes([3], new Float64Array(3)).subarray(10).toString('latin1');
    expect(header).toContain("'shape': (3,)");
  });

  it("python's h5py and numpy read the same numbers", (context) => {
    const check = `
import json, sys, h5py, numpy as np
d = sys.argv[1]
def arrays(v, path=''):
    if isinstance(v, list):
        flat = np.array(v, dtype=object).ravel() if v and not isinstance(v[0], (dict, str)) else None
        if flat is not None and all(x is None or isinstance(x, (int, float)) for x in flat): yield path, np.array([np.nan if x is None else x for x in flat], dtype=float); return
        for i, x in enumerate(v):
            if isinstance(x, dict): yield from arrays(x, f'{path}/{i}')
    elif isinstance(v, dict):
        for k, x in v.items():
            if not (path == '' and k in ('provenance', 'spec')): yield from arrays(x, f'{path}/{k}' if path else k)
result = json.load(open(f'{d}/result.json'))
index = json.load(open(f'{d}/data/npy/index.json'))
n = 0
with h5py.File(f'{d}/data/result.h5', 'r') as f:
    assert json.loads(f.attrs['provenance']) == result['provenance']
    for path, want in arrays(result):
        assert np.array_equal(f[path][()].ravel(), want, equal_nan=True), path
        assert np.array_equal(np.load(f'{d}/data/npy/' + index['arrays'][path]['file']).ravel(), want, equal_nan=True), path
        n += 1
print(n)
`;
    const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import h5py, numpy'], { stdio: 'ignore' }).status === 0);
    if (python === undefined) {
      console.warn('skipping the h5py/numpy read-back: no python3 with h5py and numpy (apt-get install -y python3-h5py python3-numpy)');
      context.skip();
      return;
    }
    const run = spawnSync(python, ['-c', check, dir], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(Number(run.stdout.trim())).toBe(expected.size);
  });
});
