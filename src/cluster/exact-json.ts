/**
 * JSON that gives back exactly what went in, for task results that travel between machines: typed
 * arrays keep their type and every bit (base64 of their bytes), and the numbers plain JSON cannot hold
 * (−0, NaN, ±Infinity) are tagged. So a task result read back from a shard folder is the same value the
 * worker pool would have handed over in one process, and a merged result equals the unsharded one.
 */
const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

const NUMBER_TAGS: Record<string, number> = { '-0': -0, NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return { $number: '-0' };
    if (!Number.isFinite(value)) return { $number: String(value) };
    return value;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const type = value.constructor.name;
    if (!Object.hasOwn(TYPED, type)) throw new Error(`exact JSON: cannot encode a ${type}`);
    return { $typed: type, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const tagged = value as { $number?: string; $typed?: string; base64?: string };
  if (typeof tagged.$number === 'string' && Object.hasOwn(NUMBER_TAGS, tagged.$number)) return NUMBER_TAGS[tagged.$number];
  if (typeof tagged.$typed === 'string' && typeof tagged.base64 === 'string' && Object.hasOwn(TYPED, tagged.$typed)) {
    const bytes = Buffer.from(tagged.base64, 'base64');
    const Type = TYPED[tagged.$typed as TypedName];
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Type(copy.buffer, 0, bytes.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return value;
}

export function toExactJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function fromExactJson<T = unknown>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
