/**
 * The ActiveMQ side of the workflow's drain, verify and rollback steps: drain items to
 * destinations and ledger entries, and ledger entries to the report's per-queue rows.
 */
import type { DrainLedgerEntry, DrainLedgerStore } from '../engines/activemq/stomp-ledger.js';
import { mapLimit } from '../model/map-limit.js';
import { READ_CONCURRENCY } from './ledgers.js';
import type { QueueReport } from './report.js';
import type { ActiveMqDrainItem } from './drain-queues.js';

/** The ledger key drainActiveMq gives a queue or durable subscription. */
export function destinationOf(item: ActiveMqDrainItem): string {
  return item.kind === 'queue' ? `queue://${item.name}` : `durable://${item.subscription.clientId}/${item.subscription.subscriptionName}@${item.subscription.topic}`;
}

/** Done, or gone from the source (nothing left to move): nothing more for this item. */
export const isSettled = (entry: DrainLedgerEntry | undefined): boolean => entry !== undefined && (entry.status === 'done' || entry.status === 'vanished');

export async function loadEntries(store: DrainLedgerStore, items: readonly ActiveMqDrainItem[]): Promise<(DrainLedgerEntry | undefined)[]> {
  return mapLimit(items, READ_CONCURRENCY, (item) => store.load(destinationOf(item)));
}

/** A report row: ActiveMQ has no vhosts; the row names the destination as the ledger does. */
export function entryToQueueReport(item: ActiveMqDrainItem, entry: DrainLedgerEntry | undefined, verdict?: { ok: boolean; sourceDepth: number | null; targetDepth: number | null; reason?: string }): QueueReport {
  return {
    vhost: '',
    queue: destinationOf(item),
    status: entry?.status ?? 'pending',
    moved: entry?.moved ?? 0,
    duplicates: entry?.markedDuplicates ?? 0,
    expired: entry?.expiredOnTheWay ?? 0,
    sourceDepth: verdict ? verdict.sourceDepth : (entry?.sourceDepthAtEnd ?? null),
    targetDepth: verdict ? verdict.targetDepth : null,
    verified: verdict ? verdict.ok : null,
    ...(verdict?.reason ? { reason: verdict.reason } : entry?.error ? { reason: entry.error } : {}),
  };
}
