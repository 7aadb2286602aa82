import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeBrokerCommand, ListBrokersCommand, MqClient } from '@aws-sdk/client-mq';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { prepareActiveMqSourceAndInput } from '../../src/cli/activemq-migration-demo.js';
import { prepareSourceAndInput } from '../../src/cli/migration-demo.js';
import { connectAmqp } from '../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { apiPath, ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { startActiveMqNode, type ActiveMqNode } from '../../src/local/brokers/activemq-node.js';
import { startRabbitNode, type RabbitNode } from '../../src/local/brokers/rabbitmq-node.js';
import { fileParameterStore } from '../../src/local/stepfunctions/in-process.js';
import type { LocalWorkflow } from '../../src/local/stepfunctions/local-workflow.js';
import type { TaskTokenRequest } from '../../src/local/stepfunctions/runner.js';
import type { FleetReport } from '../../src/orchestration/fleet-report.js';
import type { FleetInputInput } from '../../src/orchestration/fleet-input.js';
import type { MigrationReport } from '../../src/orchestration/report.js';

/**
 * Fleet mode, run locally: the fleet state machine starts one migration execution per member
 * (the runner's nested executions) against real brokers. Two RabbitMQ sources go onto one
 * Amazon MQ broker (many to one: the second member finds the broker the first created), two
 * ActiveMQ sources onto two brokers that share one Amazon MQ configuration.
 */
