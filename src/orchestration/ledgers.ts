import { z } from 'zod';
import type { CheckpointStore } from '../engines/rabbitmq/drain/checkpoint.js';
import { checkpointKey } from '../engines/rabbitmq/drain/relay.js';
import { QueueLedger } from '../model/ledger.js';
import { mapLimit } from '../model/map-limit.js';
import type { DrainQueueList } from './drain-queues.js';

const Checkpoint = z.looseObject({ ledger: QueueLedger });

/** Checkpoint reads in flight at once (below the SDK's 50 sockets per client). */
export const READ_CONCURRENCY = 32;

/**
 * Every queue's ledger as the drain's checkpoints hold it; a queue no drain reached is `pending`
 * (it then fails verification, rightly).
 */
export async function readLedgers(store: CheckpointStore, migrationId: string, list: DrainQueueList): Promise<QueueLedger[]> {
  return mapLimit(list.queues, READ_CONCURRENCY, async (q): Promise<QueueLedger> => {
    const text = await store.read(checkpointKey(migrationId, q.vhost, q.name));
    if (text !== undefined) return Checkpoint.parse(JSON.parse(text)).ledger;
    return { vhost: q.vhost, queue: q.name, strategy: 'relay', status: 'pending', hasTtl: q.hasTtl, sourceDepthAtStart: 0, targetDepthAtStart: 0, moved: 0, duplicates: 0, expired: 0, userIdRewritten: 0, runs: 0 };
  });
}
