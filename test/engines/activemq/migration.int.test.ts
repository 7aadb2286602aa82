import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultActiveMqXml, startActiveMqNode, type ActiveMqNode } from '../../../src/local/brokers/activemq-node.js';
import { freePort } from '../../../src/local/brokers/ports.js';
import { sampleActiveMqBundle, seedSampleMessages, SAMPLE_MESSAGES } from '../../../src/local/seed/activemq-sample.js';
import { collectActiveMqInventory } from '../../../src/engines/activemq/inventory.js';
import { JolokiaClient, type JolokiaOptions } from '../../../src/engines/activemq/jolokia-client.js';
import { StompClient, type StompFrame } from '../../../src/engines/activemq/stomp-client.js';
import { drainActiveMq, MIGRATION_ID_HEADER, type StompEndpoint } from '../../../src/engines/activemq/drain.js';
import { FileLedgerStore, MemoryLedgerStore } from '../../../src/engines/activemq/stomp-ledger.js';
import { verifyActiveMqDrain } from '../../../src/engines/activemq/verify.js';
import { replicateActiveMq, type SecretStore } from '../../../src/engines/activemq/replicate.js';
import { LocalActiveMqTarget } from '../../../src/engines/activemq/local-target.js';
import { BrokerAuthError, BrokerUnreachableError } from '../../../src/model/errors.js';
import type { ActiveMqInventory } from '../../../src/model/activemq-inventory.js';
import { planActiveMqMigration, type ActiveMqPlan } from '../../../src/plan/activemq-planner.js';

const jolokiaOf = (node: ActiveMqNode): JolokiaOptions => ({ url: node.jolokiaUrl, username: node.adminUser, password: node.adminPassword });
const stompOf = (node: ActiveMqNode): StompEndpoint => ({ host: '127.0.0.1', port: node.stompPort, login: node.adminUser, passcode: node.adminPassword });

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async createSecret(name: string, value: string) {
    if (this.values.has(name)) throw new Error(`secret ${name} exists`);
    this.values.set(name, value);
    return `arn:aws:secretsmanager:local:000000000000:secret:${name}`;
  }
  async findSecret(name: string) {
    const value = this.values.get(name);
    return value === undefined ? undefined : { arn: `arn:aws:secretsmanager:local:000000000000:secret:${name}`, value };
  }
}

/** Consumes a queue to the end (auto ack) and returns the frames. */
async function consumeAll(endpoint: StompEndpoint, queue: string, idleMs = 800): Promise<StompFrame[]> {
  const client = await StompClient.connect(endpoint);
  const frames: StompFrame[] = [];
  let last = Date.now();
  await client.subscribe(`/queue/${queue}`, (frame) => {
    frames.push(frame);
    last = Date.now();
  }, { ack: 'auto', 'activemq.prefetchSize': '1000' });
  while (Date.now() - last < idleMs) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.disconnect();
  return frames;
}

async function sendMany(endpoint: StompEndpoint, queue: string, count: number, prefix: string): Promise<void> {
  const client = await StompClient.connect(endpoint);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(client.send(`/queue/${queue}`, { persistent: 'true', n: String(i) }, `${prefix}-${i}-${'x'.repeat(200)}`));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await client.disconnect();
}

