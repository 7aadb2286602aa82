import './codec-patch.js';
import amqp from 'amqplib';

/**
 * amqplib, with header values decoded type-preserving (see typed-fields.ts). Every module of the
 * project imports amqplib through here.
 */
export default amqp;
export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options, Message } from 'amqplib';
