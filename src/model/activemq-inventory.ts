import { z } from 'zod';

/**
 * The Inventory document for an ActiveMQ 5.x source: the same envelope as RabbitInventory
 * (schemaVersion, engine, source, broker, clients) with the engine's own typed body under
 * `activemq`. It can hold plain-text passwords (ActiveMQ's simpleAuthenticationPlugin and JAAS
 * users.properties keep them so), so it travels like the RabbitMQ one: through S3, encrypted,
 * never through state machine payloads or logs.
 */

/**
 * Equal to INVENTORY_SCHEMA_VERSION of ./inventory.ts (a test holds them together). Not imported:
 * inventory.ts imports this module to put ActiveMqInventory in its union, and importing back
 * would read the constant before it is initialized (ESM cycle).
 */
export const ACTIVEMQ_INVENTORY_SCHEMA_VERSION = 1;

export const ActiveMqDestinationType = z.enum(['queue', 'topic']);

export const ActiveMqInventorySource = z.strictObject({
  /** The Jolokia URL, or `file:` path of the activemq.xml when only configuration was read. */
  endpoint: z.string(),
  origin: z.enum(['jolokia', 'activemq-xml', 'jolokia+activemq-xml']),
  collectedAt: z.iso.datetime(),
});

export const ActiveMqBrokerInfo = z.strictObject({
  engineVersion: z.string().optional(),
  brokerName: z.string().optional(),
  brokerId: z.string().optional(),
  uptimeMillis: z.number().int().nonnegative().optional(),
  persistent: z.boolean().optional(),
  /** Names and URIs of the transport connectors the live broker reports. */
  transportConnectors: z.record(z.string(), z.string()).default({}),
});

/** Who is connected now: the clients that must be cut over (one row per connection). */
export const ActiveMqClientSession = z.strictObject({
  user: z.string(),
  clientId: z.string().optional(),
  remoteAddress: z.string().optional(),
  connector: z.string().optional(),
  connections: z.number().int().nonnegative(),
});

/** A `${...}` placeholder the configuration uses, and what it resolved to (if anything). */
export const ActiveMqPlaceholder = z.strictObject({
  name: z.string(),
  resolved: z.boolean(),
  /** Where the value came from: a properties file, a system property given by the caller, a default. */
  from: z.string().optional(),
});

export const ActiveMqPersistence = z.strictObject({
  /** The persistence adapter's element: kahaDB, mKahaDB, jdbcPersistenceAdapter, levelDB, memoryPersistenceAdapter... */
  element: z.string(),
  path: z.string(),
  attributes: z.record(z.string(), z.string()),
});

export const ActiveMqConnector = z.strictObject({
  kind: z.enum(['transport', 'network']),
  path: z.string(),
  name: z.string().optional(),
  uri: z.string(),
  /** Network connectors: the configured user and whether a password is set (never the password). */
  userName: z.string().optional(),
  hasPassword: z.boolean().default(false),
});

export const ActiveMqPlugin = z.strictObject({
  element: z.string(),
  path: z.string(),
});

export const ActiveMqPreCreatedDestination = z.strictObject({
  type: z.enum(['queue', 'topic', 'tempQueue', 'tempTopic']),
  name: z.string(),
  path: z.string(),
});

export const ActiveMqVirtualDestination = z.strictObject({
  kind: z.enum(['virtualTopic', 'compositeQueue', 'compositeTopic', 'mirroredQueue']),
  path: z.string(),
  /** virtualTopic: the topic pattern (default `>`) and the consumer queue prefix (default `Consumer.*.`). */
  name: z.string().optional(),
  prefix: z.string().optional(),
  forwardTo: z.array(z.strictObject({ type: z.string(), name: z.string() })).default([]),
});

export const ActiveMqPolicyEntry = z.strictObject({
  path: z.string(),
  destinationType: z.enum(['queue', 'topic', 'tempQueue', 'tempTopic', 'default']),
  destination: z.string(),
  attributes: z.record(z.string(), z.string()),
  /** Child elements of the entry by element name (deadLetterStrategy, pendingMessageLimitStrategy...). */
  children: z.array(z.string()),
});

