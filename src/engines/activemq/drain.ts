import { BrokerApiError, MqMigrateError } from '../../model/errors.js';
import type { DurableTreatment } from '../../plan/activemq-planner.js';
import { toolClientId } from './clients.js';
import { brokerMBean, JolokiaClient, type JolokiaOptions } from './jolokia-client.js';
import { StompClient, type StompFrame, type StompHeaders } from './stomp-client.js';
import { emptyLedgerEntry, type DrainLedgerEntry, type DrainLedgerStore } from './stomp-ledger.js';
import { checkThrottle, RateLimiter, Semaphore, WallClock, type ThrottleOptions, type ThrottleSummary } from '../throttle.js';

/**
 * Moves messages from a source ActiveMQ to a target over STOMP without losing one:
 *
 *  - queues: a `client-individual` subscription whose prefetch is the in-flight window; each
 *    message is sent to the target with a receipt and acknowledged on the source only once that
 *    receipt is in. A crash (kill -9, a source restart, a dropped connection) leaves unacknowledged
 *    messages on the source, which redelivers them: nothing is lost, and a copy that may already
 *    be on the target goes out marked `mqmigrate-possible-duplicate: true` and is counted.
 *  - every message carries `mqmigrate-id` (the source JMSMessageID, kept when a message is moved
 *    again) and `mqmigrate-timestamp` (the source JMSTimestamp), so the target can de-duplicate.
 *  - message groups: ActiveMQ's STOMP does not deliver JMSXGroupID; with Jolokia the drain finds
 *    the groups (browse), reads each through a `JMSXGroupID = '...'` selector on its own
 *    subscription (order kept) and sets JMSXGroupID on the target. JMSXGroupSeq is not carried.
 *  - offline durable subscriptions planned `recreate-and-deliver`: the drain connects with the
 *    subscriber's client id, reads its backlog through the same subscription (name and selector),
 *    and publishes it to the topic on the target, where the subscription was recreated first and
 *    is the topic's only one (the planner blocks otherwise), so it alone receives them.
 *
 * Several destinations run in parallel; a time budget stops cleanly (in-flight messages finish);
 * the ledger records progress per destination and a re-run resumes.
 */

export interface StompEndpoint {
  host: string;
  port: number;
  login: string;
  passcode: string;
  /** STOMP over TLS (`stomp+ssl://`, all Amazon MQ opens); passed on as is to {@link StompClient.connect}. */
  tls?: boolean;
  /** PEM CA to trust instead of the system CAs (a private CA). */
  tlsCa?: string;
}

export interface DrainOptions {
  migrationId: string;
  source: StompEndpoint;
  target: StompEndpoint;
  /** Jolokia of the source: depths, vanished destinations, message groups. Optional but recommended. */
  sourceJolokia?: JolokiaOptions;
  sourceBrokerName?: string;
  /**
   * Jolokia of the target: before a durable backlog is published, the drain checks that the
   * recreated subscription is the topic's only durable subscription there (else it sends nothing).
   */
  targetJolokia?: JolokiaOptions;
  queues: readonly string[];
  durableSubscriptions?: readonly DurableTreatment[];
  ledger: DrainLedgerStore;
  /** In-flight messages per destination (the source prefetch). Default 1000. */
  window?: number;
  /** Destinations drained at once. Default 4. */
  concurrency?: number;
  timeBudgetMs?: number;
  /** A destination counts as empty after this long without a message. Default 1000 ms. */
  idleMs?: number;
  /** Reconnection attempts after a dropped connection (source restart). Default 30, 1 s apart. */
  reconnectAttempts?: number;
  reconnectDelayMs?: number;
  /** Ledger saves at most this often. Default 1000 ms. */
  saveEveryMs?: number;
  now?: () => Date;
  onProgress?: (entry: DrainLedgerEntry) => void;
  /**
   * Limits that keep the drain from overloading a broker production still uses: a message rate
   * shared by every destination of this call (sends go out in chunks of a twentieth of a second's
   * worth; the window shrinks to half a second's worth), and caps on the STOMP connections open
   * to each side (each destination drained at once holds one of each).
   */
  throttle?: ThrottleOptions;
}

