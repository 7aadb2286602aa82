import {
  CreateBrokerCommand,
  CreateConfigurationCommand,
  DescribeBrokerCommand,
  DescribeBrokerEngineTypesCommand,
  DescribeBrokerInstanceOptionsCommand,
  DescribeConfigurationRevisionCommand,
  ListBrokersCommand,
  ListConfigurationsCommand,
  MqClient,
  UpdateConfigurationCommand,
  BadRequestException,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';

/** What the SDK throws for an unmodelled 429 after its own retries. */
const throttled = (message: string) => Object.assign(new Error(message), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 429 } });
import {
  AmazonMqOfferingError,
  AmazonMqRequestError,
  AmazonMqTransientError,
  BrokerCreationFailedError,
  BrokerCriticalActionRequiredError,
  BrokerNameConflictError,
  BrokerNotFoundError,
} from '../../src/amazonmq/errors.js';
import { MIGRATION_TAG, provisionInputFromRabbitPlan, type ProvisionInputInput } from '../../src/amazonmq/provision-input.js';
import { creatorRequestIdFor, describeBrokerForWait, provisionBroker, type ProvisionerDeps } from '../../src/amazonmq/provisioner.js';
import { ValidationError } from '../../src/model/errors.js';

const mq = new MqClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mqMock = mockClient(mq);
const secrets: Record<string, { username: string; password: string }> = {
  'mq-migrate/m-1/admin': { username: 'migration-admin', password: 'Adm1n-password-x' },
  'mq-migrate/m-1/app': { username: 'app-user', password: 'App-password-1' },
};
const deps: ProvisionerDeps = {
  mq,
  getCredentials: async (id) => {
    const found = secrets[id];
    if (!found) throw new ValidationError(id, 'secret does not exist');
    return found;
  },
  readDocument: async () => '<broker xmlns="http://activemq.apache.org/schema/core"/>',
};

const RABBIT: ProvisionInputInput = provisionInputFromRabbitPlan(
  { target: { engineType: 'RABBITMQ', engineVersion: '4.2', deploymentMode: 'CLUSTER_MULTI_AZ', instanceType: 'mq.m7g.large', storageType: 'EBS' } },
  {
    migrationId: 'm-1',
    brokerName: 'orders-target',
    adminSecretId: 'mq-migrate/m-1/admin',
    network: { subnetIds: ['subnet-0a1', 'subnet-0b2', 'subnet-0c3'], securityGroupIds: ['sg-0123'] },
    encryption: { kind: 'kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc' },
    maintenanceWindow: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00' },
    tags: { team: 'orders' },
  },
);

