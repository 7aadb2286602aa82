import { drainActiveMq, type StompEndpoint } from '../../../src/engines/activemq/drain.js';
import { brokerMBean, JolokiaClient, type JolokiaOptions } from '../../../src/engines/activemq/jolokia-client.js';
import { StompClient } from '../../../src/engines/activemq/stomp-client.js';
import { MemoryLedgerStore, type DrainLedgerEntry } from '../../../src/engines/activemq/stomp-ledger.js';
import { startActiveMqNodes, type ActiveMqNode } from '../../../src/local/brokers/activemq-node.js';

// Limits, not speed targets: the drain must take at least as long as the rate allows and never
// hold more connections than the caps; nothing asserts how fast it is.
let source: ActiveMqNode, target: ActiveMqNode;
const jolokiaOf = (node: ActiveMqNode): JolokiaOptions => ({ url: node.jolokiaUrl, username: node.adminUser, password: node.adminPassword });
const stompOf = (node: ActiveMqNode): StompEndpoint => ({ host: '127.0.0.1', port: node.stompPort, login: node.adminUser, passcode: node.adminPassword });

async function sendMany(endpoint: StompEndpoint, queue: string, count: number): Promise<void> {
  const client = await StompClient.connect(endpoint);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(client.send(`/queue/${queue}`, { persistent: 'true', n: String(i) }, `${queue}-${i}-${'x'.repeat(200)}`));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await client.disconnect();
}

async function brokerRead(node: ActiveMqNode, attribute: string, queue?: string): Promise<number> {
  const mbean = `${brokerMBean(node.brokerName)}${queue ? `,destinationType=Queue,destinationName=${queue}` : ''}`;
  const [response] = await new JolokiaClient(jolokiaOf(node)).bulk([{ type: 'read', mbean, attribute }]);
  return typeof response?.value === 'number' ? response.value : Number.NaN;
}

/** Polls the broker's count of open connections; returns the most seen at once. */
function watchConnections(node: ActiveMqNode): { stop(): Promise<{ max: number; samples: number }> } {
  let running = true;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await brokerRead(node, 'CurrentConnectionsCount'));
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
  [source, target] = (await startActiveMqNodes(2, { heapMb: 256 })) as [ActiveMqNode, ActiveMqNode];
}, 180000);
afterAll(async () => {
  await Promise.all([source, target].filter(Boolean).map((n) => n.stop()));
});

describe('ActiveMQ drain throttle', () => {
  // 500 msg/s: an unthrottled drain of these runs at about 700 msg/s on a CI machine, so a lower
  // limit is what shows (without Jolokia: its selectors for message groups slow the drain further).
  it('holds 3,000 messages over 3 queues to 500 msg/s, one connection per side, and reports it', async () => {
    const queues = ['throttle.a', 'throttle.b', 'throttle.c'];
    for (const q of queues) await sendMany(stompOf(source), q, 1000);
    expect(await brokerRead(source, 'CurrentConnectionsCount')).toBe(0);
    const watchSource = watchConnections(source);
    const watchTarget = watchConnections(target);

    const moved = new Map<string, number>();
    const overRate: string[] = [];
    const started = performance.now();
    const onProgress = (entry: DrainLedgerEntry) => {
      moved.set(entry.destination, entry.moved);
      const total = [...moved.values()].reduce((a, b) => a + b, 0);
      const elapsed = (performance.now() - started) / 1000;
      // One chunk (25 at this rate) of burst, and one being released.
      if (total > 500 * elapsed + 100) overRate.push(`${total} moved after ${elapsed.toFixed(3)} s`);
    };
    const result = await drainActiveMq({
      migrationId: 'throttle', source: stompOf(source), target: stompOf(target), queues, ledger: new MemoryLedgerStore(),
      concurrency: 3, idleMs: 300, timeBudgetMs: 120000, saveEveryMs: 100, onProgress, throttle: { messagesPerSecond: 500, maxSourceConnections: 1, maxTargetConnections: 1 },
    });
    const seconds = (performance.now() - started) / 1000;
    const [seenSource, seenTarget] = await Promise.all([watchSource.stop(), watchTarget.stop()]);

    expect(result.entries.map((e) => [e.destination, e.status, e.moved]).sort()).toEqual(queues.map((q) => [`queue://${q}`, 'done', 1000]));
    expect(seenSource.samples).toBeGreaterThan(10);
    expect(seenSource.max).toBe(1);
    expect(seenTarget.max).toBe(1);
    expect(overRate).toEqual([]);
    expect(seconds).toBeGreaterThanOrEqual(5);
    expect(result.throttle?.throttledMs).toBeGreaterThan(3000);
    expect(result.throttle).toMatchObject({ messagesPerSecond: 500, maxSourceConnections: 1, maxTargetConnections: 1, peakSourceConnections: 1, peakTargetConnections: 1 });
    for (const q of queues) expect(await brokerRead(target, 'QueueSize', q)).toBe(1000);
  }, 150000);
});
