import { PlanBlockedError, ReplicationConflictError, VerificationError } from '../../model/errors.js';
import type { RabbitInventory, RabbitTopology } from '../../model/inventory.js';
import { unacceptedBlockers, type RabbitPlan } from '../../model/plan.js';
import { isReservedOperatorPolicyName, isReservedPolicyName, RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES } from '../../amazonmq/rabbitmq-rules.js';
import { applyPlan } from './apply-plan.js';
import { definitionsFor } from './definitions.js';
import { collectRabbitTopology } from './inventory.js';
import { apiPath, type ManagementClient } from './management-client.js';
import { bindingObjectKey, diffTopologies, IMMUTABLE_TYPES, type TopologyDiff, type TopologyObject } from './topology-objects.js';

export interface ReplicationChange {
  action: 'create' | 'update';
  type: TopologyObject['type'];
  label: string;
}

export interface ReplicationConflict {
  object: string;
  reason: string;
}

export interface ReplicationResult {
  dryRun: boolean;
  applied: boolean;
  changes: ReplicationChange[];
  conflicts: ReplicationConflict[];
  /** Source objects whose names the target reserves (its administrator, Amazon MQ's policies): left alone. */
  skipped: ReplicationConflict[];
  unchanged: number;
  /** Objects the target has that the source (after the plan) does not: never deleted. */
  targetOnly: number;
  verified: boolean;
  summary: string;
}

export interface ReplicateOptions {
  source: RabbitInventory;
  plan: RabbitPlan;
  target: ManagementClient;
  /** The user the target's management API is reached with; never overwritten. */
  targetAdminUser: string;
  dryRun?: boolean;
}

/**
 * Replicates users, permissions and topology onto a target RabbitMQ. Conflicts are found before
 * anything is written; changes go in as one definitions import (plus vhosts, which need their
 * metadata); afterwards the target is read again and must hold everything the plan promised.
 */
export async function replicateRabbitTopology(options: ReplicateOptions): Promise<ReplicationResult> {
  const { source, plan, target, targetAdminUser, dryRun = false } = options;
  const blockers = unacceptedBlockers(plan);
  if (blockers.length > 0) throw new PlanBlockedError(blockers.map((b) => b.code));

  const desired = applyPlan(source.rabbitmq, plan.actions);
  const before = await collectRabbitTopology(target);
  const diff = diffTopologies(desired, before);
  const conflicts = findConflicts(diff);
  const skipped = [...diff.missing, ...diff.different.map(([o]) => o)]
    .filter((o) => isReserved(o, targetAdminUser))
    .map((o) => ({ object: o.label, reason: 'the target reserves this name (its administrator or an Amazon MQ object); left as it is' }));
  const changes = [
    ...diff.missing.filter((o) => !isReserved(o, targetAdminUser)).map((o) => ({ action: 'create' as const, object: o })),
    ...diff.different.filter(([o]) => !IMMUTABLE_TYPES.has(o.type) && !isReserved(o, targetAdminUser)).map(([o]) => ({ action: 'update' as const, object: o })),
  ];
  const changeList = changes.map(({ action, object }) => ({ action, type: object.type, label: object.label }));
  const base = { dryRun, changes: changeList, conflicts, skipped, unchanged: diff.unchanged, targetOnly: diff.extra.length };

  if (dryRun) {
    return { ...base, applied: false, verified: false, summary: summarize(base, 'would') };
  }
  if (conflicts.length > 0) throw new ReplicationConflictError(conflicts);
  if (changes.length === 0) {
    return { ...base, applied: false, verified: true, summary: `target already matches: ${diff.unchanged} objects unchanged, nothing applied` };
  }

  await apply(target, desired, new Set(changes.map((c) => c.object.key)));

  const after = await collectRabbitTopology(target);
  const remaining = diffTopologies(desired, after);
  const differences = [
    ...remaining.missing.filter((o) => !isReserved(o, targetAdminUser)).map((o) => ({ object: o.label, reason: 'missing on the target after replication' })),
    ...remaining.different
      .filter(([o]) => !isReserved(o, targetAdminUser))
      .map(([o, actual]) => ({ object: o.label, reason: `differs on the target: expected ${JSON.stringify(o.value)}, found ${JSON.stringify(actual.value)}` })),
  ];
  if (differences.length > 0) throw new VerificationError(differences);
  return { ...base, applied: true, verified: true, summary: summarize(base, 'applied') };
}

