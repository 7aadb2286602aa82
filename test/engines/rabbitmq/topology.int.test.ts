import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { collectRabbitInventory, inventoryFromDefinitionsFile } from '../../../src/engines/rabbitmq/inventory.js';
import { apiPath, ManagementClient } from '../../../src/engines/rabbitmq/management-client.js';
import { replicateRabbitTopology } from '../../../src/engines/rabbitmq/replicate.js';
import { diffTopologies, topologyObjects } from '../../../src/engines/rabbitmq/topology-objects.js';
import { startRabbitNodes, type RabbitNode } from '../../../src/local/brokers/rabbitmq-node.js';
import { SAMPLE_PASSWORDS, seedRabbitSample } from '../../../src/local/seed/rabbitmq-sample.js';
import type { RabbitInventory } from '../../../src/model/inventory.js';
import { planRabbitMigration } from '../../../src/plan/rabbitmq-planner.js';
import { renderPlanMarkdown } from '../../../src/plan/report.js';

// Real RabbitMQ nodes, started once for the suite: a seeded source, an empty target, a second
// target for conflicts, a spare target, and a node without the management plugin.
let source: RabbitNode, target: RabbitNode, conflictTarget: RabbitNode, spare: RabbitNode, bare: RabbitNode;
let sourceApi: ManagementClient, targetApi: ManagementClient;
let inventory: RabbitInventory;
let consumerConnection: amqp.ChannelModel | undefined;

const api = (node: RabbitNode) => new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });
const amqpUrl = (node: RabbitNode, user: string, password: string, vhost: string) =>
  `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${node.amqpPort}/${encodeURIComponent(vhost)}`;
const ODD_VHOST = 'q&a #1 %2F?';

