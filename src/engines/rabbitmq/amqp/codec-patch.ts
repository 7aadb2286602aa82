// Must be evaluated before amqplib's own modules: they copy `codec.decodeFields` when they load.
// Importing ./client.js (and never 'amqplib' directly) guarantees that order. The file is
// imported by path because amqplib's package exports hide lib/; amqplib is a direct dependency,
// so it sits at the top of node_modules, and a path import is the same module instance that
// amqplib itself requires (Node's CJS cache, esbuild's bundle and jest all key it by file).
import codec from '../../../../node_modules/amqplib/lib/codec.js';
import { decodeTypedFields } from './typed-fields.js';

(codec as { decodeFields: (slice: Buffer) => unknown }).decodeFields = decodeTypedFields;
