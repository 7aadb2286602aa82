import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type ConsumeMessage, type Options } from '../../../src/engines/rabbitmq/amqp/client.js';
import { FileCheckpointStore, MemoryCheckpointStore } from '../../../src/engines/rabbitmq/drain/checkpoint.js';
import { DUPLICATE_HEADER, MIGRATION_ID_HEADER, ORIGINAL_USER_ID_HEADER } from '../../../src/engines/rabbitmq/drain/message-id.js';
import { relayDrain } from '../../../src/engines/rabbitmq/drain/relay.js';
import { shovelDrain } from '../../../src/engines/rabbitmq/drain/shovel.js';
import { verifyDrain } from '../../../src/engines/rabbitmq/drain/verify.js';
import type { AmqpEndpoint } from '../../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { apiPath, ManagementClient } from '../../../src/engines/rabbitmq/management-client.js';
import { startRabbitNodes, type RabbitNode } from '../../../src/local/brokers/rabbitmq-node.js';

const run = promisify(execFile);
let source: RabbitNode, target: RabbitNode;
const endpoint = (node: RabbitNode): AmqpEndpoint => ({ host: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword });
const api = (node: RabbitNode) => new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });
const connect = (node: RabbitNode, vhost = '/') => amqp.connect(`amqp://${node.adminUser}:${node.adminPassword}@127.0.0.1:${node.amqpPort}/${encodeURIComponent(vhost)}`);
let migration = 0;
const nextId = () => `m${Date.now()}-${++migration}`;

/** Declares the same queue on both brokers, as replication would. */
async function declareBoth(name: string, args: Record<string, unknown> = {}, vhost = '/'): Promise<void> {
  for (const node of [source, target]) await api(node).put(apiPath('queues', vhost, name), 'queue', { durable: true, arguments: args });
}

async function publish(node: RabbitNode, queue: string, count: number, make: (i: number) => { body?: Buffer; options?: Options.Publish } = () => ({})): Promise<void> {
  const connection = await connect(node);
  const channel = await connection.createConfirmChannel();
  for (let i = 0; i < count; i++) {
    const { body, options } = make(i);
    channel.sendToQueue(queue, body ?? Buffer.from(`message ${i}`), { persistent: true, headers: { n: i }, ...options });
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
  await connection.close();
}

async function readAll(node: RabbitNode, queue: string): Promise<ConsumeMessage[]> {
  const connection = await connect(node);
  const channel = await connection.createChannel();
  const out: ConsumeMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    out.push(message as unknown as ConsumeMessage);
  }
  await connection.close();
  return out;
}

const headerN = (m: ConsumeMessage) => {
  const n = m.properties.headers?.n as { value: number } | number;
  return typeof n === 'number' ? n : n.value;
};

beforeAll(async () => {
  [source, target] = (await startRabbitNodes(2)) as [RabbitNode, RabbitNode];
}, 120000);
afterAll(async () => {
  await Promise.all([source, target].filter(Boolean).map((n) => n.stop()));
});

