import './codec-patch.js';
import './write-coalescing-patch.js';

/**
 * amqplib, with header values decoded type-preserving (see typed-fields.ts). Every module of the
 * project imports amqplib through here. The dynamic import makes amqplib load after the patch
 * even where a loader executes CommonJS dependencies while linking (jest's ESM mode does).
 */
type Amqplib = Pick<typeof import('amqplib'), 'connect' | 'credentials'>;
const loaded = await import('amqplib');
const amqp: Amqplib = (loaded as { default?: Amqplib }).default ?? loaded;
export default amqp;
export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options, Message } from 'amqplib';
