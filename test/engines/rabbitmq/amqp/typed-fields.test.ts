import codec from '../../../../node_modules/amqplib/lib/codec.js';
import { decodeTypedFields } from '../../../../src/engines/rabbitmq/amqp/typed-fields.js';

const encode = (table: Record<string, unknown>): Buffer => {
  const buffer = Buffer.alloc(4096);
  const length = (codec as unknown as { encodeTable: (b: Buffer, v: unknown, o: number) => number }).encodeTable(buffer, table, 0);
  return buffer.subarray(4, length); // past the table's length prefix
};

describe('type-preserving header decoding', () => {
  it('keeps every AMQP numeric type, so re-encoding gives the same bytes', () => {
    const table = {
      b: { '!': 'byte', value: -5 },
      ub: { '!': 'unsignedbyte', value: 200 },
      s: { '!': 'short', value: -300 },
      us: { '!': 'unsignedshort', value: 60000 },
      i: { '!': 'int', value: 7 },
      ui: { '!': 'unsignedint', value: 4000000000 },
      l: { '!': 'long', value: 9007199254740993n },
      f: { '!': 'float', value: 0.5 },
      d: { '!': 'double', value: 2 },
      t: { '!': 'timestamp', value: 1700000000 },
      dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
    };
    const bytes = encode(table);

    const decoded = decodeTypedFields(bytes);

    expect(decoded).toEqual({ ...table, t: { '!': 'timestamp', value: 1700000000n } });
    expect(encode(decoded).equals(bytes)).toBe(true);
  });

  it('keeps strings, booleans, void, byte arrays, nested tables and arrays as plain values', () => {
    const table = { s: 'héllo', yes: true, none: null, raw: Buffer.from([1, 2, 3]), nested: { list: ['a', false, { x: 'y' }] } };

    const decoded = decodeTypedFields(encode(table));

    expect(decoded).toEqual(table);
  });

  it('names an unknown type tag', () => {
    const bad = Buffer.from([1, 0x6b, 0x51]); // key "k", tag "Q"
    expect(() => decodeTypedFields(bad)).toThrow(/unexpected AMQP field type tag "Q"/);
  });
});
