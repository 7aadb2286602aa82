import type { Channel, ConfirmChannel, ConsumeMessage, Options } from '../amqp/client.js';
import { z } from 'zod';
import { QueueLedger } from '../../../model/ledger.js';
import { ConnectionPool, type AmqpEndpoint } from './amqp-endpoint.js';
import type { CheckpointStore } from './checkpoint.js';
import { QueueMissingError, QueueTypeMismatchError, TargetRefusedError } from './errors.js';
import { BrokerApiError } from '../../../model/errors.js';
import { apiPath, type ManagementClient } from '../management-client.js';
import { DUPLICATE_HEADER, MIGRATION_ID_HEADER, ORIGINAL_USER_ID_HEADER, stableMessageId } from './message-id.js';

export interface DrainQueue {
  vhost: string;
  name: string;
  /** The queue has a TTL (x-message-ttl or a policy's message-ttl): shortfalls count as expired. */
  hasTtl?: boolean;
  /** The type the plan gives the queue on the target; checked before anything moves. */
  expectedType?: 'classic' | 'quorum' | 'stream';
}

export interface DrainProgress {
  vhost: string;
  queue: string;
  moved: number;
  sourceDepthAtStart: number;
  ratePerSecond: number;
  /** Seconds until the depth seen at start is moved, at the current rate (new arrivals not counted). */
  etaSeconds: number | undefined;
}

export interface RelayOptions {
  migrationId: string;
  source: AmqpEndpoint;
  target: AmqpEndpoint;
  queues: readonly DrainQueue[];
  checkpoints: CheckpointStore;
  /** Epoch ms by which every worker has stopped cleanly (the Lambda's remaining time, less a margin). */
  deadline: number;
  /** Queues drained at once. */
  concurrency?: number;
  /** Unacknowledged messages the source may hand us per queue (default 4,000). */
  prefetch?: number;
  /**
   * Bytes of message bodies held per queue at most (default 64 MiB): for large messages the
   * prefetch is lowered so that prefetch x average size stays under it.
   */
  maxWindowBytes?: number;
  /** Messages per publish/confirm/ack round. */
  batchSize?: number;
  /** Publish rounds awaiting confirms at once per queue. */
  maxBatchesInFlight?: number;
  /** With no delivery for this long and a zero depth, a queue counts as empty. */
  idleMs?: number;
  onProgress?: (progress: DrainProgress) => void;
  /** Consuming stops this long before `deadline` so that what is in flight can be settled (default 2 s). */
  flushMarginMs?: number;
  /** The target's management API, to check queue types before draining. */
  targetManagement?: ManagementClient;
}

const Checkpoint = z.strictObject({ ledger: QueueLedger, inDoubt: z.array(z.string()) });
type Checkpoint = z.infer<typeof Checkpoint>;

export const checkpointKey = (migrationId: string, vhost: string, queue: string) => `${migrationId}/drain/${vhost}/${queue}`;

/**
 * Moves every message of the given queues from the source to the same queue on the target,
 * at least once: a message is acknowledged on the source only after the target confirmed it.
 * Before a round is published its message ids are written as "in doubt"; after a crash, a
 * redelivered message whose id is in doubt may already be on the target: it is sent again marked
 * `x-mq-migrate-duplicate: true` and counted. Workers stop before `deadline`, having
 * acknowledged all they published, and a later call continues from the checkpoint.
 */
export async function relayDrain(options: RelayOptions): Promise<QueueLedger[]> {
  const sources = new ConnectionPool(options.source, `mq-migrate ${options.migrationId} drain (source)`);
  const targets = new ConnectionPool(options.target, `mq-migrate ${options.migrationId} drain (target)`);
  const results: QueueLedger[] = new Array(options.queues.length);
  let next = 0;
  try {
    const workers = Array.from({ length: Math.min(options.concurrency ?? 4, options.queues.length) }, async () => {
      while (next < options.queues.length) {
        const index = next++;
        const queue = options.queues[index];
        if (!queue) break;
        results[index] = await drainQueue(queue, options, sources, targets);
      }
    });
    await Promise.all(workers);
  } finally {
    await Promise.all([sources.close(), targets.close()]);
  }
  return results;
}

async function loadCheckpoint(store: CheckpointStore, key: string): Promise<Checkpoint | undefined> {
  const text = await store.read(key);
  return text === undefined ? undefined : Checkpoint.parse(JSON.parse(text));
}