describe('ActiveMQ migration against real brokers', () => {
  let source: ActiveMqNode;
  let target: LocalActiveMqTarget;
  let inventory: ActiveMqInventory;
  let plan: ActiveMqPlan;
  const secrets = new MemorySecrets();

  beforeAll(async () => {
    [source, target] = await Promise.all([startActiveMqNode({ heapMb: 256 }), LocalActiveMqTarget.start()]);
    await seedSampleMessages(stompOf(source));
  }, 120000);

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  }, 60000);

  it('collects the inventory from Jolokia and the on-premises configuration', async () => {
    inventory = await collectActiveMqInventory({ jolokia: jolokiaOf(source), config: sampleActiveMqBundle() });
    expect(inventory.source.origin).toBe('jolokia+activemq-xml');
    expect(inventory.broker.engineVersion).toMatch(/^5\.17\./);
    expect(inventory.broker.brokerName).toBe(source.brokerName);
    const queues = Object.fromEntries(inventory.activemq.queues.map((q) => [q.name, q.queueSize]));
    expect(queues['orders.in']).toBe(SAMPLE_MESSAGES.queues['orders.in']);
    expect(queues['billing.invoices']).toBe(SAMPLE_MESSAGES.queues['billing.invoices']);
    expect(inventory.activemq.durableSubscriptions).toEqual([
      expect.objectContaining({ clientId: 'audit-service', subscriptionName: 'orders-audit', topic: 'orders.events', selector: "region = 'eu'", active: false, pendingQueueSize: SAMPLE_MESSAGES.durable.pending }),
    ]);
    expect(inventory.activemq.scheduler).toEqual(expect.objectContaining({ enabled: true, scheduledMessageCount: SAMPLE_MESSAGES.scheduled.count, repeatingJobs: 0 }));
    expect(inventory.activemq.users.map((u) => u.username)).toContain('order-service');
    expect(inventory.activemq.topics.some((t) => t.name.startsWith('ActiveMQ.Advisory'))).toBe(false);
    // Connected clients, per user and client id.
    const connected = await StompClient.connect({ ...stompOf(source), clientId: 'billing-app' });
    try {
      const live = await collectActiveMqInventory({ jolokia: jolokiaOf(source) });
      expect(live.clients).toEqual(expect.arrayContaining([expect.objectContaining({ clientId: 'billing-app', connector: 'stomp', connections: 1, remoteAddress: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:/) })]));
    } finally {
      await connected.disconnect();
    }
  });

  it('refuses wrong credentials, a missing Origin and an unreachable Jolokia with typed errors', async () => {
    await expect(collectActiveMqInventory({ jolokia: { ...jolokiaOf(source), password: 'wrong-password' } })).rejects.toBeInstanceOf(BrokerAuthError);
    await expect(new JolokiaClient({ ...jolokiaOf(source), origin: null }).request({ type: 'version' })).rejects.toThrow(/Origin/);
    await expect(collectActiveMqInventory({ jolokia: { ...jolokiaOf(source), url: 'http://127.0.0.1:1/api/jolokia' } })).rejects.toBeInstanceOf(BrokerUnreachableError);
  });

  it('plans, then replicates configuration and users idempotently (dry run first)', async () => {
    plan = planActiveMqMigration(inventory, { acceptFindings: [] });
    expect(plan.messages.durableSubscriptions.map((d) => d.treatment)).toEqual(['recreate-and-deliver']);
    const dry = await replicateActiveMq({ plan, inventory, secrets, target, dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.changes.map((c) => c.kind)).toEqual(expect.arrayContaining(['configuration', 'create-user', 'create-secret']));
    expect(secrets.values.size).toBe(0);
    const first = await replicateActiveMq({ plan, inventory, secrets, target });
    expect(first.applied).toBe(true);
    expect(first.secrets.map((s) => s.secretName).sort()).toEqual(['mq-migrate/activemq-users/billing-svc', 'mq-migrate/activemq-users/legacy-batch', 'mq-migrate/activemq-users/order-service']);
    expect(JSON.stringify(first)).not.toContain(secrets.values.get('mq-migrate/activemq-users/order-service') ?? '(none)');
    const second = await replicateActiveMq({ plan, inventory, secrets, target });
    expect(second).toEqual(expect.objectContaining({ applied: false, changes: [] }));
    // Kept and generated passwords both log in on the target; the old short one does not.
    const endpoint = { host: '127.0.0.1', port: target.node.stompPort };
    await (await StompClient.connect({ ...endpoint, login: 'reporting', passcode: 'Rep0rting-Readonly' })).disconnect();
    await (await StompClient.connect({ ...endpoint, login: 'order-service', passcode: secrets.values.get('mq-migrate/activemq-users/order-service') ?? '' })).disconnect();
    await expect(StompClient.connect({ ...endpoint, login: 'order-service', passcode: 'orders' })).rejects.toBeInstanceOf(BrokerAuthError);
    // Pre-created destinations of the converted configuration exist on the target.
    const targetInventory = await collectActiveMqInventory({ jolokia: jolokiaOf(target.node) });
    expect(targetInventory.activemq.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['orders.in', 'billing.invoices']));
  }, 120000);

  it('drains queues and the offline durable subscription, keeping what STOMP carries', async () => {
    const ledger = new MemoryLedgerStore();
    const result = await drainActiveMq({
      migrationId: 'it-run-1',
      source: stompOf(source),
      target: stompOf(target.node),
      sourceJolokia: jolokiaOf(source),
      queues: plan.messages.queues.filter((q) => (q.messages ?? 0) > 0).map((q) => q.name),
      durableSubscriptions: plan.messages.durableSubscriptions,
      targetJolokia: jolokiaOf(target.node),
      ledger,
      window: 50,
      idleMs: 600,
    });
    expect(result.complete).toBe(true);
    const orders = result.entries.find((e) => e.destination === 'queue://orders.in');
    expect(orders).toEqual(expect.objectContaining({ moved: 50, text: 50, grouped: 40, nonPersistent: 5, persistent: 45, markedDuplicates: 0 }));
    expect(result.entries.find((e) => e.destination === 'queue://billing.invoices')).toEqual(expect.objectContaining({ moved: 20, bytes: 20 }));
    expect(result.entries.find((e) => e.kind === 'durable-subscription')).toEqual(expect.objectContaining({ moved: SAMPLE_MESSAGES.durable.pending, status: 'done' }));

    const verdict = await verifyActiveMqDrain({ entries: result.entries, sourceJolokia: jolokiaOf(source), targetJolokia: jolokiaOf(target.node), targetStomp: stompOf(target.node), sourceScheduledMessages: inventory.activemq.scheduler.scheduledMessageCount ?? 0 });
    expect(verdict.destinations.every((d) => d.status === 'ok')).toBe(true);
    expect(verdict.destinations.filter((d) => d.duplicatesFound !== undefined).every((d) => d.duplicatesFound === 0)).toBe(true);
    expect(verdict.notes).toEqual([expect.stringMatching(/3 scheduled message/)]);

    // Groups arrive with JMSXGroupID (read back through Jolokia on the target).
    const browsed = (await new JolokiaClient(jolokiaOf(target.node)).request({ type: 'exec', mbean: `org.apache.activemq:type=Broker,brokerName=${target.node.brokerName},destinationType=Queue,destinationName=orders.in`, operation: 'browse()' })) as { JMSXGroupID?: string | null }[];
    expect(browsed.filter((m) => m.JMSXGroupID === 'customer-1')).toHaveLength(20);

    const frames = await consumeAll(stompOf(target.node), 'orders.in');
    expect(frames).toHaveLength(50);
    const first = frames.find((f) => f.headers.orderId === '1000');
    expect(first?.headers).toEqual(expect.objectContaining({ persistent: 'true', priority: '0', 'correlation-id': 'corr-0', 'reply-to': '/queue/orders.replies', type: 'OrderCreated', amount: '0', express: 'true', note: 'line1\nline2: with colon' }));
    expect(Number(first?.headers.expires)).toBeGreaterThan(Date.now());
    expect(first?.headers[MIGRATION_ID_HEADER]).toMatch(/^ID:/);
    expect(first?.body.toString('utf8')).toBe('{"order":1000,"text":"café ✓"}');
    expect(frames.find((f) => f.headers.orderId === '1009')?.headers.persistent).toBeUndefined();
    const invoices = await consumeAll(stompOf(target.node), 'billing.invoices');
    expect(invoices.map((f) => f.body.length)).toEqual(Array(20).fill(1024));
    expect(invoices[3]?.body[5]).toBe(3);

    // The durable backlog went to the recreated subscription only, with its selector.
    const targetInventory = await collectActiveMqInventory({ jolokia: jolokiaOf(target.node) });
    expect(targetInventory.activemq.durableSubscriptions).toEqual([expect.objectContaining({ clientId: 'audit-service', subscriptionName: 'orders-audit', selector: "region = 'eu'", pendingQueueSize: SAMPLE_MESSAGES.durable.pending })]);
  }, 120000);

  it('refuses to publish a durable backlog when the target topic has another durable subscription', async () => {
    const other = await StompClient.connect({ ...stompOf(target.node), clientId: 'someone-else' });
    await other.subscribe('/topic/orders.events', () => undefined, { 'activemq.subscriptionName': 'theirs' });
    await other.disconnect();
    const sub = { clientId: 'audit-service', subscriptionName: 'orders-audit', topic: 'orders.events', noLocal: false, pending: 1, treatment: 'recreate-and-deliver' as const };
    const result = await drainActiveMq({ migrationId: 'it-guard', source: stompOf(source), target: stompOf(target.node), targetJolokia: jolokiaOf(target.node), queues: [], durableSubscriptions: [sub], ledger: new MemoryLedgerStore(), idleMs: 300 });
    expect(result.entries[0]).toEqual(expect.objectContaining({ status: 'failed', moved: 0, error: expect.stringMatching(/someone-else\/someone-else_theirs/) }));
  });

  it('loses nothing when the drain is killed -9 at random points, and marks and counts duplicates', async () => {
    const queue = 'stress.kill';
    const total = 5000;
    await sendMany(stompOf(source), queue, total, 'k');
    const ledgerDir = await mkdtemp(join(tmpdir(), 'amq-ledger-'));
    try {
      const args = { migrationId: 'it-kill', source: stompOf(source), target: stompOf(target.node), sourceJolokia: jolokiaOf(source), queues: [queue], ledgerDir, window: 200 };
      for (let attempt = 0; attempt < 3; attempt++) {
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'drain-child.ts'), JSON.stringify(args)], { stdio: 'ignore' });
        // Kill at a random point once this run is under way (its ledger shows one more run).
        const ledgerFile = join(ledgerDir, `${encodeURIComponent(`queue://${queue}`)}.json`);
        for (let i = 0; i < 400; i++) {
          const runs = await readFile(ledgerFile, 'utf8').then((text) => (JSON.parse(text) as { runs: number }).runs, () => 0);
          if (runs > attempt) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.floor(Math.random() * 1500)));
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      const ledger = new FileLedgerStore(ledgerDir);
      const result = await drainActiveMq({ ...args, ledger, idleMs: 800 });
      expect(result.complete).toBe(true);
      const entry = result.entries[0];
      const frames = await consumeAll(stompOf(target.node), queue, 1500);
      const ids = new Set(frames.map((f) => f.headers[MIGRATION_ID_HEADER]));
      const bodies = new Set(frames.map((f) => f.body.toString('utf8')));
      expect(bodies.size).toBe(total); // 0 lost
      expect(ids.size).toBe(total);
      const duplicates = frames.length - ids.size;
      const marked = frames.filter((f) => f.headers['mqmigrate-possible-duplicate'] === 'true').length;
      // Every real duplicate carries the mark (the mark can also be on a first copy whose ack was in flight).
      const seen = new Set<string>();
      for (const frame of frames) {
        const id = frame.headers[MIGRATION_ID_HEADER] ?? '';
        if (seen.has(id)) expect(frame.headers['mqmigrate-possible-duplicate'] === 'true' || frames.some((f) => f !== frame && f.headers[MIGRATION_ID_HEADER] === id && f.headers['mqmigrate-possible-duplicate'] === 'true')).toBe(true);
        seen.add(id);
      }
      expect(marked).toBeGreaterThanOrEqual(duplicates);
      // The ledger counts what it saved before each kill (at most once a second): never more than the target shows.
      expect(entry?.markedDuplicates).toBeLessThanOrEqual(marked);
      expect(entry?.runs).toBe(4);
    } finally {
      await rm(ledgerDir, { recursive: true, force: true });
    }
  }, 120000);

  it('stops at the time budget and resumes from the ledger', async () => {
    const queue = 'budgeted';
    await sendMany(stompOf(source), queue, 3000, 'b');
    const ledger = new MemoryLedgerStore();
    const args = { migrationId: 'it-budget', source: stompOf(source), target: stompOf(target.node), sourceJolokia: jolokiaOf(source), queues: [queue], ledger, window: 10, idleMs: 500 };
    const first = await drainActiveMq({ ...args, timeBudgetMs: 300 });
    expect(first.entries[0]?.status).toBe('partial');
    expect(first.entries[0]?.moved).toBeLessThan(3000);
    const second = await drainActiveMq(args);
    const entry = second.entries[0];
    expect(entry).toEqual(expect.objectContaining({ status: 'done', runs: 2 }));
    // Messages prefetched but not sent when the budget ran out come back redelivered: marked, moved once.
    expect(entry?.moved).toBe(3000);
    expect(new Set((await consumeAll(stompOf(target.node), queue)).map((f) => f.body.toString())).size).toBe(3000);
  }, 60000);

  it('reports a queue that vanishes mid-drain, keeping what was moved', async () => {
    const queue = 'vanishing';
    await sendMany(stompOf(source), queue, 6000, 'v');
    const jolokia = new JolokiaClient(jolokiaOf(source));
    const targetJolokia = new JolokiaClient(jolokiaOf(target.node));
    const drained = drainActiveMq({ migrationId: 'it-vanish', source: stompOf(source), target: stompOf(target.node), sourceJolokia: jolokiaOf(source), queues: [queue], ledger: new MemoryLedgerStore(), window: 5, idleMs: 1000 });
    // Remove the source queue once the drain is under way (some messages on the target).
    const mbean = `org.apache.activemq:type=Broker,brokerName=${target.node.brokerName},destinationType=Queue,destinationName=${queue}`;
    for (let i = 0; i < 200; i++) {
      const [depth] = await targetJolokia.bulk([{ type: 'read', mbean, attribute: 'QueueSize' }]);
      if (typeof depth?.value === 'number' && depth.value > 50) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await jolokia.request({ type: 'exec', mbean: `org.apache.activemq:type=Broker,brokerName=${source.brokerName}`, operation: 'removeQueue(java.lang.String)', arguments: [queue] });
    const result = await drained;
    const entry = result.entries[0];
    expect(entry?.status).toBe('vanished');
    expect(entry?.error).toMatch(/queue "vanishing"/);
    const frames = await consumeAll(stompOf(target.node), queue);
    expect(new Set(frames.map((f) => f.headers[MIGRATION_ID_HEADER])).size).toBe(frames.length);
    expect(frames.length).toBeGreaterThanOrEqual(entry?.moved ?? 0);
  }, 60000);

  it('survives a source restart mid-drain: reconnects, loses nothing, marks redelivered copies', async () => {
    // A source whose STOMP port survives a restart (the harness picks new ports on every start).
    const fixedPort = await freePort();
    const activemqXml = defaultActiveMqXml().replace('</transportConnectors>', `    <transportConnector name="stomp-fixed" uri="stomp://127.0.0.1:${fixedPort}"/>\n        </transportConnectors>`);
    const baseDir = await mkdtemp(join(tmpdir(), 'amq-restart-'));
    let restartable = await startActiveMqNode({ baseDir, activemqXml, adminUser: 'admin', adminPassword: 'Restart-Admin-Pass-1' });
    try {
      const endpoint = { host: '127.0.0.1', port: fixedPort, login: 'admin', passcode: 'Restart-Admin-Pass-1' };
      const total = 4000;
      await sendMany(endpoint, 'restarting', total, 'r');
      const drained = drainActiveMq({ migrationId: 'it-restart', source: endpoint, target: stompOf(target.node), queues: ['restarting'], ledger: new MemoryLedgerStore(), window: 100, idleMs: 1500, reconnectAttempts: 60, reconnectDelayMs: 500 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      await restartable.stop({ keepData: true });
      restartable = await startActiveMqNode({ name: restartable.brokerName, baseDir, activemqXml, adminUser: 'admin', adminPassword: 'Restart-Admin-Pass-1' });
      const result = await drained;
      expect(result.complete).toBe(true);
      const frames = await consumeAll(stompOf(target.node), 'restarting', 1500);
      const bodies = new Set(frames.map((f) => f.body.toString('utf8')));
      expect(bodies.size).toBe(total);
      const ids = new Map<string, number>();
      for (const frame of frames) ids.set(frame.headers[MIGRATION_ID_HEADER] ?? '', (ids.get(frame.headers[MIGRATION_ID_HEADER] ?? '') ?? 0) + 1);
      const duplicates = frames.length - ids.size;
      const marked = frames.filter((f) => f.headers['mqmigrate-possible-duplicate'] === 'true').length;
      expect(marked).toBeGreaterThanOrEqual(duplicates);
      expect(result.entries[0]?.markedDuplicates).toBeLessThanOrEqual(marked);
    } finally {
      await restartable.stop();
      await rm(baseDir, { recursive: true, force: true });
    }
  }, 120000);
});