export const ActiveMqUser = z.strictObject({
  username: z.string(),
  /**
   * The password as the source configuration holds it; absent when it is not known in clear
   * (encrypted `ENC(...)`, LDAP, a JAAS module other than PropertiesLoginModule, Jolokia only).
   */
  password: z.string().optional(),
  passwordState: z.enum(['plain', 'encrypted', 'unknown']),
  groups: z.array(z.string()),
  /** simpleAuthenticationPlugin or the JAAS users.properties file it came from. */
  from: z.string(),
});

export const ActiveMqAuthorizationEntry = z.strictObject({
  path: z.string(),
  destinationType: z.enum(['queue', 'topic', 'tempQueue', 'tempTopic', 'tempDestination', 'default']),
  destination: z.string(),
  read: z.array(z.string()),
  write: z.array(z.string()),
  admin: z.array(z.string()),
});

/** What activemq.xml (and the JAAS files it points at) declare. */
export const ActiveMqConfiguration = z.strictObject({
  /** Where it came from (file path or "inline") and the files `<import>` pulled in. */
  file: z.string(),
  imports: z.array(z.string()),
  /** The `<broker>` element with placeholders resolved and imports inlined, serialized back to XML. */
  brokerXml: z.string(),
  /** XML path of `<broker>` in the main file (`/beans/broker`): findings name paths below it. */
  brokerPath: z.string().default('/broker'),
  brokerAttributes: z.record(z.string(), z.string()),
  placeholders: z.array(ActiveMqPlaceholder),
  persistence: z.array(ActiveMqPersistence),
  connectors: z.array(ActiveMqConnector),
  plugins: z.array(ActiveMqPlugin),
  destinations: z.array(ActiveMqPreCreatedDestination),
  virtualDestinations: z.array(ActiveMqVirtualDestination),
  policyEntries: z.array(ActiveMqPolicyEntry),
  authorization: z.array(ActiveMqAuthorizationEntry),
  authentication: z.enum(['simple', 'jaas', 'jaas-certificate', 'jaas-dual', 'none', 'other']),
  /** JAAS: the login.config entry the broker names, and the modules it lists. */
  jaas: z
    .strictObject({
      configuration: z.string(),
      modules: z.array(z.strictObject({ className: z.string(), flag: z.string(), options: z.record(z.string(), z.string()) })),
    })
    .optional(),
  /** Spring beans outside `<broker>` (class names), besides the property placeholder configurer. */
  springBeans: z.array(z.strictObject({ path: z.string(), className: z.string(), id: z.string().optional() })),
});

export const ActiveMqQueue = z.strictObject({
  name: z.string(),
  /** Live figures; absent when the inventory came from activemq.xml only. */
  queueSize: z.number().int().nonnegative().optional(),
  enqueueCount: z.number().int().nonnegative().optional(),
  dequeueCount: z.number().int().nonnegative().optional(),
  consumerCount: z.number().int().nonnegative().optional(),
  producerCount: z.number().int().nonnegative().optional(),
  /** MessageGroupType (cached, simple, bucket) as the queue reports it. */
  messageGroupType: z.string().optional(),
});

export const ActiveMqTopic = z.strictObject({
  name: z.string(),
  enqueueCount: z.number().int().nonnegative().optional(),
  dequeueCount: z.number().int().nonnegative().optional(),
  consumerCount: z.number().int().nonnegative().optional(),
  producerCount: z.number().int().nonnegative().optional(),
});

export const ActiveMqDurableSubscription = z.strictObject({
  clientId: z.string(),
  subscriptionName: z.string(),
  topic: z.string(),
  /** As the subscriber created it (the `convert_string_expressions:` JMX prefix stripped). */
  selector: z.string().optional(),
  noLocal: z.boolean().default(false),
  active: z.boolean(),
  pendingQueueSize: z.number().int().nonnegative(),
  enqueueCounter: z.number().int().nonnegative().optional(),
  dequeueCounter: z.number().int().nonnegative().optional(),
});

