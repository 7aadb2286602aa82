import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteBrokerCommand, DescribeBrokerCommand, DescribeConfigurationCommand, ListBrokersCommand, MqClient } from '@aws-sdk/client-mq';
import amqp from 'amqplib';
import { AmazonMqOfferingError, BrokerCriticalActionRequiredError, BrokerNameConflictError, BrokerNotFoundError } from '../../src/amazonmq/errors.js';
import type { ProvisionInputInput } from '../../src/amazonmq/provision-input.js';
import { startLocalServices, type LocalServices } from '../../src/local/services.js';
import { stompConnect } from '../local/amazonmq/drivers.js';

// The provisioner against the local Amazon MQ and Secrets Manager, configured only through the
// standard AWS_ENDPOINT_URL_* variables (the production modules are imported after they are set).
let services: LocalServices;
let dataDir: string;
let provisioner: typeof import('../../src/amazonmq/provisioner.js');
let mq: MqClient;
const saved = { ...process.env };
const timings: Record<string, number> = {};

const ADMIN = { username: 'migration-admin', password: 'Adm1n-password-x' };
const APP = { username: 'app-user', password: 'App-password-1' };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'provisioner-'));
  services = await startLocalServices({ dataDir });
  Object.assign(process.env, services.env);
  provisioner = await import('../../src/amazonmq/provisioner.js');
  mq = new MqClient({});
  const sm = new SecretsManagerClient({});
  await sm.send(new CreateSecretCommand({ Name: 'mq-migrate/m-1/admin', SecretString: JSON.stringify(ADMIN) }));
  await sm.send(new CreateSecretCommand({ Name: 'mq-migrate/m-1/app', SecretString: JSON.stringify(APP) }));
});

afterAll(async () => {
  await services?.stop();
  process.env = saved;
  await rm(dataDir, { recursive: true, force: true });
  console.log(`provisioner: provision->ready (ms): ${JSON.stringify(timings)}`);
});

async function waitReady(brokerId: string): Promise<Awaited<ReturnType<typeof provisioner.describeBrokerForWait>>> {
  // What the state machine does: describe, Wait, describe again...
  for (let i = 0; i < 200; i++) {
    const status = await provisioner.describeBrokerForWait(brokerId);
    if (status.ready) return status;
    await sleep(500);
  }
  throw new Error(`broker ${brokerId} never became ready`);
}

async function deleteAndWait(brokerId: string): Promise<void> {
  await mq.send(new DeleteBrokerCommand({ BrokerId: brokerId }));
  for (;;) {
    try {
      await provisioner.describeBrokerForWait(brokerId);
    } catch (error) {
      if (error instanceof BrokerNotFoundError) return;
      if ((error as Error).name !== 'BrokerDeletionInProgressError') throw error;
    }
    await sleep(300);
  }
}

const RABBIT: ProvisionInputInput = {
  migrationId: 'm-1',
  brokerName: 'orders-target',
  engineType: 'RABBITMQ',
  engineVersion: '3.13',
  deploymentMode: 'SINGLE_INSTANCE',
  instanceType: 'mq.m7g.medium',
  adminSecretId: 'mq-migrate/m-1/admin',
  network: { subnetIds: ['subnet-0a1'], securityGroupIds: ['sg-0123'] },
  maintenanceWindow: { dayOfWeek: 'SATURDAY', timeOfDay: '22:00' },
  tags: { team: 'orders' },
};

it('checks the target against the offerings and creates nothing when it is not offered', async () => {
  await expect(provisioner.provisionBroker({ ...RABBIT, engineVersion: '4.2', instanceType: 'mq.m5.large' })).rejects.toBeInstanceOf(AmazonMqOfferingError);
  await expect(provisioner.provisionBroker({ ...RABBIT, instanceType: 'mq.m9.huge' })).rejects.toMatchObject({ name: 'AmazonMqOfferingError', field: 'instanceType' });
  expect((await mq.send(new ListBrokersCommand({}))).BrokerSummaries).toEqual([]);
});