async function openChannel<T extends Channel>(open: () => Promise<T>, side: 'source' | 'target', queue: DrainQueue): Promise<{ channel: T; messageCount: number }> {
  const channel = await open();
  const failure = new Promise<never>((_, reject) => channel.once('error', reject));
  failure.catch(() => undefined);
  try {
    const ok = await Promise.race([channel.checkQueue(queue.name), failure]);
    return { channel, messageCount: ok.messageCount };
  } catch (error) {
    if (/NOT_FOUND|404/.test(String((error as { message?: unknown }).message))) throw new QueueMissingError(side, queue.vhost, queue.name);
    throw error;
  }
}

/** Internal: the budget ended with rounds still unconfirmed. */
class UnconfirmedAtDeadline extends Error {}

interface Round {
  last: ConsumeMessage;
  count: number;
  bytes: number;
  confirmed: Promise<void>;
  done: boolean;
}

async function drainQueue(queue: DrainQueue, options: RelayOptions, sources: ConnectionPool, targets: ConnectionPool): Promise<QueueLedger> {
  const key = checkpointKey(options.migrationId, queue.vhost, queue.name);
  const previous = await loadCheckpoint(options.checkpoints, key);
  const prefetch = options.prefetch ?? 4000;
  const batchSize = options.batchSize ?? 500;
  const maxInFlight = options.maxBatchesInFlight ?? 6;
  const maxWindowBytes = options.maxWindowBytes ?? 64 * 1024 * 1024;
  const idleMs = options.idleMs ?? 300;

  if (queue.expectedType && options.targetManagement) await checkTargetType(options.targetManagement, queue, queue.expectedType);
  const sourceConnection = await sources.get(queue.vhost);
  const targetConnection = await targets.get(queue.vhost);
  const target = await openChannel<ConfirmChannel>(() => targetConnection.createConfirmChannel(), 'target', queue);
  const source = await openChannel<Channel>(() => sourceConnection.createChannel(), 'source', queue);
  const targetUser = options.target.username;

  const ledger: QueueLedger = previous?.ledger
    ? { ...previous.ledger, status: 'in-progress', runs: previous.ledger.runs + 1 }
    : { vhost: queue.vhost, queue: queue.name, strategy: 'relay', status: 'in-progress', hasTtl: queue.hasTtl ?? false, sourceDepthAtStart: source.messageCount, targetDepthAtStart: target.messageCount, moved: 0, duplicates: 0, expired: 0, userIdRewritten: 0, runs: 1 };
  // Ids a crashed earlier run published without (recorded) acknowledgement. A redelivery of one is
  // a possible duplicate; one never redelivered was acknowledged after its checkpoint was written,
  // so it counts as moved once the queue is drained.
  const crashedInDoubt = new Set(previous?.inDoubt ?? []);
  const unseenInDoubt = new Set(crashedInDoubt);
  const started = Date.now();
  const movedAtStart = ledger.moved;

  let failure: Error | undefined;
  const fail = (error: Error) => (failure ??= error);
  target.channel.on('error', fail);
  source.channel.on('error', fail);
  target.channel.on('return', (message: ConsumeMessage) => fail(new TargetRefusedError(queue.vhost, queue.name, `returned unroutable (${message.fields.routingKey})`)));

  const buffer: ConsumeMessage[] = [];
  let wake: (() => void) | undefined;
  let lastDelivery = Date.now();
  let currentPrefetch = prefetch;
  let bytesSeen = 0;
  let messagesSeen = 0;
  await source.channel.prefetch(prefetch);
  const { consumerTag } = await source.channel.consume(queue.name, (message) => {
    if (message === null) {
      // The queue was deleted under us: what we hold unacknowledged goes back with the channel.
      fail(new QueueMissingError('source', queue.vhost, queue.name));
    } else {
      buffer.push(message);
      lastDelivery = Date.now();
    }
    wake?.();
  }, { noAck: false });

  const inFlight: Round[] = [];
  const pendingIds: string[][] = [];

  const saveCheckpoint = (ids: string[]) =>
    options.checkpoints.write(key, JSON.stringify({ ledger, inDoubt: [...unseenInDoubt, ...ids] } satisfies Checkpoint));

  const publishRound = async (batch: ConsumeMessage[]) => {
    const last = batch[batch.length - 1];
    if (!last) return;
    const ids = batch.map((m) => stableMessageId(queue.vhost, queue.name, m.properties, m.content));
    const prepared = batch.map((message, i) => {
      const id = ids[i] ?? '';
      const headers: Record<string, unknown> = { ...(message.properties.headers ?? {}), [MIGRATION_ID_HEADER]: id };
      if (message.fields.redelivered && crashedInDoubt.has(id)) {
        headers[DUPLICATE_HEADER] = true;
        ledger.duplicates += 1;
        unseenInDoubt.delete(id);
      }
      const publishOptions = toPublishOptions(message, headers);
      if (publishOptions.expiration !== undefined) ledger.hasTtl = true;
      if (publishOptions.userId !== undefined && publishOptions.userId !== targetUser) {
        // The target refuses a user_id other than the publishing user (406): keep it as a header.
        headers[ORIGINAL_USER_ID_HEADER] = publishOptions.userId;
        delete publishOptions.userId;
        ledger.userIdRewritten += 1;
      }
      return { message, options: { ...publishOptions, headers, mandatory: true } };
    });
    pendingIds.push(ids);
    // Write-ahead: these ids are in doubt until their round is acknowledged on the source, and
    // the duplicates this round re-sends are counted before they can exist.
    await saveCheckpoint(pendingIds.flat());
    const confirmations = prepared.map(
      ({ message, options: publishOptions }) =>
        new Promise<void>((resolve, reject) =>
          target.channel.publish('', queue.name, message.content, publishOptions, (error) =>
            error ? reject(new TargetRefusedError(queue.vhost, queue.name, 'negative confirm')) : resolve(),
          ),
        ),
    );
    const round: Round = { last, count: batch.length, bytes: batch.reduce((sum, m) => sum + m.content.length, 0), confirmed: Promise.resolve(), done: false };
    round.confirmed = Promise.all(confirmations).then(() => {
      // Acknowledge as soon as confirmed: an unacknowledged message holds a prefetch slot.
      round.done = true;
      wake?.();
    });
    // A round abandoned by a failure rejects when its channel closes: that is not news.
    round.confirmed.catch(() => undefined);
    inFlight.push(round);
  };

  // Consuming stops this long before the deadline, leaving time to confirm and acknowledge what
  // was already handed to us.
  const stopConsumingAt = options.deadline - (options.flushMarginMs ?? 2000);
  const settleOldest = async () => {
    const round = inFlight[0];
    if (!round) return;
    // A target in a memory or disk alarm withholds confirms: wait no longer than the budget.
    const timeLeft = options.deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), Math.max(0, timeLeft))));
    const outcome = await Promise.race([round.confirmed.then(() => 'confirmed' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'deadline') throw new UnconfirmedAtDeadline();
    if (failure) throw failure;
    // Returned messages are reported before the confirm: make sure none was.
    source.channel.ack(round.last, true);
    inFlight.shift();
    pendingIds.shift();
    ledger.moved += round.count;
    bytesSeen += round.bytes;
    messagesSeen += round.count;
    // Large messages: keep prefetch x average size under the byte window (basic.qos applies to
    // the deliveries that follow).
    const fitting = Math.max(1, Math.min(prefetch, Math.floor(maxWindowBytes / Math.max(1, bytesSeen / messagesSeen))));
    if (fitting !== currentPrefetch && (fitting < currentPrefetch || fitting > currentPrefetch * 2)) {
      currentPrefetch = fitting;
      await source.channel.prefetch(fitting);
    }
    if (options.onProgress) {
      const ratePerSecond = ((ledger.moved - movedAtStart) * 1000) / Math.max(1, Date.now() - started);
      const remaining = Math.max(0, ledger.sourceDepthAtStart - ledger.moved);
      options.onProgress({ vhost: queue.vhost, queue: queue.name, moved: ledger.moved, sourceDepthAtStart: ledger.sourceDepthAtStart, ratePerSecond, etaSeconds: ratePerSecond > 0 ? remaining / ratePerSecond : undefined });
    }
  };

  const waitForWork = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  try {
    for (;;) {
      if (failure) throw failure;
      while (inFlight[0]?.done) await settleOldest();
      const timeLeft = stopConsumingAt - Date.now();
      if (timeLeft <= 0) break;
      if (buffer.length >= batchSize || (buffer.length > 0 && Date.now() - lastDelivery >= 5)) {
        while (inFlight.length >= maxInFlight) await settleOldest();
        await publishRound(buffer.splice(0, batchSize));
        continue;
      }
      if (buffer.length === 0 && inFlight.length > 0) {
        await settleOldest();
        continue;
      }
      if (buffer.length === 0 && Date.now() - lastDelivery >= idleMs) {
        const { messageCount } = await source.channel.checkQueue(queue.name);
        if (messageCount === 0) {
          ledger.status = 'drained';
          break;
        }
        lastDelivery = Date.now();
      }
      await waitForWork(Math.min(buffer.length > 0 ? 5 : idleMs, Math.max(1, timeLeft)));
    }
    // Stop deliveries, settle what was published, and hand back what was not: it was never sent,
    // so giving it back cannot cause a duplicate (on quorum queues it counts a delivery attempt).
    await source.channel.cancel(consumerTag);
    if (ledger.status === 'drained') {
      while (buffer.length > 0) {
        while (inFlight.length >= maxInFlight) await settleOldest();
        await publishRound(buffer.splice(0, batchSize));
      }
    }
    while (inFlight.length > 0) await settleOldest();
    const unsent = buffer.splice(0);
    const lastUnsent = unsent[unsent.length - 1];
    if (lastUnsent) source.channel.nack(lastUnsent, true, true);
    if (ledger.status === 'drained') {
      ledger.moved += unseenInDoubt.size;
      unseenInDoubt.clear();
      const { messageCount } = await source.channel.checkQueue(queue.name);
      ledger.sourceDepthAtEnd = messageCount;
      if (messageCount > 0) ledger.status = 'in-progress';
      const shortfall = ledger.sourceDepthAtStart - ledger.moved - messageCount;
      if (ledger.hasTtl && shortfall > 0) ledger.expired = shortfall;
    }
    await saveCheckpoint([]);
    return { ...ledger };
  } catch (error) {
    // What was published but not acknowledged stays in doubt for the next run; closing the
    // channel returns it to the source queue.
    if (error instanceof UnconfirmedAtDeadline) {
      ledger.reason = 'the target withheld confirms until the time budget ran out (memory or disk alarm?); unconfirmed messages stay on the source';
      await saveCheckpoint(pendingIds.flat());
      return { ...ledger };
    }
    ledger.status = 'failed';
    ledger.reason = (error as Error).message;
    await saveCheckpoint(pendingIds.flat()).catch(() => undefined);
    throw error;
  } finally {
    // A blocked target never answers a channel close: do not wait for it.
    await closeWithin(() => source.channel.close(), 2000);
    await closeWithin(() => target.channel.close(), 2000);
  }
}

