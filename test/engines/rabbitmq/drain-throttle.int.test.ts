import amqp from '../../../src/engines/rabbitmq/amqp/client.js';
import type { AmqpEndpoint } from '../../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { MemoryCheckpointStore } from '../../../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain, type DrainProgress } from '../../../src/engines/rabbitmq/drain/relay.js';
import { apiPath, ManagementClient } from '../../../src/engines/rabbitmq/management-client.js';
import { startRabbitNodes, type RabbitNode } from '../../../src/local/brokers/rabbitmq-node.js';

// Limits, not speed targets: these tests bound durations and connection counts from below/above
// as the throttle promises; nothing asserts how fast an unthrottled drain is.
let source: RabbitNode, target: RabbitNode;
const endpoint = (node: RabbitNode): AmqpEndpoint => ({ host: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword });
const api = (node: RabbitNode) => new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });
const url = (node: RabbitNode, vhost: string) => `amqp://${node.adminUser}:${node.adminPassword}@127.0.0.1:${node.amqpPort}/${encodeURIComponent(vhost)}`;
let migration = 0;
const nextId = () => `t${Date.now()}-${++migration}`;

async function declareBoth(vhost: string, queue: string): Promise<void> {
  for (const node of [source, target]) await api(node).put(apiPath('queues', vhost, queue), 'queue', { durable: true, arguments: {} });
}

async function publish(node: RabbitNode, vhost: string, queue: string, count: number): Promise<void> {
  const connection = await amqp.connect(url(node, vhost));
  const channel = await connection.createConfirmChannel();
  for (let i = 0; i < count; i++) {
    channel.sendToQueue(queue, Buffer.alloc(256, i % 256), { persistent: true, headers: { n: i } });
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
  await connection.close();
}

async function depth(node: RabbitNode, vhost: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url(node, vhost));
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** Polls the broker's own connection list for the drain's connections; returns the most seen at once. */
function watchConnections(node: RabbitNode, vhosts: readonly string[]): { stop(): Promise<{ max: number; samples: number }> } {
  let running = true;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      // Without statistics the list is the broker's live one (with them it lags by seconds), but
      // it names connections only by address: while the drain runs, the test holds none of its own.
      const list = await api(node).get<{ vhost?: string }[]>('/api/connections?disable_stats=true', 'connections');
      const ours = list.filter((c) => c.vhost !== undefined && vhosts.includes(c.vhost)).length;
      max = Math.max(max, ours);
      samples += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

beforeAll(async () => {
  [source, target] = (await startRabbitNodes(2)) as [RabbitNode, RabbitNode];
  for (const node of [source, target]) {
    for (const vhost of ['tv1', 'tv2', 'tv3']) {
      await api(node).put(apiPath('vhosts', vhost), 'vhost', {});
      await api(node).put(apiPath('permissions', vhost, node.adminUser), 'permissions', { configure: '.*', write: '.*', read: '.*' });
    }
  }
}, 120000);
afterAll(async () => {
  await Promise.all([source, target].filter(Boolean).map((n) => n.stop()));
});

describe('relay drain throttle', () => {
  it('holds 6,000 messages over 3 queues to 2,000 msg/s in all, smoothly, and reports the time it held back', async () => {
    const queues = ['rate.a', 'rate.b', 'rate.c'];
    for (const q of queues) {
      await declareBoth('/', q);
      await publish(source, '/', q, 2000);
    }
    const progress = new Map<string, number>();
    const overRate: string[] = [];
    let started = 0;
    const onProgress = (p: DrainProgress) => {
      progress.set(p.queue, p.moved);
      const moved = [...progress.values()].reduce((a, b) => a + b, 0);
      const elapsed = (performance.now() - started) / 1000;
      // At most one round (200 at this rate) of burst, plus one round being reserved.
      if (moved > 2000 * elapsed + 400) overRate.push(`${moved} moved after ${elapsed.toFixed(3)} s`);
    };

    started = performance.now();
    const ledgers = await relayDrain({
      migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: queues.map((name) => ({ vhost: '/', name })),
      checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 60000, concurrency: 3, onProgress, throttle: { messagesPerSecond: 2000 },
    });
    const seconds = (performance.now() - started) / 1000;

    expect(ledgers.map((l) => [l.queue, l.status, l.moved])).toEqual(queues.map((q) => [q, 'drained', 2000]));
    expect(seconds).toBeGreaterThanOrEqual(2.5);
    expect(overRate).toEqual([]);
    expect(ledgers.throttle.messagesPerSecond).toBe(2000);
    expect(ledgers.throttle.throttledMs).toBeGreaterThan(1500);
    for (const q of queues) expect(await depth(target, '/', q)).toBe(2000);
  }, 60000);

  it('never opens more connections to either broker than the caps, queues of 3 vhosts drained 3 at a time', async () => {
    const queues = [1, 2, 3].flatMap((v) => [`cap.${v}.a`, `cap.${v}.b`].map((name) => ({ vhost: `tv${v}`, name })));
    for (const q of queues) {
      await declareBoth(q.vhost, q.name);
      await publish(source, q.vhost, q.name, 1000);
    }
    const migrationId = nextId();
    const vhosts = ['tv1', 'tv2', 'tv3'];
    const watchSource = watchConnections(source, vhosts);
    const watchTarget = watchConnections(target, vhosts);

    // The rate limit makes the drain last long enough (4 s) for the broker's list to show it.
    const ledgers = await relayDrain({
      migrationId, source: endpoint(source), target: endpoint(target), queues, checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 60000,
      concurrency: 3, throttle: { messagesPerSecond: 1500, maxSourceConnections: 1, maxTargetConnections: 2 },
    });
    const [seenSource, seenTarget] = await Promise.all([watchSource.stop(), watchTarget.stop()]);

    expect(ledgers.map((l) => [l.vhost, l.queue, l.status, l.moved])).toEqual(queues.map((q) => [q.vhost, q.name, 'drained', 1000]));
    expect(seenSource.samples).toBeGreaterThan(10);
    expect(seenSource.max).toBe(1);
    expect(seenTarget.max).toBeGreaterThanOrEqual(1);
    expect(seenTarget.max).toBeLessThanOrEqual(2);
    expect(ledgers.throttle).toMatchObject({ maxSourceConnections: 1, maxTargetConnections: 2, peakSourceConnections: 1 });
    expect(ledgers.throttle.peakTargetConnections).toBeLessThanOrEqual(2);
    // Queues of the other vhosts waited for the one source connection.
    expect(ledgers.throttle.connectionWaitMs).toBeGreaterThan(0);
    for (const q of queues) expect(await depth(target, q.vhost, q.name)).toBe(1000);
  }, 60000);

  it('refuses limits that make no sense before connecting', async () => {
    const base = { migrationId: nextId(), source: endpoint(source), target: endpoint(target), queues: [], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 10000 };
    await expect(relayDrain({ ...base, throttle: { messagesPerSecond: 0 } })).rejects.toThrow(RangeError);
    await expect(relayDrain({ ...base, throttle: { maxSourceConnections: 0 } })).rejects.toThrow(RangeError);
  });
});
