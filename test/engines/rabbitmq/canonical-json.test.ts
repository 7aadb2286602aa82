import { canonicalJson } from '../../../src/engines/rabbitmq/canonical-json.js';

/**
 * The definition canonicalJson started as. Message ids hashed from its output sit in drain
 * checkpoints, so the faster walk must produce the same text for every value.
 */
function oracle(value: unknown, binary = false): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    if (typeof v === 'bigint') return `${v}n`;
    const raw = binary && this && typeof this === 'object' ? (this as Record<string, unknown>)[key] : undefined;
    if (Buffer.isBuffer(raw)) return `base64:${raw.toString('base64')}`;
    return v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v;
  });
}

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'B', 'b', '10', '2', '0', '01', '-1', '4294967295', '4294967294', 'x-death', 'é', '\u0000', 'headers', 'ä', 'Z', '1.5'];
const STRINGS = ['', 'text', 'quote " and \\ backslash', 'line\nbreak', '\u2028', 'ünïcödé', '😀', '\ud800'];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const kind = Math.floor(next() * (depth > 3 ? 9 : 12));
  switch (kind) {
    case 0: return pick(STRINGS);
    case 1: return pick([0, -0, 1, -1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity]);
    case 2: return next() < 0.5;
    case 3: return null;
    case 4: return undefined;
    case 5: return BigInt(Math.floor(next() * 1e6)) * (next() < 0.5 ? -1n : 1n) * 10n ** 12n;
    case 6: return Buffer.from(pick(STRINGS));
    case 7: return new Date(Math.floor(next() * 2e12));
    case 8: return pick([() => 1, Symbol('s'), new Uint8Array([1, 2, 3])]);
    case 9:
    case 10: {
      const object: Record<string, unknown> = {};
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i++) object[pick(KEYS)] = generate(next, depth + 1);
      return object;
    }
    default:
      return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1));
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('writes Buffers as base64 and bigints with an n when binary', () => {
    expect(canonicalJson({ raw: Buffer.from('hi'), big: 12n }, true)).toBe('{"big":"12n","raw":"base64:aGk="}');
    expect(canonicalJson({ raw: Buffer.from('hi') })).toBe('{"raw":{"data":[104,105],"type":"Buffer"}}');
  });

  it('gives the same text as the JSON.stringify definition for 20,000 generated values', () => {
    const next = random(20261201);
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000 && mismatches.length < 3; i++) {
      const value = { headers: generate(next, 0), deliveryMode: 2, contentType: undefined, nested: generate(next, 1) };
      for (const binary of [false, true]) {
        const expected = oracle(value, binary);
        const actual = canonicalJson(value, binary);
        if (actual !== expected) mismatches.push(`#${i} binary=${binary}: ${actual} !== ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('matches the definition for top-level values that are not objects', () => {
    for (const value of [undefined, null, 1, 'x', [1, undefined, () => 0], Buffer.from('z'), 5n]) {
      expect(canonicalJson(value, true)).toBe(oracle(value, true));
    }
  });
});
