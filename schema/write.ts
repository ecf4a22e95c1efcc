// `npm run schema`: regenerates meanfield.schema.json from the spec's zod schemas (src/spec/json-schema.ts).
import { writeSpecJsonSchema } from '../src/spec/json-schema.ts';

console.log(`wrote ${writeSpecJsonSchema()}`);
