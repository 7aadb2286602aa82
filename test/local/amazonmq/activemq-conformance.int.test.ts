import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../../src/local/brokers/process.js';
import { startLocalServices, type LocalServices } from '../../../src/local/services.js';
import { cliDriver, failureOf, portOf, sdkDriver, stompConnect, waitForGone, waitForState, type Driver } from './drivers.js';

// One ActiveMQ broker per driver (SDK, then awscli), started in turn: at most one runs at a time.
let services: LocalServices;
let dataDir: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-mq-amq-'));
  services = await startLocalServices({ dataDir });
});

afterAll(async () => {
  await services?.stop();
  await rm(dataDir, { recursive: true, force: true });
  console.log(`ActiveMQ create->RUNNING / reboot->RUNNING (ms): ${JSON.stringify(timings)}`);
});

const CONFIGURATION = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core" schedulePeriodForDestinationPurge="10000">
  <transportConnectors>
    <transportConnector name="openwire" uri="tcp://0.0.0.0:61616"/>
  </transportConnectors>
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry queue="&gt;" gcInactiveDestinations="true" inactiveTimoutBeforeGC="600000"/>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
</broker>
`;
// A refused STOMP login: an ERROR frame, or a hang-up without one (see stompConnect).
const REFUSED = /^(ERROR|CLOSED)$/;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe.each([['sdk'], ['cli']])('local Amazon MQ for ActiveMQ through the %s', (via) => {
  let driver: Driver;
  beforeAll(() => {
    driver = via === 'sdk' ? sdkDriver(services.endpoints.mq) : cliDriver(services.endpoints.mq);
  });

  it('creates a broker from a configuration revision, applies user changes at reboot, and deletes it', async () => {
    // Prepare: a configuration with a new revision from our XML.
    const configuration = await driver.call('CreateConfiguration', { Name: `conf-${via}`, EngineType: 'ACTIVEMQ', EngineVersion: '5.18', AuthenticationStrategy: 'SIMPLE' });
    expect(configuration['LatestRevision']['Revision']).toBe(1);
    const updated = await driver.call('UpdateConfiguration', { ConfigurationId: configuration['Id'], Data: b64(CONFIGURATION), Description: 'converted' });
    expect(updated['LatestRevision']['Revision']).toBe(2);
    expect(updated['Warnings']).toEqual([{ ElementName: 'transportConnectors', Reason: 'DISALLOWED_ELEMENT_REMOVED' }]);
    const revision = await driver.call('DescribeConfigurationRevision', { ConfigurationId: configuration['Id'], ConfigurationRevision: '2' });
    expect(Buffer.from(revision['Data'], 'base64').toString()).toBe(CONFIGURATION);

    // Act: create and wait.
    const started = Date.now();
    const created = await driver.call('CreateBroker', {
      BrokerName: `amq-${via}`,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      StorageType: 'EBS',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Configuration: { Id: configuration['Id'], Revision: 2 },
      Users: [{ Username: 'app-user', Password: 'App-password-1', Groups: ['admin'], ConsoleAccess: true }],
      Tags: { team: 'messaging' },
    });
    const brokerId = String(created['BrokerId']);
    expect(created['BrokerArn']).toBe(`arn:aws:mq:us-east-1:000000000000:broker:amq-${via}:${brokerId}`);
    expect((await driver.call('DescribeBroker', { BrokerId: brokerId }))['BrokerState']).toBe('CREATION_IN_PROGRESS');
    let broker = await waitForState(driver, brokerId, ['RUNNING', 'CREATION_FAILED']);
    timings[`${via} create`] = Date.now() - started;

    // Assess: the real broker runs with the configuration and the user.
    expect(broker['BrokerState']).toBe('RUNNING');
    expect(broker['Configurations']['Current']).toEqual({ Id: configuration['Id'], Revision: 2 });
    expect(broker['Tags']).toEqual({ team: 'messaging' });
    expect(broker['Users']).toEqual([{ Username: 'app-user' }]);
    const firstPid = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;
    expect(isAlive(firstPid)).toBe(true);
    const stomp = portOf(broker, 'stomp');
    expect(await stompConnect(stomp, 'app-user', 'App-password-1')).toBe('CONNECTED');
    expect(await stompConnect(stomp, 'app-user', 'wrong-password-1')).toMatch(REFUSED);

    // Act: user changes stay pending until reboot.
    await driver.call('CreateUser', { BrokerId: brokerId, Username: 'second-user', Password: 'Second-password-2', Groups: ['readers'] });
    await driver.call('UpdateUser', { BrokerId: brokerId, Username: 'app-user', Password: 'App-password-NEW' });
    expect((await failureOf(driver.call('CreateUser', { BrokerId: brokerId, Username: 'second-user', Password: 'Second-password-2' }))).type).toBe('ConflictException');
    const pendingUser = await driver.call('DescribeUser', { BrokerId: brokerId, Username: 'second-user' });
    expect(pendingUser['Pending']).toEqual({ ConsoleAccess: false, Groups: ['readers'], PendingChange: 'CREATE' });
    const listed = await driver.call('ListUsers', { BrokerId: brokerId });
    expect(listed['Users']).toEqual([{ Username: 'app-user', PendingChange: 'UPDATE' }, { Username: 'second-user', PendingChange: 'CREATE' }]);
    expect(await stompConnect(stomp, 'second-user', 'Second-password-2')).toMatch(REFUSED);
    expect(await stompConnect(stomp, 'app-user', 'App-password-1')).toBe('CONNECTED');

    const rebootStarted = Date.now();
    await driver.call('RebootBroker', { BrokerId: brokerId });
    expect((await driver.call('DescribeBroker', { BrokerId: brokerId }))['BrokerState']).toBe('REBOOT_IN_PROGRESS');
    broker = await waitForState(driver, brokerId, ['RUNNING', 'CRITICAL_ACTION_REQUIRED']);
    timings[`${via} reboot`] = Date.now() - rebootStarted;

    // Assess: applied after the reboot, by a new broker process.
    expect(broker['BrokerState']).toBe('RUNNING');
    expect(broker['Users']).toEqual([{ Username: 'app-user' }, { Username: 'second-user' }]);
    expect(isAlive(firstPid)).toBe(false);
    // Endpoints stay where they were, as on Amazon MQ.
    expect(portOf(broker, 'stomp')).toBe(stomp);
    expect(await stompConnect(stomp, 'second-user', 'Second-password-2')).toBe('CONNECTED');
    expect(await stompConnect(stomp, 'app-user', 'App-password-NEW')).toBe('CONNECTED');
    expect(await stompConnect(stomp, 'app-user', 'App-password-1')).toMatch(REFUSED);

    // Act + assess: delete really stops the broker.
    const pid = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;
    expect((await driver.call('DeleteBroker', { BrokerId: brokerId }))['BrokerId']).toBe(brokerId);
    const gone = await waitForGone(driver, brokerId);
    expect(gone.message).toContain(brokerId);
    expect(isAlive(pid)).toBe(false);
    await driver.call('DeleteConfiguration', { ConfigurationId: configuration['Id'] });
  });

  it('answers bad input with Amazon MQ error types', async () => {
    const base = {
      BrokerName: `bad-${via}`,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: false,
      Users: [{ Username: 'app-user', Password: 'App-password-1' }],
    };
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['broker name', { BrokerName: 'has spaces!' }, 'BadRequestException', /Broker name must be 1-50 characters/],
      ['short password', { Users: [{ Username: 'app-user', Password: 'short' }] }, 'BadRequestException', /at least 12 characters/],
      ['password with a comma', { Users: [{ Username: 'app-user', Password: 'long,enough-password' }] }, 'BadRequestException', /comma/],
      ['username charset', { Users: [{ Username: 'bad user', Password: 'App-password-1' }] }, 'BadRequestException', /ActiveMQ usernames may contain only/],
      ['engine version', { EngineVersion: '5.15' }, 'BadRequestException', /engine version \[5\.15\] is not supported/],
      ['instance type', { HostInstanceType: 'mq.m7g.large' }, 'BadRequestException', /instance type \[mq\.m7g\.large\] is not supported for engine type ACTIVEMQ/],
      ['deployment on t3.micro', { HostInstanceType: 'mq.t3.micro', DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }, 'BadRequestException', /Deployment mode \[ACTIVE_STANDBY_MULTI_AZ\] is not supported for broker instance type \[mq\.t3\.micro\]/],
      ['deployment of the other engine', { DeploymentMode: 'CLUSTER_MULTI_AZ' }, 'BadRequestException', /not supported for engine type ACTIVEMQ/],
      ['EBS with active/standby', { StorageType: 'EBS', DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }, 'BadRequestException', /not supported for broker instance type \[mq\.m5\.large\] with storage type \[EBS\]/],
      ['no users', { Users: [] }, 'BadRequestException', /at least one user/],
      ['auto minor version upgrade off', { AutoMinorVersionUpgrade: false }, 'BadRequestException', /requires autoMinorVersionUpgrade to be true/],
      ['active/standby (local refusal)', { DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }, 'BadRequestException', /does not run ACTIVE_STANDBY_MULTI_AZ/],
      ['unknown configuration', { Configuration: { Id: 'c-00000000-0000-0000-0000-000000000000' } }, 'BadRequestException', /does not exist/],
    ];
    // Concurrently: each awscli call is a Python start-up.
    const failures = await Promise.all(cases.map(([, change]) => failureOf(driver.call('CreateBroker', { ...base, ...change }))));
    for (const [index, [label, , type, message]] of cases.entries()) {
      const failure = failures[index] ?? { type: 'none', message: '' };
      expect({ label, type: failure.type }).toEqual({ label, type });
      expect(failure.message).toMatch(message);
    }

    // A RabbitMQ configuration cannot serve an ActiveMQ broker.
    const rabbitConfiguration = await driver.call('CreateConfiguration', { Name: `rabbit-${via}`, EngineType: 'RABBITMQ', EngineVersion: '3.13' });
    const mismatch = await failureOf(driver.call('CreateBroker', { ...base, Configuration: { Id: rabbitConfiguration['Id'] } }));
    expect(mismatch.type).toBe('BadRequestException');
    expect(mismatch.message).toMatch(/is for engine type RABBITMQ, not ACTIVEMQ/);

    // Bad XML in a configuration revision.
    const configuration = await driver.call('CreateConfiguration', { Name: `xml-${via}`, EngineType: 'ACTIVEMQ', EngineVersion: '5.18' });
    const broken = await failureOf(driver.call('UpdateConfiguration', { ConfigurationId: configuration['Id'], Data: b64('<broker xmlns="http://activemq.apache.org/schema/core"><plugins></broker>') }));
    expect(broken.type).toBe('BadRequestException');
    expect(broken.message).toMatch(/not valid XML/);
    const wrongRoot = await failureOf(driver.call('UpdateConfiguration', { ConfigurationId: configuration['Id'], Data: b64('<beans/>') }));
    expect(wrongRoot.message).toMatch(/root element .* must be <broker>/);
    expect((await failureOf(driver.call('DescribeConfiguration', { ConfigurationId: 'c-missing' }))).type).toBe('NotFoundException');
    expect((await failureOf(driver.call('DescribeBroker', { BrokerId: 'b-missing' }))).type).toBe('NotFoundException');
    expect((await failureOf(driver.call('DescribeUser', { BrokerId: 'b-missing', Username: 'x1' }))).type).toBe('NotFoundException');
  });

  it('lists configurations and their revisions, and manages tags', async () => {
    const configuration = await driver.call('CreateConfiguration', { Name: `tagged-${via}`, EngineType: 'ACTIVEMQ', EngineVersion: '5.19', Tags: { owner: 'me' } });
    await driver.call('UpdateConfiguration', { ConfigurationId: configuration['Id'], Data: b64(CONFIGURATION) });
    const revisions = await driver.call('ListConfigurationRevisions', { ConfigurationId: configuration['Id'] });
    expect(revisions['Revisions'].map((r: { Revision: number }) => r.Revision)).toEqual([1, 2]);
    const all = await driver.call('ListConfigurations', {});
    expect(all['Configurations'].map((c: { Name: string }) => c.Name)).toContain(`tagged-${via}`);
    const described = await driver.call('DescribeConfiguration', { ConfigurationId: configuration['Id'] });
    expect(described).toMatchObject({ EngineType: 'ACTIVEMQ', EngineVersion: '5.19', LatestRevision: { Revision: 2 }, Tags: { owner: 'me' } });

    const arn = String(configuration['Arn']);
    await driver.call('CreateTags', { ResourceArn: arn, Tags: { team: 'orders', stage: 'test' } });
    expect((await driver.call('ListTags', { ResourceArn: arn }))['Tags']).toEqual({ owner: 'me', team: 'orders', stage: 'test' });
    await driver.call('DeleteTags', { ResourceArn: arn, TagKeys: ['owner', 'stage'] });
    expect((await driver.call('ListTags', { ResourceArn: arn }))['Tags']).toEqual({ team: 'orders' });
    expect((await failureOf(driver.call('ListTags', { ResourceArn: 'arn:aws:mq:us-east-1:000000000000:configuration:c-none' }))).type).toBe('NotFoundException');
    expect((await failureOf(driver.call('CreateTags', { ResourceArn: arn, Tags: { 'aws:reserved': 'x' } }))).type).toBe('BadRequestException');
    await driver.call('DeleteConfiguration', { ConfigurationId: configuration['Id'] });
    expect((await failureOf(driver.call('DescribeConfiguration', { ConfigurationId: configuration['Id'] }))).type).toBe('NotFoundException');
  });

  it('answers a second broker of the same name with ConflictException, and a repeated creatorRequestId with the same broker', async () => {
    const request = {
      BrokerName: `dup-${via}`,
      CreatorRequestId: `token-${via}`,
      EngineType: 'ACTIVEMQ',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.t3.micro',
      PubliclyAccessible: false,
      Users: [{ Username: 'app-user', Password: 'App-password-1' }],
    };
    const first = await driver.call('CreateBroker', request);
    try {
      expect(await driver.call('CreateBroker', request)).toEqual(first);
      const conflict = await failureOf(driver.call('CreateBroker', { ...request, CreatorRequestId: `other-${via}` }));
      expect(conflict.type).toBe('ConflictException');
      expect(conflict.message).toMatch(/already exists/);
    } finally {
      await driver.call('DeleteBroker', { BrokerId: first['BrokerId'] });
      await waitForGone(driver, String(first['BrokerId']));
    }
  });
});

it('refuses unsigned requests with ForbiddenException', async () => {
  const response = await fetch(`${services.endpoints.mq}/v1/brokers`);
  expect(response.status).toBe(403);
  expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  expect(await response.json()).toEqual({ errorAttribute: 'authorization', message: expect.stringMatching(/Missing Authentication Token/) });
});

it('returns errorAttribute to the SDK', async () => {
  const failure = await failureOf(sdkDriver(services.endpoints.mq).call('CreateBroker', { BrokerName: 'x y', EngineType: 'ACTIVEMQ', DeploymentMode: 'SINGLE_INSTANCE', HostInstanceType: 'mq.m5.large', PubliclyAccessible: false }));
  expect(failure).toEqual({ type: 'BadRequestException', attribute: 'brokerName', message: expect.any(String) });
});
