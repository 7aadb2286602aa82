import { readFile } from 'node:fs/promises';
import { BrokerApiError, ValidationError } from '../../model/errors.js';
import {
  INVENTORY_SCHEMA_VERSION,
  RabbitInventory,
  type ClientSession,
  type RabbitPolicy,
  type RabbitQueue,
  type RabbitTopology,
  RabbitTopology as RabbitTopologySchema,
} from '../../model/inventory.js';
import { parseOrThrow } from '../../model/validate.js';
import { normalizeDefaultQueueType, parseDefinitionsText, queueTypeOf, RabbitDefinitions, topologyFromDefinitions } from './definitions.js';
import { ManagementClient } from './management-client.js';

interface ApiOverview {
  rabbitmq_version?: string;
  product_version?: string;
  erlang_version?: string;
  cluster_name?: string;
}
interface ApiNode {
  name: string;
  enabled_plugins?: string[];
}
interface ApiFeatureFlag {
  name: string;
  state: string;
}
interface ApiVhost {
  name: string;
  description?: string;
  tags?: string[];
  default_queue_type?: string;
  metadata?: { description?: string; tags?: string[]; default_queue_type?: string };
}
interface ApiQueue {
  name: string;
  vhost: string;
  type?: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive?: boolean | null;
  owner_pid_details?: unknown;
  arguments: Record<string, unknown>;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
}
interface ApiConsumer {
  queue: { name: string; vhost: string };
}
interface ApiConnection {
  vhost: string;
  user: string;
  channels?: number;
}
interface ApiOperatorPolicy {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to': string;
  priority: number;
  definition: Record<string, unknown>;
}

/** Reads a GET that older brokers or missing plugins may not offer; a 404 means "none". */
async function optional<T>(request: Promise<T>, fallback: T): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof BrokerApiError && (error.status === 404 || error.status === 405)) return fallback;
    throw error;
  }
}

/**
 * Collects a complete inventory of a live RabbitMQ broker through its management API. The calls
 * run in parallel and queue figures come without per-queue statistics (disable_stats), so the
 * cost stays close to one GET /api/definitions even with 10,000 queues.
 */
export async function collectRabbitInventory(client: ManagementClient, now: () => Date = () => new Date()): Promise<RabbitInventory> {
  const overview = await client.get<ApiOverview>('/api/overview', 'broker overview');
  const [nodes, featureFlags, definitions, vhosts, queues, consumers, connections, operatorPolicies] = await Promise.all([
    client.get<ApiNode[]>('/api/nodes', 'nodes'),
    optional(client.get<ApiFeatureFlag[]>('/api/feature-flags', 'feature flags'), []),
    client.get<unknown>('/api/definitions', 'definitions'),
    client.get<ApiVhost[]>('/api/vhosts?columns=name,description,tags,default_queue_type,metadata', 'vhosts'),
    client.get<ApiQueue[]>('/api/queues?disable_stats=true&enable_queue_totals=true', 'queues'),
    client.get<ApiConsumer[]>('/api/consumers?columns=queue', 'consumers'),
    client.get<ApiConnection[]>('/api/connections?columns=vhost,user,channels', 'connections'),
    optional(client.get<ApiOperatorPolicy[]>('/api/operator-policies', 'operator policies'), []),
  ]);
  const topology = topologyFromDefinitions(parseDefinitions(client, definitions));

  const vhostDefaults = new Map<string, string | undefined>();
  topology.vhosts = vhosts.map((v) => {
    const defaultQueueType = normalizeDefaultQueueType(v.default_queue_type ?? v.metadata?.default_queue_type);
    vhostDefaults.set(v.name, defaultQueueType);
    return {
      name: v.name,
      description: v.description ?? v.metadata?.description,
      tags: v.tags ?? v.metadata?.tags ?? [],
      defaultQueueType,
    };
  });

  const consumerCounts = new Map<string, number>();
  for (const consumer of consumers) {
    const key = queueKey(consumer.queue.vhost, consumer.queue.name);
    consumerCounts.set(key, (consumerCounts.get(key) ?? 0) + 1);
  }
  // The live listing, not the export: it also shows exclusive queues, which must be reported.
  topology.queues = queues.map((q): RabbitQueue => ({
    vhost: q.vhost,
    name: q.name,
    type: queueTypeOf(q.type ? { ...q.arguments, 'x-queue-type': q.type } : q.arguments, vhostDefaults.get(q.vhost)),
    durable: q.durable,
    autoDelete: q.auto_delete,
    exclusive: q.exclusive === true,
    arguments: q.arguments,
    messages: q.messages ?? 0,
    messagesReady: q.messages_ready ?? 0,
    messagesUnacknowledged: q.messages_unacknowledged ?? 0,
    consumers: consumerCounts.get(queueKey(q.vhost, q.name)) ?? 0,
  }));
  topology.operatorPolicies = operatorPolicies.map(toPolicy);

  return RabbitInventory.parse({
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    engine: 'RABBITMQ',
    source: { endpoint: client.endpoint, origin: 'management-api', collectedAt: now().toISOString() },
    broker: {
      engineVersion: overview.rabbitmq_version ?? overview.product_version,
      erlangVersion: overview.erlang_version,
      clusterName: overview.cluster_name,
      nodes: nodes.map((n) => n.name),
      plugins: [...new Set(nodes.flatMap((n) => n.enabled_plugins ?? []))].sort(),
      featureFlags: featureFlags.map((f) => ({ name: f.name, state: f.state })),
    },
    clients: clientSessions(connections),
    rabbitmq: topology,
  });
}

