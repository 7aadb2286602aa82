/**
 * JSON with every object's keys sorted, so that equal values give equal text whatever order
 * their keys came in: topology diffs compare it, and drain message ids hash it (per message,
 * so it is on the relay's hot path).
 *
 * The output is exactly that of `JSON.stringify` with a key-sorting replacer (the definition
 * this project started with, kept in the tests as the oracle, because ids hashed from it are
 * stored in checkpoints that a resumed drain must recognise); this walks the value once
 * instead of building a sorted copy of every object. `binary` writes Buffers as
 * `base64:<bytes>` (byte-array headers) instead of JSON's `{"type":"Buffer","data":[…]}`;
 * bigints (64-bit headers) are written as `"<digits>n"`.
 */
export function canonicalJson(value: unknown, binary = false): string {
  // Like JSON.stringify (and typed like it): undefined for a value JSON has no text for.
  return serializeProperty(value, '', binary) as string;
}

/** JSON.stringify's SerializeJSONProperty, with the replacer applied; undefined: omitted. */
function serializeProperty(raw: unknown, key: string, binary: boolean): string | undefined {
  let v = raw;
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (typeof v === 'bigint') return JSON.stringify(`${v}n`);
  if (binary && Buffer.isBuffer(raw)) return JSON.stringify(`base64:${raw.toString('base64')}`);
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        const items: string[] = [];
        for (let i = 0; i < v.length; i++) items.push(serializeProperty(v[i], String(i), binary) ?? 'null');
        return `[${items.join(',')}]`;
      }
      return serializeObject(v as Record<string, unknown>, binary);
    default:
      return undefined;
  }
}

/** Integer-like keys, which JavaScript objects always enumerate first, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;
const isArrayIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 4294967295;

function serializeObject(object: Record<string, unknown>, binary: boolean): string {
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // The replacer's sorted copy is a fresh object: its integer-like keys come first, ascending.
  const indices = keys.filter(isArrayIndex);
  const ordered = indices.length === 0 ? keys : [...indices.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isArrayIndex(k))];
  const parts: string[] = [];
  for (const key of ordered) {
    const text = serializeProperty(object[key], key, binary);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}
