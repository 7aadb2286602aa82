/**
 * Many RabbitMQ sources onto one broker: what two sources must not both bring. The same queue
 * would receive both sources' messages (the verify's counts would be wrong, and the consumers
 * of one would read the other's); the same user with another password would be overwritten by
 * the second replication. Objects alike otherwise (exchanges, policies, the default vhost)
 * replicate once, and replication itself stops on a conflicting exchange or queue definition.
 */
import type { RabbitTopology } from '../model/inventory.js';

export function targetCollisions(ours: Pick<RabbitTopology, 'queues' | 'users'>, theirs: Pick<RabbitTopology, 'queues' | 'users'>): string[] {
  const queueKey = (q: { vhost: string; name: string }) => `${q.vhost}\u0000${q.name}`;
  const theirQueues = new Set(theirs.queues.map(queueKey));
  const theirUsers = new Map(theirs.users.map((u) => [u.name, u.passwordHash]));
  return [
    ...ours.queues.filter((q) => theirQueues.has(queueKey(q))).map((q) => `queue "${q.name}" in vhost "${q.vhost}"`),
    ...ours.users.filter((u) => theirUsers.has(u.name) && theirUsers.get(u.name) !== u.passwordHash).map((u) => `user "${u.name}" (another password)`),
  ];
}