export interface DrainResult {
  migrationId: string;
  entries: DrainLedgerEntry[];
  complete: boolean;
  durationMs: number;
  /** What the throttle held back (always set by drainActiveMq). */
  throttle?: ThrottleSummary;
}

/** Headers the relay never copies: the broker sets them (or STOMP framing does). */
const DROPPED_HEADERS = new Set(['message-id', 'destination', 'subscription', 'ack', 'timestamp', 'redelivered', 'content-length', 'receipt', 'original-destination']);
export const MIGRATION_ID_HEADER = 'mqmigrate-id';
export const MIGRATION_TIMESTAMP_HEADER = 'mqmigrate-timestamp';
export const POSSIBLE_DUPLICATE_HEADER = 'mqmigrate-possible-duplicate';
export const MIGRATION_RUN_HEADER = 'mqmigrate-run';

/** Message kinds and what of them survives a STOMP relay (see the report). */
export const STOMP_LOSSES = {
  text: ['JMSMessageID (renewed; original in mqmigrate-id)', 'JMSTimestamp (renewed; original in mqmigrate-timestamp)', 'property types: numbers and booleans arrive as strings', 'JMSXGroupSeq', 'JMSRedelivered / delivery count'],
  bytes: ['same as text'],
  'text with NUL characters': ['arrives as a bytes message (content-length is the only way to frame it)'],
  'map, object, stream messages': ['not carried: ActiveMQ renders them over STOMP only with XStream transformations'],
} as const;

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

class DrainInterrupted extends MqMigrateError {
  override readonly name = 'DrainInterrupted';
}

interface SubscriptionSpec {
  destination: string;
  headers: StompHeaders;
  groupId?: string;
}

interface PassOptions {
  clientId?: string;
  subscriptions: SubscriptionSpec[];
  targetDestination: string;
  deadline: number;
  /** Durable subscriptions must not be UNSUBSCRIBEd (that deletes them): stop by disconnecting. */
  durable: boolean;
}

/** Turns a delivered frame into what the target gets: same body and kind, kept headers, migration headers. */
export function relayFrame(frame: StompFrame, context: { groupId?: string; possibleDuplicate: boolean; runId: string }): { headers: StompHeaders; body: Buffer; kind: 'text' | 'bytes'; textBecameBytes: boolean } {
  const headers: StompHeaders = {};
  for (const [key, value] of Object.entries(frame.headers)) if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  headers[MIGRATION_ID_HEADER] = frame.headers[MIGRATION_ID_HEADER] ?? frame.headers['message-id'] ?? '';
  if (frame.headers[MIGRATION_TIMESTAMP_HEADER] === undefined && frame.headers.timestamp !== undefined) headers[MIGRATION_TIMESTAMP_HEADER] = frame.headers.timestamp;
  headers[MIGRATION_RUN_HEADER] = context.runId;
  if (context.groupId !== undefined) headers.JMSXGroupID = context.groupId;
  if (context.possibleDuplicate) headers[POSSIBLE_DUPLICATE_HEADER] = 'true';
  // ActiveMQ omits `persistent` for non-persistent messages; STOMP SEND defaults to non-persistent too.
  const isBytes = frame.headers['content-length'] !== undefined;
  let textBecameBytes = false;
  if (isBytes) headers['content-length'] = String(frame.body.length);
  else if (frame.body.includes(0)) {
    headers['content-length'] = String(frame.body.length);
    textBecameBytes = true;
  }
  return { headers, body: frame.body, kind: isBytes ? 'bytes' : 'text', textBecameBytes };
}

