import { startActiveMqNode, type ActiveMqNode } from '../../../src/local/brokers/activemq-node.js';
import { activeMqClientConnections, TOOL_CLIENT_ID_PREFIX, toolClientId } from '../../../src/engines/activemq/clients.js';
import { drainActiveMq, type StompEndpoint } from '../../../src/engines/activemq/drain.js';
import { JolokiaClient, type JolokiaOptions } from '../../../src/engines/activemq/jolokia-client.js';
import { StompClient } from '../../../src/engines/activemq/stomp-client.js';
import { MemoryLedgerStore, type DrainLedgerEntry } from '../../../src/engines/activemq/stomp-ledger.js';

// Two real ActiveMQ 5.17 nodes: a source with an application user, and a drain target.
let source: ActiveMqNode;
let target: ActiveMqNode;
const APP = { username: 'app', password: 'App-password-1', groups: ['admins'] };

const jolokiaOf = (node: ActiveMqNode): JolokiaOptions => ({ url: node.jolokiaUrl, username: node.adminUser, password: node.adminPassword });
const stompOf = (node: ActiveMqNode): StompEndpoint => ({ host: '127.0.0.1', port: node.stompPort, login: node.adminUser, passcode: node.adminPassword });

/** Every client id on the broker, unfiltered, straight from the connection MBeans. */
async function rawClientIds(node: ActiveMqNode): Promise<string[]> {
  const names = (await new JolokiaClient(jolokiaOf(node)).request({ type: 'search', mbean: `org.apache.activemq:type=Broker,brokerName=${node.brokerName},connector=clientConnectors,connectionViewType=clientId,*` })) as string[];
  return names.map((n) => /connectionName=([^,]+)/.exec(n)?.[1] ?? '').sort();
}

beforeAll(async () => {
  [source, target] = await Promise.all([startActiveMqNode({ users: [APP] }), startActiveMqNode()]);
});

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

describe('activeMqClientConnections', () => {
  it('is empty when no client is connected', async () => {
    expect(await activeMqClientConnections(jolokiaOf(source))).toEqual([]);
  });

  it('lists application connections once each, with client id and remote address, and leaves the tool\'s own out', async () => {
    const app = await StompClient.connect({ host: '127.0.0.1', port: source.stompPort, login: APP.username, passcode: APP.password, clientId: 'billing-app' });
    const anonymous = await StompClient.connect({ ...stompOf(source) });
    const tool = await StompClient.connect({ ...stompOf(source), clientId: toolClientId('test') });
    const borrowed = await StompClient.connect({ ...stompOf(source), clientId: 'orders-subscriber' });
    try {
      const all = await activeMqClientConnections(jolokiaOf(source), source.brokerName);
      const ids = all.map((c) => c.clientId);
      expect(ids).toContain('billing-app');
      expect(ids.some((id) => id.startsWith(TOOL_CLIENT_ID_PREFIX))).toBe(false);
      // A connection without a client-id header gets a generated JMS id, with its ':' intact.
      const generated = all.find((c) => c.clientId !== 'billing-app' && c.clientId !== 'orders-subscriber');
      expect(generated?.clientId).toMatch(/^ID:.*:\d+$/);
      expect(all).toHaveLength(3);
      expect(all.find((c) => c.clientId === 'billing-app')).toMatchObject({ connector: 'stomp', remoteAddress: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/) });

      // The broker name is found when not given; a borrowed subscriber id can be left out too.
      const others = await activeMqClientConnections(jolokiaOf(source), undefined, { ownClientIds: ['orders-subscriber'] });
      expect(others.map((c) => c.clientId).sort()).toEqual([generated?.clientId, 'billing-app'].sort());
    } finally {
      await Promise.all([app.disconnect(), anonymous.disconnect(), tool.disconnect(), borrowed.disconnect()]);
    }
  });

  it('does not count the drain\'s connections: they carry the mq-migrate- client id prefix', async () => {
    const producer = await StompClient.connect(stompOf(source));
    for (let i = 0; i < 200; i++) await producer.send('/queue/orders', { persistent: 'true' }, `order-${i}`);
    await producer.disconnect();

    // Look at both brokers while the drain is connected (ledger saves happen mid-pass).
    const seen = { source: new Set<string>(), target: new Set<string>(), listed: [] as string[] };
    class WatchingLedger extends MemoryLedgerStore {
      override async save(entry: DrainLedgerEntry) {
        await super.save(entry);
        if (entry.status !== 'running' || entry.moved === 0 || seen.source.size > 0) return;
        for (const id of await rawClientIds(source)) seen.source.add(id);
        for (const id of await rawClientIds(target)) seen.target.add(id);
        seen.listed = (await activeMqClientConnections(jolokiaOf(source))).map((c) => c.clientId);
      }
    }
    const result = await drainActiveMq({ migrationId: 'm-clients', source: stompOf(source), target: stompOf(target), sourceJolokia: jolokiaOf(source), queues: ['orders'], ledger: new WatchingLedger(), saveEveryMs: 0, idleMs: 1500 });

    expect(result.entries[0]).toMatchObject({ status: 'done', moved: 200 });
    expect(seen.source.size).toBeGreaterThan(0);
    expect([...seen.source, ...seen.target].every((id) => id.startsWith(TOOL_CLIENT_ID_PREFIX))).toBe(true);
    expect(seen.target.size).toBeGreaterThan(0);
    expect(seen.listed).toEqual([]);
  });
});