export async function closeWithin(close: () => Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    close().then(() => true, () => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

async function checkTargetType(management: ManagementClient, queue: DrainQueue, expected: string): Promise<void> {
  try {
    const found = await management.get<{ type?: string }>(`${apiPath('queues', queue.vhost, queue.name)}?disable_stats=true`, `queue "${queue.name}"`);
    const actual = found.type ?? 'classic';
    if (actual !== expected) throw new QueueTypeMismatchError(queue.vhost, queue.name, expected, actual);
  } catch (error) {
    if (error instanceof BrokerApiError && error.status === 404) throw new QueueMissingError('target', queue.vhost, queue.name);
    throw error;
  }
}

/** Every AMQP basic property, carried as it came. */
function toPublishOptions(message: ConsumeMessage, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const out: Options.Publish = { headers };
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.contentEncoding !== undefined) out.contentEncoding = p.contentEncoding;
  if (p.deliveryMode !== undefined) out.deliveryMode = p.deliveryMode;
  if (p.priority !== undefined) out.priority = p.priority;
  if (p.correlationId !== undefined) out.correlationId = p.correlationId;
  if (p.replyTo !== undefined) out.replyTo = p.replyTo;
  if (p.expiration !== undefined) out.expiration = p.expiration;
  if (p.messageId !== undefined) out.messageId = p.messageId;
  if (p.timestamp !== undefined) out.timestamp = p.timestamp;
  if (p.type !== undefined) out.type = p.type;
  if (p.userId !== undefined) out.userId = p.userId;
  if (p.appId !== undefined) out.appId = p.appId;
  return out;
}
