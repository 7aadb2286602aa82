import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { prepareActiveMqSourceAndInput } from '../../src/cli/activemq-migration-demo.js';
import { brokerMBean, JolokiaClient } from '../../src/engines/activemq/jolokia-client.js';
import { StompClient } from '../../src/engines/activemq/stomp-client.js';
import { startActiveMqNode, type ActiveMqNode } from '../../src/local/brokers/activemq-node.js';
import { SAMPLE_MESSAGES } from '../../src/local/seed/activemq-sample.js';
import type { LocalWorkflow } from '../../src/local/stepfunctions/local-workflow.js';
import type { TaskTokenRequest } from '../../src/local/stepfunctions/runner.js';
import { ApprovalRejectedError } from '../../src/orchestration/errors.js';
import type { MigrationReport } from '../../src/orchestration/report.js';

/**
 * The full migration state machine for ActiveMQ, run locally (aws-local-stepfunctions, handlers
 * in-process) against a real ActiveMQ source and a target the local Amazon MQ creates: Jolokia +
 * activemq.xml inventory, plan, provision with the converted configuration, users and a reboot,
 * STOMP drains of queues and an offline durable subscriber, verify, report, rollback.
 */
let workflow: LocalWorkflow;
let source: ActiveMqNode;
let dataDir: string;
const QUEUES = Object.keys(SAMPLE_MESSAGES.queues);
const QUEUED = Object.values(SAMPLE_MESSAGES.queues).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'amq-migration-int-'));
  const { startLocalWorkflow } = await import('../../src/local/stepfunctions/local-workflow.js');
  [workflow, source] = await Promise.all([startLocalWorkflow({ dataDir }), startActiveMqNode({ heapMb: 256 })]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([workflow?.stop(), source?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

const sourceJolokia = () => new JolokiaClient({ url: source.jolokiaUrl, username: source.adminUser, password: source.adminPassword });

async function sourceDepths(): Promise<Record<string, number>> {
  const broker = brokerMBean(source.brokerName);
  const values = await sourceJolokia().bulk(QUEUES.map((q) => ({ type: 'read' as const, mbean: `${broker},destinationType=Queue,destinationName=${q}`, attribute: 'QueueSize' })));
  return Object.fromEntries(QUEUES.map((q, i) => [q, Number(values[i]?.value ?? -1)]));
}

/** Every scenario starts from what it seeds. */
async function purgeSource(): Promise<void> {
  const broker = brokerMBean(source.brokerName);
  await sourceJolokia().bulk(QUEUES.map((q) => ({ type: 'exec' as const, mbean: `${broker},destinationType=Queue,destinationName=${q}`, operation: 'purge' })));
}

async function report(migrationId: string): Promise<{ json: MigrationReport; markdown: string }> {
  const s3 = new S3Client({});
  const read = async (key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: workflow.bucket, Key: `migrations/${migrationId}/${key}` }))).Body?.transformToString()) ?? '';
  return { json: JSON.parse(await read('report.json')) as MigrationReport, markdown: await read('report.md') };
}

const approve = async (request: TaskTokenRequest) => ({ approved: true, by: 'test', at: new Date().toISOString(), kind: request.payload.kind });
const reject = (request: TaskTokenRequest) => Promise.reject(new ApprovalRejectedError(String(request.payload.migrationId), `test rejects the ${String(request.payload.kind)}`));

