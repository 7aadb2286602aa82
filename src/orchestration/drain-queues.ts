import { z } from 'zod';
import { applyPlan } from '../engines/rabbitmq/apply-plan.js';
import type { DrainQueue } from '../engines/rabbitmq/drain/relay.js';
import type { RabbitInventory } from '../model/inventory.js';
import type { RabbitPlan } from '../model/plan.js';
import { DurableTreatment, type ActiveMqPlan } from '../plan/activemq-planner.js';

export const DrainQueueEntry = z.strictObject({
  vhost: z.string(),
  name: z.string(),
  hasTtl: z.boolean(),
  expectedType: z.enum(['classic', 'quorum', 'stream']),
});
export const DrainQueueList = z.strictObject({ migrationId: z.string(), queues: z.array(DrainQueueEntry) });
export type DrainQueueList = z.infer<typeof DrainQueueList>;
export type DrainQueueEntry = z.infer<typeof DrainQueueEntry> & DrainQueue;

function matches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return false;
  }
}

/**
 * The queues whose messages move: those the target holds after the plan (excluded queues stay
 * behind), with the type the plan gives them on the target and whether their messages expire
 * (x-message-ttl, or a policy with message-ttl that applies to them).
 */
export function drainQueuesFor(inventory: RabbitInventory, plan: Pick<RabbitPlan, 'actions'>): DrainQueueEntry[] {
  const desired = applyPlan(inventory.rabbitmq, plan.actions);
  const ttlPolicies = [...desired.policies, ...desired.operatorPolicies].filter((p) => 'message-ttl' in p.definition && p.applyTo !== 'exchanges');
  return desired.queues
    .filter((q) => q.type !== 'stream')
    .map((q): DrainQueueEntry => ({
      vhost: q.vhost,
      name: q.name,
      hasTtl: 'x-message-ttl' in q.arguments || ttlPolicies.some((p) => p.vhost === q.vhost && matches(p.pattern, q.name)),
      expectedType: q.type === 'quorum' ? 'quorum' : 'classic',
    }));
}

/** Map items: batch i covers queues [i*size, (i+1)*size). */
export function batchesOf(total: number, size: number): { index: number }[] {
  return Array.from({ length: Math.ceil(total / size) }, (_, index) => ({ index }));
}

/** An ActiveMQ drain item: a queue, or a durable subscription the plan recreates (and maybe delivers). */
export const ActiveMqDrainItem = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('queue'), name: z.string().min(1) }),
  z.strictObject({ kind: z.literal('durable'), subscription: DurableTreatment }),
]);
export type ActiveMqDrainItem = z.infer<typeof ActiveMqDrainItem>;
export const ActiveMqDrainList = z.strictObject({ migrationId: z.string(), engine: z.literal('ACTIVEMQ'), items: z.array(ActiveMqDrainItem) });
export type ActiveMqDrainList = z.infer<typeof ActiveMqDrainList>;

/** drain-queues.json of either engine (the RabbitMQ list predates `engine` and has none). */
export const DrainList = z.union([ActiveMqDrainList, DrainQueueList]);
export type DrainList = z.infer<typeof DrainList>;

/** The batch's share of a list: items [index*size, (index+1)*size). */
export function batchOf<T>(items: readonly T[], index: number, size: number): T[] {
  return items.slice(index * size, (index + 1) * size);
}

/**
 * ActiveMQ: the plan's queues, then the durable subscriptions it recreates (blocked ones stay
 * behind and the plan says why).
 */
export function activeMqDrainItemsFor(plan: Pick<ActiveMqPlan, 'messages'>): ActiveMqDrainItem[] {
  return [
    ...plan.messages.queues.map((q): ActiveMqDrainItem => ({ kind: 'queue', name: q.name })),
    ...plan.messages.durableSubscriptions.filter((s) => s.treatment !== 'blocked').map((subscription): ActiveMqDrainItem => ({ kind: 'durable', subscription })),
  ];
}
