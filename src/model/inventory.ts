import { z } from 'zod';
import { ActiveMqInventory } from './activemq-inventory.js';

/**
 * The Inventory document: what a source (or target) broker holds, collected once and the base of
 * every later step. Versioned; the same envelope for every engine, with the engine's own typed
 * topology under its key. It can hold password hashes and parameter URIs with credentials, so it
 * travels through S3 (encrypted), never through state machine payloads or logs.
 */
export const INVENTORY_SCHEMA_VERSION = 1;

const Arguments = z.record(z.string(), z.unknown());

export const RabbitVhost = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  defaultQueueType: z.string().optional(),
});

export const RabbitUser = z.strictObject({
  name: z.string(),
  /** Base64 salted hash exactly as the broker stores it; empty for users without a password. */
  passwordHash: z.string(),
  hashingAlgorithm: z.string(),
  tags: z.array(z.string()),
  limits: z.record(z.string(), z.number()).default({}),
});

export const RabbitPermission = z.strictObject({
  user: z.string(),
  vhost: z.string(),
  configure: z.string(),
  write: z.string(),
  read: z.string(),
});

export const RabbitTopicPermission = z.strictObject({
  user: z.string(),
  vhost: z.string(),
  exchange: z.string(),
  write: z.string(),
  read: z.string(),
});

export const RabbitExchange = z.strictObject({
  vhost: z.string(),
  name: z.string(),
  type: z.string(),
  durable: z.boolean(),
  autoDelete: z.boolean(),
  internal: z.boolean(),
  arguments: Arguments,
});

export const QueueType = z.enum(['classic', 'quorum', 'stream']);

export const RabbitQueue = z.strictObject({
  vhost: z.string(),
  name: z.string(),
  type: QueueType,
  durable: z.boolean(),
  autoDelete: z.boolean(),
  exclusive: z.boolean().default(false),
  arguments: Arguments,
  /** Live figures; absent when the inventory came from a definitions file. */
  messages: z.number().int().nonnegative().optional(),
  messagesReady: z.number().int().nonnegative().optional(),
  messagesUnacknowledged: z.number().int().nonnegative().optional(),
  consumers: z.number().int().nonnegative().optional(),
});

export const RabbitBinding = z.strictObject({
  vhost: z.string(),
  source: z.string(),
  destination: z.string(),
  destinationType: z.enum(['queue', 'exchange']),
  routingKey: z.string(),
  arguments: Arguments,
});

export const RabbitPolicy = z.strictObject({
  vhost: z.string(),
  name: z.string(),
  pattern: z.string(),
  applyTo: z.string(),
  priority: z.number().int(),
  definition: Arguments,
});

export const RabbitParameter = z.strictObject({
  vhost: z.string(),
  component: z.string(),
  name: z.string(),
  value: z.unknown(),
});

export const RabbitGlobalParameter = z.strictObject({
  name: z.string(),
  value: z.unknown(),
});

export const ClientSession = z.strictObject({
  vhost: z.string(),
  user: z.string(),
  connections: z.number().int().nonnegative(),
  channels: z.number().int().nonnegative(),
});

export const RabbitTopology = z.strictObject({
  vhosts: z.array(RabbitVhost),
  users: z.array(RabbitUser),
  permissions: z.array(RabbitPermission),
  topicPermissions: z.array(RabbitTopicPermission),
  exchanges: z.array(RabbitExchange),
  queues: z.array(RabbitQueue),
  bindings: z.array(RabbitBinding),
  policies: z.array(RabbitPolicy),
  operatorPolicies: z.array(RabbitPolicy),
  /** Vhost-scoped runtime parameters: shovels, federation upstreams, vhost-limits, ... */
  parameters: z.array(RabbitParameter),
  globalParameters: z.array(RabbitGlobalParameter),
});

export const BrokerInfo = z.strictObject({
  engineVersion: z.string().optional(),
  erlangVersion: z.string().optional(),
  clusterName: z.string().optional(),
  nodes: z.array(z.string()),
  plugins: z.array(z.string()),
  featureFlags: z.array(z.strictObject({ name: z.string(), state: z.string() })),
});

export const InventorySource = z.strictObject({
  endpoint: z.string(),
  origin: z.enum(['management-api', 'definitions-file']),
  collectedAt: z.iso.datetime(),
});

export const RabbitInventory = z.strictObject({
  schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
  engine: z.literal('RABBITMQ'),
  source: InventorySource,
  broker: BrokerInfo,
  /** Who is connected now, per vhost and user: the clients that must be cut over. */
  clients: z.array(ClientSession),
  rabbitmq: RabbitTopology,
});

export const Inventory = z.discriminatedUnion('engine', [RabbitInventory, ActiveMqInventory]);

export type RabbitVhost = z.infer<typeof RabbitVhost>;
export type RabbitUser = z.infer<typeof RabbitUser>;
export type RabbitPermission = z.infer<typeof RabbitPermission>;
export type RabbitTopicPermission = z.infer<typeof RabbitTopicPermission>;
export type RabbitExchange = z.infer<typeof RabbitExchange>;
export type RabbitQueue = z.infer<typeof RabbitQueue>;
export type RabbitBinding = z.infer<typeof RabbitBinding>;
export type RabbitPolicy = z.infer<typeof RabbitPolicy>;
export type RabbitParameter = z.infer<typeof RabbitParameter>;
export type RabbitGlobalParameter = z.infer<typeof RabbitGlobalParameter>;
export type RabbitTopology = z.infer<typeof RabbitTopology>;
export type RabbitInventory = z.infer<typeof RabbitInventory>;
export type ClientSession = z.infer<typeof ClientSession>;
export type BrokerInfo = z.infer<typeof BrokerInfo>;
export type Inventory = z.infer<typeof Inventory>;

/** Counts for reports and sizing; derived, never stored. */
export function summarize(inventory: RabbitInventory) {
  const t = inventory.rabbitmq;
  const known = t.queues.every((q) => q.messages !== undefined);
  return {
    vhosts: t.vhosts.length,
    users: t.users.length,
    queues: t.queues.length,
    exchanges: t.exchanges.length,
    bindings: t.bindings.length,
    policies: t.policies.length + t.operatorPolicies.length,
    messages: known ? t.queues.reduce((sum, q) => sum + (q.messages ?? 0), 0) : undefined,
    connections: inventory.clients.reduce((sum, c) => sum + c.connections, 0),
    channels: inventory.clients.reduce((sum, c) => sum + c.channels, 0),
    shovels: t.parameters.filter((p) => p.component === 'shovel').length,
  };
}
