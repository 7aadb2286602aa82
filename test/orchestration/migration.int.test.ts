import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { prepareSourceAndInput } from '../../src/cli/migration-demo.js';
import amqp from '../../src/engines/rabbitmq/amqp/client.js';
import { connectAmqp, type AmqpEndpoint } from '../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { apiPath, ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { startRabbitNode, type RabbitNode } from '../../src/local/brokers/rabbitmq-node.js';
import { SAMPLE_MESSAGE_COUNTS } from '../../src/local/seed/rabbitmq-messages.js';
import type { LocalWorkflow } from '../../src/local/stepfunctions/local-workflow.js';
import type { TaskTokenRequest } from '../../src/local/stepfunctions/runner.js';
import { ApprovalRejectedError, MigrationExistsError } from '../../src/orchestration/errors.js';
import type { MigrationReport } from '../../src/orchestration/report.js';

/**
 * The full migration state machine, run locally (aws-local-stepfunctions, handlers in-process)
 * against real RabbitMQ nodes: a sample source and target brokers created by the local Amazon MQ.
 */
let workflow: LocalWorkflow;
let source: RabbitNode;
let dataDir: string;
let sourceAmqp: AmqpEndpoint;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'migration-int-'));
  const { startLocalWorkflow } = await import('../../src/local/stepfunctions/local-workflow.js');
  [workflow, source] = await Promise.all([startLocalWorkflow({ dataDir }), startRabbitNode()]);
  sourceAmqp = { host: '127.0.0.1', port: source.amqpPort, username: source.adminUser, password: source.adminPassword };
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([workflow?.stop(), source?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

/** Empty source queues, so every scenario starts from what it publishes. */
async function purgeSource(): Promise<void> {
  const management = new ManagementClient({ url: source.managementUrl, username: source.adminUser, password: source.adminPassword });
  for (const { vhost, queue } of SAMPLE_MESSAGE_COUNTS) await management.delete(`${apiPath('queues', vhost, queue)}/contents`, 'purge').catch(() => undefined);
}

async function depth(endpoint: AmqpEndpoint, vhost: string, queue: string): Promise<number> {
  const connection = await connectAmqp(endpoint, vhost, 'test depth');
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

const sourceTotal = async () => (await Promise.all(SAMPLE_MESSAGE_COUNTS.map((q) => depth(sourceAmqp, q.vhost, q.queue)))).reduce((a, b) => a + b, 0);

async function report(migrationId: string): Promise<{ json: MigrationReport; markdown: string }> {
  const s3 = new S3Client({});
  const read = async (key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: workflow.bucket, Key: `migrations/${migrationId}/${key}` }))).Body?.transformToString()) ?? '';
  return { json: JSON.parse(await read('report.json')) as MigrationReport, markdown: await read('report.md') };
}

const approve = async (request: TaskTokenRequest) => ({ approved: true, by: 'test', at: new Date().toISOString(), kind: request.payload.kind });
const reject = (request: TaskTokenRequest) => Promise.reject(new ApprovalRejectedError(String(request.payload.migrationId), `test rejects the ${String(request.payload.kind)}`));

it('migrates the sample estate: every queue drained and verified, the report stored and announced, a second start refused', async () => {
  // Prepare
  await purgeSource();
  const { input, published } = await prepareSourceAndInput(workflow, source, { migrationId: 'int-success', messages: 800 });
  const approvals: string[] = [];

  // Act
  const result = await workflow.runMigration(input, { decide: (r) => (approvals.push(String(r.payload.kind)), approve(r)) });

  // Assess
  expect(result).toMatchObject({ status: 'SUCCEEDED' });
  expect(approvals).toEqual(['cutover']);
  const { json, markdown } = await report('int-success');
  expect(json.outcome).toBe('succeeded');
  expect(json.totals).toMatchObject({ queues: 9, moved: published, verified: 9, duplicates: 0 });
  expect(json.queues.every((q) => q.verified === true && q.sourceDepth === 0)).toBe(true);
  expect(json.cutover).toMatchObject({ strategy: 'ssm-parameter', previous: `amqp://127.0.0.1:${source.amqpPort}`, approvedBy: 'test' });
  expect(markdown).toContain('Every queue verified');
  expect(await sourceTotal()).toBe(0);
  expect(workflow.events.published()).toEqual(expect.arrayContaining([expect.objectContaining({ detailType: 'Migration Report', detail: expect.objectContaining({ migrationId: 'int-success', outcome: 'succeeded' }) })]));
  await expect(workflow.runMigration(input, { decide: approve })).rejects.toBeInstanceOf(MigrationExistsError);
}, 240_000);

it('ends a rejected approval failed, with the report, and the accepted rollback moves the pre-drained messages back', async () => {
  // Prepare
  await purgeSource();
  const { input, published } = await prepareSourceAndInput(workflow, source, { migrationId: 'int-rejected', messages: 300 });

  // Act
  const result = await workflow.runMigration(input, { decide: (r) => (r.payload.kind === 'cutover' ? reject(r) : approve(r)) });

  // Assess
  expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
  const { json, markdown } = await report('int-rejected');
  expect(json.outcome).toBe('rejected');
  expect(json.cutover).toBeUndefined();
  expect(json.rollback).toMatchObject({ performed: true, moved: published });
  expect(markdown).toContain('ApprovalRejectedError');
  expect(await sourceTotal()).toBe(published);
}, 240_000);

