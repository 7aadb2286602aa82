import type { Channel, ConfirmChannel, ConsumeMessage, Options } from '../amqp/client.js';
import { z } from 'zod';
import { QueueLedger } from '../../../model/ledger.js';
import { ConnectionPool, type AmqpEndpoint, type ConnectionLease } from './amqp-endpoint.js';
import type { CheckpointStore } from './checkpoint.js';
import { QueueMissingError, QueueTypeMismatchError, TargetRefusedError } from './errors.js';
import { BrokerApiError } from '../../../model/errors.js';
import { apiPath, type ManagementClient } from '../management-client.js';
import { DUPLICATE_HEADER, MIGRATION_ID_HEADER, ORIGINAL_USER_ID_HEADER, stableMessageId } from './message-id.js';
import { checkThrottle, RateLimiter, type ThrottleOptions, type ThrottleSummary } from '../../throttle.js';

export type { ThrottleOptions, ThrottleSummary } from '../../throttle.js';

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
  /**
   * Unacknowledged messages the source may hand us per queue. By default the queues drained at
   * once share a window (see `windowDefaults`): 16,000 for one or two, down to 4,000 for eight or more.
   */
  prefetch?: number;
  /**
   * Bytes of message bodies held per queue at most (default 64 MiB): for large messages the
   * prefetch is lowered so that prefetch x average size stays under it.
   */
  maxWindowBytes?: number;
  /** Messages per publish/confirm/ack round (default: 1,000 with a 16,000 window, else 500). */
  batchSize?: number;
  /** Publish rounds awaiting confirms at once per queue (default: what the window holds, less two rounds). */
  maxBatchesInFlight?: number;
  /** With no delivery for this long and a zero depth, a queue counts as empty. */
  idleMs?: number;
  onProgress?: (progress: DrainProgress) => void;
  /** Consuming stops this long before `deadline` so that what is in flight can be settled (default 2 s). */
  flushMarginMs?: number;
  /** The target's management API, to check queue types before draining. */
  targetManagement?: ManagementClient;
  /**
   * Limits that keep the drain from overloading a broker production still uses: a message rate
   * shared by all queues of this call (rounds shrink to a tenth of a second's worth and the source
   * prefetch to a quarter second's, so it is smooth), and caps on the connections open to each side.
   */
  throttle?: ThrottleOptions;
}

/** The ledgers, in the order of `queues`, with what the throttle held back. */
export type RelayResult = QueueLedger[] & { throttle: ThrottleSummary };

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
 *
 * Each worker keeps its connection leases and channels from one queue to the next of the same
 * vhost, and takes its next queue while a drained queue's last round awaits its confirm, so that
 * short queues cost a few round trips each. `throttle` limits the rate and the connections; the
 * result's `throttle` says what it held back.
 */