function offer(engine: 'RABBITMQ' | 'ACTIVEMQ' = 'RABBITMQ'): void {
  mqMock.on(DescribeBrokerEngineTypesCommand).resolves({ BrokerEngineTypes: [{ EngineType: engine, EngineVersions: engine === 'RABBITMQ' ? [{ Name: '4.2' }, { Name: '3.13' }] : [{ Name: '5.18' }] }] });
  mqMock.on(DescribeBrokerInstanceOptionsCommand).resolves({
    BrokerInstanceOptions:
      engine === 'RABBITMQ'
        ? [{ EngineType: 'RABBITMQ', HostInstanceType: 'mq.m7g.large', StorageType: 'EBS', SupportedDeploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'], SupportedEngineVersions: ['3.13', '4.2'] }]
        : [{ EngineType: 'ACTIVEMQ', HostInstanceType: 'mq.m5.large', StorageType: 'EFS', SupportedDeploymentModes: ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'], SupportedEngineVersions: ['5.18'] }],
  });
  mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [] });
}

beforeEach(() => mqMock.reset());

describe('provisionBroker', () => {
  it('creates a RabbitMQ broker with the deployment settings, one admin from the secret and the migration tag', async () => {
    // Prepare
    offer();
    mqMock.on(CreateBrokerCommand).resolves({ BrokerId: 'b-1', BrokerArn: 'arn:aws:mq:us-east-1:1:broker:orders-target:b-1' });
    // Act
    const result = await provisionBroker(RABBIT, deps);
    // Assess
    expect(result).toEqual({ brokerId: 'b-1', brokerArn: 'arn:aws:mq:us-east-1:1:broker:orders-target:b-1', state: 'CREATION_IN_PROGRESS', created: true });
    expect(mqMock.commandCalls(CreateBrokerCommand)[0]?.args[0].input).toEqual({
      BrokerName: 'orders-target',
      CreatorRequestId: creatorRequestIdFor('m-1'),
      EngineType: 'RABBITMQ',
      EngineVersion: '4.2',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m7g.large',
      StorageType: 'EBS',
      AuthenticationStrategy: 'SIMPLE',
      PubliclyAccessible: false,
      SubnetIds: ['subnet-0a1', 'subnet-0b2', 'subnet-0c3'],
      SecurityGroups: ['sg-0123'],
      EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc' },
      Logs: { General: true },
      MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
      AutoMinorVersionUpgrade: true,
      Users: [{ Username: 'migration-admin', Password: 'Adm1n-password-x' }],
      Tags: { team: 'orders', [MIGRATION_TAG]: 'm-1' },
    });
  });

  it('finds the broker of a previous run and creates nothing', async () => {
    offer();
    mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [{ BrokerName: 'orders-target', BrokerId: 'b-1', DeploymentMode: 'CLUSTER_MULTI_AZ', EngineType: 'RABBITMQ' }] });
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerId: 'b-1', BrokerArn: 'arn:b-1', BrokerState: 'CREATION_IN_PROGRESS', Tags: { [MIGRATION_TAG]: 'm-1' } });
    expect(await provisionBroker(RABBIT, deps)).toEqual({ brokerId: 'b-1', brokerArn: 'arn:b-1', state: 'CREATION_IN_PROGRESS', created: false });
    expect(mqMock.commandCalls(CreateBrokerCommand)).toHaveLength(0);
  });

  it('refuses a name held by a broker of another migration', async () => {
    offer();
    mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [{ BrokerName: 'orders-target', BrokerId: 'b-9', DeploymentMode: 'SINGLE_INSTANCE', EngineType: 'RABBITMQ' }] });
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerId: 'b-9', BrokerState: 'RUNNING', Tags: {} });
    await expect(provisionBroker(RABBIT, deps)).rejects.toBeInstanceOf(BrokerNameConflictError);
    expect(mqMock.commandCalls(CreateBrokerCommand)).toHaveLength(0);
  });

  it('turns a re-run that finds CREATION_FAILED into BrokerCreationFailedError with the reason', async () => {
    offer();
    mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [{ BrokerName: 'orders-target', BrokerId: 'b-1', DeploymentMode: 'SINGLE_INSTANCE', EngineType: 'RABBITMQ' }] });
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerId: 'b-1', BrokerState: 'CREATION_FAILED', Tags: { [MIGRATION_TAG]: 'm-1' }, ActionsRequired: [{ ActionRequiredCode: 'SUBNET_CAPACITY', ActionRequiredInfo: 'no free IPs' }] });
    const error = await provisionBroker(RABBIT, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerCreationFailedError);
    expect((error as Error).name).toBe('BrokerCreationFailedError');
    expect((error as Error).message).toContain('SUBNET_CAPACITY: no free IPs');
  });

  it.each([
    ['engine version', { engineVersion: '3.12' }, 'engineVersion'],
    ['instance type', { instanceType: 'mq.m5.large' }, 'instanceType'],
  ])('checks the %s against what Amazon MQ offers before creating anything', async (_label, change, field) => {
    offer();
    mqMock.on(DescribeBrokerInstanceOptionsCommand).resolves({ BrokerInstanceOptions: [] });
    const error = await provisionBroker({ ...RABBIT, ...change }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmazonMqOfferingError);
    expect((error as AmazonMqOfferingError).field).toBe(field);
    expect(mqMock.commandCalls(CreateBrokerCommand)).toHaveLength(0);
  });

  it('refuses a deployment mode the instance type does not offer', async () => {
    offer();
    mqMock.on(DescribeBrokerInstanceOptionsCommand).resolves({
      BrokerInstanceOptions: [{ EngineType: 'RABBITMQ', HostInstanceType: 'mq.m7g.large', StorageType: 'EBS', SupportedDeploymentModes: ['SINGLE_INSTANCE'], SupportedEngineVersions: ['4.2'] }],
    });
    await expect(provisionBroker(RABBIT, deps)).rejects.toMatchObject({ name: 'AmazonMqOfferingError', field: 'deploymentMode' });
  });

  it('reports throttling that outlasts the SDK retries as AmazonMqTransientError', async () => {
    offer();
    mqMock.on(CreateBrokerCommand).rejects(throttled('Rate exceeded'));
    const error = await provisionBroker(RABBIT, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmazonMqTransientError);
    expect((error as Error).name).toBe('AmazonMqTransientError');
  });

  it('reports a refused request as AmazonMqRequestError with the error attribute', async () => {
    offer();
    mqMock.on(CreateBrokerCommand).rejects(new BadRequestException({ message: 'subnet not found', ErrorAttribute: 'subnetIds', $metadata: { httpStatusCode: 400 } }));
    await expect(provisionBroker(RABBIT, deps)).rejects.toMatchObject({ name: 'AmazonMqRequestError', errorType: 'BadRequestException', errorAttribute: 'subnetIds' });
  });

  it.each([
    ['EFS storage for RabbitMQ', { storageType: 'EFS' }, 'input.storageType'],
    ['audit logs for RabbitMQ', { logs: { audit: true } }, 'input.logs.audit'],
    ['a broker name Amazon MQ refuses', { brokerName: 'orders target' }, 'input.brokerName'],
    ['automatic minor version upgrades off', { autoMinorVersionUpgrade: false }, 'input.autoMinorVersionUpgrade'],
    ['a public broker left to the default', {}, undefined],
  ])('validates the input: %s', async (_label, change, field) => {
    offer();
    mqMock.on(CreateBrokerCommand).resolves({ BrokerId: 'b-1', BrokerArn: 'arn:b-1' });
    const outcome = await provisionBroker({ ...RABBIT, ...change }, deps).catch((e: unknown) => e);
    if (field === undefined) {
      expect(mqMock.commandCalls(CreateBrokerCommand)[0]?.args[0].input.PubliclyAccessible).toBe(false);
    } else {
      expect(outcome).toBeInstanceOf(ValidationError);
      expect((outcome as ValidationError).field).toBe(field);
    }
  });

  it('refuses an admin password Amazon MQ would refuse, without quoting it', async () => {
    offer();
    const weak = { ...deps, getCredentials: async () => ({ username: 'migration-admin', password: 'short-pw' }) };
    const error = await provisionBroker(RABBIT, weak).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).not.toContain('short-pw');
  });

  const ACTIVEMQ: ProvisionInputInput = {
    migrationId: 'm-1',
    brokerName: 'legacy-target',
    engineType: 'ACTIVEMQ',
    engineVersion: '5.18',
    deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
    instanceType: 'mq.m5.large',
    adminSecretId: 'mq-migrate/m-1/admin',
    logs: { audit: true },
    activemq: { configurationXml: '<broker xmlns="http://activemq.apache.org/schema/core"><plugins/></broker>', users: [{ secretId: 'mq-migrate/m-1/app', groups: ['apps'] }] },
  };

  it('creates the ActiveMQ configuration, a revision with the converted XML, then the broker with it and the users', async () => {
    offer('ACTIVEMQ');
    mqMock.on(ListConfigurationsCommand).resolves({ Configurations: [] });
    mqMock.on(CreateConfigurationCommand).resolves({ Id: 'c-1', LatestRevision: { Revision: 1, Created: new Date() } });
    mqMock.on(UpdateConfigurationCommand).resolves({ Id: 'c-1', LatestRevision: { Revision: 2, Created: new Date() }, Warnings: [{ ElementName: 'transportConnectors', Reason: 'DISALLOWED_ELEMENT_REMOVED' }] });
    mqMock.on(CreateBrokerCommand).resolves({ BrokerId: 'b-2', BrokerArn: 'arn:b-2' });
    const result = await provisionBroker(ACTIVEMQ, deps);
    expect(result.configuration).toEqual({ id: 'c-1', revision: 2, warnings: ['DISALLOWED_ELEMENT_REMOVED: transportConnectors'] });
    expect(mqMock.commandCalls(CreateConfigurationCommand)[0]?.args[0].input).toMatchObject({ EngineType: 'ACTIVEMQ', EngineVersion: '5.18', Tags: { [MIGRATION_TAG]: 'm-1' } });
    const update = mqMock.commandCalls(UpdateConfigurationCommand)[0]?.args[0].input;
    expect(Buffer.from(update?.Data ?? '', 'base64').toString()).toBe(ACTIVEMQ.activemq?.configurationXml);
    expect(mqMock.commandCalls(CreateBrokerCommand)[0]?.args[0].input).toMatchObject({
      StorageType: 'EFS',
      Configuration: { Id: 'c-1', Revision: 2 },
      Logs: { General: true, Audit: true },
      Users: [
        { Username: 'migration-admin', Password: 'Adm1n-password-x', ConsoleAccess: true, Groups: ['admin'] },
        { Username: 'app-user', Password: 'App-password-1', ConsoleAccess: false, Groups: ['apps'] },
      ],
    });
  });

  it('reuses the configuration revision of a previous run when the XML is unchanged', async () => {
    offer('ACTIVEMQ');
    mqMock.on(ListConfigurationsCommand).resolves({
      Configurations: [{ Id: 'c-1', Name: 'legacy-target-mq-migrate', EngineType: 'ACTIVEMQ', Tags: { [MIGRATION_TAG]: 'm-1' }, LatestRevision: { Revision: 2, Created: new Date() } } as never],
    });
    mqMock.on(DescribeConfigurationRevisionCommand).resolves({ Data: Buffer.from(ACTIVEMQ.activemq?.configurationXml ?? '').toString('base64') });
    mqMock.on(CreateBrokerCommand).resolves({ BrokerId: 'b-2', BrokerArn: 'arn:b-2' });
    expect((await provisionBroker(ACTIVEMQ, deps)).configuration).toEqual({ id: 'c-1', revision: 2, warnings: [] });
    expect(mqMock.commandCalls(CreateConfigurationCommand)).toHaveLength(0);
    expect(mqMock.commandCalls(UpdateConfigurationCommand)).toHaveLength(0);
  });
});

