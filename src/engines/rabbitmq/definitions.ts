import { z } from 'zod';
import { ValidationError } from '../../model/errors.js';
import type { RabbitQueue, RabbitTopology } from '../../model/inventory.js';
import { parseOrThrow } from '../../model/validate.js';

/**
 * RabbitMQ's definitions format (GET /api/definitions, `rabbitmqctl export_definitions`), as
 * written by 3.8 to 4.x. Strict: a field we do not know is reported, never silently carried.
 */
const Args = z.record(z.string(), z.unknown());
const DefUser = z.strictObject({
  name: z.string().min(1),
  password_hash: z.string(),
  hashing_algorithm: z.string().default('rabbit_password_hashing_sha256'),
  tags: z.union([z.array(z.string()), z.string()]),
  limits: z.record(z.string(), z.number()).optional(),
});
const DefVhost = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  default_queue_type: z.string().optional(),
  metadata: z.strictObject({ description: z.string().optional(), tags: z.array(z.string()).optional(), default_queue_type: z.string().optional() }).optional(),
  limits: z.unknown().optional(),
});
const DefPermission = z.strictObject({ user: z.string(), vhost: z.string(), configure: z.string(), write: z.string(), read: z.string() });
const DefTopicPermission = z.strictObject({ user: z.string(), vhost: z.string(), exchange: z.string(), write: z.string(), read: z.string() });
const DefParameter = z.strictObject({ vhost: z.string(), component: z.string(), name: z.string(), value: z.unknown() });
const DefGlobalParameter = z.strictObject({ name: z.string(), value: z.unknown() });
const DefPolicy = z.strictObject({
  vhost: z.string(),
  name: z.string(),
  pattern: z.string(),
  'apply-to': z.string().default('all'),
  priority: z.number().int().default(0),
  definition: Args,
});
const DefQueue = z.strictObject({
  name: z.string(),
  vhost: z.string(),
  durable: z.boolean(),
  auto_delete: z.boolean(),
  arguments: Args,
  type: z.string().optional(),
});
const DefExchange = z.strictObject({
  name: z.string(),
  vhost: z.string(),
  type: z.string(),
  durable: z.boolean(),
  auto_delete: z.boolean(),
  internal: z.boolean(),
  arguments: Args,
});
const DefBinding = z.strictObject({
  source: z.string(),
  vhost: z.string(),
  destination: z.string(),
  destination_type: z.enum(['queue', 'exchange']),
  routing_key: z.string(),
  arguments: Args,
});

export const RabbitDefinitions = z.strictObject({
  rabbit_version: z.string().optional(),
  rabbitmq_version: z.string().optional(),
  product_name: z.string().optional(),
  product_version: z.string().optional(),
  rabbitmq_definition_format: z.string().optional(),
  original_cluster_name: z.string().optional(),
  explanation: z.string().optional(),
  users: z.array(DefUser).default([]),
  vhosts: z.array(DefVhost).default([]),
  permissions: z.array(DefPermission).default([]),
  topic_permissions: z.array(DefTopicPermission).default([]),
  parameters: z.array(DefParameter).default([]),
  global_parameters: z.array(DefGlobalParameter).default([]),
  policies: z.array(DefPolicy).default([]),
  queues: z.array(DefQueue).default([]),
  exchanges: z.array(DefExchange).default([]),
  bindings: z.array(DefBinding).default([]),
});
export type RabbitDefinitions = z.infer<typeof RabbitDefinitions>;
export type RabbitDefinitionsInput = z.input<typeof RabbitDefinitions>;

/** Parses the text of a definitions export; truncated or malformed JSON names the position. */
export function parseDefinitionsText(text: string, source: string): RabbitDefinitions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(source, 'must be a complete JSON document (RabbitMQ definitions export)', `${source}: not valid JSON, truncated or malformed (${reason})`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(source, 'must be a JSON object with users, vhosts, queues, ...', `${source}: the definitions document must be a JSON object`);
  }
  return parseOrThrow(RabbitDefinitions, value, '');
}

const OPERATOR_POLICY_COMPONENT = 'operator_policy';
const OperatorPolicyValue = z.object({ pattern: z.string(), definition: Args, priority: z.number().int().default(0), 'apply-to': z.string().default('all') });

export function queueTypeOf(args: Record<string, unknown>, vhostDefault: string | undefined): RabbitQueue['type'] {
  const declared = args['x-queue-type'] ?? vhostDefault;
  return declared === 'quorum' || declared === 'stream' ? declared : 'classic';
}

function tagList(tags: string | string[]): string[] {
  const list = Array.isArray(tags) ? tags : tags.split(',');
  return list.map((tag) => tag.trim()).filter((tag) => tag !== '');
}

