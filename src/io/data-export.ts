/**
 * The numbers of a result.json for Python users: every numeric array as an HDF5 dataset
 * (`--format h5`, through h5wasm) or as one .npy file each plus a JSON sidecar (`--format npy`).
 *
 * The JSON tree maps one to one: an object is a group, its scalar fields (numbers, strings,
 * booleans as 0/1) are the group's attributes, and a rectangular array of numbers (nested to any
 * depth; null read as NaN) is a float64 dataset of that shape at the same path ("variants/0/risk").
 * A list of objects (variants, sweep dimensions, rows) is a group with members "0", "1", …; a list
 * of strings is a string dataset (HDF5) or a sidecar entry (npy). Every dataset carries `dims`, one
 * name per axis: "t" where the axis runs over the nearest enclosing `times` (MMN's save times; the
 * curve's own `times` inside `curve`), "coordinate" for the first axis of means and stds, and the
 * grid axes' names for the cell masses `fv.density` (stored with the grid's shape, [t, cells…]);
 * other axes are "dim_0", "dim_1", …. The root carries the provenance and the spec as JSON strings.
 *
 * Layout: <dir>/data/result.h5, and <dir>/data/npy/<path with "/" as ".">.npy + index.json.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';

export const DATA_FORMATS = ['h5', 'npy'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Scalar = number | string;

export interface DataGroup {
  readonly path: string;
  readonly attrs: Record<string, Scalar>;
}

export interface DataArray {
  readonly path: string;
  readonly shape: number[];
  readonly dims: string[];
  readonly values: Float64Array;
}

export interface StringList {
  readonly path: string;
  readonly values: string[];
}

/** A result.json as groups, numeric arrays and string lists (see the file comment). */
export interface DataTree {
  readonly groups: DataGroup[];
  readonly arrays: DataArray[];
  readonly strings: StringList[];
  /** The root's `provenance` and `spec` as JSON text. */
  readonly provenance: string;
  readonly spec: string;
}

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The shape of a rectangular array of numbers (null counts as a number), or null if it is not one. */
function numericShape(v: Json): number[] | null {
  if (!Array.isArray(v)) return v === null || typeof v === 'number' ? [] : null;
  if (v.length === 0) return [0];
  const inner = numericShape(v[0]);
  if (inner === null) return null;
  for (let i = 1; i < v.length; i++) {
    const s = numericShape(v[i]);
    if (s === null || s.length !== inner.length || s.some((n, k) => n !== inner[k])) return null;
  }
  return [v.length, ...inner];
}

function flatten(v: Json, out: number[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(v === null ? Number.NaN : (v as number));
}

function join2(path: string, key: string): string {
  return path === '' ? key : `${path}/${key}`;
}

/** The names of the axes of array `key` of shape `shape`, in a group whose nearest `times` has `timeCount` entries. */
function dimNames(key: string, shape: readonly number[], timeCount: number | undefined, gridAxes: { name: string; cells: number }[] | undefined): { shape: number[]; dims: string[] } {
  if (key === 'density' && gridAxes && shape.length === 2 && shape[1] === gridAxes.reduce((p, a) => p * a.cells, 1)) {
    return { shape: [shape[0], ...gridAxes.map((a) => a.cells)], dims: ['t', ...gridAxes.map((a) => a.name)] };
  }
  const dims = shape.map((n, i) => {
    if (i === shape.length - 1 && n === timeCount) return 't';
    if (i === 0 && shape.length === 2 && (key === 'means' || key === 'stds' || key.endsWith('Means') || key.endsWith('Stds'))) return 'coordinate';
    return `dim_${i}`;
  });
  if (shape.length === 2 && shape[0] === timeCount && dims[1] !== 't') dims[0] = 't'; // per-time rows (densities, samples)
  return { shape: [...shape], dims };
}

/** result.json (parsed) as a DataTree. */
export function dataTree(result: unknown): DataTree {
  if (!isObject(result as Json)) throw new ConfigError('result.json', 'must hold an object');
  const root = result as { [key: string]: Json };
  const groups: DataGroup[] = [];
  const arrays: DataArray[] = [];
  const strings: StringList[] = [];
  const visit = (node: { [key: string]: Json }, path: string, timeCount: number | undefined): void => {
    const attrs: Record<string, Scalar> = {};
    const times = numericShape(node.times ?? null);
    const localTimes = times && times.length === 1 ? times[0] : timeCount;
    const gridAxes = Array.isArray(node.axes) && node.axes.every((a) => isObject(a) && typeof a.name === 'string' && typeof a.cells === 'number')
      ? (node.axes as { name: string; cells: number }[])
      : undefined;
    for (const [key, value] of Object.entries(node)) {
      if (path === '' && (key === 'provenance' || key === 'spec')) continue;
      const at = join2(path, key);
      if (typeof value === 'number' || typeof value === 'string') attrs[key] = value;
      else if (typeof value === 'boolean') attrs[key] = value ? 1 : 0;
      else if (value === null) continue;
      else if (isObject(value)) visit(value, at, localTimes);
      else {
        const shape = numericShape(value);
        // an empty list (e.g. `missing: []` of a finished run) has no element type: kept as an empty string list
        if (shape !== null && shape.length > 0 && shape[0] > 0) {
          const flat: number[] = [];
          flatten(value, flat);
          arrays.push({ path: at, ...dimNames(key, shape, localTimes, gridAxes), values: Float64Array.from(flat) });
        } else if (value.every((x) => typeof x === 'string')) strings.push({ path: at, values: value as string[] });
        else if (value.every(isObject)) {
          groups.push({ path: at, attrs: { length: value.length } });
          value.forEach((item, i) => visit(item as { [key: string]: Json }, join2(at, String(i)), localTimes));
        } else attrs[key] = JSON.stringify(value);
      }
    }
    groups.push({ path, attrs });
  };
  visit(root, '', undefined);
  groups.sort((a, b) => a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1)); // parents first
  return { groups, arrays, strings, provenance: JSON.stringify(root.provenance ?? null), spec: JSON.stringify(root.spec ?? null) };
}

