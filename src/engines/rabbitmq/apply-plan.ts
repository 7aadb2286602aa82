import type { PlanAction } from '../../model/plan.js';
import type { RabbitPolicy, RabbitQueue, RabbitTopology } from '../../model/inventory.js';
import { objectKey } from './topology-objects.js';

/**
 * The topology the target should hold: the source's, with the plan's actions applied. Removing
 * an object removes what cannot exist without it (bindings of an excluded queue or exchange,
 * permissions of an excluded user, everything in an excluded vhost).
 */
export function applyPlan(source: RabbitTopology, actions: readonly PlanAction[]): RabbitTopology {
  const byKey = new Map<string, PlanAction[]>();
  for (const action of actions) byKey.set(action.object.key, [...(byKey.get(action.object.key) ?? []), action]);
  const excluded = (key: string) => byKey.get(key)?.some((a) => a.kind === 'exclude') ?? false;

  const vhosts = source.vhosts.filter((v) => !excluded(objectKey('vhost', v.name)));
  const vhostKept = new Set(vhosts.map((v) => v.name));
  const users = source.users.filter((u) => !excluded(objectKey('user', u.name)));
  const userKept = new Set(users.map((u) => u.name));
  const exchanges = source.exchanges.filter((e) => vhostKept.has(e.vhost) && !excluded(objectKey('exchange', e.vhost, e.name)));
  const exchangeKept = new Set(exchanges.map((e) => `${e.vhost}\u0000${e.name}`));
  const queues = source.queues
    .filter((q) => vhostKept.has(q.vhost) && !excluded(objectKey('queue', q.vhost, q.name)))
    .map((q) => transformQueue(q, byKey.get(objectKey('queue', q.vhost, q.name)) ?? []));
  const queueKept = new Set(queues.map((q) => `${q.vhost}\u0000${q.name}`));
  const exchangeExists = (vhost: string, name: string) => name === '' || name.startsWith('amq.') || exchangeKept.has(`${vhost}\u0000${name}`);

  return {
    vhosts,
    users,
    permissions: source.permissions.filter((p) => vhostKept.has(p.vhost) && userKept.has(p.user) && !excluded(objectKey('permission', p.vhost, p.user))),
    topicPermissions: source.topicPermissions.filter(
      (p) => vhostKept.has(p.vhost) && userKept.has(p.user) && !excluded(objectKey('topicPermission', p.vhost, p.user, p.exchange)),
    ),
    exchanges,
    queues,
    bindings: source.bindings.filter(
      (b) =>
        vhostKept.has(b.vhost) &&
        exchangeExists(b.vhost, b.source) &&
        (b.destinationType === 'queue' ? queueKept.has(`${b.vhost}\u0000${b.destination}`) : exchangeExists(b.vhost, b.destination)),
    ),
    policies: source.policies
      .filter((p) => vhostKept.has(p.vhost) && !excluded(objectKey('policy', p.vhost, p.name)))
      .flatMap((p) => transformPolicy(p, byKey.get(objectKey('policy', p.vhost, p.name)) ?? [])),
    operatorPolicies: source.operatorPolicies
      .filter((p) => vhostKept.has(p.vhost) && !excluded(objectKey('operatorPolicy', p.vhost, p.name)))
      .flatMap((p) => transformPolicy(p, byKey.get(objectKey('operatorPolicy', p.vhost, p.name)) ?? [])),
    parameters: source.parameters.filter((p) => vhostKept.has(p.vhost) && !excluded(objectKey('parameter', p.vhost, p.component, p.name))),
    globalParameters: source.globalParameters.filter((p) => !excluded(objectKey('globalParameter', p.name))),
  };
}

function transformQueue(queue: RabbitQueue, actions: readonly PlanAction[]): RabbitQueue {
  let out = queue;
  for (const action of actions) {
    if (action.kind !== 'convert-to-quorum') continue;
    const args = Object.fromEntries(Object.entries(out.arguments).filter(([name]) => !action.removeArguments.includes(name)));
    out = { ...out, type: 'quorum', arguments: { ...args, 'x-queue-type': 'quorum' } };
  }
  return out;
}

function transformPolicy(policy: RabbitPolicy, actions: readonly PlanAction[]): RabbitPolicy[] {
  let out = policy;
  for (const action of actions) {
    if (action.kind === 'strip-policy-keys') {
      out = { ...out, definition: Object.fromEntries(Object.entries(out.definition).filter(([key]) => !action.keys.includes(key))) };
    } else if (action.kind === 'rename-policy') {
      out = { ...out, name: action.to };
    } else if (action.kind === 'merge-policy-keys') {
      out = { ...out, definition: { ...action.definition, ...out.definition } };
    }
  }
  // A policy left with no keys would be refused by the broker and means nothing.
  return Object.keys(out.definition).length === 0 ? [] : [out];
}