describe('relay drain against real brokers', () => {
  it('keeps the body and every property and header with its type, marks each message with a stable id', async () => {
    await declareBoth('fidelity');
    const big = Buffer.alloc(1024 * 1024 + 17, 7);
    const headers = {
      int: { '!': 'int', value: 42 },
      float: { '!': 'float', value: 1.5 },
      long: { '!': 'long', value: 9007199254740993n },
      ts: { '!': 'timestamp', value: 1700000000 },
      nested: { list: [1, 'two', true, null, { deep: { '!': 'short', value: -3 } }] },
      flag: false,
      text: 'héllo',
      bytes: Buffer.from([0, 1, 2, 255]),
    };
    const props: Options.Publish = {
      contentType: 'application/json', contentEncoding: 'gzip', deliveryMode: 2, priority: 4, correlationId: 'corr-1', replyTo: 'replies',
      expiration: '600000', messageId: 'msg-1', timestamp: 1700000123, type: 'order.created', userId: source.adminUser, appId: 'shop',
    };
    const connection = await connect(source);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue('fidelity', Buffer.from('{"a":1}'), { ...props, headers });
    channel.sendToQueue('fidelity', big, { persistent: true });
    await channel.waitForConfirms();
    await connection.close();

    const [ledger] = await relayDrain({ migrationId: nextId(), source: endpoint(source), target: { ...endpoint(target), username: target.adminUser }, queues: [{ vhost: '/', name: 'fidelity' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 30000 });
    const [first, second] = await readAll(target, 'fidelity');

    expect(ledger).toMatchObject({ status: 'drained', moved: 2, duplicates: 0 });
    expect(first?.content.toString()).toBe('{"a":1}');
    const { headers: gotHeaders, ...gotProps } = first?.properties ?? {};
    expect(gotProps).toMatchObject({ ...props, userId: source.adminUser });
    // Numbers published untyped go out as the smallest AMQP integer type; typed ones keep theirs.
    expect(gotHeaders).toMatchObject({ ...headers, ts: { '!': 'timestamp', value: 1700000000n }, nested: { list: [{ '!': 'byte', value: 1 }, 'two', true, null, { deep: { '!': 'short', value: -3 } }] } });
    expect(gotHeaders?.[MIGRATION_ID_HEADER]).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(second?.content.equals(big)).toBe(true);
  });

  it('moves a user_id the target would refuse into a header, and counts it', async () => {
    await declareBoth('user-ids');
    const other = api(source);
    await other.put(apiPath('users', 'legacy-app'), 'user', { password: 'legacy-app-Secret-1', tags: '' });
    await other.put(apiPath('permissions', '/', 'legacy-app'), 'permissions', { configure: '.*', write: '.*', read: '.*' });
    const connection = await amqp.connect(`amqp://legacy-app:legacy-app-Secret-1@127.0.0.1:${source.amqpPort}`);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue('user-ids', Buffer.from('x'), { userId: 'legacy-app' });
    await channel.waitForConfirms();
    await connection.close();

    const [ledger] = await relayDrain({ migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'user-ids' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 30000 });
    const [moved] = await readAll(target, 'user-ids');

    expect(ledger?.userIdRewritten).toBe(1);
    expect(moved?.properties.userId).toBeUndefined();
    expect(moved?.properties.headers?.[ORIGINAL_USER_ID_HEADER]).toBe('legacy-app');
  });

  it('drains classic, quorum and priority queues in parallel, keeping priority order, and verifies', async () => {
    await declareBoth('q.classic');
    await declareBoth('q.quorum', { 'x-queue-type': 'quorum', 'x-delivery-limit': 5 });
    await declareBoth('q.priority', { 'x-max-priority': 9 });
    await publish(source, 'q.classic', 3000);
    await publish(source, 'q.quorum', 3000);
    await publish(source, 'q.priority', 300, (i) => ({ options: { priority: i % 10 } }));

    const ledgers = await relayDrain({
      migrationId: nextId(), source: endpoint(source), target: endpoint(target), checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 60000,
      queues: [{ vhost: '/', name: 'q.classic' }, { vhost: '/', name: 'q.quorum', expectedType: 'quorum' }, { vhost: '/', name: 'q.priority' }],
      targetManagement: api(target),
    });
    const verification = await verifyDrain(endpoint(source), endpoint(target), ledgers);
    const priorities = (await readAll(target, 'q.priority')).map((m) => m.properties.priority ?? 0);

    expect(ledgers.map((l) => [l.queue, l.status, l.moved])).toEqual([['q.classic', 'drained', 3000], ['q.quorum', 'drained', 3000], ['q.priority', 'drained', 300]]);
    expect(verification.every((v) => v.ok)).toBe(true);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  });

  it('drains many short and empty queues in one call, each worker reusing its channels, and checkpoints each', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `short.${i}`);
    for (const name of names) await declareBoth(name);
    // Every third queue is empty; the others hold 1 to 7 messages.
    const counts = names.map((_, i) => (i % 3 === 0 ? 0 : 1 + (i % 7)));
    for (const [i, name] of names.entries()) if ((counts[i] ?? 0) > 0) await publish(source, name, counts[i] ?? 0);
    const checkpoints = new MemoryCheckpointStore();
    const migrationId = nextId();

    const ledgers = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: names.map((name) => ({ vhost: '/', name })), checkpoints, deadline: Date.now() + 60000, concurrency: 4 });

    expect(ledgers.map((l) => [l.queue, l.status, l.moved, l.sourceDepthAtEnd])).toEqual(names.map((name, i) => [name, 'drained', counts[i], 0]));
    for (const [i, name] of names.entries()) {
      const moved = await readAll(target, name);
      expect(moved.map(headerN)).toEqual(Array.from({ length: counts[i] ?? 0 }, (_, n) => n));
      const saved = JSON.parse(checkpoints.entries.get(`${migrationId}/drain///${name}`) ?? '{}') as { ledger?: { status: string }; inDoubt?: string[] };
      expect(saved).toMatchObject({ ledger: { status: 'drained' }, inDoubt: [] });
    }
    // Four workers on one vhost: one connection to each side.
    expect(ledgers.throttle).toMatchObject({ throttledMs: 0, peakSourceConnections: 1, peakTargetConnections: 1 });
  });

  it('counts messages that expire during the move as expired, not lost', async () => {
    await declareBoth('ttl', { 'x-message-ttl': 300 });
    await publish(source, 'ttl', 2000);

    // A tiny window makes the drain slow enough for the TTL to bite.
    const ledgers = await relayDrain({ migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'ttl', hasTtl: true }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 30000, prefetch: 5, batchSize: 5, maxBatchesInFlight: 1 });
    const [ledger] = ledgers;
    const verification = await verifyDrain(endpoint(source), endpoint(target), ledgers);

    expect(ledger?.status).toBe('drained');
    expect((ledger?.moved ?? 0) + (ledger?.expired ?? 0)).toBe(ledger?.sourceDepthAtStart);
    expect(verification[0]).toMatchObject({ ok: true });
    await readAll(target, 'ttl');
  });

  it('stops before its time budget and a second run continues where it stopped', async () => {
    await declareBoth('budget');
    await publish(source, 'budget', 20000);
    const checkpoints = new MemoryCheckpointStore();
    const migrationId = nextId();

    const [first] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'budget' }], checkpoints, deadline: Date.now() + 700, flushMarginMs: 300, batchSize: 200 });
    const [second] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'budget' }], checkpoints, deadline: Date.now() + 60000 });
    const moved = await readAll(target, 'budget');

    expect(first?.status).toBe('in-progress');
    expect(first?.moved).toBeGreaterThan(0);
    expect(first?.moved).toBeLessThan(20000);
    expect(second).toMatchObject({ status: 'drained', moved: 20000, runs: 2, duplicates: 0 });
    expect(new Set(moved.map(headerN)).size).toBe(20000);
  });

  it('loses nothing when killed with SIGKILL at random points; duplicates are marked and counted', async () => {
    const total = 30000;
    await declareBoth('crash');
    await publish(source, 'crash', total);
    const dir = await mkdtemp(join(tmpdir(), 'mqm-crash-'));
    const migrationId = nextId();
    const input = { migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'crash' }], checkpointDir: dir, budgetMs: 120000, batchSize: 250 };
    const child = (killAfterMs?: number) =>
      new Promise<string>((resolve, reject) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/relay-child.ts', JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
        if (killAfterMs !== undefined) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        proc.on('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve(out) : reject(new Error(`child exited ${code}`))));
      });

    // tsx needs ~1 s to start; kill at varied points after that.
    for (const killAfter of [1500, 1900, 2300]) await child(killAfter);
    const last = JSON.parse(await child()) as { status: string; moved: number; duplicates: number }[];
    const messages = await readAll(target, 'crash');
    const seen = new Map<number, ConsumeMessage[]>();
    for (const m of messages) seen.set(headerN(m), [...(seen.get(headerN(m)) ?? []), m]);
    const extraCopies = messages.length - seen.size;

    expect(last[0]?.status).toBe('drained');
    expect(seen.size).toBe(total);
    // Every message that arrived twice carries the duplicate mark on a copy, and none were uncounted.
    for (const copies of seen.values()) if (copies.length > 1) expect(copies.some((m) => m.properties.headers?.[DUPLICATE_HEADER] === true)).toBe(true);
    expect(extraCopies).toBeLessThanOrEqual(last[0]?.duplicates ?? 0);
    const ledger = JSON.parse((await new FileCheckpointStore(dir).read(`${migrationId}/drain///crash`)) ?? '{}') as { ledger: { moved: number } };
    expect(ledger.ledger.moved).toBeLessThanOrEqual(messages.length);
  }, 180000);

  it('fails cleanly when the source node restarts mid-drain, and a re-run after it is back loses nothing', async () => {
    await declareBoth('restart');
    await publish(source, 'restart', 30000);
    const checkpoints = new MemoryCheckpointStore();
    const migrationId = nextId();

    const drain = relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'restart' }], checkpoints, deadline: Date.now() + 60000, batchSize: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const restarting = source.restart();
    await expect(drain).rejects.toThrow();
    source = await restarting;
    const [ledger] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'restart' }], checkpoints, deadline: Date.now() + 60000 });
    const messages = await readAll(target, 'restart');

    expect(ledger?.status).toBe('drained');
    expect(new Set(messages.map(headerN)).size).toBe(30000);
  }, 120000);

  it('fails cleanly when the target node is killed mid-drain, and a re-run after it is back loses nothing', async () => {
    await declareBoth('target-restart');
    await publish(source, 'target-restart', 30000);
    const checkpoints = new MemoryCheckpointStore();
    const migrationId = nextId();

    const drain = relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'target-restart' }], checkpoints, deadline: Date.now() + 60000, batchSize: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const restarting = target.restart({ kill: true });
    await expect(drain).rejects.toThrow();
    target = await restarting;
    const [ledger] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'target-restart' }], checkpoints, deadline: Date.now() + 60000 });
    const messages = await readAll(target, 'target-restart');

    expect(ledger?.status).toBe('drained');
    expect(new Set(messages.map(headerN)).size).toBe(30000);
    // Whatever the killed target had confirmed survived (persistent messages); copies are marked.
    expect(messages.length - 30000).toBeLessThanOrEqual(ledger?.duplicates ?? 0);
  }, 120000);

  it('holds back while the target is in a memory alarm (connection.blocked), then finishes', async () => {
    await declareBoth('blocked');
    await publish(source, 'blocked', 2000);
    const ctl = (...args: string[]) => run('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', target.nodeName, ...args], { env: target.cliEnv });
    await ctl('set_vm_memory_high_watermark', '0.0000001');
    const checkpoints = new MemoryCheckpointStore();
    const migrationId = nextId();
    try {
      const [held] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'blocked' }], checkpoints, deadline: Date.now() + 2500 });
      expect(held?.status).not.toBe('drained');
      expect(held?.moved).toBe(0);
    } catch (error) {
      // A deadline hit while confirms are withheld ends the run with the messages requeued on the source.
      expect(String(error)).toMatch(/./);
    } finally {
      await ctl('set_vm_memory_high_watermark', '0.4');
    }
    const [ledger] = await relayDrain({ migrationId, source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'blocked' }], checkpoints, deadline: Date.now() + 30000 });
    const messages = await readAll(target, 'blocked');

    expect(ledger?.status).toBe('drained');
    expect(new Set(messages.map(headerN)).size).toBe(2000);
  }, 60000);
});