export const ActiveMqScheduler = z.strictObject({
  /** schedulerSupport is on (live: the JobScheduler MBean exists). */
  enabled: z.boolean(),
  scheduledMessageCount: z.number().int().nonnegative().optional(),
  delayedMessageCount: z.number().int().nonnegative().optional(),
  /** Jobs that repeat or run on a cron entry (cannot be recreated as one-shot delays). */
  repeatingJobs: z.number().int().nonnegative().optional(),
});

export const ActiveMqTopology = z.strictObject({
  configuration: ActiveMqConfiguration.optional(),
  users: z.array(ActiveMqUser),
  groups: z.array(z.strictObject({ name: z.string(), members: z.array(z.string()) })),
  queues: z.array(ActiveMqQueue),
  topics: z.array(ActiveMqTopic),
  durableSubscriptions: z.array(ActiveMqDurableSubscription),
  scheduler: ActiveMqScheduler,
});

export const ActiveMqInventory = z.strictObject({
  schemaVersion: z.literal(ACTIVEMQ_INVENTORY_SCHEMA_VERSION),
  engine: z.literal('ACTIVEMQ'),
  source: ActiveMqInventorySource,
  broker: ActiveMqBrokerInfo,
  clients: z.array(ActiveMqClientSession),
  activemq: ActiveMqTopology,
});

export type ActiveMqInventorySource = z.infer<typeof ActiveMqInventorySource>;
export type ActiveMqBrokerInfo = z.infer<typeof ActiveMqBrokerInfo>;
export type ActiveMqClientSession = z.infer<typeof ActiveMqClientSession>;
export type ActiveMqPlaceholder = z.infer<typeof ActiveMqPlaceholder>;
export type ActiveMqPersistence = z.infer<typeof ActiveMqPersistence>;
export type ActiveMqConnector = z.infer<typeof ActiveMqConnector>;
export type ActiveMqPlugin = z.infer<typeof ActiveMqPlugin>;
export type ActiveMqPreCreatedDestination = z.infer<typeof ActiveMqPreCreatedDestination>;
export type ActiveMqVirtualDestination = z.infer<typeof ActiveMqVirtualDestination>;
export type ActiveMqPolicyEntry = z.infer<typeof ActiveMqPolicyEntry>;
export type ActiveMqUser = z.infer<typeof ActiveMqUser>;
export type ActiveMqAuthorizationEntry = z.infer<typeof ActiveMqAuthorizationEntry>;
export type ActiveMqConfiguration = z.infer<typeof ActiveMqConfiguration>;
export type ActiveMqQueue = z.infer<typeof ActiveMqQueue>;
export type ActiveMqTopic = z.infer<typeof ActiveMqTopic>;
export type ActiveMqDurableSubscription = z.infer<typeof ActiveMqDurableSubscription>;
export type ActiveMqScheduler = z.infer<typeof ActiveMqScheduler>;
export type ActiveMqTopology = z.infer<typeof ActiveMqTopology>;
export type ActiveMqInventory = z.infer<typeof ActiveMqInventory>;

/** Counts for reports and sizing; derived, never stored. */
export function summarizeActiveMq(inventory: ActiveMqInventory) {
  const t = inventory.activemq;
  const known = t.queues.every((q) => q.queueSize !== undefined);
  return {
    users: t.users.length,
    groups: t.groups.length,
    queues: t.queues.length,
    topics: t.topics.length,
    durableSubscriptions: t.durableSubscriptions.length,
    offlineDurableSubscriptionsWithPending: t.durableSubscriptions.filter((s) => !s.active && s.pendingQueueSize > 0).length,
    messages: known ? t.queues.reduce((sum, q) => sum + (q.queueSize ?? 0), 0) : undefined,
    scheduledMessages: t.scheduler.scheduledMessageCount,
    connections: inventory.clients.reduce((sum, c) => sum + c.connections, 0),
  };
}
