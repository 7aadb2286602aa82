import { isReservedOperatorPolicyName, isReservedPolicyName } from '../amazonmq/rabbitmq-rules.js';
import { RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES } from '../amazonmq/user-rules.js';
import { applyPlan } from '../engines/rabbitmq/apply-plan.js';
import { diffTopologies, type TopologyObject } from '../engines/rabbitmq/topology-objects.js';
import type { RabbitTopology } from '../model/inventory.js';
import type { PlanAction } from '../model/plan.js';

export interface DriftDifference {
  kind: 'missing-on-target' | 'different' | 'only-on-target';
  type: string;
  object: string;
}

export interface DriftResult {
  differences: DriftDifference[];
  byType: Record<string, number>;
  unchanged: number;
}

/** Objects the target owns (its administrator, Amazon MQ's users and policies): never drift. */
function targetOwned(object: TopologyObject, targetAdminUser: string): boolean {
  const parts = object.key.split('\u0000');
  if (object.type === 'user') return parts[1] === targetAdminUser || (RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES as readonly string[]).includes(parts[1] ?? '');
  if (object.type === 'permission') return parts[2] === targetAdminUser;
  if (object.type === 'policy') return isReservedPolicyName(parts[2] ?? '');
  if (object.type === 'operatorPolicy') return isReservedOperatorPolicyName(parts[2] ?? '');
  return false;
}

/**
 * Users, permissions and topology of the source (as the plan transforms them, when a plan is
 * given) against the target's, object by object (diffTopologies), without what the target owns.
 */
export function driftBetween(source: RabbitTopology, target: RabbitTopology, options: { actions?: readonly PlanAction[]; targetAdminUser: string }): DriftResult {
  const desired = options.actions ? applyPlan(source, options.actions) : source;
  const diff = diffTopologies(desired, target);
  const keep = (o: TopologyObject) => !targetOwned(o, options.targetAdminUser);
  const differences: DriftDifference[] = [
    ...diff.missing.filter(keep).map((o) => ({ kind: 'missing-on-target' as const, type: o.type, object: o.label })),
    ...diff.different.filter(([o]) => keep(o)).map(([o]) => ({ kind: 'different' as const, type: o.type, object: o.label })),
    ...diff.extra.filter(keep).map((o) => ({ kind: 'only-on-target' as const, type: o.type, object: o.label })),
  ];
  const byType: Record<string, number> = {};
  for (const d of differences) byType[d.type] = (byType[d.type] ?? 0) + 1;
  return { differences, byType, unchanged: diff.unchanged };
}
