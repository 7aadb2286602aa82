/**
 * amqplib decodes every integer header (byte, short, int, long, unsigned) and float header into
 * a plain JS number, and re-encodes numbers by guessing the smallest type: a relay would turn an
 * `int` header into a `byte` and a `float` into a `double`, breaking typed consumers (Java's
 * `(Integer) headers.get(...)`). This decoder keeps every numeric value tagged with its AMQP type
 * (`{ '!': 'int', value: 42 }`), the notation amqplib's encoder already accepts, and keeps 64-bit
 * integers as bigint so they survive beyond 2^53. Strings, booleans, byte arrays, void, nested
 * tables and arrays stay plain: their JS type maps back to exactly one AMQP type.
 */
export type TypedFieldValue =
  | string
  | boolean
  | null
  | Buffer
  | TypedFieldValue[]
  | { [key: string]: TypedFieldValue }
  | { '!': NumericTag; value: number | bigint }
  | { '!': 'decimal'; value: { places: number; digits: number } };

export type NumericTag = 'byte' | 'unsignedbyte' | 'short' | 'unsignedshort' | 'int' | 'unsignedint' | 'long' | 'float' | 'double' | 'timestamp';

export function decodeTypedFields(slice: Buffer): Record<string, TypedFieldValue> {
  const fields: Record<string, TypedFieldValue> = {};
  let offset = 0;

  function value(): TypedFieldValue {
    const tag = String.fromCharCode(slice[offset] ?? 0);
    offset += 1;
    let out: TypedFieldValue;
    switch (tag) {
      case 'b': out = { '!': 'byte', value: slice.readInt8(offset) }; offset += 1; break;
      case 'B': out = { '!': 'unsignedbyte', value: slice.readUInt8(offset) }; offset += 1; break;
      case 's': out = { '!': 'short', value: slice.readInt16BE(offset) }; offset += 2; break;
      case 'u': out = { '!': 'unsignedshort', value: slice.readUInt16BE(offset) }; offset += 2; break;
      case 'I': out = { '!': 'int', value: slice.readInt32BE(offset) }; offset += 4; break;
      case 'i': out = { '!': 'unsignedint', value: slice.readUInt32BE(offset) }; offset += 4; break;
      case 'l': out = { '!': 'long', value: slice.readBigInt64BE(offset) }; offset += 8; break;
      case 'f': out = { '!': 'float', value: slice.readFloatBE(offset) }; offset += 4; break;
      case 'd': out = { '!': 'double', value: slice.readDoubleBE(offset) }; offset += 8; break;
      case 'T': out = { '!': 'timestamp', value: slice.readBigUInt64BE(offset) }; offset += 8; break;
      case 'D': {
        const places = slice.readUInt8(offset);
        const digits = slice.readUInt32BE(offset + 1);
        offset += 5;
        out = { '!': 'decimal', value: { places, digits } };
        break;
      }
      case 'S': {
        const len = slice.readUInt32BE(offset);
        offset += 4;
        out = slice.toString('utf8', offset, offset + len);
        offset += len;
        break;
      }
      case 'x': {
        const len = slice.readUInt32BE(offset);
        offset += 4;
        out = Buffer.from(slice.subarray(offset, offset + len));
        offset += len;
        break;
      }
      case 'F': {
        const len = slice.readUInt32BE(offset);
        offset += 4;
        out = decodeTypedFields(slice.subarray(offset, offset + len));
        offset += len;
        break;
      }
      case 'A': {
        const len = slice.readUInt32BE(offset);
        offset += 4;
        const end = offset + len;
        const items: TypedFieldValue[] = [];
        while (offset < end) items.push(value());
        out = items;
        break;
      }
      case 't': out = slice[offset] !== 0; offset += 1; break;
      case 'V': out = null; break;
      default:
        throw new TypeError(`unexpected AMQP field type tag "${tag}"`);
    }
    return out;
  }

  while (offset < slice.length) {
    const len = slice.readUInt8(offset);
    offset += 1;
    const key = slice.toString('utf8', offset, offset + len);
    offset += len;
    fields[key] = value();
  }
  return fields;
}