export async function relayDrain(options: RelayOptions): Promise<RelayResult> {
  checkThrottle(options.throttle);
  const throttle = options.throttle ?? {};
  const sources = new ConnectionPool(options.source, `mq-migrate ${options.migrationId} drain (source)`, throttle.maxSourceConnections);
  const targets = new ConnectionPool(options.target, `mq-migrate ${options.migrationId} drain (target)`, throttle.maxTargetConnections);
  const rate = throttle.messagesPerSecond;
  const roundCap = rate === undefined ? undefined : Math.max(1, Math.floor(rate / 10));
  const limiter = rate === undefined || roundCap === undefined ? undefined : new RateLimiter(rate, roundCap);
  const context: DrainContext = { window: windowDefaults(Math.min(options.concurrency ?? 4, options.queues.length)), sources, targets, ...(limiter ? { limiter } : {}), ...(roundCap !== undefined && rate !== undefined ? { roundCap, prefetchCap: Math.max(2 * roundCap, Math.ceil(rate / 4)) } : {}) };
  const results: QueueLedger[] = new Array(options.queues.length);
  let next = 0;
  try {
    const workers = Array.from({ length: Math.min(options.concurrency ?? 4, options.queues.length) }, async () => {
      const worker: WorkerChannels = { tails: new Set(), tailBytes: 0, holders: new Set() };
      const done: Promise<void>[] = [];
      try {
        while (next < options.queues.length) {
          if (worker.failed) throw worker.failed;
          const index = next++;
          const queue = options.queues[index];
          if (!queue) break;
          const drained = await drainQueue(queue, options, context, worker);
          const recorded = drained.done.then((ledger) => void (results[index] = ledger));
          // Awaited below; until then a failed tail must not count as unhandled.
          recorded.catch(() => undefined);
          done.push(recorded);
        }
        await Promise.all(done);
      } finally {
        await Promise.allSettled(done);
        await releaseWorker(worker);
      }
    });
    await Promise.all(workers);
  } finally {
    await Promise.all([sources.close(), targets.close()]);
  }
  const summary: ThrottleSummary = {
    ...(rate !== undefined ? { messagesPerSecond: rate } : {}),
    ...(throttle.maxSourceConnections !== undefined ? { maxSourceConnections: throttle.maxSourceConnections } : {}),
    ...(throttle.maxTargetConnections !== undefined ? { maxTargetConnections: throttle.maxTargetConnections } : {}),
    throttledMs: limiter?.held.total ?? 0,
    connectionWaitMs: sources.waited.total + targets.waited.total,
    peakSourceConnections: sources.peak,
    peakTargetConnections: targets.peak,
  };
  return Object.assign(results, { throttle: summary });
}

interface WindowDefaults {
  prefetch: number;
  batchSize: number;
  maxBatchesInFlight: number;
}

/** Unconfirmed or unacknowledged messages shared by the queues drained at once. */
const SHARED_WINDOW = 32_000;

/**
 * A queue's throughput is its window over the target's confirm latency, and a persistent
 * message is confirmed only after the target queue's batched fsync: a queue drained alone needs a
 * deep window (measured on one queue, 4,000 -> 16,000 gave +12%, and more gave nothing), while
 * queues drained side by side fill the target's fsync batches together and share the window.
 * 16,000 x 1 KiB is 16 MiB; `maxWindowBytes` still bounds large messages.
 */
export function windowDefaults(queuesAtOnce: number): WindowDefaults {
  const prefetch = Math.min(16_000, Math.max(4_000, Math.floor(SHARED_WINDOW / Math.max(1, queuesAtOnce))));
  const batchSize = prefetch >= 16_000 ? 1_000 : 500;
  // Rounds in flight plus the one being filled stay within the prefetch.
  return { prefetch, batchSize, maxBatchesInFlight: Math.max(6, Math.floor(prefetch / batchSize) - 2) };
}

interface DrainContext {
  window: WindowDefaults;
  sources: ConnectionPool;
  targets: ConnectionPool;
  limiter?: RateLimiter;
  /** Under a rate limit: messages per round and source prefetch, at most. */
  roundCap?: number;
  prefetchCap?: number;
}

/**
 * What a worker keeps from one queue to the next of the same vhost: its connection leases and
 * channels (opening two channels per queue costs four round trips, which dominates short queues).
 * A channel is reused only after a queue ended cleanly: everything on it settled, its consumer
 * cancelled, nothing unacknowledged.
 */
interface WorkerChannels {
  vhost?: string;
  source?: ConnectionLease;
  target?: ConnectionLease;
  sourceChannel?: Channel;
  targetChannel?: ConfirmChannel;
  /** The prefetch last set on sourceChannel. */
  sourcePrefetch?: number;
  /** Drained queues whose last round still awaits its confirm, on these channels. */
  tails: Set<Promise<QueueLedger>>;
  tailBytes: number;
  /** Queues holding unacknowledged messages on sourceChannel, oldest (lowest delivery tags) first. */
  holders: Set<object>;
  /** A tail failed: the drain fails. */
  failed?: Error;
  /** A queue failed on these channels: the next queue opens new ones. */
  broken?: boolean;
}

