import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { isAlive } from '../../../src/local/brokers/process.js';
import { startLocalServices, type LocalServices } from '../../../src/local/services.js';
import { cliDriver, sdkDriver, waitForGone, waitForState } from './drivers.js';

// One CLUSTER_MULTI_AZ broker: three real RabbitMQ nodes clustered on loopback.
let services: LocalServices;
let dataDir: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-mq-cluster-'));
  services = await startLocalServices({ dataDir });
});

afterAll(async () => {
  await services?.stop();
  await rm(dataDir, { recursive: true, force: true });
  console.log(`RabbitMQ cluster create->RUNNING / reboot->RUNNING (ms): ${JSON.stringify(timings)}`);
});

const ADMIN = { Username: 'cluster-admin', Password: 'Cluster-admin-pw1' };
const auth = `Basic ${Buffer.from(`${ADMIN.Username}:${ADMIN.Password}`).toString('base64')}`;

it('runs a CLUSTER_MULTI_AZ broker as three clustered nodes, reboots and deletes them', async () => {
  const sdk = sdkDriver(services.endpoints.mq);
  const cli = cliDriver(services.endpoints.mq);
  // Act
  const started = Date.now();
  const { BrokerId } = await sdk.call('CreateBroker', {
    BrokerName: 'orders-cluster',
    EngineType: 'RABBITMQ',
    EngineVersion: '3.13',
    DeploymentMode: 'CLUSTER_MULTI_AZ',
    HostInstanceType: 'mq.m7g.large',
    PubliclyAccessible: false,
    SubnetIds: ['subnet-0a1', 'subnet-0b2', 'subnet-0c3'],
    Users: [ADMIN],
  });
  const brokerId = String(BrokerId);
  let broker = await waitForState(cli, brokerId, ['RUNNING', 'CREATION_FAILED'], 110000);
  timings['create'] = Date.now() - started;

  // Assess: three running nodes in one cluster, only the admin user, AMQP on every node.
  expect(broker['BrokerState']).toBe('RUNNING');
  expect(broker['DeploymentMode']).toBe('CLUSTER_MULTI_AZ');
  const endpoints: string[] = broker['BrokerInstances'][0]['Endpoints'];
  expect(endpoints).toHaveLength(3);
  const nodes = (await (await fetch(`${broker['BrokerInstances'][0]['ConsoleURL']}/api/nodes`, { headers: { authorization: auth } })).json()) as { name: string; running: boolean }[];
  expect(nodes.map((n) => n.running)).toEqual([true, true, true]);
  const users = (await (await fetch(`${broker['BrokerInstances'][0]['ConsoleURL']}/api/users`, { headers: { authorization: auth } })).json()) as { name: string }[];
  expect(users.map((u) => u.name)).toEqual([ADMIN.Username]);
  for (const endpoint of endpoints) {
    const connection = await amqp.connect(endpoint.replace('amqp://', `amqp://${ADMIN.Username}:${ADMIN.Password}@`));
    const channel = await connection.createChannel();
    await channel.assertQueue('orders', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await connection.close();
  }
  const pids = (services.mq.service.runtimeOf(brokerId)?.nodes ?? []).map((n) => n.pid);
  expect(pids).toHaveLength(3);

  // Act: reboot restarts all three nodes, which find their cluster again.
  const rebootStarted = Date.now();
  await sdk.call('RebootBroker', { BrokerId: brokerId });
  broker = await waitForState(sdk, brokerId, ['RUNNING', 'CRITICAL_ACTION_REQUIRED'], 110000);
  timings['reboot'] = Date.now() - rebootStarted;
  expect(broker['BrokerState']).toBe('RUNNING');
  expect(broker['BrokerInstances'][0]['Endpoints']).toEqual(endpoints);
  expect(pids.some((pid) => isAlive(pid))).toBe(false);
  const queue = (await (await fetch(`${broker['BrokerInstances'][0]['ConsoleURL']}/api/queues/%2F/orders`, { headers: { authorization: auth } })).json()) as { type: string; members?: string[] };
  expect(queue.type).toBe('quorum');
  expect(queue.members).toHaveLength(3);

  // Act + assess: delete stops every node.
  const after = (services.mq.service.runtimeOf(brokerId)?.nodes ?? []).map((n) => n.pid);
  await cli.call('DeleteBroker', { BrokerId: brokerId });
  await waitForGone(sdk, brokerId);
  expect(after.some((pid) => isAlive(pid))).toBe(false);
});
