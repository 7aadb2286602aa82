import { isDeepStrictEqual } from 'node:util';
import type { RabbitTopology } from '../../model/inventory.js';
import { canonicalJson } from './canonical-json.js';

export { canonicalJson };

/**
 * Every replicable object of a topology under one stable key, so that plans, replication,
 * verification and drift checks compare brokers the same way.
 */
export type ObjectType =
  | 'vhost'
  | 'user'
  | 'permission'
  | 'topicPermission'
  | 'exchange'
  | 'queue'
  | 'binding'
  | 'policy'
  | 'operatorPolicy'
  | 'parameter'
  | 'globalParameter';

export interface TopologyObject {
  type: ObjectType;
  key: string;
  /** Human name for reports, e.g. `queue "orders" in vhost "/"`. */
  label: string;
  /** What must match for the object to count as the same on both brokers. */
  value: unknown;
}

/** Objects that cannot be changed in place: a difference is a conflict, not an update. */
export const IMMUTABLE_TYPES: ReadonlySet<ObjectType> = new Set(['exchange', 'queue', 'binding']);

const SEP = '\u0000';
export const objectKey = (type: ObjectType, ...parts: string[]): string => [type, ...parts].join(SEP);

export function bindingObjectKey(b: RabbitTopology['bindings'][number]): string {
  return objectKey('binding', b.vhost, b.source, b.destinationType, b.destination, b.routingKey, canonicalJson(b.arguments));
}

const inVhost = (vhost: string) => `in vhost "${vhost}"`;

/** Built-in exchanges exist on every vhost and cannot be declared. */
export function isBuiltInExchange(name: string): boolean {
  return name === '' || name.startsWith('amq.');
}

/** Broker-identity global parameters: copying them makes the target impersonate the source. */
export const BROKER_IDENTITY_PARAMETERS: ReadonlySet<string> = new Set(['internal_cluster_id', 'cluster_name']);

function withoutQueueType(args: Record<string, unknown>): Record<string, unknown> {
  const { 'x-queue-type': _ignored, ...rest } = args;
  return rest;
}

export function topologyObjects(t: RabbitTopology): TopologyObject[] {
  const out: TopologyObject[] = [];
  for (const v of t.vhosts)
    out.push({ type: 'vhost', key: objectKey('vhost', v.name), label: `vhost "${v.name}"`, value: { description: v.description ?? '', tags: [...v.tags].sort(), defaultQueueType: v.defaultQueueType ?? null } });
  for (const u of t.users)
    out.push({ type: 'user', key: objectKey('user', u.name), label: `user "${u.name}"`, value: { passwordHash: u.passwordHash, hashingAlgorithm: u.hashingAlgorithm, tags: [...u.tags].sort(), limits: u.limits } });
  for (const p of t.permissions)
    out.push({ type: 'permission', key: objectKey('permission', p.vhost, p.user), label: `permissions of user "${p.user}" ${inVhost(p.vhost)}`, value: { configure: p.configure, write: p.write, read: p.read } });
  for (const p of t.topicPermissions)
    out.push({ type: 'topicPermission', key: objectKey('topicPermission', p.vhost, p.user, p.exchange), label: `topic permissions of user "${p.user}" on exchange "${p.exchange}" ${inVhost(p.vhost)}`, value: { write: p.write, read: p.read } });
  for (const e of t.exchanges)
    if (!isBuiltInExchange(e.name))
      out.push({ type: 'exchange', key: objectKey('exchange', e.vhost, e.name), label: `exchange "${e.name}" ${inVhost(e.vhost)}`, value: { type: e.type, durable: e.durable, autoDelete: e.autoDelete, internal: e.internal, arguments: e.arguments } });
  for (const q of t.queues)
    out.push({ type: 'queue', key: objectKey('queue', q.vhost, q.name), label: `queue "${q.name}" ${inVhost(q.vhost)}`, value: { type: q.type, durable: q.durable, autoDelete: q.autoDelete, arguments: withoutQueueType(q.arguments) } });
  for (const b of t.bindings)
    out.push({
      type: 'binding',
      key: bindingObjectKey(b),
      label: `binding "${b.source}" -> ${b.destinationType} "${b.destination}" (key "${b.routingKey}") ${inVhost(b.vhost)}`,
      value: null,
    });
  for (const p of t.policies)
    out.push({ type: 'policy', key: objectKey('policy', p.vhost, p.name), label: `policy "${p.name}" ${inVhost(p.vhost)}`, value: { pattern: p.pattern, applyTo: p.applyTo, priority: p.priority, definition: p.definition } });
  for (const p of t.operatorPolicies)
    out.push({ type: 'operatorPolicy', key: objectKey('operatorPolicy', p.vhost, p.name), label: `operator policy "${p.name}" ${inVhost(p.vhost)}`, value: { pattern: p.pattern, applyTo: p.applyTo, priority: p.priority, definition: p.definition } });
  for (const p of t.parameters)
    out.push({ type: 'parameter', key: objectKey('parameter', p.vhost, p.component, p.name), label: `${p.component} parameter "${p.name}" ${inVhost(p.vhost)}`, value: p.value });
  for (const p of t.globalParameters)
    if (!BROKER_IDENTITY_PARAMETERS.has(p.name))
      out.push({ type: 'globalParameter', key: objectKey('globalParameter', p.name), label: `global parameter "${p.name}"`, value: p.value });
  return out;
}


export interface TopologyDiff {
  /** In `desired`, absent from `actual`. */
  missing: TopologyObject[];
  /** In both, with other values: [desired, actual]. */
  different: [TopologyObject, TopologyObject][];
  /** In `actual` only. */
  extra: TopologyObject[];
  unchanged: number;
}

export function diffTopologies(desired: RabbitTopology, actual: RabbitTopology): TopologyDiff {
  const actualObjects = new Map(topologyObjects(actual).map((o) => [o.key, o]));
  const diff: TopologyDiff = { missing: [], different: [], extra: [], unchanged: 0 };
  const seen = new Set<string>();
  for (const object of topologyObjects(desired)) {
    seen.add(object.key);
    const existing = actualObjects.get(object.key);
    if (!existing) diff.missing.push(object);
    else if (!isDeepStrictEqual(normalize(object.value), normalize(existing.value))) diff.different.push([object, existing]);
    else diff.unchanged += 1;
  }
  for (const [key, object] of actualObjects) if (!seen.has(key)) diff.extra.push(object);
  return diff;
}

function normalize(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(canonicalJson(value));
}
