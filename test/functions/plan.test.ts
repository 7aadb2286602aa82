import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RabbitDefinitions } from '../../src/engines/rabbitmq/definitions.js';
import { inventoryFromDefinitions } from '../../src/engines/rabbitmq/inventory.js';
import { ValidationError } from '../../src/model/errors.js';
import { RabbitPlan } from '../../src/model/plan.js';
import type { RabbitInventory } from '../../src/model/inventory.js';
import { sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';

// Configuration is read at import, as at a cold start: set it first, then load the handler.
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
Object.assign(process.env, { DOCUMENTS_BUCKET: BUCKET, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_SERVICE_NAME: 'mq-migrate', POWERTOOLS_METRICS_NAMESPACE: 'MqMigrate', AWS_REGION: 'eu-west-1' });
const { handler } = await import('../../functions/plan/handler.js');
const { metrics } = await import('../../functions/shared/powertools.js');

type PlanEvent = { migrationId: string; inventory: { bucket: string; key: string }; options: Record<string, unknown> };
const event = JSON.parse(readFileSync(new URL('../../events/plan.json', import.meta.url), 'utf8')) as PlanEvent;
const HASH = 'kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR';
const s3Mock = mockClient(S3Client);

const context = {
  functionName: 'mq-migrate-PlanFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mq-migrate-PlanFunction',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345679',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

/** The sample estate, optionally with a stream queue (a blocker on Amazon MQ). */
function sampleInventory(withStream: boolean): RabbitInventory {
  const sample = sampleDefinitions();
  const stream = { vhost: 'orders', name: 'orders.history', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'stream' } };
  const defs = RabbitDefinitions.parse({
    ...sample,
    rabbitmq_version: '3.13.7',
    users: [{ name: 'orders-app', password_hash: HASH, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] }],
    queues: withStream ? [...(sample.queues ?? []), stream] : sample.queues,
  });
  return inventoryFromDefinitions(defs, 'https://rabbitmq-dc1.corp.example.internal:15671');
}

function storeInventory(inventory: RabbitInventory): void {
  const text = JSON.stringify(inventory);
  s3Mock
    .on(GetObjectCommand, { Bucket: BUCKET, Key: event.inventory.key })
    .resolves({ Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] });
}

function storedPlan(): RabbitPlan {
  const puts = s3Mock.commandCalls(PutObjectCommand);
  expect(puts).toHaveLength(1);
  expect(puts[0]?.args[0].input).toMatchObject({ Bucket: BUCKET, Key: 'migrations/orders-dc1-2025-06/plan.json' });
  return RabbitPlan.parse(JSON.parse(String(puts[0]?.args[0].input.Body)));
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
});
afterEach(() => jest.restoreAllMocks());

describe('plan handler', () => {
  it('plans from the stored inventory, stores the plan and returns its reference, blockers and target', async () => {
    // Prepare
    storeInventory(sampleInventory(false));
    const addMetric = jest.spyOn(metrics, 'addMetric');

    // Act
    const result = await handler(event, context);

    // Assess
    const plan = storedPlan();
    expect(result).toEqual({
      migrationId: 'orders-dc1-2025-06',
      plan: { bucket: BUCKET, key: 'migrations/orders-dc1-2025-06/plan.json' },
      blockers: [],
      target: plan.target,
    });
    expect(plan.target).toMatchObject({ engineType: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' });
    expect(addMetric).toHaveBeenCalledWith('BlockerFindings', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('WarningFindings', 'Count', plan.findings.filter((f) => f.severity === 'warning').length);
  });

  it('returns the codes of unaccepted blockers, each once, and still stores the plan for the user to read', async () => {
    storeInventory(sampleInventory(true));

    const result = await handler(event, context);

    expect(result.blockers).toEqual(['RMQ-STREAM-QUEUE']);
    expect(storedPlan().findings.map((f) => f.code)).toContain('RMQ-STREAM-QUEUE');
  });

  it('drops a blocker the options accept by code', async () => {
    storeInventory(sampleInventory(true));

    const result = await handler({ ...event, options: { ...event.options, acceptFindings: ['RMQ-STREAM-QUEUE'] } }, context);

    expect(result.blockers).toEqual([]);
  });

  it('plans with the default options when none are given', async () => {
    storeInventory(sampleInventory(false));
    const { options: _ignored, ...withoutOptions } = event;

    await handler(withoutOptions, context);

    expect(storedPlan().options).toMatchObject({ deploymentMode: 'CLUSTER_MULTI_AZ', mirroredQueues: 'convert-to-quorum', acceptFindings: [] });
  });

  it.each([
    ['options.deploymentMode', { ...event, options: { deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' } }],
    ['options.mirroredQueue', { ...event, options: { mirroredQueue: 'keep-classic' } }],
    ['inventory.key', { ...event, inventory: { bucket: BUCKET } }],
    ['inventory.key', { ...event, inventory: { bucket: BUCKET, key: 'migrations/another-migration/source-inventory.json' } }],
    ['inventory.bucket', { ...event, inventory: { ...event.inventory, bucket: 'someone-elses-bucket' } }],
    ['migrationId', { ...event, migrationId: 'x'.repeat(81) }],
  ])('rejects bad input naming %s, and reads and stores nothing', async (field, bad) => {
    storeInventory(sampleInventory(false));

    const error = await handler(bad, context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', field });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects a stored inventory of the wrong shape, naming the document, and stores no plan', async () => {
    const text = JSON.stringify({ ...sampleInventory(false), schemaVersion: 2 });
    s3Mock.on(GetObjectCommand).resolves({ Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] });

    const error = await handler(event, context).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ValidationError', field: `s3://${BUCKET}/${event.inventory.key}.schemaVersion` });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('returns a small state: no findings text, no password hashes', async () => {
    storeInventory(sampleInventory(true));

    const text = JSON.stringify(await handler(event, context));

    expect(text).not.toContain(HASH);
    expect(text.length).toBeLessThan(1000);
  });
});
