import { readFileSync } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RabbitDefinitions } from '../../src/engines/rabbitmq/definitions.js';
import { inventoryFromDefinitions } from '../../src/engines/rabbitmq/inventory.js';
import { ConfigurationError, readConfig } from '../../src/config.js';
import { BrokerAuthError, ValidationError } from '../../src/model/errors.js';
import { RabbitInventory } from '../../src/model/inventory.js';
import { sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';

// Configuration is read at import, as at a cold start: set it first, then load the handler.
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
Object.assign(process.env, { DOCUMENTS_BUCKET: BUCKET, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_SERVICE_NAME: 'mq-migrate', POWERTOOLS_METRICS_NAMESPACE: 'MqMigrate', AWS_REGION: 'eu-west-1' });
const { defaultInventoryDeps, handler, makeHandler } = await import('../../functions/inventory/handler.js');
const { metrics } = await import('../../functions/shared/powertools.js');

const event = JSON.parse(readFileSync(new URL('../../events/inventory.json', import.meta.url), 'utf8')) as { migrationId: string; source: Record<string, unknown> };
const PASSWORD = 'source-Admin-Secret-2024';
const HASH = 'kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR';
const s3Mock = mockClient(S3Client);
const secretsMock = mockClient(SecretsManagerClient);

const context = {
  functionName: 'mq-migrate-InventoryFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mq-migrate-InventoryFunction',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

function sampleInventory(): RabbitInventory {
  const defs = RabbitDefinitions.parse({
    ...sampleDefinitions(),
    rabbitmq_version: '3.13.7',
    users: [{ name: 'orders-app', password_hash: HASH, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] }],
  });
  return inventoryFromDefinitions(defs, String(event.source.managementUrl));
}

beforeEach(() => {
  s3Mock.reset();
  secretsMock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  secretsMock.on(GetSecretValueCommand, { SecretId: 'mq-migrate/orders-dc1/source' }).resolves({ SecretString: JSON.stringify({ username: 'migrator', password: PASSWORD }) });
});
afterEach(() => jest.restoreAllMocks());

describe('inventory handler', () => {
  it('collects the source with the secret credentials, stores the inventory and returns its reference and counts', async () => {
    // Prepare
    const reached: unknown[] = [];
    const run = makeHandler({ ...defaultInventoryDeps(), collect: async (endpoint) => (reached.push(endpoint), sampleInventory()) });
    const addMetric = jest.spyOn(metrics, 'addMetric');

    // Act
    const result = await run(event, context);

    // Assess
    expect(reached).toEqual([{ url: 'https://rabbitmq-dc1.corp.example.internal:15671', username: 'migrator', password: PASSWORD }]);
    expect(result).toMatchObject({
      migrationId: 'orders-dc1-2025-06',
      inventory: { bucket: BUCKET, key: 'migrations/orders-dc1-2025-06/source-inventory.json' },
      summary: { vhosts: 0, users: 1, queues: 9, exchanges: 5, bindings: 9, policies: 3 },
    });
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const stored = RabbitInventory.parse(JSON.parse(String(puts[0]?.args[0].input.Body)));
    expect(stored.rabbitmq.users[0]?.passwordHash).toBe(HASH);
    expect(addMetric).toHaveBeenCalledWith('QueuesInventoried', 'Count', 9);
  });

  it('never returns password hashes or secrets in the result the state machine carries', async () => {
    const run = makeHandler({ ...defaultInventoryDeps(), collect: async () => sampleInventory() });

    const text = JSON.stringify(await run(event, context));

    expect(text).not.toContain(HASH);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('fed-Secret-2024');
  });

  it.each([
    ['migrationId', { ...event, migrationId: 'orders dc1!' }],
    ['source.engine', { ...event, source: { ...event.source, engine: 'KAFKA' } }],
    ['source.managementUrl', { ...event, source: { ...event.source, managementUrl: 'ftp://rabbit.example.internal' } }],
    ['source.managementUrl', { ...event, source: { ...event.source, managementUrl: 'https://admin:hunter22@rabbit.example.internal:15671' } }],
    ['source.credentialsSecretId', { ...event, source: { ...event.source, credentialsSecretId: undefined } }],
    ['source.password', { ...event, source: { ...event.source, password: 'hunter22' } }],
  ])('rejects bad input naming %s, and stores nothing', async (field, bad) => {
    const collect = jest.fn(async () => sampleInventory());
    const run = makeHandler({ ...defaultInventoryDeps(), collect });

    const error = await run(bad, context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', field });
    expect(String((error as Error).message)).not.toContain('hunter22');
    expect(collect).not.toHaveBeenCalled();
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects an event that is not an object', async () => {
    const run = makeHandler({ ...defaultInventoryDeps(), collect: async () => sampleInventory() });
    await expect(run('orders-dc1', context)).rejects.toMatchObject({ name: 'ValidationError', field: 'event' });
  });

  it('keeps the error name for Step Functions and scrubs the password from message and stack', async () => {
    const run = makeHandler({
      ...defaultInventoryDeps(),
      collect: async ({ url, password }) => {
        throw new BrokerAuthError(url, 401, `login refused for password ${password}`);
      },
    });

    const error = (await run(event, context).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('BrokerAuthError');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.stack ?? '').not.toContain(PASSWORD);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('with the real broker client, an unreachable source is a BrokerUnreachableError (retried by the state machine) and nothing is stored', async () => {
    // Loopback port 1: nothing listens there, the connection is refused at once.
    const unreachable = { ...event, source: { ...event.source, managementUrl: 'http://127.0.0.1:1' } };

    const error = (await handler(unreachable, context).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('BrokerUnreachableError');
    expect(error.message).not.toContain(PASSWORD);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('cannot start without its configuration: a missing or blank DOCUMENTS_BUCKET fails loudly, naming it', () => {
    expect(() => readConfig({})).toThrow(ConfigurationError);
    expect(() => readConfig({ DOCUMENTS_BUCKET: '  ' })).toThrow(expect.objectContaining({ name: 'ConfigurationError', variable: 'DOCUMENTS_BUCKET' }));
    expect(readConfig({ DOCUMENTS_BUCKET: BUCKET })).toEqual({ documentsBucket: BUCKET });
  });
});