export async function drainActiveMq(options: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const deadline = options.timeBudgetMs !== undefined ? started + options.timeBudgetMs : Number.POSITIVE_INFINITY;
  checkThrottle(options.throttle);
  const rate = options.throttle?.messagesPerSecond;
  const limiter = rate === undefined ? undefined : new RateLimiter(rate, Math.max(1, Math.floor(rate / 20)));
  const window = Math.min(options.window ?? 1000, limiter ? Math.max(2 * limiter.burst, Math.ceil(limiter.perSecond / 2)) : Number.POSITIVE_INFINITY);
  const sourceSlots = new Semaphore(options.throttle?.maxSourceConnections ?? Number.POSITIVE_INFINITY);
  const targetSlots = new Semaphore(options.throttle?.maxTargetConnections ?? Number.POSITIVE_INFINITY);
  const connectionWait = new WallClock();
  /** Connects once a slot under the cap is free; the slot is given back when the connection closes. */
  const connectWithin = async (slots: Semaphore, connect: () => Promise<StompClient>): Promise<StompClient> => {
    const waitStarted = Date.now();
    const release = await slots.acquire();
    connectionWait.add(waitStarted, Date.now());
    try {
      const client = await connect();
      if (client.closed) release();
      else client.once('close', release);
      return client;
    } catch (error) {
      release();
      throw error;
    }
  };
  const idleMs = options.idleMs ?? 1000;
  const jolokia = options.sourceJolokia ? new JolokiaClient(options.sourceJolokia) : undefined;
  let brokerName = options.sourceBrokerName;
  if (jolokia && !brokerName) {
    const names = (await jolokia.request({ type: 'search', mbean: 'org.apache.activemq:type=Broker,brokerName=*' })) as string[];
    brokerName = /brokerName=([^,]+)/.exec(names[0] ?? '')?.[1];
  }

  type Job = { kind: 'queue'; name: string } | { kind: 'durable'; sub: DurableTreatment };
  const jobs: Job[] = [
    ...options.queues.map((name) => ({ kind: 'queue' as const, name })),
    ...(options.durableSubscriptions ?? []).filter((s) => s.treatment === 'recreate-and-deliver' || s.treatment === 'recreate').map((sub) => ({ kind: 'durable' as const, sub })),
  ];
  const entries: DrainLedgerEntry[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (!job) break;
      entries.push(job.kind === 'queue' ? await drainQueue(job.name) : await drainDurable(job.sub));
    }
  };
  // Each destination drained at once holds a source and a target connection: no more at once than the caps.
  const workers = Math.min(options.concurrency ?? 4, options.throttle?.maxSourceConnections ?? Number.POSITIVE_INFINITY, options.throttle?.maxTargetConnections ?? Number.POSITIVE_INFINITY, Math.max(jobs.length, 1));
  await Promise.all(Array.from({ length: workers }, worker));
  const throttle: ThrottleSummary = {
    ...options.throttle,
    throttledMs: limiter?.held.total ?? 0,
    connectionWaitMs: connectionWait.total,
    peakSourceConnections: sourceSlots.peak,
    peakTargetConnections: targetSlots.peak,
  };
  return { migrationId: options.migrationId, entries, complete: entries.every((e) => e.status === 'done'), durationMs: Date.now() - started, throttle };

  async function queueDepth(name: string): Promise<number | 'vanished' | undefined> {
    if (!jolokia || !brokerName) return undefined;
    const [response] = await jolokia.bulk([{ type: 'read', mbean: `${brokerMBean(brokerName)},destinationType=Queue,destinationName=${name}`, attribute: 'QueueSize' }]);
    if (response?.status === 404) return 'vanished';
    if (response?.status !== 200) throw new BrokerApiError(jolokia.endpoint, `queue ${name}`, response?.status ?? 0, response?.error ?? 'no answer');
    return typeof response.value === 'number' ? response.value : undefined;
  }

  async function discoverGroups(name: string): Promise<string[]> {
    if (!jolokia || !brokerName) return [];
    const [response] = await jolokia.bulk([{ type: 'exec', mbean: `${brokerMBean(brokerName)},destinationType=Queue,destinationName=${name}`, operation: 'browse()' }]);
    if (response?.status !== 200 || !Array.isArray(response.value)) return [];
    const groups = new Set<string>();
    for (const message of response.value as { JMSXGroupID?: unknown }[]) if (typeof message.JMSXGroupID === 'string' && message.JMSXGroupID !== '') groups.add(message.JMSXGroupID);
    return [...groups];
  }

  async function begin(destination: string, kind: DrainLedgerEntry['kind']): Promise<DrainLedgerEntry> {
    const entry = (await options.ledger.load(destination)) ?? emptyLedgerEntry(options.migrationId, destination, kind, now());
    entry.runs++;
    entry.status = 'running';
    delete entry.error;
    entry.updatedAt = now().toISOString();
    await options.ledger.save(entry);
    return entry;
  }

  async function finish(entry: DrainLedgerEntry, status: DrainLedgerEntry['status'], error?: string): Promise<DrainLedgerEntry> {
    entry.status = status;
    if (error) entry.error = error;
    entry.updatedAt = now().toISOString();
    await options.ledger.save(entry);
    options.onProgress?.(entry);
    return entry;
  }

  async function drainQueue(name: string): Promise<DrainLedgerEntry> {
    const entry = await begin(`queue://${name}`, 'queue');
    const suspects = new Set<string>();
    try {
      const depth = await queueDepth(name);
      if (depth === 'vanished') return await finish(entry, entry.moved > 0 ? 'vanished' : 'vanished', `queue "${name}" does not exist on the source`);
      if (depth !== undefined) entry.sourceDepthAtStart = depth;
      for (let round = 0; ; round++) {
        if (Date.now() >= deadline) return await finish(entry, 'partial', 'time budget used up');
        const movedBefore = entry.moved;
        const groups = await discoverGroups(name);
        const subscriptions: SubscriptionSpec[] = groups.map((g) => ({ destination: `/queue/${name}`, headers: { selector: `JMSXGroupID = ${quote(g)}` }, groupId: g }));
        // Ungrouped messages: with Jolokia, by selector (so undiscovered groups wait for the next round).
        subscriptions.push({ destination: `/queue/${name}`, headers: jolokia ? { selector: 'JMSXGroupID IS NULL' } : {} });
        await withReconnect(entry, suspects, { subscriptions, targetDestination: `/queue/${name}`, deadline, durable: false });
        const left = await queueDepth(name);
        if (left === 'vanished') return await finish(entry, 'vanished', `queue "${name}" disappeared from the source during the drain; every message read from it is on the target`);
        if (left !== undefined) entry.sourceDepthAtEnd = left;
        if (left === undefined || left === 0) return await finish(entry, 'done');
        if (entry.moved === movedBefore && round > 0) {
          // Nothing moved in a whole round (e.g. grouped messages beyond the browse window): a plain pass.
          await withReconnect(entry, suspects, { subscriptions: [{ destination: `/queue/${name}`, headers: {} }], targetDestination: `/queue/${name}`, deadline, durable: false });
          const after = await queueDepth(name);
          if (typeof after === 'number') entry.sourceDepthAtEnd = after;
          return await finish(entry, after === 0 ? 'done' : 'partial', after === 0 ? undefined : `${String(after)} message(s) still on the source (consumers or producers still attached?)`);
        }
      }
    } catch (error) {
      return await finish(entry, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  async function drainDurable(sub: DurableTreatment): Promise<DrainLedgerEntry> {
    const entry = await begin(`durable://${sub.clientId}/${sub.subscriptionName}@${sub.topic}`, 'durable-subscription');
    try {
      const subscribeHeaders: StompHeaders = { 'activemq.subscriptionName': sub.subscriptionName, ...(sub.selector ? { selector: sub.selector } : {}), ...(sub.noLocal ? { 'activemq.noLocal': 'true' } : {}) };
      // 1. Recreate the subscription on the target (offline): same client id, name, selector.
      const target = await connectWithin(targetSlots, () => StompClient.connect({ ...options.target, clientId: sub.clientId }));
      await target.subscribe(`/topic/${sub.topic}`, () => undefined, { ...subscribeHeaders, 'activemq.prefetchSize': '1' });
      await target.disconnect();
      if (sub.treatment === 'recreate') return await finish(entry, 'done');
      if (options.targetJolokia) {
        const others = await otherTargetSubscriptions(new JolokiaClient(options.targetJolokia), sub);
        if (others.length > 0) {
          return await finish(entry, 'failed', `topic "${sub.topic}" has other durable subscriptions on the target (${others.join(', ')}): publishing the backlog would reach them too, so nothing was sent`);
        }
      }
      // 2. Its backlog, read through the same subscription on the source, published on the target.
      await withReconnect(entry, new Set(), { clientId: sub.clientId, subscriptions: [{ destination: `/topic/${sub.topic}`, headers: subscribeHeaders }], targetDestination: `/topic/${sub.topic}`, deadline, durable: true });
      return await finish(entry, Date.now() >= deadline ? 'partial' : 'done');
    } catch (error) {
      return await finish(entry, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  async function withReconnect(entry: DrainLedgerEntry, suspects: Set<string>, pass: PassOptions): Promise<void> {
    const attempts = options.reconnectAttempts ?? 30;
    for (let attempt = 0; ; attempt++) {
      try {
        await relayPass(entry, suspects, pass);
        return;
      } catch (error) {
        if (!(error instanceof DrainInterrupted) && !isConnectionProblem(error)) throw error;
        if (attempt >= attempts || Date.now() >= deadline) throw error;
        entry.error = `interrupted (${(error as Error).message}); reconnecting`;
        await options.ledger.save(entry);
        await new Promise((resolve) => setTimeout(resolve, options.reconnectDelayMs ?? 1000));
      }
    }
  }

  async function relayPass(entry: DrainLedgerEntry, suspects: Set<string>, pass: PassOptions): Promise<void> {
    // A durable pass must use the subscriber's client id; every other connection is marked as
    // the tool's (activeMqClientConnections leaves those out of the clients still connected).
    const source = await connectWithin(sourceSlots, () => StompClient.connect({ ...options.source, clientId: pass.clientId ?? toolClientId('drain') }));
    let target: StompClient;
    try {
      target = await connectWithin(targetSlots, () => StompClient.connect({ ...options.target, clientId: toolClientId('drain') }));
    } catch (error) {
      source.destroy();
      throw error;
    }
    let inFlight = 0;
    let lastActivity = Date.now();
    let failure: Error | undefined;
    let stopping = false;
    let lastSave = Date.now();
    /** Ids sent or acknowledged lately: if this pass breaks, their redelivered copies may be duplicates. */
    const recent: string[] = [];
    const remember = (id: string) => {
      recent.push(id);
      if (recent.length > window * 2) recent.splice(0, recent.length - window * 2);
    };
    // The rate limit: sends wait their turn in delivery order, a chunk of tokens at a time.
    const waiting: (() => void)[] = [];
    let pumping = false;
    const pump = async () => {
      pumping = true;
      while (limiter && waiting.length > 0) {
        const chunk = waiting.splice(0, limiter.burst);
        const wait = limiter.reserve(chunk.length);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        for (const go of chunk) go();
      }
      pumping = false;
    };
    const throttled = (send: () => Promise<void>): Promise<void> => {
      if (!limiter) return send();
      const turn = new Promise<void>((resolve) => waiting.push(resolve));
      if (!pumping) void pump();
      return turn.then(send);
    };
    const onMessage = (groupId: string | undefined) => (frame: StompFrame) => {
      if (stopping || failure) return; // left unacknowledged: the source keeps it
      lastActivity = Date.now();
      inFlight++;
      const sourceId = frame.headers['message-id'] ?? '';
      const possibleDuplicate = frame.headers.redelivered === 'true' || suspects.has(sourceId);
      const relayed = relayFrame(frame, { ...(groupId !== undefined ? { groupId } : {}), possibleDuplicate, runId: options.migrationId });
      remember(sourceId);
      throttled(() => target.send(pass.targetDestination, relayed.headers, relayed.body)).then(
        () => {
          try {
            void source.ack(frame).catch(() => undefined);
          } catch (error) {
            failure ??= error as Error;
            inFlight--;
            return;
          }
          suspects.delete(sourceId);
          entry.moved++;
          if (possibleDuplicate) entry.markedDuplicates++;
          if (relayed.kind === 'bytes') entry.bytes++;
          else entry.text++;
          if (relayed.textBecameBytes) entry.textBecameBytes++;
          if (frame.headers.persistent === 'true') entry.persistent++;
          else entry.nonPersistent++;
          const expires = Number(frame.headers.expires ?? '0');
          if (expires > 0 && expires < Date.now()) entry.expiredOnTheWay++;
          if (groupId !== undefined) entry.grouped++;
          inFlight--;
          lastActivity = Date.now();
        },
        (error: Error) => {
          failure ??= error;
          inFlight--;
        },
      );
    };
    const ids: string[] = [];
    try {
      for (const spec of pass.subscriptions) {
        ids.push(await source.subscribe(spec.destination, onMessage(spec.groupId), { ...spec.headers, ack: 'client-individual', 'activemq.prefetchSize': String(window) }));
      }
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (failure) throw failure;
        if (source.closed || target.closed) throw new DrainInterrupted(`${source.closed ? 'source' : 'target'} connection closed`);
        if (Date.now() - lastSave > (options.saveEveryMs ?? 1000)) {
          lastSave = Date.now();
          entry.updatedAt = now().toISOString();
          await options.ledger.save(entry);
          options.onProgress?.(entry);
        }
        if (inFlight === 0 && Date.now() - lastActivity >= idleMs) break;
        if (Date.now() >= pass.deadline) break;
      }
      // Stop taking messages, let every in-flight one get its receipt and ACK, and only then
      // UNSUBSCRIBE: ActiveMQ hands unacknowledged messages back at UNSUBSCRIBE, and an ACK after
      // it is lost (the message would be moved twice). Messages prefetched meanwhile are not sent;
      // they come back redelivered (and marked) on the next run.
      stopping = true;
      const waitUntil = Date.now() + 30000;
      while (inFlight > 0 && Date.now() < waitUntil && !failure) await new Promise((resolve) => setTimeout(resolve, 10));
      if (failure) throw failure;
      if (!pass.durable) for (const id of ids) await source.unsubscribe(id).catch(() => undefined);
      await source.disconnect();
      await target.disconnect();
    } catch (error) {
      // Whatever was sent or acknowledged lately may come back: mark its redelivered copies.
      for (const id of recent) suspects.add(id);
      source.destroy();
      target.destroy();
      throw error;
    } finally {
      entry.updatedAt = now().toISOString();
      await options.ledger.save(entry);
    }
  }
}

/** Durable subscriptions on the target's topic other than `sub` (as clientId/subscriptionName). */
async function otherTargetSubscriptions(client: JolokiaClient, sub: DurableTreatment): Promise<string[]> {
  const names = (await client.request({ type: 'search', mbean: 'org.apache.activemq:type=Broker,brokerName=*' })) as string[];
  const broker = brokerMBean(/brokerName=([^,]+)/.exec(names[0] ?? '')?.[1] ?? '');
  const [info] = await client.bulk([{ type: 'read', mbean: broker, attribute: ['DurableTopicSubscribers', 'InactiveDurableTopicSubscribers'] }]);
  const value = (info?.value ?? {}) as Record<string, { objectName: string }[] | undefined>;
  return [...(value.DurableTopicSubscribers ?? []), ...(value.InactiveDurableTopicSubscribers ?? [])]
    .map((o) => o.objectName)
    .filter((name) => name.includes(`destinationName=${sub.topic},`))
    .map((name) => `${/clientId=([^,]+)/.exec(name)?.[1] ?? '?'}/${/consumerId=Durable\(([^)]*)\)/.exec(name)?.[1] ?? '?'}`)
    .filter((label) => label !== `${sub.clientId}/${sub.clientId}_${sub.subscriptionName}`);
}

function isConnectionProblem(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'StompConnectionError' || name === 'BrokerUnreachableError' || name === 'DrainInterrupted';
}
