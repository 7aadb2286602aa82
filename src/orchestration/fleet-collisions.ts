/**
 * Many RabbitMQ sources onto one broker: what two sources must not both bring. The same queue
 * would receive both sources' messages (the verify's counts would be wrong, and the consumers
 * of one would read the other's); the same user with another password would be overwritten by
 * the second replication. Objects alike otherwise (exchanges, policies, the default vhost)
 * replicate once, and replication itself stops on a conflicting exchange or queue definition.
 */
import { findDocument, getDocument, migrationKey } from '../aws/documents.js';
import { Inventory, type RabbitTopology } from '../model/inventory.js';
import { FleetTargetCollisionError } from './fleet-errors.js';
import { FleetManifest, fleetKey } from './fleet-input.js';

export function targetCollisions(ours: Pick<RabbitTopology, 'queues' | 'users'>, theirs: Pick<RabbitTopology, 'queues' | 'users'>): string[] {
  const queueKey = (q: { vhost: string; name: string }) => `${q.vhost}\u0000${q.name}`;
  const theirQueues = new Set(theirs.queues.map(queueKey));
  const theirUsers = new Map(theirs.users.map((u) => [u.name, u.passwordHash]));
  return [
    ...ours.queues.filter((q) => theirQueues.has(queueKey(q))).map((q) => `queue "${q.name}" in vhost "${q.vhost}"`),
    ...ours.users.filter((u) => theirUsers.has(u.name) && theirUsers.get(u.name) !== u.passwordHash).map((u) => `user "${u.name}" (another password)`),
  ];
}

/**
 * A fleet member migrating a RabbitMQ source onto a broker other members use: their sources'
 * inventories (the members before it ran first) must not bring the same queues or users.
 */
export async function assertNoFleetCollisions(bucket: string, migrationId: string, fleetId: string, brokerName: string): Promise<void> {
  const manifest = await findDocument({ bucket, key: fleetKey(fleetId, 'manifest.json') }, FleetManifest);
  const others = (manifest?.members ?? []).filter((m) => m.brokerName === brokerName && m.migrationId !== migrationId && m.engine === 'RABBITMQ');
  if (others.length === 0) return;
  const ours = await getDocument({ bucket, key: migrationKey(migrationId, 'source-inventory.json') }, Inventory);
  if (ours.engine !== 'RABBITMQ') return;
  for (const other of others) {
    const theirs = await findDocument({ bucket, key: migrationKey(other.migrationId, 'source-inventory.json') }, Inventory);
    if (theirs?.engine !== 'RABBITMQ') continue;
    const collisions = targetCollisions(ours.rabbitmq, theirs.rabbitmq);
    if (collisions.length > 0) throw new FleetTargetCollisionError('target.brokerName', brokerName, other.migrationId, collisions);
  }
}
