import type { QueueLedger } from '../../../model/ledger.js';
import { VerificationError } from '../../../model/errors.js';
import { connectAmqp, type AmqpEndpoint } from './amqp-endpoint.js';

export interface QueueVerification {
  vhost: string;
  queue: string;
  ok: boolean;
  sourceDepth: number;
  targetDepth: number;
  reason?: string;
}

async function depths(endpoint: AmqpEndpoint, ledgers: readonly QueueLedger[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const byVhost = Map.groupBy(ledgers, (l) => l.vhost);
  for (const [vhost, entries] of byVhost) {
    const connection = await connectAmqp(endpoint, vhost, 'mq-migrate verify');
    try {
      for (const entry of entries) {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        try {
          out.set(`${vhost}\u0000${entry.queue}`, (await channel.checkQueue(entry.queue)).messageCount);
          await channel.close();
        } catch {
          out.set(`${vhost}\u0000${entry.queue}`, -1);
        }
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  return out;
}

/**
 * Compares source and target per queue after a drain, from exact AMQP depths: the source must be
 * empty, and the target must hold what moved (plus what it held before), with duplicates and
 * expiries as the only explained differences. Run it before target consumers start reading.
 */
export async function verifyDrain(
  source: AmqpEndpoint,
  target: AmqpEndpoint,
  ledgers: readonly QueueLedger[],
  options: { throwOnFailure?: boolean } = {},
): Promise<QueueVerification[]> {
  const [sourceDepths, targetDepths] = await Promise.all([depths(source, ledgers), depths(target, ledgers)]);
  const results = ledgers.map((ledger): QueueVerification => {
    const key = `${ledger.vhost}\u0000${ledger.queue}`;
    const sourceDepth = sourceDepths.get(key) ?? -1;
    const targetDepth = targetDepths.get(key) ?? -1;
    const before = ledger.targetDepthAtStart;
    const base = { vhost: ledger.vhost, queue: ledger.queue, sourceDepth, targetDepth };
    if (ledger.status !== 'drained') return { ...base, ok: false, reason: `drain status is ${ledger.status}${ledger.reason ? `: ${ledger.reason}` : ''}` };
    if (sourceDepth < 0 || targetDepth < 0) return { ...base, ok: false, reason: `queue missing on the ${sourceDepth < 0 ? 'source' : 'target'}` };
    if (sourceDepth > 0) return { ...base, ok: false, reason: `${sourceDepth} message(s) still on the source` };
    const shortfall = ledger.sourceDepthAtStart - ledger.moved - ledger.expired;
    if (shortfall > 0) return { ...base, ok: false, reason: `${shortfall} message(s) left the source without reaching the target (not moved, not expired)` };
    // Every moved message is on the target; a crash can add copies, never more than were marked.
    const arrived = targetDepth - before;
    // On a TTL queue the target may already have expired some of what arrived.
    if ((!ledger.hasTtl && arrived < ledger.moved) || arrived > ledger.moved + ledger.duplicates) {
      return { ...base, ok: false, reason: `target holds ${arrived} new message(s) but ${ledger.moved} moved (${ledger.duplicates} marked duplicates)` };
    }
    return { ...base, ok: true };
  });
  const failed = results.filter((r) => !r.ok);
  if (options.throwOnFailure && failed.length > 0) {
    throw new VerificationError(failed.map((r) => ({ object: `queue "${r.queue}" in vhost "${r.vhost}"`, reason: r.reason ?? 'differs' })));
  }
  return results;
}
