import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RabbitDefinitions } from '../../src/engines/rabbitmq/definitions.js';
import { inventoryFromDefinitions } from '../../src/engines/rabbitmq/inventory.js';
import type { ReplicationResult } from '../../src/engines/rabbitmq/replicate.js';
import { ValidationError } from '../../src/model/errors.js';
import type { RabbitInventory } from '../../src/model/inventory.js';
import type { RabbitPlan } from '../../src/model/plan.js';
import { sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';

// Configuration is read at import, as at a cold start: set it first, then load the handler.
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
Object.assign(process.env, { DOCUMENTS_BUCKET: BUCKET, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_SERVICE_NAME: 'mq-migrate', POWERTOOLS_METRICS_NAMESPACE: 'MqMigrate', AWS_REGION: 'eu-west-1' });
const { defaultReplicateDeps, handler, makeHandler } = await import('../../functions/replicate/handler.js');
const { metrics } = await import('../../functions/shared/powertools.js');

type Ref = { bucket: string; key: string };
type ReplicateEvent = { migrationId: string; inventory: Ref; plan: Ref; target: { managementUrl: string; credentialsSecretId: string }; dryRun: boolean };
const event = JSON.parse(readFileSync(new URL('../../events/replicate.json', import.meta.url), 'utf8')) as ReplicateEvent;
const PASSWORD = 'target-Admin-Secret-2024';
const s3Mock = mockClient(S3Client);
const secretsMock = mockClient(SecretsManagerClient);

const context = {
  functionName: 'mq-migrate-ReplicateFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mq-migrate-ReplicateFunction',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e81234567a',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

function sampleInventory(): RabbitInventory {
  const defs = RabbitDefinitions.parse({ ...sampleDefinitions(), rabbitmq_version: '3.13.7' });
  return inventoryFromDefinitions(defs, 'https://rabbitmq-dc1.corp.example.internal:15671');
}

function storeDocuments(inventory: RabbitInventory, plan: RabbitPlan): void {
  const body = (value: unknown) => {
    const text = JSON.stringify(value);
    return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
  };
  s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: event.inventory.key }).resolves({ Body: body(inventory) });
  s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: event.plan.key }).resolves({ Body: body(plan) });
}

const result: ReplicationResult = {
  dryRun: false,
  applied: true,
  changes: [
    { action: 'create', type: 'vhost', label: 'vhost "orders"' },
    { action: 'create', type: 'queue', label: 'queue "orders.created" in vhost "orders"' },
    { action: 'update', type: 'policy', label: 'policy "billing-ttl" in vhost "team/billing"' },
  ],
  conflicts: [],
  skipped: [{ object: 'user "admin"', reason: 'the target reserves this name' }],
  unchanged: 4,
  targetOnly: 2,
  verified: true,
  summary: 'applied 2 create(s) and 1 update(s), 4 unchanged',
};

beforeEach(() => {
  s3Mock.reset();
  secretsMock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  secretsMock.on(GetSecretValueCommand, { SecretId: 'mq-migrate/orders-dc1/target' }).resolves({ SecretString: JSON.stringify({ username: 'amq-admin', password: PASSWORD }) });
});
afterEach(() => jest.restoreAllMocks());

describe('replicate handler', () => {
  it('replicates the stored plan onto the target, stores the full result and returns counts', async () => {
    // Prepare
    const inventory = sampleInventory();
    const plan = planRabbitMigration(inventory);
    storeDocuments(inventory, plan);
    const replicate = jest.fn(async (_request: unknown) => result);
    const run = makeHandler({ ...defaultReplicateDeps(), replicate });
    const addMetric = jest.spyOn(metrics, 'addMetric');

    // Act
    const output = await run({ ...event, dryRun: false }, context);

    // Assess
    expect(replicate).toHaveBeenCalledWith({
      source: inventory,
      plan,
      target: { url: event.target.managementUrl, username: 'amq-admin', password: PASSWORD },
      dryRun: false,
    });
    expect(output).toEqual({
      migrationId: 'orders-dc1-2025-06',
      replication: { bucket: BUCKET, key: 'migrations/orders-dc1-2025-06/replication.json' },
      dryRun: false,
      applied: true,
      verified: true,
      rebooting: false,
      counts: { creates: 2, updates: 1, conflicts: 0, skipped: 1, unchanged: 4, targetOnly: 2 },
      summary: result.summary,
    });
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(JSON.parse(String(puts[0]?.args[0].input.Body))).toEqual(result);
    expect(addMetric).toHaveBeenCalledWith('ObjectsCreated', 'Count', 2);
    expect(JSON.stringify(output)).not.toContain(PASSWORD);
  });

  it('passes the dry run from the sample event and records no objects as created', async () => {
    const inventory = sampleInventory();
    storeDocuments(inventory, planRabbitMigration(inventory));
    const replicate = jest.fn(async (_request: unknown) => ({ ...result, dryRun: true, applied: false, verified: false }));
    const addMetric = jest.spyOn(metrics, 'addMetric');

    const output = await makeHandler({ ...defaultReplicateDeps(), replicate })(event, context);

    expect(replicate).toHaveBeenCalledWith(expect.objectContaining({ dryRun: true }));
    expect(output).toMatchObject({ dryRun: true, applied: false });
    expect(addMetric).not.toHaveBeenCalledWith('ObjectsCreated', expect.anything(), expect.anything());
  });

  it.each([
    ['plan.key', { ...event, plan: { ...event.plan, key: 'migrations/other-migration/plan.json' } }],
    ['target.managementUrl', { ...event, target: { ...event.target, managementUrl: 'b-1234.mq.eu-west-1.amazonaws.com' } }],
    ['target.credentialsSecretId', { ...event, target: { ...event.target, credentialsSecretId: 'has spaces' } }],
    ['dryRun', { ...event, dryRun: 'yes' }],
  ])('rejects bad input naming %s: reads, replicates and stores nothing', async (field, bad) => {
    const replicate = jest.fn(async (_request: unknown) => result);

    const error = await makeHandler({ ...defaultReplicateDeps(), replicate })(bad, context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', field });
    expect(replicate).not.toHaveBeenCalled();
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('with the real engine, a plan with unaccepted blockers is a PlanBlockedError before the target is touched', async () => {
    // Prepare: a stream queue is a blocker, and the target URL goes nowhere (loopback port 1).
    const inventory = sampleInventory();
    inventory.rabbitmq.queues.push({ vhost: 'orders', name: 'orders.history', type: 'stream', durable: true, autoDelete: false, exclusive: false, arguments: {} });
    storeDocuments(inventory, planRabbitMigration(inventory));

    const error = (await handler({ ...event, dryRun: false, target: { ...event.target, managementUrl: 'http://127.0.0.1:1' } }, context).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('PlanBlockedError');
    expect(error.message).toContain('RMQ-STREAM-QUEUE');
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