async function dropChannels(worker: WorkerChannels): Promise<void> {
  // Closing a channel returns what is unacknowledged on it: let the tails on it settle first.
  await Promise.allSettled([...worker.tails]);
  const { sourceChannel, targetChannel } = worker;
  delete worker.broken;
  worker.holders.clear();
  delete worker.sourceChannel;
  delete worker.targetChannel;
  delete worker.sourcePrefetch;
  // A blocked target never answers a channel close: do not wait for it.
  if (sourceChannel) await closeWithin(() => sourceChannel.close(), 2000);
  if (targetChannel) await closeWithin(() => targetChannel.close(), 2000);
}

async function releaseWorker(worker: WorkerChannels): Promise<void> {
  await dropChannels(worker);
  worker.source?.release();
  worker.target?.release();
  delete worker.source;
  delete worker.target;
  delete worker.vhost;
}

/** A channel kept for reuse forgets itself when it closes; errors are reported per queue. */
function keepable<T extends Channel>(channel: T, forget: () => void): T {
  channel.on('error', () => undefined);
  channel.on('close', forget);
  return channel;
}

async function loadCheckpoint(store: CheckpointStore, key: string): Promise<Checkpoint | undefined> {
  const text = await store.read(key);
  return text === undefined ? undefined : Checkpoint.parse(JSON.parse(text));
}

async function checkQueueOn(channel: Channel, side: 'source' | 'target', queue: DrainQueue): Promise<number> {
  let onError: ((error: Error) => void) | undefined;
  const failure = new Promise<never>((_, reject) => channel.on('error', (onError = reject)));
  failure.catch(() => undefined);
  try {
    const ok = await Promise.race([channel.checkQueue(queue.name), failure]);
    return ok.messageCount;
  } catch (error) {
    if (/NOT_FOUND|404/.test(String((error as { message?: unknown }).message))) throw new QueueMissingError(side, queue.vhost, queue.name);
    throw error;
  } finally {
    if (onError) channel.off('error', onError);
  }
}

/** What amqplib's ack reads of a message: its delivery tag. */
const delivery = (deliveryTag: number) => ({ fields: { deliveryTag } }) as ConsumeMessage;

/** One callback and one promise for a round's confirms; it fails at the first negative confirm. */
function roundConfirmation(count: number, queue: DrainQueue): { confirmations: Promise<void>; onConfirm: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const confirmations = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  let unconfirmed = count;
  const { vhost, name } = queue;
  return {
    confirmations,
    onConfirm: (error) => {
      if (error) reject(new TargetRefusedError(vhost, name, 'negative confirm'));
      else if (--unconfirmed === 0) resolve();
    },
  };
}

/** Internal: the budget ended with rounds still unconfirmed. */
class UnconfirmedAtDeadline extends Error {}

/**
 * A published round awaiting its confirm. It keeps the delivery tags only: holding the messages
 * themselves (bodies, properties) until the confirm cost about 5 KiB of RSS per message in flight.
 */
interface Round {
  tags: number[];
  bytes: number;
  confirmed: Promise<void>;
  done: boolean;
}

/**
 * Drains one queue. It resolves once the worker may take its next queue: a drained queue's last
 * rounds may still await their confirms (`done` resolves with the ledger once they are confirmed,
 * acknowledged and checkpointed), so that a short queue's confirm latency overlaps the next
 * queue's work on the same channels. Such tails are bounded per worker (`maxBatchesInFlight`
 * tails, one round each at most, a quarter of the byte window in all).
 */