function isReserved(object: TopologyObject, targetAdminUser: string): boolean {
  if (object.type === 'user') {
    const name = object.key.split('\u0000')[1] ?? '';
    return name === targetAdminUser || (RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES as readonly string[]).includes(name);
  }
  if (object.type === 'policy') return isReservedPolicyName(policyName(object));
  if (object.type === 'operatorPolicy') return isReservedOperatorPolicyName(policyName(object));
  return false;
}

function policyName(object: TopologyObject): string {
  return object.key.split('\u0000')[2] ?? '';
}

/** Queues, exchanges and bindings cannot change in place: a difference there blocks the run. */
function findConflicts(diff: TopologyDiff): ReplicationConflict[] {
  return diff.different
    .filter(([desired]) => IMMUTABLE_TYPES.has(desired.type))
    .map(([desired, actual]) => ({
      object: desired.label,
      reason: `exists on the target with other properties: target has ${JSON.stringify(actual.value)}, source needs ${JSON.stringify(desired.value)}`,
    }));
}

async function apply(target: ManagementClient, desired: RabbitTopology, keys: ReadonlySet<string>): Promise<void> {
  const pick = <T>(items: readonly T[], type: TopologyObject['type'], keyOf: (item: T) => string[]) =>
    items.filter((item) => keys.has([type, ...keyOf(item)].join('\u0000')));

  // Vhosts first, one by one: a definitions import would not carry their description and tags.
  for (const vhost of pick(desired.vhosts, 'vhost', (v) => [v.name])) {
    await target.put(apiPath('vhosts', vhost.name), `vhost "${vhost.name}"`, {
      description: vhost.description ?? '',
      tags: vhost.tags.join(','),
      ...(vhost.defaultQueueType ? { default_queue_type: vhost.defaultQueueType } : {}),
    });
  }
  const definitions = definitionsFor({
    users: pick(desired.users, 'user', (u) => [u.name]),
    permissions: pick(desired.permissions, 'permission', (p) => [p.vhost, p.user]),
    topicPermissions: pick(desired.topicPermissions, 'topicPermission', (p) => [p.vhost, p.user, p.exchange]),
    exchanges: pick(desired.exchanges, 'exchange', (e) => [e.vhost, e.name]),
    queues: pick(desired.queues, 'queue', (q) => [q.vhost, q.name]),
    bindings: desired.bindings.filter((b) => keys.has(bindingObjectKey(b))),
    policies: pick(desired.policies, 'policy', (p) => [p.vhost, p.name]),
    parameters: pick(desired.parameters, 'parameter', (p) => [p.vhost, p.component, p.name]),
    globalParameters: pick(desired.globalParameters, 'globalParameter', (p) => [p.name]),
  });
  await target.post('/api/definitions', 'definitions import', definitions);
  // Operator policies are not part of the definitions format.
  for (const policy of pick(desired.operatorPolicies, 'operatorPolicy', (p) => [p.vhost, p.name])) {
    await target.put(apiPath('operator-policies', policy.vhost, policy.name), `operator policy "${policy.name}"`, {
      pattern: policy.pattern,
      'apply-to': policy.applyTo,
      priority: policy.priority,
      definition: policy.definition,
    });
  }
}

function summarize(base: { changes: ReplicationChange[]; conflicts: ReplicationConflict[]; skipped: ReplicationConflict[]; unchanged: number; targetOnly: number }, verb: string): string {
  const creates = base.changes.filter((c) => c.action === 'create').length;
  const updates = base.changes.length - creates;
  const parts = [`${verb} ${creates} create(s) and ${updates} update(s)`, `${base.unchanged} unchanged`];
  if (base.conflicts.length > 0) parts.push(`${base.conflicts.length} conflict(s)`);
  if (base.skipped.length > 0) parts.push(`${base.skipped.length} reserved on the target (left alone)`);
  if (base.targetOnly > 0) parts.push(`${base.targetOnly} object(s) only on the target (left alone)`);
  return parts.join(', ');
}