beforeAll(async () => {
  const nodes = await startRabbitNodes([{}, {}, {}, {}, { plugins: [] }]);
  [source, target, conflictTarget, spare, bare] = nodes as [RabbitNode, RabbitNode, RabbitNode, RabbitNode, RabbitNode];
  sourceApi = api(source);
  targetApi = api(target);
  await seedRabbitSample(sourceApi);
  // A vhost whose name needs encoding in every URL, with a queue in it.
  await sourceApi.put(apiPath('vhosts', ODD_VHOST), 'vhost', { description: 'odd name' });
  await sourceApi.put(apiPath('permissions', ODD_VHOST, 'admin'), 'permissions', { configure: '.*', write: '.*', read: '.*' });
  await sourceApi.put(apiPath('queues', ODD_VHOST, 'odd/queue #1'), 'queue', { durable: true, arguments: {} });

  // Messages and a live consumer, so depths and client counts are real.
  const publisher = await amqp.connect(amqpUrl(source, 'orders-app', SAMPLE_PASSWORDS['orders-app'] ?? '', 'orders'));
  const channel = await publisher.createConfirmChannel();
  for (let i = 0; i < 25; i++) channel.publish('orders.events', 'orders.created.eu', Buffer.from(`order ${i}`), { persistent: true });
  await channel.waitForConfirms();
  await publisher.close();
  consumerConnection = await amqp.connect(amqpUrl(source, 'orders-app', SAMPLE_PASSWORDS['orders-app'] ?? '', 'orders'));
  const consumerChannel = await consumerConnection.createChannel();
  await consumerChannel.consume('orders.shipped', () => undefined);

  // Queue totals lag the broker by a stats interval: wait until the depth shows.
  for (let attempt = 0; attempt < 60; attempt++) {
    inventory = await collectRabbitInventory(sourceApi);
    const created = inventory.rabbitmq.queues.find((q) => q.name === 'orders.created');
    if (created?.messages === 25 && inventory.clients[0]?.channels === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 180000);

afterAll(async () => {
  await consumerConnection?.close().catch(() => undefined);
  await Promise.all([source, target, conflictTarget, spare, bare].filter(Boolean).map((node) => node.stop()));
});

describe('RabbitMQ inventory against a real broker', () => {
  it('reports versions, plugins and feature flags', () => {
    expect(inventory.broker.engineVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(inventory.broker.erlangVersion).toMatch(/^\d+/);
    expect(inventory.broker.plugins).toEqual(expect.arrayContaining(['rabbitmq_management', 'rabbitmq_shovel', 'rabbitmq_federation']));
    expect(inventory.broker.featureFlags).toEqual(expect.arrayContaining([{ name: 'quorum_queue', state: 'enabled' }]));
  });

  it('reads vhosts with description and tags, including names that need encoding', () => {
    expect(inventory.rabbitmq.vhosts).toEqual(
      expect.arrayContaining([
        { name: 'team/billing', description: 'Billing team (a vhost name with a slash)', tags: ['prod'] },
        expect.objectContaining({ name: ODD_VHOST, description: 'odd name' }),
      ]),
    );
    expect(inventory.rabbitmq.queues).toEqual(expect.arrayContaining([expect.objectContaining({ vhost: ODD_VHOST, name: 'odd/queue #1' })]));
  });

  it('reads users with tags, password hashes, hashing algorithm and limits', () => {
    const user = inventory.rabbitmq.users.find((u) => u.name === 'orders-app');
    expect(user).toMatchObject({ hashingAlgorithm: 'rabbit_password_hashing_sha256', limits: { 'max-connections': 200 } });
    expect(user?.passwordHash).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
    expect(inventory.rabbitmq.users.find((u) => u.name === 'ops-monitor')?.tags).toEqual(['monitoring']);
  });

  it('reads permissions and topic permissions', () => {
    expect(inventory.rabbitmq.permissions).toEqual(expect.arrayContaining([{ user: 'billing-svc', vhost: 'team/billing', configure: '^billing\\.', write: '.*', read: '.*' }]));
    expect(inventory.rabbitmq.topicPermissions).toEqual([{ user: 'orders-app', vhost: 'orders', exchange: 'orders.events', write: '^orders\\.', read: '.*' }]);
  });

  it('reads queues with type, durability, arguments, depth and consumers', () => {
    const byName = new Map(inventory.rabbitmq.queues.map((q) => [q.name, q]));
    expect(byName.get('orders.created')).toMatchObject({ type: 'classic', durable: true, messages: 25, arguments: { 'x-dead-letter-exchange': 'orders.dlx' } });
    expect(byName.get('orders.shipped')).toMatchObject({ type: 'quorum', consumers: 1, arguments: { 'x-delivery-limit': 20 } });
    expect(byName.get('orders.priority')?.arguments).toEqual({ 'x-max-priority': 10 });
  });

  it('reads queue and exchange bindings with their arguments', () => {
    expect(inventory.rabbitmq.bindings).toEqual(
      expect.arrayContaining([
        { vhost: 'orders', source: 'orders.events', destination: 'orders.audit', destinationType: 'exchange', routingKey: '#', arguments: {} },
        { vhost: 'orders', source: 'orders.by-header', destination: 'orders.priority', destinationType: 'queue', routingKey: '', arguments: { 'x-match': 'all', urgent: 'yes' } },
      ]),
    );
  });

  it('reads policies, operator policies, vhost limits, federation upstreams and global parameters', () => {
    expect(inventory.rabbitmq.policies.map((p) => p.name).sort()).toEqual(['AWS-DEFAULT-POLICY-SINGLE-INSTANCE', 'billing-ttl', 'ha-mirrored']);
    expect(inventory.rabbitmq.operatorPolicies).toEqual([{ vhost: 'orders', name: 'cap-length', pattern: '.*', applyTo: 'queues', priority: 0, definition: { 'max-length': 1000000 } }]);
    expect(inventory.rabbitmq.parameters.map((p) => `${p.component}/${p.name}`).sort()).toEqual(['federation-upstream/dc2-orders', 'vhost-limits/limits']);
    expect(inventory.rabbitmq.globalParameters.map((p) => p.name)).toEqual(expect.arrayContaining(['mq-migrate-sample', 'internal_cluster_id']));
  });

  it('counts connections and channels per vhost and user', () => {
    expect(inventory.clients).toEqual([{ vhost: 'orders', user: 'orders-app', connections: 1, channels: 1 }]);
  });

  it('reads the same topology offline from an exported definitions file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqm-export-'));
    const file = join(dir, 'definitions.json');
    await writeFile(file, JSON.stringify(await sourceApi.get('/api/definitions', 'definitions')));

    const offline = await inventoryFromDefinitionsFile(file);
    // The export has no vhost descriptions or tags; all else matches.
    const diff = diffTopologies({ ...offline.rabbitmq, vhosts: [] }, { ...inventory.rabbitmq, vhosts: [] });

    expect(diff.missing).toEqual([]);
    expect(diff.different).toEqual([]);
    expect(diff.extra).toEqual([]);
  });
});

describe('RabbitMQ bad input', () => {
  it('refuses wrong credentials with BrokerAuthError', async () => {
    const wrong = new ManagementClient({ url: source.managementUrl, username: 'admin', password: 'not-the-password' });
    await expect(collectRabbitInventory(wrong)).rejects.toMatchObject({ name: 'BrokerAuthError', status: 401 });
  });

  it('says the broker is unreachable when the management plugin is not enabled', async () => {
    const noPlugin = new ManagementClient({ url: bare.managementUrl, username: bare.adminUser, password: bare.adminPassword });
    await expect(collectRabbitInventory(noPlugin)).rejects.toThrow(/is unreachable: ECONNREFUSED \(is the management plugin enabled/);
  });

  it('says so when the URL points at the AMQP port instead of the management API', async () => {
    const amqpPort = new ManagementClient({ url: `http://127.0.0.1:${source.amqpPort}`, username: 'admin', password: 'x' });
    await expect(collectRabbitInventory(amqpPort)).rejects.toMatchObject({ name: expect.stringMatching(/BrokerUnreachableError|BrokerApiError/) });
  });
});

describe('replicating onto a real target', () => {
  const plan = () => planRabbitMigration(inventory, { deploymentMode: 'CLUSTER_MULTI_AZ' });

  it('a dry run lists the exact changes and creates nothing', async () => {
    const before = await collectRabbitInventory(targetApi);

    const result = await replicateRabbitTopology({ source: inventory, plan: plan(), target: targetApi, targetAdminUser: target.adminUser, dryRun: true });

    expect(result.applied).toBe(false);
    expect(result.changes).toEqual(expect.arrayContaining([
      { action: 'create', type: 'vhost', label: 'vhost "team/billing"' },
      { action: 'create', type: 'queue', label: 'queue "orders.created" in vhost "orders"' },
      { action: 'create', type: 'user', label: 'user "orders-app"' },
    ]));
    expect(result.changes.some((c) => c.label === 'user "guest"')).toBe(false);
    const after = await collectRabbitInventory(targetApi);
    expect(diffTopologies(before.rabbitmq, after.rabbitmq).missing).toEqual([]);
    expect(topologyObjects(after.rabbitmq)).toHaveLength(topologyObjects(before.rabbitmq).length);
  });

  it('replicates everything the plan keeps, verified, and the old passwords keep working', async () => {
    const thePlan = plan();
    const result = await replicateRabbitTopology({ source: inventory, plan: thePlan, target: targetApi, targetAdminUser: target.adminUser });

    expect(result).toMatchObject({ applied: true, verified: true, conflicts: [] });
    const copy = await collectRabbitInventory(targetApi);
    expect(copy.rabbitmq.users.find((u) => u.name === 'orders-app')?.passwordHash).toBe(inventory.rabbitmq.users.find((u) => u.name === 'orders-app')?.passwordHash);
    expect(copy.rabbitmq.queues.find((q) => q.name === 'mirrored.payments')?.type).toBe('quorum');
    expect(copy.rabbitmq.policies.map((p) => p.name)).toContain('migrated-AWS-DEFAULT-POLICY-SINGLE-INSTANCE');
    expect(copy.rabbitmq.users.map((u) => u.name)).not.toContain('guest');
    expect(copy.rabbitmq.vhosts).toEqual(expect.arrayContaining([{ name: 'team/billing', description: 'Billing team (a vhost name with a slash)', tags: ['prod'] }]));
    expect(copy.rabbitmq.operatorPolicies.map((p) => p.name)).toEqual(['cap-length']);
    // The target does not take over the source's identity.
    const clusterId = (inv: RabbitInventory) => inv.rabbitmq.globalParameters.find((p) => p.name === 'internal_cluster_id')?.value;
    expect(clusterId(copy)).not.toEqual(clusterId(inventory));

    const login = await amqp.connect(amqpUrl(target, 'billing-svc', SAMPLE_PASSWORDS['billing-svc'] ?? '', 'team/billing'));
    await login.close();
    await expect(amqp.connect(amqpUrl(target, 'billing-svc', 'wrong-password-123', 'team/billing'))).rejects.toThrow();
  });

  it('a second run changes nothing and says so', async () => {
    const result = await replicateRabbitTopology({ source: inventory, plan: plan(), target: targetApi, targetAdminUser: target.adminUser });

    expect(result.changes).toEqual([]);
    expect(result.applied).toBe(false);
    expect(result.summary).toMatch(/^target already matches: \d+ objects unchanged, nothing applied$/);
  });

  it('finds conflicts before applying anything, and applies nothing', async () => {
    const conflictApi = api(conflictTarget);
    await conflictApi.put(apiPath('vhosts', 'orders'), 'vhost', { description: 'Order processing', tags: 'prod,orders' });
    await conflictApi.put(apiPath('queues', 'orders', 'orders.created'), 'queue', { durable: true, arguments: { 'x-max-length': 7 } });
    const before = topologyObjects((await collectRabbitInventory(conflictApi)).rabbitmq).length;

    const attempt = replicateRabbitTopology({ source: inventory, plan: plan(), target: conflictApi, targetAdminUser: conflictTarget.adminUser });

    await expect(attempt).rejects.toMatchObject({ name: 'ReplicationConflictError', conflicts: [expect.objectContaining({ object: 'queue "orders.created" in vhost "orders"' })] });
    expect(topologyObjects((await collectRabbitInventory(conflictApi)).rabbitmq)).toHaveLength(before);
  });

  it('catches an import that silently skipped an object', async () => {
    // The import goes to a real broker, but one queue is dropped on the way, as a partial import would.
    class SkippingClient extends ManagementClient {
      override post(path: string, object: string, body: unknown): Promise<unknown> {
        const defs = body as { queues?: { name: string }[] };
        return super.post(path, object, { ...defs, queues: defs.queues?.filter((q) => q.name !== 'odd/queue #1') });
      }
    }
    const skipping = new SkippingClient({ url: spare.managementUrl, username: spare.adminUser, password: spare.adminPassword });

    await expect(replicateRabbitTopology({ source: inventory, plan: plan(), target: skipping, targetAdminUser: spare.adminUser })).rejects.toMatchObject({
      name: 'VerificationError',
      differences: [{ object: `queue "odd/queue #1" in vhost "${ODD_VHOST}"`, reason: 'missing on the target after replication' }],
    });
  });

  it('the plan report names objects but never hashes or URI credentials', () => {
    const markdown = renderPlanMarkdown(plan(), inventory);

    expect(markdown).toContain('RMQ-FEDERATION-UPSTREAM');
    expect(markdown).not.toContain('fed-Secret-2024');
    for (const user of inventory.rabbitmq.users) expect(markdown).not.toContain(user.passwordHash);
  });
});