async function drainQueue(queue: DrainQueue, options: RelayOptions, context: DrainContext, worker: WorkerChannels): Promise<{ done: Promise<QueueLedger> }> {
  const key = checkpointKey(options.migrationId, queue.vhost, queue.name);
  const previous = await loadCheckpoint(options.checkpoints, key);
  const defaults = context.window;
  const prefetch = Math.min(options.prefetch ?? defaults.prefetch, context.prefetchCap ?? Number.POSITIVE_INFINITY);
  const batchSize = Math.min(options.batchSize ?? defaults.batchSize, context.roundCap ?? Number.POSITIVE_INFINITY);
  const maxInFlight = options.maxBatchesInFlight ?? defaults.maxBatchesInFlight;
  const maxWindowBytes = options.maxWindowBytes ?? 64 * 1024 * 1024;
  const idleMs = options.idleMs ?? 300;
  const limiter = context.limiter;

  if (queue.expectedType && options.targetManagement) await checkTargetType(options.targetManagement, queue, queue.expectedType);
  if (worker.vhost !== queue.vhost || worker.broken) await releaseWorker(worker);
  worker.vhost = queue.vhost;
  // Source first, then target, in every worker: under connection caps no two workers wait on each other.
  worker.source ??= await context.sources.acquire(queue.vhost);
  worker.target ??= await context.targets.acquire(queue.vhost);
  const sourceConnection = worker.source.connection;
  const targetConnection = worker.target.connection;
  if (!worker.targetChannel) {
    const channel = keepable(await targetConnection.createConfirmChannel(), () => worker.targetChannel === channel && delete worker.targetChannel);
    worker.targetChannel = channel;
  }
  if (!worker.sourceChannel) {
    const channel = keepable(await sourceConnection.createChannel(), () => {
      if (worker.sourceChannel === channel) {
        delete worker.sourceChannel;
        delete worker.sourcePrefetch;
      }
    });
    worker.sourceChannel = channel;
    worker.holders.clear();
  }
  const targetChannel = worker.targetChannel;
  const source = worker.sourceChannel;
  let failure: Error | undefined;
  const fail = (error: Error) => (failure ??= error);
  // Returns name their queue: on a channel shared with other queues' tails, only ours count here.
  const onReturn = (message: ConsumeMessage) => {
    if (message.fields.routingKey === queue.name) fail(new TargetRefusedError(queue.vhost, queue.name, `returned unroutable (${message.fields.routingKey})`));
  };
  const listen = () => {
    targetChannel.on('error', fail);
    source.on('error', fail);
    targetChannel.on('return', onReturn);
  };
  const unlisten = () => {
    targetChannel.off('error', fail);
    source.off('error', fail);
    targetChannel.off('return', onReturn);
  };
  let consumerTag: string | undefined;
  let sourceDepth: number;
  let targetDepth: number;
  try {
    [targetDepth, sourceDepth] = await Promise.all([checkQueueOn(targetChannel, 'target', queue), checkQueueOn(source, 'source', queue)]);
  } catch (error) {
    worker.broken = true;
    throw error;
  }
  listen();
  const targetUser = options.target.username;

  const ledger: QueueLedger = previous?.ledger
    ? { ...previous.ledger, status: 'in-progress', runs: previous.ledger.runs + 1 }
    : { vhost: queue.vhost, queue: queue.name, strategy: 'relay', status: 'in-progress', hasTtl: queue.hasTtl ?? false, sourceDepthAtStart: sourceDepth, targetDepthAtStart: targetDepth, moved: 0, duplicates: 0, expired: 0, userIdRewritten: 0, runs: 1 };
  // Ids a crashed earlier run published without (recorded) acknowledgement. A redelivery of one is
  // a possible duplicate; one never redelivered was acknowledged after its checkpoint was written,
  // so it counts as moved once the queue is drained.
  const crashedInDoubt = new Set(previous?.inDoubt ?? []);
  const unseenInDoubt = new Set(crashedInDoubt);
  const started = Date.now();
  const movedAtStart = ledger.moved;

  const buffer: ConsumeMessage[] = [];
  let wake: (() => void) | undefined;
  let lastDelivery = Date.now();
  let currentPrefetch = prefetch;
  let bytesSeen = 0;
  let messagesSeen = 0;
  // Deliveries this run, against the ready depth seen at start: once that many arrived, a short
  // queue's last partial round goes out at once and its emptiness is checked without waiting out
  // `idleMs` (with its rounds still in flight: the ready count leaves out what we hold).
  let received = 0;
  let checkEagerly = true;
  const inFlight: Round[] = [];
  const pendingIds: string[][] = [];
  const holder = {};
  const oldestHolder = () => worker.holders.values().next().value === holder;

  const saveCheckpoint = (ids: string[]) =>
    options.checkpoints.write(key, JSON.stringify({ ledger, inDoubt: [...unseenInDoubt, ...ids] } satisfies Checkpoint));

  const publishRound = async (batch: ConsumeMessage[]) => {
    if (batch.length === 0) return;
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
    // The rate limit holds the round back after its write-ahead (the ids were in doubt anyway).
    if (limiter) await limiter.take(batch.length);
    if (failure) throw failure;
    // One callback and one promise per round, not per message: the round fails at its first
    // negative confirm (amqplib also calls back with an error for each one a closing channel drops).
    // (The callback is made outside this function, so that its closure does not keep the batch.)
    const { confirmations, onConfirm } = roundConfirmation(prepared.length, queue);
    for (const { message, options: publishOptions } of prepared) targetChannel.publish('', queue.name, message.content, publishOptions, onConfirm);
    const round: Round = { tags: batch.map((m) => m.fields.deliveryTag), bytes: batch.reduce((sum, m) => sum + m.content.length, 0), confirmed: Promise.resolve(), done: false };
    round.confirmed = confirmations.then(() => {
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
    // One multiple ack covers every lower delivery tag on the channel: only when no earlier
    // queue's tail still holds unacknowledged messages on it.
    if (oldestHolder()) source.ack(delivery(round.tags[round.tags.length - 1] ?? 0), true);
    else for (const tag of round.tags) source.ack(delivery(tag));
    inFlight.shift();
    pendingIds.shift();
    ledger.moved += round.tags.length;
    bytesSeen += round.bytes;
    messagesSeen += round.tags.length;
    // Large messages: keep prefetch x average size under the byte window (basic.qos applies to
    // the deliveries that follow; none follow once the consumer is cancelled).
    const fitting = Math.max(1, Math.min(prefetch, Math.floor(maxWindowBytes / Math.max(1, bytesSeen / messagesSeen))));
    if (consumerTag !== undefined && fitting !== currentPrefetch && (fitting < currentPrefetch || fitting > currentPrefetch * 2)) {
      currentPrefetch = fitting;
      await source.prefetch(fitting);
      worker.sourcePrefetch = fitting;
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

  const recordFailure = async (error: unknown): Promise<QueueLedger> => {
    // What was published but not acknowledged stays in doubt for the next run; closing the
    // channel returns it to the source queue.
    worker.broken = true;
    if (error instanceof UnconfirmedAtDeadline) {
      ledger.reason = 'the target withheld confirms until the time budget ran out (memory or disk alarm?); unconfirmed messages stay on the source';
      await saveCheckpoint(pendingIds.flat());
      return { ...ledger };
    }
    ledger.status = 'failed';
    ledger.reason = (error as Error).message;
    await saveCheckpoint(pendingIds.flat()).catch(() => undefined);
    throw error;
  };

  // The ready depth read by the emptiness check, while nothing was published after it.
  let depthAtEnd: number | undefined;
  /** Settles what is in flight, hands back what was not sent, records the end. */
  const finish = async (): Promise<QueueLedger> => {
    while (inFlight.length > 0) await settleOldest();
    const unsent = buffer.splice(0);
    const lastUnsent = unsent[unsent.length - 1];
    if (lastUnsent && oldestHolder()) source.nack(lastUnsent, true, true);
    else for (const message of unsent) source.nack(message, false, true);
    worker.holders.delete(holder);
    if (ledger.status === 'drained') {
      ledger.moved += unseenInDoubt.size;
      unseenInDoubt.clear();
      const messageCount = depthAtEnd ?? (await checkQueueOn(source, 'source', queue));
      ledger.sourceDepthAtEnd = messageCount;
      if (messageCount > 0) ledger.status = 'in-progress';
      const shortfall = ledger.sourceDepthAtStart - ledger.moved - messageCount;
      if (ledger.hasTtl && shortfall > 0) ledger.expired = shortfall;
    }
    await saveCheckpoint([]);
    if (failure) throw failure;
    return { ...ledger };
  };

  try {
    if (sourceDepth === 0 && crashedInDoubt.size === 0) {
      // Nothing ready at the start and nothing in doubt: drained, without a consumer (three round
      // trips saved on each of the many empty queues of a large broker). Later arrivals are the
      // next run's, as they would be after the emptiness check below.
      ledger.status = 'drained';
      depthAtEnd = 0;
    } else {
      if (worker.sourcePrefetch !== prefetch) {
        await source.prefetch(prefetch);
        worker.sourcePrefetch = prefetch;
      }
      worker.holders.add(holder);
      ({ consumerTag } = await source.consume(queue.name, (message) => {
        if (message === null) {
          // The queue was deleted under us: what we hold unacknowledged goes back with the channel.
          fail(new QueueMissingError('source', queue.vhost, queue.name));
        } else {
          buffer.push(message);
          received += 1;
          lastDelivery = Date.now();
        }
        wake?.();
      }, { noAck: false }));
      for (;;) {
        if (failure) throw failure;
        // Another queue's tail failed on these channels: so does the drain.
        if (worker.failed) throw worker.failed;
        while (inFlight[0]?.done) await settleOldest();
        const timeLeft = stopConsumingAt - Date.now();
        if (timeLeft <= 0) break;
        if (buffer.length >= batchSize || (buffer.length > 0 && (Date.now() - lastDelivery >= 5 || (checkEagerly && received === sourceDepth)))) {
          while (inFlight.length >= maxInFlight) await settleOldest();
          await publishRound(buffer.splice(0, batchSize));
          continue;
        }
        // Idle: with all the depth seen at start received, check at once (rounds may be in flight);
        // otherwise after everything settled and `idleMs` without a delivery. Deliveries still on
        // the wire arrive before cancel-ok and are moved below; the depth is read again at the end.
        if (buffer.length === 0 && checkEagerly && received >= sourceDepth) {
          const messageCount = await checkQueueOn(source, 'source', queue);
          if (messageCount === 0) {
            ledger.status = 'drained';
            depthAtEnd = 0;
            break;
          }
          checkEagerly = false;
          lastDelivery = Date.now();
          continue;
        }
        if (buffer.length === 0 && inFlight.length > 0) {
          await settleOldest();
          continue;
        }
        if (buffer.length === 0 && Date.now() - lastDelivery >= idleMs) {
          const messageCount = await checkQueueOn(source, 'source', queue);
          if (messageCount === 0) {
            ledger.status = 'drained';
            depthAtEnd = 0;
            break;
          }
          lastDelivery = Date.now();
        }
        await waitForWork(Math.min(buffer.length > 0 ? 5 : idleMs, Math.max(1, timeLeft)));
      }
      // Stop deliveries, settle what was published, and hand back what was not: it was never sent,
      // so giving it back cannot cause a duplicate (on quorum queues it counts a delivery attempt).
      await source.cancel(consumerTag);
      consumerTag = undefined;
      if (ledger.status === 'drained') {
        while (buffer.length > 0) {
          depthAtEnd = undefined;
          while (inFlight.length >= maxInFlight) await settleOldest();
          await publishRound(buffer.splice(0, batchSize));
        }
      }
    }
  } catch (error) {
    unlisten();
    try {
      return { done: Promise.resolve(await recordFailure(error)) };
    } finally {
      // The channels go (after the other queues' tails settle): closing them returns what is
      // unacknowledged to the source.
      await dropChannels(worker);
    }
  }
  // A short tail goes on while the worker takes its next queue; anything larger settles first.
  const inFlightMessages = inFlight.reduce((sum, r) => sum + r.tags.length, 0);
  const inFlightBytes = inFlight.reduce((sum, r) => sum + r.bytes, 0);
  const background = ledger.status === 'drained' && inFlightMessages <= batchSize && worker.tails.size < maxInFlight && worker.tailBytes + inFlightBytes <= maxWindowBytes / 4;
  const done = finish().catch(recordFailure).finally(unlisten);
  if (!background) return { done: Promise.resolve(await done) };
  worker.tailBytes += inFlightBytes;
  const tail = done.finally(() => {
    worker.tails.delete(tail);
    worker.tailBytes -= inFlightBytes;
  });
  tail.catch((error: unknown) => (worker.failed ??= error as Error));
  worker.tails.add(tail);
  return { done: tail };
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
