import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../src/local/secretsmanager/server.js';

let server: LocalSecretsManager;
let dataDir: string;
let sm: SecretsManagerClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-sm-'));
  server = await startLocalSecretsManager({ dataDir });
  sm = new SecretsManagerClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('creates, reads, versions, lists and deletes secrets with Secrets Manager error types', async () => {
  const created = await sm.send(new CreateSecretCommand({ Name: 'mq-migrate/m-1/admin', SecretString: '{"username":"a","password":"b"}', Tags: [{ Key: 'team', Value: 'orders' }] }));
  expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:mq-migrate\/m-1\/admin-[0-9a-f]{6}$/);
  await expect(sm.send(new CreateSecretCommand({ Name: 'mq-migrate/m-1/admin', SecretString: 'x' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });

  const first = await sm.send(new GetSecretValueCommand({ SecretId: 'mq-migrate/m-1/admin' }));
  expect(first).toMatchObject({ SecretString: '{"username":"a","password":"b"}', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
  const put = await sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'second' }));
  expect((await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('second');
  expect((await sm.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe(created.VersionId);
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'mq-migrate/m-1/admin' }));
  expect(described.VersionIdsToStages).toEqual({ [String(created.VersionId)]: ['AWSPREVIOUS'], [String(put.VersionId)]: ['AWSCURRENT'] });
  expect(described.Tags).toEqual([{ Key: 'team', Value: 'orders' }]);
  expect((await sm.send(new ListSecretsCommand({}))).SecretList?.map((s) => s.Name)).toEqual(['mq-migrate/m-1/admin']);

  await expect(sm.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  await sm.send(new DeleteSecretCommand({ SecretId: 'mq-migrate/m-1/admin', RecoveryWindowInDays: 7 }));
  await expect(sm.send(new GetSecretValueCommand({ SecretId: 'mq-migrate/m-1/admin' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  await sm.send(new DeleteSecretCommand({ SecretId: 'mq-migrate/m-1/admin', ForceDeleteWithoutRecovery: true }));
  await expect(sm.send(new DescribeSecretCommand({ SecretId: 'mq-migrate/m-1/admin' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

it('keeps secrets across a restart', async () => {
  await sm.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'value' }));
  await server.close();
  server = await startLocalSecretsManager({ dataDir });
  sm = new SecretsManagerClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  expect((await sm.send(new GetSecretValueCommand({ SecretId: 'kept' }))).SecretString).toBe('value');
});