describe('describeBrokerForWait', () => {
  it('is not ready while creating, and ready with endpoints once RUNNING', async () => {
    mqMock.on(DescribeBrokerCommand).resolvesOnce({ BrokerState: 'CREATION_IN_PROGRESS', BrokerInstances: [] }).resolves({
      BrokerState: 'RUNNING',
      BrokerInstances: [{ ConsoleURL: 'https://b-1.mq.us-east-1.amazonaws.com', Endpoints: ['amqps://b-1.mq.us-east-1.amazonaws.com:5671'] }],
    });
    expect(await describeBrokerForWait('b-1', { mq })).toEqual({ state: 'CREATION_IN_PROGRESS', ready: false, endpoints: { endpoints: [], consoleUrls: [] } });
    expect(await describeBrokerForWait('b-1', { mq })).toEqual({
      state: 'RUNNING',
      ready: true,
      endpoints: { endpoints: ['amqps://b-1.mq.us-east-1.amazonaws.com:5671'], consoleUrls: ['https://b-1.mq.us-east-1.amazonaws.com'] },
    });
  });

  it('throws BrokerCreationFailedError for CREATION_FAILED', async () => {
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'CREATION_FAILED' });
    await expect(describeBrokerForWait('b-1', { mq })).rejects.toMatchObject({ name: 'BrokerCreationFailedError', reason: 'Amazon MQ gave no reason' });
  });

  it('throws BrokerCriticalActionRequiredError with the action codes', async () => {
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'CRITICAL_ACTION_REQUIRED', ActionsRequired: [{ ActionRequiredCode: 'KMS_KEY_INACCESSIBLE', ActionRequiredInfo: 'key disabled' }] });
    const error = await describeBrokerForWait('b-1', { mq }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerCriticalActionRequiredError);
    expect((error as BrokerCriticalActionRequiredError).actions).toEqual([{ code: 'KMS_KEY_INACCESSIBLE', info: 'key disabled' }]);
  });

  it('throws BrokerNotFoundError for a missing broker and AmazonMqTransientError for throttling', async () => {
    mqMock.on(DescribeBrokerCommand).rejectsOnce(Object.assign(new Error('not found'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }));
    await expect(describeBrokerForWait('b-1', { mq })).rejects.toBeInstanceOf(BrokerNotFoundError);
    mqMock.on(DescribeBrokerCommand).rejects(throttled('slow down'));
    await expect(describeBrokerForWait('b-1', { mq })).rejects.toBeInstanceOf(AmazonMqTransientError);
  });

  it('keeps error names stable (they are matched by the state machine)', () => {
    expect(new AmazonMqRequestError('X', 'Y', undefined, 'z').name).toBe('AmazonMqRequestError');
    expect(new BrokerNameConflictError('a', 'b', 'c').name).toBe('BrokerNameConflictError');
  });
});
