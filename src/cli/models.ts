/** `meanfield models [--json]`: the registered models, with their parameters and what each offers. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { toJson } from '../io/output.ts';
import { MODELS } from '../../reduced-models/index.ts';

export async function commandModels(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const rows = MODELS.map((m) => ({ name: m.name, summary: m.summary, params: z.toJSONSchema(m.params, { io: 'input', unrepresentable: 'any' }) }));
  if (values.json) console.log(toJson(rows));
  else for (const r of rows) console.log(`${r.name}\n  ${r.summary}\n  parameters: ${Object.keys((r.params as { properties?: object }).properties ?? {}).join(', ')}`);
  return 0;
}