function queueKey(vhost: string, name: string): string {
  return `${vhost}\u0000${name}`;
}

function clientSessions(connections: readonly ApiConnection[]): ClientSession[] {
  const sessions = new Map<string, ClientSession>();
  for (const connection of connections) {
    const key = `${connection.vhost}\u0000${connection.user}`;
    const session = sessions.get(key) ?? { vhost: connection.vhost, user: connection.user, connections: 0, channels: 0 };
    session.connections += 1;
    session.channels += connection.channels ?? 0;
    sessions.set(key, session);
  }
  return [...sessions.values()];
}

/**
 * The replicable topology alone (definitions, vhost metadata, operator policies), without live
 * figures: what replication reads before and after applying. It skips the queue listing, which
 * is the slowest call on a broker that has just imported thousands of queues.
 */
export async function collectRabbitTopology(client: ManagementClient): Promise<RabbitTopology> {
  const [definitions, vhosts, operatorPolicies] = await Promise.all([
    client.get<unknown>('/api/definitions', 'definitions'),
    client.get<ApiVhost[]>('/api/vhosts?columns=name,description,tags,default_queue_type,metadata', 'vhosts'),
    optional(client.get<ApiOperatorPolicy[]>('/api/operator-policies', 'operator policies'), []),
  ]);
  const topology = topologyFromDefinitions(parseDefinitions(client, definitions));
  const defaults = new Map(vhosts.map((v) => [v.name, normalizeDefaultQueueType(v.default_queue_type ?? v.metadata?.default_queue_type)]));
  topology.vhosts = vhosts.map((v) => ({
    name: v.name,
    description: v.description ?? v.metadata?.description,
    tags: v.tags ?? v.metadata?.tags ?? [],
    defaultQueueType: defaults.get(v.name),
  }));
  topology.queues = topology.queues.map((q) => ({ ...q, type: queueTypeOf(q.arguments, defaults.get(q.vhost)) }));
  topology.operatorPolicies = operatorPolicies.map(toPolicy);
  return RabbitTopologySchema.parse(topology);
}

function parseDefinitions(client: ManagementClient, definitions: unknown): RabbitDefinitions {
  try {
    return parseOrThrow(RabbitDefinitions, definitions, 'definitions');
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new BrokerApiError(client.endpoint, 'definitions', 200, `the broker's definitions do not match the known format: ${error.message}`);
    }
    throw error;
  }
}

function toPolicy(p: ApiOperatorPolicy): RabbitPolicy {
  return { vhost: p.vhost, name: p.name, pattern: p.pattern, applyTo: p['apply-to'], priority: p.priority, definition: p.definition };
}

/**
 * An inventory from a definitions file a user exported (offline): topology, users and policies
 * without live figures (depths, consumers, connections).
 */
export async function inventoryFromDefinitionsFile(path: string, now: () => Date = () => new Date()): Promise<RabbitInventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError('definitionsFile', 'must be a readable file', `definitionsFile: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  return inventoryFromDefinitions(parseDefinitionsText(text, path), path, now);
}

export function inventoryFromDefinitions(defs: RabbitDefinitions, origin: string, now: () => Date = () => new Date()): RabbitInventory {
  return RabbitInventory.parse({
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    engine: 'RABBITMQ',
    source: { endpoint: origin, origin: 'definitions-file', collectedAt: now().toISOString() },
    broker: {
      engineVersion: defs.rabbitmq_version ?? defs.rabbit_version ?? defs.product_version,
      clusterName: defs.original_cluster_name,
      nodes: [],
      plugins: [],
      featureFlags: [],
    },
    clients: [],
    rabbitmq: topologyFromDefinitions(defs),
  });
}