export function topologyFromDefinitions(defs: RabbitDefinitions): RabbitTopology {
  const vhostDefaults = new Map(defs.vhosts.map((v) => [v.name, v.default_queue_type ?? v.metadata?.default_queue_type]));
  return {
    vhosts: defs.vhosts.map((v) => ({
      name: v.name,
      description: v.description ?? v.metadata?.description,
      tags: v.tags ?? v.metadata?.tags ?? [],
      defaultQueueType: normalizeDefaultQueueType(v.default_queue_type ?? v.metadata?.default_queue_type),
    })),
    users: defs.users.map((u) => ({
      name: u.name,
      passwordHash: u.password_hash,
      hashingAlgorithm: u.hashing_algorithm,
      tags: tagList(u.tags),
      limits: u.limits ?? {},
    })),
    permissions: defs.permissions.map((p) => ({ ...p })),
    topicPermissions: defs.topic_permissions.map((p) => ({ ...p })),
    exchanges: defs.exchanges.map((e) => ({
      vhost: e.vhost,
      name: e.name,
      type: e.type,
      durable: e.durable,
      autoDelete: e.auto_delete,
      internal: e.internal,
      arguments: e.arguments,
    })),
    queues: defs.queues.map((q) => ({
      vhost: q.vhost,
      name: q.name,
      type: queueTypeOf(q.type ? { 'x-queue-type': q.type, ...q.arguments } : q.arguments, vhostDefaults.get(q.vhost)),
      durable: q.durable,
      autoDelete: q.auto_delete,
      exclusive: false,
      arguments: q.arguments,
    })),
    bindings: defs.bindings.map((b) => ({
      vhost: b.vhost,
      source: b.source,
      destination: b.destination,
      destinationType: b.destination_type,
      routingKey: b.routing_key,
      arguments: b.arguments,
    })),
    policies: defs.policies.map((p) => ({
      vhost: p.vhost,
      name: p.name,
      pattern: p.pattern,
      applyTo: p['apply-to'],
      priority: p.priority,
      definition: p.definition,
    })),
    // Operator policies travel in the export as runtime parameters of component operator_policy.
    operatorPolicies: defs.parameters.filter((p) => p.component === OPERATOR_POLICY_COMPONENT).flatMap((p) => {
      const value = OperatorPolicyValue.safeParse(p.value);
      return value.success ? [{ vhost: p.vhost, name: p.name, pattern: value.data.pattern, applyTo: value.data['apply-to'], priority: value.data.priority, definition: value.data.definition }] : [];
    }),
    parameters: defs.parameters.filter((p) => p.component !== OPERATOR_POLICY_COMPONENT).map((p) => ({ ...p })),
    globalParameters: defs.global_parameters.map((p) => ({ ...p })),
  };
}

/** RabbitMQ reports an unset default queue type as the string "undefined". */
export function normalizeDefaultQueueType(value: string | undefined): string | undefined {
  return value === undefined || value === 'undefined' || value === '' ? undefined : value;
}

/**
 * The definitions document that declares `topology` on a broker. Vhosts are left out on purpose:
 * importing a vhost entry can reset the description and tags of an existing one, so vhosts are
 * created one by one with their metadata first.
 */
export function definitionsFor(topology: Omit<RabbitTopology, 'vhosts' | 'operatorPolicies'>): RabbitDefinitionsInput {
  return {
    users: topology.users.map((u) => ({
      name: u.name,
      password_hash: u.passwordHash,
      hashing_algorithm: u.hashingAlgorithm,
      tags: u.tags,
      limits: u.limits,
    })),
    permissions: topology.permissions,
    topic_permissions: topology.topicPermissions,
    parameters: topology.parameters,
    global_parameters: topology.globalParameters,
    policies: topology.policies.map((p) => ({
      vhost: p.vhost,
      name: p.name,
      pattern: p.pattern,
      'apply-to': p.applyTo,
      priority: p.priority,
      definition: p.definition,
    })),
    queues: topology.queues.map((q) => ({
      name: q.name,
      vhost: q.vhost,
      durable: q.durable,
      auto_delete: q.autoDelete,
      arguments: q.arguments,
    })),
    exchanges: topology.exchanges.map((e) => ({
      name: e.name,
      vhost: e.vhost,
      type: e.type,
      durable: e.durable,
      auto_delete: e.autoDelete,
      internal: e.internal,
      arguments: e.arguments,
    })),
    bindings: topology.bindings.map((b) => ({
      source: b.source,
      vhost: b.vhost,
      destination: b.destination,
      destination_type: b.destinationType,
      routing_key: b.routingKey,
      arguments: b.arguments,
    })),
  };
}