it('migrates the sample ActiveMQ broker: queues and the durable backlog moved and verified, users replicated after a reboot, the report stored', async () => {
  // Prepare
  await purgeSource();
  const { input, published } = await prepareActiveMqSourceAndInput(workflow, source, { migrationId: 'amq-int-success' });
  const states: string[] = [];

  // Act
  const result = await workflow.runMigration(input, { decide: approve, onEvent: (e) => void (e.type === 'StateEntered' && e.index === undefined && states.push(e.state?.name ?? '')) });

  // Assess: the run, with the reboot loop after replication.
  expect(result).toMatchObject({ status: 'SUCCEEDED' });
  expect(states.indexOf('DescribeRebootingBroker')).toBeGreaterThan(states.indexOf('Replicate'));
  expect(states.indexOf('PrepareDrain')).toBeGreaterThan(states.lastIndexOf('DescribeRebootingBroker'));
  const { json, markdown } = await report('amq-int-success');
  expect(json.outcome).toBe('succeeded');
  expect(json.totals).toMatchObject({ queues: 3, moved: published, verified: 3, duplicates: 0 });
  expect(json.queues.map((q) => q.queue).sort()).toEqual(['durable://audit-service/orders-audit@orders.events', 'queue://billing.invoices', 'queue://orders.in']);
  expect(json.plan?.target).toMatchObject({ engineType: 'ACTIVEMQ', deploymentMode: 'SINGLE_INSTANCE' });
  expect(markdown).toContain('| destination | status |');
  expect(markdown).toContain('Every queue verified');
  expect(await sourceDepths()).toEqual({ 'orders.in': 0, 'billing.invoices': 0 });

  // The target holds the messages, and a user whose password was generated logs in with its secret.
  const state = (await workflow.execution('amq-int-success')).output as { targetEndpoint: { stompUrl: string } };
  const port = Number(/:(\d+)$/.exec(state.targetEndpoint.stompUrl)?.[1]);
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'mq-migrate/amq-int-success/users/order-service' }));
  const login = await StompClient.connect({ host: '127.0.0.1', port, login: 'order-service', passcode: secret.SecretString ?? '' });
  await login.disconnect();
  await expect(StompClient.connect({ host: '127.0.0.1', port, login: 'order-service', passcode: 'orders' })).rejects.toMatchObject({ name: 'BrokerAuthError' });
}, 240_000);

it('ends a rejected ActiveMQ cutover failed with the report, and the accepted rollback moves the queued messages back', async () => {
  // Prepare
  await purgeSource();
  const { input } = await prepareActiveMqSourceAndInput(workflow, source, { migrationId: 'amq-int-rejected' });

  // Act
  const result = await workflow.runMigration(input, { decide: (r) => (r.payload.kind === 'cutover' ? reject(r) : approve(r)) });

  // Assess: queues come back to the source; the durable backlog stays with its subscriber on the target.
  expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
  const { json } = await report('amq-int-rejected');
  expect(json.outcome).toBe('rejected');
  expect(json.rollback).toMatchObject({ performed: true, moved: QUEUED });
  expect(await sourceDepths()).toEqual(SAMPLE_MESSAGES.queues);
}, 240_000);

it('ends a failed ActiveMQ verify failed, naming the queue a late message landed on', async () => {
  // Prepare: a message lands on the source after the final drain, before the verify.
  await purgeSource();
  const { input } = await prepareActiveMqSourceAndInput(workflow, source, { migrationId: 'amq-int-verify-fails' });
  const late = async () => {
    const client = await StompClient.connect({ host: '127.0.0.1', port: source.stompPort, login: source.adminUser, passcode: source.adminPassword });
    await client.send('/queue/billing.invoices', { persistent: 'true' }, 'late invoice');
    await client.disconnect();
  };

  // Act
  const result = await workflow.runMigration(input, {
    decide: (r) => (r.payload.kind === 'cutover' ? approve(r) : reject(r)),
    wrap: { VerifyFunction: (verify) => async (event, context) => (await late(), verify(event, context)) },
  });

  // Assess
  expect(result).toMatchObject({ status: 'FAILED', error: 'VerificationError' });
  const { json, markdown } = await report('amq-int-verify-fails');
  expect(json.outcome).toBe('verify-failed');
  expect(json.verify).toEqual({ ok: false, failed: 1 });
  expect(json.queues.find((q) => q.queue === 'queue://billing.invoices')).toMatchObject({ verified: false });
  expect(json.rollback).toMatchObject({ offered: true, performed: false });
  expect(markdown).toContain('1 queue(s) failed verification');
}, 240_000);
