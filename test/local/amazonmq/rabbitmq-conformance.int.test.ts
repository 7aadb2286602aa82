import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { isAlive } from '../../../src/local/brokers/process.js';
import { startLocalServices, type LocalServices } from '../../../src/local/services.js';
import { cliDriver, failureOf, portOf, sdkDriver, waitForGone, waitForState, type Doc, type Driver } from './drivers.js';

// One RabbitMQ broker per driver (SDK, then awscli), started in turn: at most one runs at a time.
let services: LocalServices;
let dataDir: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-mq-rmq-'));
  services = await startLocalServices({ dataDir });
});

afterAll(async () => {
  await services?.stop();
  await rm(dataDir, { recursive: true, force: true });
  console.log(`RabbitMQ create->RUNNING / reboot->RUNNING (ms): ${JSON.stringify(timings)}`);
});

const ADMIN = { Username: 'migration-admin', Password: 'Adm1n-password-x' };

async function management(broker: Doc, path: string, user = ADMIN.Username, password = ADMIN.Password): Promise<{ status: number; body: unknown }> {
  const url = String(broker['BrokerInstances'][0]['ConsoleURL']);
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  return { status: response.status, body: response.ok ? await response.json() : undefined };
}

async function amqpLogin(port: number, user: string, password: string): Promise<void> {
  const connection = await amqp.connect(`amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue('conformance-check', { durable: true });
    await channel.close();
  } finally {
    await connection.close();
  }
}

describe.each([['sdk'], ['cli']])('local Amazon MQ for RabbitMQ through the %s', (via) => {
  let driver: Driver;
  beforeAll(() => {
    driver = via === 'sdk' ? sdkDriver(services.endpoints.mq) : cliDriver(services.endpoints.mq);
  });

  it('creates a real node with the admin user only, reboots it and deletes it', async () => {
    // Act
    const started = Date.now();
    const created = await driver.call('CreateBroker', {
      BrokerName: `rmq-${via}`,
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m7g.medium',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      EncryptionOptions: { UseAwsOwnedKey: true },
      Logs: { General: true },
      MaintenanceWindowStartTime: { DayOfWeek: 'MONDAY', TimeOfDay: '02:30', TimeZone: 'UTC' },
      Users: [ADMIN],
      Tags: { 'mq-migrate:migration-id': `m-${via}` },
    });
    const brokerId = String(created['BrokerId']);
    let broker = await waitForState(driver, brokerId, ['RUNNING', 'CREATION_FAILED']);
    timings[`${via} create`] = Date.now() - started;

    // Assess: a real node, admin present, guest gone, management API and AMQP login work.
    expect(broker).toMatchObject({
      BrokerState: 'RUNNING',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      StorageType: 'EBS',
      PubliclyAccessible: false,
      MaintenanceWindowStartTime: { DayOfWeek: 'MONDAY', TimeOfDay: '02:30', TimeZone: 'UTC' },
      Tags: { 'mq-migrate:migration-id': `m-${via}` },
    });
    const whoami = await management(broker, '/api/whoami');
    expect(whoami).toEqual({ status: 200, body: expect.objectContaining({ name: ADMIN.Username }) });
    expect(JSON.stringify(whoami.body)).toContain('administrator');
    const users = (await management(broker, '/api/users')).body as { name: string }[];
    expect(users.map((u) => u.name)).toEqual([ADMIN.Username]);
    expect((await management(broker, '/api/overview', 'guest', 'guest')).status).toBe(401);
    const amqpPort = portOf(broker, 'amqp');
    await amqpLogin(amqpPort, ADMIN.Username, ADMIN.Password);
    await expect(amqpLogin(amqpPort, ADMIN.Username, 'not-the-password')).rejects.toThrow(/ACCESS_REFUSED|403/);

    // RabbitMQ users are not managed through the Amazon MQ API.
    const refused = await failureOf(driver.call('CreateUser', { BrokerId: brokerId, Username: 'other-user', Password: 'Other-password-1' }));
    expect(refused.type).toBe('BadRequestException');
    expect(refused.message).toMatch(/management API/);

    // Act: reboot restarts the node, keeping its definitions.
    const firstPid = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;
    const rebootStarted = Date.now();
    await driver.call('RebootBroker', { BrokerId: brokerId });
    broker = await waitForState(driver, brokerId, ['RUNNING', 'CRITICAL_ACTION_REQUIRED']);
    timings[`${via} reboot`] = Date.now() - rebootStarted;
    expect(broker['BrokerState']).toBe('RUNNING');
    expect(isAlive(firstPid)).toBe(false);
    const queues = (await management(broker, '/api/queues')).body as { name: string }[];
    expect(queues.map((q) => q.name)).toContain('conformance-check');
    expect(portOf(broker, 'amqp')).toBe(amqpPort);
    await amqpLogin(amqpPort, ADMIN.Username, ADMIN.Password);

    // Act + assess: delete stops the node.
    const pid = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;
    await driver.call('DeleteBroker', { BrokerId: brokerId });
    await waitForGone(driver, brokerId);
    expect(isAlive(pid)).toBe(false);
    expect((await driver.call('ListBrokers', {}))['BrokerSummaries']).toEqual([]);
  });

  it('answers bad input with Amazon MQ error types', async () => {
    const base = {
      BrokerName: `bad-${via}`,
      EngineType: 'RABBITMQ',
      EngineVersion: '4.2',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m7g.large',
      PubliclyAccessible: false,
      Users: [ADMIN],
    };
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['guest', { Users: [{ Username: 'guest', Password: 'Guest-password-1' }] }, 'BadRequestException', /prohibits the username "guest"/],
      ['tilde', { Users: [{ Username: 'a~b', Password: 'Guest-password-1' }] }, 'BadRequestException', /tilde/],
      ['two users', { Users: [ADMIN, { Username: 'second', Password: 'Second-password-1' }] }, 'BadRequestException', /exactly one user/],
      ['groups', { Users: [{ ...ADMIN, Groups: ['admins'] }] }, 'BadRequestException', /Groups are not supported/],
      ['four unique characters', { Users: [{ Username: 'admin-user', Password: 'aaaaaaaaabbbbbbbcc' }] }, 'BadRequestException', /4 unique characters/],
      ['EFS', { StorageType: 'EFS' }, 'BadRequestException', /EFS is not supported for RabbitMQ/],
      ['4.2 on m5', { HostInstanceType: 'mq.m5.large' }, 'BadRequestException', /not supported on broker instance type \[mq\.m5\.large\]/],
      ['t3.micro cluster', { EngineVersion: '3.13', HostInstanceType: 'mq.t3.micro', DeploymentMode: 'CLUSTER_MULTI_AZ' }, 'BadRequestException', /Deployment mode \[CLUSTER_MULTI_AZ\] is not supported for broker instance type \[mq\.t3\.micro\]/],
      ['active/standby', { DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }, 'BadRequestException', /not supported for engine type RABBITMQ/],
      ['3.12 (end of support)', { EngineVersion: '3.12' }, 'BadRequestException', /engine version \[3\.12\] is not supported/],
      ['audit log', { Logs: { General: true, Audit: true } }, 'BadRequestException', /Audit logs are not supported/],
      ['maintenance time', { MaintenanceWindowStartTime: { DayOfWeek: 'MONDAY', TimeOfDay: '25:00' } }, 'BadRequestException', /HH:MM/],
      ['two subnets for one instance', { SubnetIds: ['subnet-0a1', 'subnet-0b2'] }, 'BadRequestException', /exactly 1 subnet/],
      ['customer key without its id', { EncryptionOptions: { UseAwsOwnedKey: false } }, 'BadRequestException', /need kmsKeyId/],
      ['bad rabbit engine', { EngineType: 'KAFKA' }, 'BadRequestException', /engine type \[KAFKA\] is not supported/],
    ];
    // Concurrently: each awscli call is a Python start-up.
    const failures = await Promise.all(cases.map(([, change]) => failureOf(driver.call('CreateBroker', { ...base, ...change }))));
    for (const [index, [label, , type, message]] of cases.entries()) {
      const failure = failures[index] ?? { type: 'none', message: '' };
      expect({ label, type: failure.type }).toEqual({ label, type });
      expect({ label, message: failure.message }).toEqual({ label, message: expect.stringMatching(message) });
    }
  });
});

it('lists engine types and instance options as Amazon MQ does', async () => {
  const driver = sdkDriver(services.endpoints.mq);
  const engines = await driver.call('DescribeBrokerEngineTypes', { EngineType: 'RABBITMQ' });
  expect(engines['BrokerEngineTypes']).toEqual([{ EngineType: 'RABBITMQ', EngineVersions: [{ Name: '4.3' }, { Name: '4.2' }, { Name: '3.13' }] }]);
  const options = await driver.call('DescribeBrokerInstanceOptions', { EngineType: 'RABBITMQ', HostInstanceType: 'mq.m5.large' });
  expect(options['BrokerInstanceOptions']).toEqual([
    expect.objectContaining({ EngineType: 'RABBITMQ', HostInstanceType: 'mq.m5.large', StorageType: 'EBS', SupportedDeploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'], SupportedEngineVersions: ['3.13'] }),
  ]);
  const cli = await cliDriver(services.endpoints.mq).call('DescribeBrokerInstanceOptions', { EngineType: 'ACTIVEMQ', HostInstanceType: 'mq.t3.micro' });
  expect(cli['BrokerInstanceOptions']).toEqual([expect.objectContaining({ StorageType: 'EFS', SupportedDeploymentModes: ['SINGLE_INSTANCE'] })]);
  expect((await failureOf(driver.call('DescribeBrokerEngineTypes', { MaxResults: 2 }))).type).toBe('BadRequestException');
});