/** The .npy (format 1.0) bytes of a float64 array: magic, header dict padded to 64 bytes, data little-endian. */
export function npyBytes(shape: readonly number[], values: Float64Array): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + values.length * 8);
  out.write('\x93NUMPY', 0, 'latin1');
  out.writeUInt8(1, 6);
  out.writeUInt8(0, 7);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i], 10 + header.length + 8 * i);
  return out;
}

/** The file name of an array in the npy layout. */
export function npyName(path: string): string {
  return `${path.replace(/\//g, '.')}.npy`;
}

function writeNpy(tree: DataTree, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const index = {
    format: 'meanfield result.json as .npy arrays (src/io/data-export.ts)',
    provenance: JSON.parse(tree.provenance) as unknown,
    spec: JSON.parse(tree.spec) as unknown,
    groups: Object.fromEntries(tree.groups.map((g) => [g.path, g.attrs])),
    arrays: Object.fromEntries(tree.arrays.map((a) => [a.path, { file: npyName(a.path), shape: a.shape, dims: a.dims }])),
    strings: Object.fromEntries(tree.strings.map((s) => [s.path, s.values])),
  };
  for (const a of tree.arrays) {
    const file = join(dir, npyName(a.path));
    writeFileSync(file, npyBytes(a.shape, a.values));
    written.push(file);
  }
  const sidecar = join(dir, 'index.json');
  writeFileSync(sidecar, `${JSON.stringify(index, null, 1)}\n`);
  written.push(sidecar);
  return written;
}

async function writeH5(tree: DataTree, file: string): Promise<string[]> {
  const h5wasm = await import('h5wasm/node');
  await h5wasm.ready;
  rmSync(file, { force: true });
  const f = new h5wasm.File(file, 'w');
  try {
    for (const g of tree.groups) {
      if (g.path !== '') f.create_group(g.path);
      const target = g.path === '' ? f : (f.get(g.path) as InstanceType<typeof h5wasm.Group>);
      for (const [k, v] of Object.entries(g.attrs)) target.create_attribute(k, v);
    }
    f.create_attribute('provenance', tree.provenance);
    f.create_attribute('spec', tree.spec);
    for (const a of tree.arrays) {
      const d = f.create_dataset({ name: a.path, data: a.values, shape: a.shape, dtype: '<d' });
      d.create_attribute('dims', a.dims);
    }
    for (const s of tree.strings) f.create_dataset({ name: s.path, data: s.values });
  } finally {
    f.close();
  }
  return [file];
}

/** The folder exportData writes into. */
export function dataDir(dir: string): string {
  return join(dir, 'data');
}

export function isDataFormat(format: string): format is DataFormat {
  return (DATA_FORMATS as readonly string[]).includes(format);
}

/**
 * Writes the arrays of <dir>/result.json in each of `formats` (h5: <dir>/data/result.h5; npy:
 * <dir>/data/npy/); returns the paths written.
 */
export async function exportData(dir: string, formats: readonly DataFormat[]): Promise<string[]> {
  const json = join(dir, 'result.json');
  if (!existsSync(json)) throw new InputError(`export ${dir}: ${dir} has no result.json (export reads the output folder of a command)`);
  const tree = dataTree(JSON.parse(readFileSync(json, 'utf8')));
  const out = dataDir(dir);
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  if (formats.includes('h5')) written.push(...(await writeH5(tree, join(out, 'result.h5'))));
  if (formats.includes('npy')) written.push(...writeNpy(tree, join(out, 'npy')));
  return written;
}
