/**
 * The spec as a JSON Schema (draft 2020-12) for editors: the generic blocks from ./schema.ts, and per
 * built-in model its parameters, initial law and grid. `npm run schema` writes
 * schema/meanfield.schema.json (schema/write.ts); a test checks that the committed file is up to date. Point a spec at it
 * with "$schema": "../schema/meanfield.schema.json" (the field is allowed and ignored).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MODELS } from '../../reduced-models/index.ts';
import { specSchema } from './schema.ts';

type Json = Record<string, unknown>;

function toJson(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

/** The JSON Schema of a spec, with the model-specific blocks as alternatives over the built-in models. */
export function specJsonSchema(): Json {
  const root = toJson(specSchema);
  const properties = root.properties as Record<string, Json>;
  properties.$schema = { type: 'string', description: 'path of this JSON Schema (ignored by meanfield)' };
  properties.model = {
    description: 'the model: its name and parameters (or a model of your own: "name" and "module")',
    anyOf: [
      ...MODELS.map((m) => {
        const params = toJson(m.params);
        return { ...params, description: m.summary, properties: { name: { const: m.name }, ...(params.properties as Json) }, required: ['name', ...((params.required as string[]) ?? [])] };
      }),
      { type: 'object', properties: { name: { type: 'string' }, module: { type: 'string' } }, required: ['name', 'module'] },
    ],
  };
  properties.init = { description: "the initial law (the model's own block)", anyOf: MODELS.map((m) => ({ ...toJson(m.init), title: m.name })) };
  properties.grid = { description: "the grid of finite volumes (the model's own block)", anyOf: MODELS.filter((m) => m.grid).map((m) => ({ ...toJson(m.grid!), title: m.name })) };
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'meanfield.schema.json', title: 'meanfield spec', ...root, properties };
}

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/meanfield.schema.json', import.meta.url));

/** The file's text: what `npm run schema` writes and the test compares with the committed file. */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

/** Writes schema/meanfield.schema.json. */
export function writeSpecJsonSchema(): string {
  writeFileSync(SCHEMA_PATH, specJsonSchemaText());
  return SCHEMA_PATH;
}