describe('relay drain bad input', () => {
  it('refuses a queue missing on the target before taking anything from the source', async () => {
    await api(source).put(apiPath('queues', '/', 'only-on-source'), 'queue', { durable: true });
    await publish(source, 'only-on-source', 10);

    await expect(relayDrain({ migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'only-on-source' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 10000 }))
      .rejects.toMatchObject({ name: 'QueueMissingError', side: 'target' });
    expect((await readAll(source, 'only-on-source')).length).toBe(10);
  });

  it('refuses a target queue of another type than the plan expects', async () => {
    await declareBoth('typed-wrong');

    await expect(relayDrain({ migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'typed-wrong', expectedType: 'quorum' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 10000, targetManagement: api(target) }))
      .rejects.toMatchObject({ name: 'QueueTypeMismatchError', expected: 'quorum', actual: 'classic' });
  });

  it('names wrong credentials and an unreachable target', async () => {
    await declareBoth('creds');
    const base = { migrationId: nextId(), source: endpoint(source), queues: [{ vhost: '/', name: 'creds' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 10000 };

    await expect(relayDrain({ ...base, target: { ...endpoint(target), password: 'wrong-password' } })).rejects.toMatchObject({ name: 'BrokerAuthError' });
    await expect(relayDrain({ ...base, target: { ...endpoint(target), port: 1 } })).rejects.toMatchObject({ name: 'BrokerUnreachableError' });
  });

  it('reports a source queue deleted mid-drain, with what moved kept on the target', async () => {
    await declareBoth('vanishing');
    await publish(source, 'vanishing', 20000);

    const drain = relayDrain({ migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'vanishing' }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 30000, batchSize: 100 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api(source).delete(apiPath('queues', '/', 'vanishing'), 'queue');

    await expect(drain).rejects.toMatchObject({ name: 'QueueMissingError', side: 'source' });
  });
});

describe('shovel drain', () => {
  it('drains queues with on-confirm dynamic shovels it watches and removes', async () => {
    await declareBoth('sh.a');
    await declareBoth('sh.b');
    await publish(source, 'sh.a', 2000);
    await publish(source, 'sh.b', 500);
    const migrationId = nextId();

    const ledgers = await shovelDrain({
      migrationId, shovelHost: api(source), source: endpoint(source), target: endpoint(target), deadline: Date.now() + 60000,
      sourceUri: () => 'amqp://',
      targetUri: (vhost) => `amqp://${target.adminUser}:${target.adminPassword}@127.0.0.1:${target.amqpPort}/${encodeURIComponent(vhost)}`,
      queues: [{ vhost: '/', name: 'sh.a' }, { vhost: '/', name: 'sh.b' }],
    });
    const verification = await verifyDrain(endpoint(source), endpoint(target), ledgers);
    const left = await api(source).get<unknown[]>('/api/parameters/shovel', 'shovels');

    expect(ledgers.map((l) => [l.queue, l.status, l.moved])).toEqual([['sh.a', 'drained', 2000], ['sh.b', 'drained', 500]]);
    expect(verification.every((v) => v.ok)).toBe(true);
    expect(left).toEqual([]);
  });
});