it('ends a failed verify failed, with the report naming the queue and offering the rollback', async () => {
  // Prepare: a message lands on the source after the final drain, before the verify.
  await purgeSource();
  const { input } = await prepareSourceAndInput(workflow, source, { migrationId: 'int-verify-fails', messages: 300 });
  const late = async () => {
    const connection = await connectAmqp(sourceAmqp, 'orders', 'late producer');
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue('orders.created', Buffer.from('{"late":true}'));
    await channel.waitForConfirms();
    await connection.close();
  };
  const offered: string[] = [];

  // Act
  const result = await workflow.runMigration(input, {
    decide: (r) => (offered.push(String(r.payload.kind)), r.payload.kind === 'cutover' ? approve(r) : reject(r)),
    wrap: { VerifyFunction: (verify) => async (event, context) => (await late(), verify(event, context)) },
  });

  // Assess
  expect(result).toMatchObject({ status: 'FAILED', error: 'VerificationError' });
  expect(offered).toEqual(['cutover', 'rollback']);
  const { json, markdown } = await report('int-verify-fails');
  expect(json.outcome).toBe('verify-failed');
  expect(json.verify).toEqual({ ok: false, failed: 1 });
  expect(json.queues.find((q) => q.queue === 'orders.created')).toMatchObject({ verified: false, reason: '1 message(s) still on the source' });
  expect(json.rollback).toMatchObject({ offered: true, performed: false });
  expect(markdown).toContain('1 queue(s) failed verification');
}, 240_000);

it('holds the final drain while an application is still connected to the source, and goes on once it left', async () => {
  // Prepare: an application connected to the source (not the tool's own connections).
  await purgeSource();
  // A plain client (the tool's own connections say product "mq-migrate" and are not counted); the
  // management API lists a connection some seconds after it opened: connect first.
  const app = await amqp.connect({ hostname: '127.0.0.1', port: source.amqpPort, username: source.adminUser, password: source.adminPassword, vhost: '/' }, { clientProperties: { connection_name: 'orders-service' } });
  const { input } = await prepareSourceAndInput(workflow, source, { migrationId: 'int-clients', messages: 100 });
  const seen: number[] = [];

  // Act: once the workflow saw it, the application moves (closes its source connection).
  const result = await workflow.runMigration(input, {
    decide: approve,
    wrap: {
      WaitForClientsFunction: (check) => async (event, context) => {
        const answer = (await check(event, context)) as { connected: number };
        seen.push(answer.connected);
        if (answer.connected > 0 && seen.length === 1) await app.close();
        return answer;
      },
    },
  });

  // Assess
  expect(result.status).toBe('SUCCEEDED');
  expect(seen[0]).toBeGreaterThan(0);
  expect(seen.at(-1)).toBe(0);
  expect((await report('int-clients')).json.cutover).toMatchObject({ clientsConnectedAtFinalDrain: 0, goAnyway: false });
}, 240_000);

it('starts the final drain with a client still on the source once someone says go anyway', async () => {
  // Prepare: an application that never leaves the source.
  await purgeSource();
  const app = await amqp.connect({ hostname: '127.0.0.1', port: source.amqpPort, username: source.adminUser, password: source.adminPassword, vhost: '/' }, { clientProperties: { connection_name: 'stubborn-service' } });
  const { input } = await prepareSourceAndInput(workflow, source, { migrationId: 'int-go-anyway', messages: 100 });
  const { writeLocalGoAnyway } = await import('../../src/local/stepfunctions/local-workflow.js');
  const seen: { connected: number; goAnyway: boolean }[] = [];

  // Act: after the first check, `mq-migrate approve int-go-anyway --go-anyway --local` (what it writes).
  const result = await workflow.runMigration(input, {
    decide: approve,
    wrap: {
      WaitForClientsFunction: (check) => async (event, context) => {
        const answer = (await check(event, context)) as { connected: number; goAnyway: boolean };
        seen.push(answer);
        if (seen.length === 2) await writeLocalGoAnyway(dataDir, 'int-go-anyway', 'test');
        return answer;
      },
    },
  }).finally(() => app.close());

  // Assess
  expect(result.status).toBe('SUCCEEDED');
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.at(-1)).toMatchObject({ goAnyway: true });
  expect(seen.at(-1)?.connected).toBeGreaterThan(0);
  expect((await report('int-go-anyway')).json.cutover).toMatchObject({ goAnyway: true });
}, 240_000);

it('the drift check finds a user added on the source after the migration, and its reconcile writes it onto the target', async () => {
  // Prepare: the migrated target from the first scenario; a user appears on the source.
  const record = await workflow.execution('int-success');
  const state = record.output as { source: Record<string, unknown>; targetEndpoint: Record<string, unknown> };
  const endpoints = { migrationId: 'int-success', source: state.source, target: state.targetEndpoint };
  const management = new ManagementClient({ url: source.managementUrl, username: source.adminUser, password: source.adminPassword });
  await management.put(apiPath('users', 'late-joiner'), 'user', { password: 'late-joiner-Secret-2025', tags: '' });
  const missing = async (name: string, reconcile: boolean) => {
    const result = await workflow.runDrift({ ...endpoints, reconcile }, name);
    expect(result.status).toBe('SUCCEEDED');
    const drift = (result.output as { drift: { differences: number; document: { key: string } } }).drift;
    const s3 = new S3Client({});
    const document = JSON.parse((await (await s3.send(new GetObjectCommand({ Bucket: workflow.bucket, Key: drift.document.key }))).Body?.transformToString()) ?? '{}') as { differences: { kind: string; object: string }[] };
    return document.differences.filter((d) => d.kind === 'missing-on-target').map((d) => d.object);
  };

  // Act + assess
  expect(await missing('drift-1', true)).toEqual(['user "late-joiner"']);
  expect(await missing('drift-2', false)).toEqual([]);
  expect(workflow.events.published()).toEqual(expect.arrayContaining([expect.objectContaining({ detailType: 'Drift Check' })]));
}, 120_000);
