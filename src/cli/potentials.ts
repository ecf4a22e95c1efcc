/** `meanfield potentials <spec.json> --at x1,x2,… [--json]`: v, u and U(θ,θ) at points of the reduced coordinates. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';
import { toJson } from '../io/output.ts';
import { potentialsTable } from '../pipeline/potentials.ts';
import { formatNumber, textTable } from '../plot/format.ts';
import { readSpec, UsageError } from './common.ts';

/** Points: "0.3,0.8" (one coordinate: one point per number) or "1,0,0.5,0.5;1,0,0.8,0.2" (points separated by ';'). */
function parsePoints(text: string, ndim: number): number[][] {
  const parse = (s: string, i: number) => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x)) throw new ConfigError(`--at[${i}]`, `must be finite numbers (got ${JSON.stringify(s)})`);
    return x;
  };
  if (ndim === 1 && !text.includes(';')) return text.split(',').map((s, i) => [parse(s, i)]);
  return text.split(';').map((point, i) => point.split(',').map((s) => parse(s, i)));
}

export async function commandPotentials(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { at: { type: 'string' }, r: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const spec = await readSpec(positionals[0]);
  const run = spec.runs[0];
  const text = values.at ?? values.r;
  if (!text) throw new UsageError('potentials needs --at x1,x2,... (one reduced coordinate) or --at "x,y;x,y" (several)');
  const ndim = run.model.reduced?.coordinates.length ?? 1;
  const table = potentialsTable(run, parsePoints(text, ndim));
  const one = table.coordinates.length === 1;
  if (values.json) {
    // one coordinate: its values under its own name too ({"r": [...]})
    console.log(toJson({ coordinates: table.coordinates, points: table.points, ...(one ? { [table.coordinates[0]]: table.points.map((x) => x[0]) } : {}), v: table.v, u: table.u, uDiag: table.uDiag, method: table.method }));
    return 0;
  }
  console.log(`${run.model.label}; u via ${table.method}`);
  const name = (x: number[]) => (one ? formatNumber(x[0], 8) : `(${x.map((c) => formatNumber(c, 8)).join(', ')})`);
  const header = [table.coordinates.join(','), 'v', 'U(θ,θ)', ...table.points.map((x) => `u(·, ${name(x)})`)];
  const rows = table.points.map((x, i) => [name(x), ...[table.v[i], table.uDiag[i], ...table.u[i]].map((y) => formatNumber(y, 8))]);
  for (const line of textTable([header, ...rows])) console.log(line);
  return 0;
}
