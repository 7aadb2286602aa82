import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueLedger } from '../../../model/ledger.js';
import { apiPath, type ManagementClient } from '../management-client.js';
import { connectAmqp, type AmqpEndpoint } from './amqp-endpoint.js';
import type { DrainQueue } from './relay.js';

export interface ShovelOptions {
  migrationId: string;
  /** Management API of the broker that runs the shovels (it must reach the other broker). */
  shovelHost: ManagementClient;
  /** AMQP URI of the source as the shovel host sees it (`amqp://` is a direct connection to itself). */
  sourceUri: (vhost: string) => string;
  /** AMQP URI of the target as the shovel host sees it, with credentials. */
  targetUri: (vhost: string) => string;
  /** Where the tool itself reads exact queue depths. */
  source: AmqpEndpoint;
  target: AmqpEndpoint;
  queues: readonly DrainQueue[];
  deadline: number;
  pollMs?: number;
}

export const shovelName = (migrationId: string, queue: string) => `mq-migrate-${migrationId}-${queue}`;

async function readyCount(endpoint: AmqpEndpoint, vhost: string, queue: string): Promise<number> {
  const connection = await connectAmqp(endpoint, vhost, 'mq-migrate depth probe');
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function totalCount(management: ManagementClient, queue: DrainQueue): Promise<number> {
  const q = await management.get<{ messages?: number; messages_unacknowledged?: number }>(apiPath('queues', queue.vhost, queue.name), `queue "${queue.name}"`);
  return (q.messages ?? 0) + (q.messages_unacknowledged ?? 0);
}

/**
 * Drains queues with dynamic shovels (ack-mode on-confirm) declared on the broker that can reach
 * the other. The tool watches each one instead of trusting src-delete-after: when the source
 * queue reads empty the shovel is deleted, which returns anything it still held unconfirmed to
 * the source; if anything came back, the shovel is declared again.
 */
export async function shovelDrain(options: ShovelOptions): Promise<QueueLedger[]> {
  const pollMs = options.pollMs ?? 250;
  return Promise.all(
    options.queues.map(async (queue): Promise<QueueLedger> => {
      const name = shovelName(options.migrationId, queue.name);
      const path = apiPath('parameters', 'shovel', queue.vhost, name);
      const startDepth = await readyCount(options.source, queue.vhost, queue.name);
      const targetStart = await readyCount(options.target, queue.vhost, queue.name);
      const declare = () =>
        options.shovelHost.put(path, `shovel "${name}"`, {
          value: {
            'src-protocol': 'amqp091',
            'src-uri': options.sourceUri(queue.vhost),
            'src-queue': queue.name,
            'src-prefetch-count': 2000,
            'dest-protocol': 'amqp091',
            'dest-uri': options.targetUri(queue.vhost),
            'dest-queue': queue.name,
            'ack-mode': 'on-confirm',
            'reconnect-delay': 1,
          },
        });
      let status: QueueLedger['status'] = 'in-progress';
      let runs = 0;
      while (Date.now() < options.deadline) {
        runs += 1;
        await declare();
        while (Date.now() < options.deadline && (await readyCount(options.source, queue.vhost, queue.name)) > 0) await sleep(pollMs);
        // Ready is 0, but the shovel may still hold messages it sent and has not seen confirmed:
        // deleting it now would requeue them and they would be sent twice. Wait until everything
        // the source held at the start has arrived, arrivals have stopped, and the source counts
        // nothing unacknowledged (management statistics lag, and read 0 before a new queue's
        // first report, so they are never trusted alone).
        let previous = -1;
        while (Date.now() < options.deadline) {
          const arrived = (await readyCount(options.target, queue.vhost, queue.name)) - targetStart;
          const settled = arrived >= startDepth && arrived === previous && (await totalCount(options.shovelHost, queue)) === 0;
          if (settled) break;
          previous = arrived;
          await sleep(pollMs);
        }
        await options.shovelHost.delete(path, `shovel "${name}"`).catch(() => undefined);
        // Deleting the shovel requeues what it had not yet seen confirmed.
        await sleep(pollMs);
        if ((await readyCount(options.source, queue.vhost, queue.name)) === 0) {
          status = 'drained';
          break;
        }
      }
      await options.shovelHost.delete(path, `shovel "${name}"`).catch(() => undefined);
      const endDepth = await readyCount(options.source, queue.vhost, queue.name);
      const targetDepth = await readyCount(options.target, queue.vhost, queue.name);
      return {
        vhost: queue.vhost,
        queue: queue.name,
        strategy: 'shovel',
        status,
        hasTtl: queue.hasTtl ?? false,
        sourceDepthAtStart: startDepth,
        targetDepthAtStart: targetStart,
        moved: targetDepth - targetStart,
        // A shovel cannot mark copies; more arrivals than the source held can only be copies.
        duplicates: Math.max(0, targetDepth - targetStart - startDepth),
        expired: 0,
        userIdRewritten: 0,
        sourceDepthAtEnd: endDepth,
        targetDepth,
        runs,
        reason: 'a shovel cannot mark or count duplicates it causes when it restarts; use the relay where that matters',
      };
    }),
  );
}