it('provisions a RabbitMQ broker once, waits for it through describe, and logs in with the secret', async () => {
  // Act
  const started = Date.now();
  const result = await provisioner.provisionBroker(RABBIT);
  const status = await waitReady(result.brokerId);
  timings['rabbitmq'] = Date.now() - started;

  // Assess
  expect(result).toMatchObject({ created: true, state: 'CREATION_IN_PROGRESS', brokerArn: expect.stringContaining(result.brokerId) });
  expect(status.state).toBe('RUNNING');
  const described = await mq.send(new DescribeBrokerCommand({ BrokerId: result.brokerId }));
  expect(described).toMatchObject({
    PubliclyAccessible: false,
    SubnetIds: ['subnet-0a1'],
    SecurityGroups: ['sg-0123'],
    EncryptionOptions: { UseAwsOwnedKey: true },
    MaintenanceWindowStartTime: { DayOfWeek: 'SATURDAY', TimeOfDay: '22:00', TimeZone: 'UTC' },
    AutoMinorVersionUpgrade: true,
    Tags: { team: 'orders', 'mq-migrate:migration-id': 'm-1' },
  });
  const amqpUrl = status.endpoints.endpoints.find((e) => e.startsWith('amqp://')) ?? '';
  const port = new URL(amqpUrl).port;
  const connection = await amqp.connect(`amqp://${ADMIN.username}:${ADMIN.password}@127.0.0.1:${port}`);
  await connection.close();

  // A re-run finds it; another migration cannot take the name.
  expect(await provisioner.provisionBroker(RABBIT)).toEqual({ brokerId: result.brokerId, brokerArn: result.brokerArn, state: 'RUNNING', created: false });
  await expect(provisioner.provisionBroker({ ...RABBIT, migrationId: 'm-2' })).rejects.toBeInstanceOf(BrokerNameConflictError);
  expect((await mq.send(new ListBrokersCommand({}))).BrokerSummaries).toHaveLength(1);

  // The broker's process dying is CRITICAL_ACTION_REQUIRED for the wait loop.
  const pid = services.mq.service.runtimeOf(result.brokerId)?.pid ?? 0;
  process.kill(pid, 'SIGKILL');
  await sleep(500);
  await expect(provisioner.describeBrokerForWait(result.brokerId)).rejects.toBeInstanceOf(BrokerCriticalActionRequiredError);

  await deleteAndWait(result.brokerId);
});

it('provisions an ActiveMQ broker from the converted XML with its users, reusing the configuration on a re-run', async () => {
  const input: ProvisionInputInput = {
    migrationId: 'm-1',
    brokerName: 'legacy-target',
    engineType: 'ACTIVEMQ',
    engineVersion: '5.18',
    deploymentMode: 'SINGLE_INSTANCE',
    instanceType: 'mq.m5.large',
    adminSecretId: 'mq-migrate/m-1/admin',
    activemq: {
      configurationXml: `<broker xmlns="http://activemq.apache.org/schema/core"><transportConnectors><transportConnector name="o" uri="tcp://0.0.0.0:61616"/></transportConnectors></broker>`,
      users: [{ secretId: 'mq-migrate/m-1/app', groups: ['apps'] }],
    },
  };
  const started = Date.now();
  const result = await provisioner.provisionBroker(input);
  const status = await waitReady(result.brokerId);
  timings['activemq'] = Date.now() - started;

  expect(result.configuration).toMatchObject({ revision: 2, warnings: ['DISALLOWED_ELEMENT_REMOVED: transportConnectors'] });
  const stomp = Number(new URL((status.endpoints.endpoints.find((e) => e.startsWith('stomp://')) ?? '').replace('stomp:', 'http:')).port);
  expect(await stompConnect(stomp, APP.username, APP.password)).toBe('CONNECTED');
  expect(await stompConnect(stomp, ADMIN.username, ADMIN.password)).toBe('CONNECTED');

  const again = await provisioner.provisionBroker(input);
  expect(again).toMatchObject({ brokerId: result.brokerId, created: false });
  const configuration = await mq.send(new DescribeConfigurationCommand({ ConfigurationId: result.configuration?.id ?? '' }));
  expect(configuration.LatestRevision?.Revision).toBe(2);

  await deleteAndWait(result.brokerId);
});