let workflow: LocalWorkflow;
let dataDir: string;
let rabbitA: RabbitNode;
let rabbitB: RabbitNode;
let amqA: ActiveMqNode;
let amqB: ActiveMqNode;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-int-'));
  const { startLocalWorkflow } = await import('../../src/local/stepfunctions/local-workflow.js');
  // The second RabbitMQ source has its own administrator: one user of each name on the shared target.
  [workflow, rabbitA, rabbitB, amqA, amqB] = await Promise.all([startLocalWorkflow({ dataDir }), startRabbitNode(), startRabbitNode({ adminUser: 'inventory-admin' }), startActiveMqNode({ heapMb: 256 }), startActiveMqNode({ heapMb: 256 })]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([workflow?.stop(), rabbitA?.stop(), rabbitB?.stop(), amqA?.stop(), amqB?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

/** A second estate with nothing in common with the sample's: a vhost, a queue, a user, some messages. */
async function seedInventoryEstate(node: RabbitNode, messages: number): Promise<void> {
  const management = new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });
  await management.put(apiPath('vhosts', 'inventory'), 'vhost', { description: 'Stock levels', tags: 'prod' });
  await management.put(apiPath('permissions', 'inventory', node.adminUser), 'permissions', { configure: '.*', write: '.*', read: '.*' });
  await management.put(apiPath('users', 'stock-app'), 'user', { password: 'stock-app-Secret-2024', tags: '' });
  await management.put(apiPath('permissions', 'inventory', 'stock-app'), 'permissions', { configure: '.*', write: '.*', read: '.*' });
  await management.put(apiPath('queues', 'inventory', 'stock.updates'), 'queue', { durable: true, auto_delete: false, arguments: {} });
  const connection = await connectAmqp({ host: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword }, 'inventory', 'test producer');
  const channel = await connection.createConfirmChannel();
  for (let i = 0; i < messages; i++) channel.sendToQueue('stock.updates', Buffer.from(JSON.stringify({ sku: `sku-${i}`, level: i })), { persistent: true, messageId: `stock-${i}` });
  await channel.waitForConfirms();
  await connection.close();
}

async function read<T>(key: string): Promise<T> {
  const body = await (await new S3Client({}).send(new GetObjectCommand({ Bucket: workflow.bucket, Key: key }))).Body?.transformToString();
  return JSON.parse(body ?? 'null') as T;
}

const approve = async (request: TaskTokenRequest) => ({ approved: true, by: 'test', at: new Date().toISOString(), kind: request.payload.kind });

it('migrates a fleet of two RabbitMQ sources onto one broker and two ActiveMQ brokers on one shared configuration, with one report', async () => {
  // Prepare: the sources seeded, their secrets and cutover parameters; one target admin for the shared RabbitMQ broker.
  const [orders, amqAInput, amqBInput] = await Promise.all([
    prepareSourceAndInput(workflow, rabbitA, { migrationId: 'fleet-orders', messages: 40 }),
    prepareActiveMqSourceAndInput(workflow, amqA, { migrationId: 'fleet-amq-a' }),
    prepareActiveMqSourceAndInput(workflow, amqB, { migrationId: 'fleet-amq-b' }),
    seedInventoryEstate(rabbitB, 25),
  ]);
  await workflow.putSecret('mq-migrate/fleet-stock/source', { username: rabbitB.adminUser, password: rabbitB.adminPassword });
  await fileParameterStore(join(workflow.dataDir, 'in-process')).put('mq-migrate/fleet-stock/broker-url', `amqp://127.0.0.1:${rabbitB.amqpPort}`);
  const member = (input: typeof orders.input, target: Record<string, unknown>) => ({ migrationId: input.migrationId, source: input.source, target: { ...input.target, ...target }, options: input.options, cutover: input.cutover });
  const fleet: FleetInputInput = {
    fleetId: 'fleet-int',
    members: [
      member(orders.input, { brokerName: 'fleet-rabbit' }),
      {
        migrationId: 'fleet-stock',
        source: { engine: 'RABBITMQ', managementUrl: rabbitB.managementUrl, amqpUrl: `amqp://127.0.0.1:${rabbitB.amqpPort}`, credentialsSecretId: 'mq-migrate/fleet-stock/source' },
        target: { brokerName: 'fleet-rabbit', adminSecretId: orders.input.target.adminSecretId },
        options: orders.input.options,
        cutover: { strategy: 'ssm-parameter', parameterName: 'mq-migrate/fleet-stock/broker-url' },
      },
      member(amqAInput.input, { configurationName: 'fleet-int-activemq' }),
      member(amqBInput.input, { configurationName: 'fleet-int-activemq' }),
    ],
    drain: { preDrainBudgetSeconds: 120, finalDrainBudgetSeconds: 300 },
  };
  const approvals: string[] = [];

  // Act
  const result = await workflow.runFleet(fleet, { decide: (r) => (approvals.push(String(r.payload.migrationId)), approve(r)) });

  // Assess: the fleet and every member (each an execution of its own, with its own approval).
  expect(result).toMatchObject({ status: 'SUCCEEDED' });
  expect(approvals.sort()).toEqual(['fleet-amq-a', 'fleet-amq-b', 'fleet-orders', 'fleet-stock']);
  for (const id of ['fleet-orders', 'fleet-stock', 'fleet-amq-a', 'fleet-amq-b']) expect(await workflow.execution(id)).toMatchObject({ status: 'SUCCEEDED' });

  // One report for the fleet, its rows from the members' reports: every message moved and verified.
  const report = await read<FleetReport>('fleets/fleet-int/report.json');
  expect(report).toMatchObject({ fleetId: 'fleet-int', outcome: 'succeeded', totals: { members: 4, succeeded: 4, failed: 0, duplicates: 0 } });
  const moved: Record<string, number> = { 'fleet-orders': orders.published, 'fleet-stock': 25, 'fleet-amq-a': amqAInput.published, 'fleet-amq-b': amqBInput.published };
  for (const row of report.members) {
    expect([row.migrationId, row.outcome, row.totals.moved, row.totals.verified]).toEqual([row.migrationId, 'succeeded', moved[row.migrationId], row.totals.queues]);
    const own = await read<MigrationReport>(`migrations/${row.migrationId}/report.json`);
    expect(own.queues.every((q) => q.verified === true)).toBe(true);
  }
  expect(report.totals.moved).toBe(Object.values(moved).reduce((a, b) => a + b, 0));
  const published = workflow.events.published().filter((e) => e.detailType === 'Fleet Report');
  expect(published).toEqual([expect.objectContaining({ detail: expect.objectContaining({ fleetId: 'fleet-int', outcome: 'succeeded' }) })]);

  // Many to one: one Amazon MQ broker for both RabbitMQ sources, holding both estates.
  const mq = new MqClient({});
  const brokers = (await mq.send(new ListBrokersCommand({ MaxResults: 100 }))).BrokerSummaries ?? [];
  expect(brokers.filter((b) => b.BrokerName === 'fleet-rabbit')).toHaveLength(1);
  expect(report.brokers.find((b) => b.brokerName === 'fleet-rabbit')).toMatchObject({ members: ['fleet-orders', 'fleet-stock'] });
  const rows = Object.fromEntries(report.members.map((m) => [m.migrationId, m]));
  expect(rows['fleet-stock']?.brokerId).toBe(rows['fleet-orders']?.brokerId);

  // One ActiveMQ configuration that both brokers run.
  const [a, b] = await Promise.all([rows['fleet-amq-a'], rows['fleet-amq-b']].map((row) => mq.send(new DescribeBrokerCommand({ BrokerId: row?.brokerId ?? '' }))));
  expect(a?.BrokerId).not.toBe(b?.BrokerId);
  expect(a?.Configurations?.Current?.Id).toEqual(expect.any(String));
  expect(b?.Configurations?.Current?.Id).toBe(a?.Configurations?.Current?.Id);
  expect(report.configurations).toEqual([{ name: 'fleet-int-activemq', ids: [a?.Configurations?.Current?.Id], members: ['fleet-amq-a', 'fleet-amq-b'], shared: true }]);
}, 600_000);

it('ends a fleet with a rejected member failed, the other member migrated, and one report saying which', async () => {
  // Prepare: the sources from the first scenario, seeded again.
  const [orders, legacy] = await Promise.all([prepareSourceAndInput(workflow, rabbitA, { migrationId: 'fleet2-orders', messages: 20 }), prepareActiveMqSourceAndInput(workflow, amqA, { migrationId: 'fleet2-amq' })]);
  const member = (input: typeof orders.input) => ({ migrationId: input.migrationId, source: input.source, target: input.target, options: input.options, cutover: input.cutover });
  const reject = (request: TaskTokenRequest) => Promise.reject(Object.assign(new Error(`test rejects ${String(request.payload.migrationId)}`), { name: 'ApprovalRejectedError' }));

  // Act: the RabbitMQ member's cutover is rejected (its rollback approved); the ActiveMQ member's approved.
  const result = await workflow.runFleet(
    { fleetId: 'fleet-int-2', members: [member(orders.input), member(legacy.input)], drain: { preDrainBudgetSeconds: 120, finalDrainBudgetSeconds: 300 } },
    { decide: (r) => (r.payload.migrationId === 'fleet2-orders' && r.payload.kind === 'cutover' ? reject(r) : approve(r)) },
  );

  // Assess
  expect(result).toMatchObject({ status: 'FAILED', error: 'FleetMemberFailedError' });
  expect(result.cause).toContain('["fleet2-orders"]');
  const report = await read<FleetReport>('fleets/fleet-int-2/report.json');
  expect(report.outcome).toBe('partially-succeeded');
  expect(report.members.map((m) => [m.migrationId, m.status, m.outcome, m.error?.name])).toEqual([
    ['fleet2-orders', 'FAILED', 'rejected', 'ApprovalRejectedError'],
    ['fleet2-amq', 'SUCCEEDED', 'succeeded', undefined],
  ]);
  expect(report.totals).toMatchObject({ members: 2, succeeded: 1, failed: 1 });
  expect((await read<MigrationReport>('migrations/fleet2-orders/report.json')).rollback).toMatchObject({ performed: true, moved: orders.published });
}, 600_000);
