import { toolClientId } from './clients.js';
import { brokerMBean, JolokiaClient, type JolokiaOptions } from './jolokia-client.js';
import { MIGRATION_ID_HEADER } from './drain.js';
import type { StompEndpoint } from './drain.js';
import { StompClient, type StompFrame } from './stomp-client.js';
import type { DrainLedgerEntry } from './stomp-ledger.js';

export interface DestinationVerdict {
  destination: string;
  status: 'ok' | 'incomplete' | 'mismatch';
  moved: number;
  markedDuplicates: number;
  sourceRemaining?: number;
  targetDepth?: number;
  /** From a browse of the target: messages seen, distinct mqmigrate-id values, and copies beyond the first. */
  browsed?: number;
  distinctIds?: number;
  duplicatesFound?: number;
  reasons: string[];
}

export interface VerifyOptions {
  entries: readonly DrainLedgerEntry[];
  sourceJolokia: JolokiaOptions;
  targetJolokia: JolokiaOptions;
  /** When given, target queues are browsed (up to browseLimit messages) to count duplicates by mqmigrate-id. */
  targetStomp?: StompEndpoint;
  browseLimit?: number;
  /** Scheduled messages still waiting on the source (from the inventory): the drain is not over while any wait. */
  sourceScheduledMessages?: number;
}

async function onlyBroker(client: JolokiaClient): Promise<string> {
  const names = (await client.request({ type: 'search', mbean: 'org.apache.activemq:type=Broker,brokerName=*' })) as string[];
  return /brokerName=([^,]+)/.exec(names[0] ?? '')?.[1] ?? '';
}

async function depths(client: JolokiaClient, queues: string[]): Promise<Map<string, number | undefined>> {
  const broker = brokerMBean(await onlyBroker(client));
  const responses = await client.bulk(queues.map((q) => ({ type: 'read' as const, mbean: `${broker},destinationType=Queue,destinationName=${q}`, attribute: 'QueueSize' })));
  return new Map(queues.map((q, i) => [q, responses[i]?.status === 200 && typeof responses[i]?.value === 'number' ? (responses[i]?.value as number) : undefined]));
}

/** Browses a queue over STOMP (`browser:true`, ends with a `browser:end` frame); counts ids. */
export async function browseIds(endpoint: StompEndpoint, queue: string, limit: number): Promise<{ browsed: number; ids: Map<string, number> }> {
  const client = await StompClient.connect({ ...endpoint, clientId: toolClientId('verify') });
  const ids = new Map<string, number>();
  let browsed = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(resolve, 60000);
      client.once('close', (error: Error) => reject(error));
      void client
        .subscribe(
          `/queue/${queue}`,
          (frame: StompFrame) => {
            if (frame.headers.browser === 'end' || browsed >= limit) {
              clearTimeout(timer);
              resolve();
              return;
            }
            browsed++;
            const id = frame.headers[MIGRATION_ID_HEADER] ?? '';
            ids.set(id, (ids.get(id) ?? 0) + 1);
          },
          { browser: 'true', ack: 'auto' },
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await client.disconnect();
  }
  return { browsed, ids };
}

/**
 * The verify step: per drained destination, the source must be empty, the target must hold at
 * least what the ledger moved (less what expired on the way), and a browse of the target counts
 * duplicates by `mqmigrate-id`. Read-only on both brokers.
 */
export async function verifyActiveMqDrain(options: VerifyOptions): Promise<{ ok: boolean; destinations: DestinationVerdict[]; notes: string[] }> {
  const source = new JolokiaClient(options.sourceJolokia);
  const target = new JolokiaClient(options.targetJolokia);
  const queueEntries = options.entries.filter((e) => e.kind === 'queue');
  const names = queueEntries.map((e) => e.destination.replace(/^queue:\/\//, ''));
  const [sourceDepths, targetDepths] = await Promise.all([depths(source, names), depths(target, names)]);
  const destinations: DestinationVerdict[] = [];
  const notes: string[] = [];
  for (const entry of options.entries) {
    const reasons: string[] = [];
    const verdict: DestinationVerdict = { destination: entry.destination, status: 'ok', moved: entry.moved, markedDuplicates: entry.markedDuplicates, reasons };
    if (entry.kind === 'queue') {
      const name = entry.destination.replace(/^queue:\/\//, '');
      const left = sourceDepths.get(name);
      const onTarget = targetDepths.get(name);
      if (left !== undefined) verdict.sourceRemaining = left;
      if (onTarget !== undefined) verdict.targetDepth = onTarget;
      if (left !== undefined && left > 0) reasons.push(`${left} message(s) still on the source`);
      if (entry.status !== 'done') reasons.push(`drain status ${entry.status}${entry.error ? `: ${entry.error}` : ''}`);
      if (onTarget === undefined) reasons.push('queue missing on the target');
      else if (onTarget < entry.moved - entry.expiredOnTheWay - entry.markedDuplicates) reasons.push(`target holds ${onTarget}, fewer than the ${entry.moved} moved`);
      if (options.targetStomp && onTarget !== undefined) {
        const { browsed, ids } = await browseIds(options.targetStomp, name, options.browseLimit ?? 100_000);
        verdict.browsed = browsed;
        verdict.distinctIds = ids.size;
        verdict.duplicatesFound = browsed - ids.size;
        // ActiveMQ browses at most maxBrowsePageSize (400 by default) messages per queue.
        if (browsed < onTarget) notes.push(`${name}: the browse saw ${browsed} of ${onTarget} messages (maxBrowsePageSize); duplicates are counted among those`);
      }
      verdict.status = reasons.some((r) => r.startsWith('target holds') || r.includes('missing')) ? 'mismatch' : reasons.length > 0 ? 'incomplete' : 'ok';
    } else if (entry.status !== 'done') {
      reasons.push(`drain status ${entry.status}${entry.error ? `: ${entry.error}` : ''}`);
      verdict.status = 'incomplete';
    }
    destinations.push(verdict);
  }
  if ((options.sourceScheduledMessages ?? 0) > 0) notes.push(`${options.sourceScheduledMessages} scheduled message(s) still wait in the source scheduler: re-run the drain after they are due`);
  return { ok: destinations.every((d) => d.status === 'ok') && notes.length === 0, destinations, notes };
}
