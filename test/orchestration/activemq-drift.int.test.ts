import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateUserCommand, DescribeBrokerCommand, MqClient, RebootBrokerCommand, type DescribeBrokerCommandOutput } from '@aws-sdk/client-mq';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { prepareActiveMqSourceAndInput } from '../../src/cli/activemq-migration-demo.js';
import { StompClient } from '../../src/engines/activemq/stomp-client.js';
import { startActiveMqNode, type ActiveMqNode } from '../../src/local/brokers/activemq-node.js';
import type { LocalWorkflow } from '../../src/local/stepfunctions/local-workflow.js';
import type { TaskTokenRequest } from '../../src/local/stepfunctions/runner.js';
import type { DriftDifference } from '../../src/orchestration/drift.js';
import { jolokiaUrlOfConsole } from '../../src/orchestration/endpoints.js';

/**
 * The drift check state machine (statemachines/drift-check.asl.json, the real drift handler
 * in-process) after a local ActiveMQ migration: the Amazon MQ broker's id reaches the handler
 * through the state machine, which then compares the plan with the broker's configuration and
 * users (Amazon MQ API) and the source's queues with the target's (Jolokia).
 */
let workflow: LocalWorkflow;
let source: ActiveMqNode;
let dataDir: string;
let endpoints: { migrationId: string; source: Record<string, unknown>; target: Record<string, unknown>; brokerId: string };
const MIGRATION = 'amq-drift';

const approve = async (request: TaskTokenRequest) => ({ approved: true, by: 'test', at: new Date().toISOString(), kind: request.payload.kind });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'amq-drift-int-'));
  const { startLocalWorkflow } = await import('../../src/local/stepfunctions/local-workflow.js');
  [workflow, source] = await Promise.all([startLocalWorkflow({ dataDir }), startActiveMqNode({ heapMb: 256 })]);
  const { input } = await prepareActiveMqSourceAndInput(workflow, source, { migrationId: MIGRATION });
  const result = await workflow.runMigration(input, { decide: approve });
  expect(result).toMatchObject({ status: 'SUCCEEDED' });
  const state = (await workflow.execution(MIGRATION)).output as { source: Record<string, unknown>; targetEndpoint: Record<string, unknown>; broker: { brokerId: string } };
  endpoints = { migrationId: MIGRATION, source: state.source, target: state.targetEndpoint, brokerId: state.broker.brokerId };
}, 360_000);

afterAll(async () => {
  await Promise.allSettled([workflow?.stop(), source?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

/** A drift execution through the state machine; its differences, from the document it stored. */
async function drift(name: string): Promise<{ count: number; byType: Record<string, number>; differences: DriftDifference[] }> {
  const result = await workflow.runDrift(endpoints, name);
  expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const output = (result.output as { drift: { differences: number; byType: Record<string, number>; document: { key: string } } }).drift;
  const body = await (await new S3Client({}).send(new GetObjectCommand({ Bucket: workflow.bucket, Key: output.document.key }))).Body?.transformToString();
  const document = JSON.parse(body ?? '{}') as { differences: DriftDifference[] };
  expect(document.differences).toHaveLength(output.differences);
  return { count: output.differences, byType: output.byType, differences: document.differences };
}

it('finds no differences right after the migration', async () => {
  const found = await drift('amq-drift-0');

  expect(found.differences).toEqual([]);
  expect(found.count).toBe(0);
  expect(workflow.events.published()).toEqual(expect.arrayContaining([expect.objectContaining({ detailType: 'Drift Check', detail: expect.objectContaining({ migrationId: MIGRATION, differences: 0 }) })]));
}, 120_000);

it('finds a queue created on the source after the migration missing on the target', async () => {
  // Prepare: a producer still writes to the source, to a queue that did not exist at the migration.
  const client = await StompClient.connect({ host: '127.0.0.1', port: source.stompPort, login: source.adminUser, passcode: source.adminPassword });
  await client.send('/queue/drift.late-orders', { persistent: 'true' }, 'a late order');
  await client.disconnect();

  // Act
  const found = await drift('amq-drift-1');

  // Assess
  expect(found.differences).toEqual([{ kind: 'missing-on-target', type: 'queue', object: 'queue drift.late-orders' }]);
  expect(found.byType).toEqual({ queue: 1 });
}, 120_000);

it('finds a user added to the target through the Amazon MQ API only on the target', async () => {
  // Prepare: someone adds a user on the Amazon MQ broker (the local service) and reboots it to apply it.
  const mq = new MqClient({});
  expect(process.env.AWS_ENDPOINT_URL_MQ).toBe(workflow.services.env.AWS_ENDPOINT_URL_MQ);
  await mq.send(new CreateUserCommand({ BrokerId: endpoints.brokerId, Username: 'night-operator', Password: 'Night-operator-2025!', Groups: ['admins'], ConsoleAccess: false }));
  await mq.send(new RebootBrokerCommand({ BrokerId: endpoints.brokerId }));
  const deadline = Date.now() + 120_000;
  let described: DescribeBrokerCommandOutput;
  do {
    await sleep(1000);
    described = await mq.send(new DescribeBrokerCommand({ BrokerId: endpoints.brokerId }));
  } while (described.BrokerState !== 'RUNNING' && Date.now() < deadline);
  expect(described.BrokerState).toBe('RUNNING');
  // As on Amazon MQ, the console (Jolokia) URL survives the reboot: the schedule's saved input still reaches it.
  expect(jolokiaUrlOfConsole(described.BrokerInstances?.[0]?.ConsoleURL ?? '')).toBe(endpoints.target.jolokiaUrl);

  // Act
  const found = await drift('amq-drift-2');

  // Assess: the new user, and still the queue of the previous scenario.
  expect(found.differences).toEqual(
    expect.arrayContaining([
      { kind: 'only-on-target', type: 'user', object: 'user "night-operator"' },
      { kind: 'missing-on-target', type: 'queue', object: 'queue drift.late-orders' },
    ]),
  );
  expect(found.byType).toEqual({ user: 1, queue: 1 });
}, 240_000);
