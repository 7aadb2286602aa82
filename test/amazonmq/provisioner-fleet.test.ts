import {
  CreateBrokerCommand,
  CreateConfigurationCommand,
  DeleteConfigurationCommand,
  DescribeBrokerCommand,
  DescribeBrokerEngineTypesCommand,
  DescribeBrokerInstanceOptionsCommand,
  DescribeConfigurationRevisionCommand,
  ListBrokersCommand,
  ListConfigurationsCommand,
  MqClient,
  UpdateConfigurationCommand,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';
import { BrokerNameConflictError } from '../../src/amazonmq/errors.js';
import { FLEET_TAG, MIGRATION_TAG, type ProvisionInputInput } from '../../src/amazonmq/provision-input.js';
import { creatorRequestIdFor, provisionBroker, type ProvisionerDeps } from '../../src/amazonmq/provisioner.js';
import { ValidationError } from '../../src/model/errors.js';
import { SharedConfigurationConflictError } from '../../src/orchestration/fleet-errors.js';

/**
 * The provisioner in a fleet: ActiveMQ brokers sharing a configuration by name (one
 * configuration, a revision only for new XML, never another member's XML overwritten), and
 * RabbitMQ members finding the broker another member of their fleet created.
 */
const mq = new MqClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mqMock = mockClient(mq);
const deps: ProvisionerDeps = {
  mq,
  getCredentials: async (id) => ({ username: id.includes('rabbit') ? 'rabbit-admin' : 'amq-admin', password: 'Adm1n-password-x' }),
  readDocument: async () => '',
};
const XML_A = '<broker xmlns="http://activemq.apache.org/schema/core"><plugins/></broker>';
const XML_B = '<broker xmlns="http://activemq.apache.org/schema/core"><destinationPolicy/></broker>';

const activemq = (migrationId: string, xml: string, fleetId = 'fleet-1'): ProvisionInputInput => ({
  migrationId,
  brokerName: `${migrationId}-target`,
  engineType: 'ACTIVEMQ',
  engineVersion: '5.18',
  deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  instanceType: 'mq.m5.large',
  adminSecretId: `mq-migrate/${migrationId}/admin`,
  tags: { [FLEET_TAG]: fleetId },
  activemq: { configurationXml: xml, users: [], configurationName: 'shared-legacy' },
});
const rabbit = (migrationId: string, fleetId: string | undefined): ProvisionInputInput => ({
  migrationId,
  brokerName: 'shared-rabbit',
  engineType: 'RABBITMQ',
  engineVersion: '4.2',
  deploymentMode: 'SINGLE_INSTANCE',
  instanceType: 'mq.m7g.large',
  adminSecretId: 'mq-migrate/rabbit/admin',
  tags: fleetId ? { [FLEET_TAG]: fleetId } : {},
});

/** A small Amazon MQ that keeps configurations and their revisions (with descriptions). */
function fakeConfigurations() {
  const configurations: { Id: string; Name: string; EngineType: 'ACTIVEMQ'; Tags: Record<string, string>; Created: Date; revisions: { data: string; description?: string }[] }[] = [];
  let n = 0;
  let hidden = 0;
  mqMock.on(ListConfigurationsCommand).callsFake(() => ({ Configurations: hidden-- > 0 ? [] : configurations.map((c) => ({ ...c, LatestRevision: { Revision: c.revisions.length, Created: new Date() } })) }));
  mqMock.on(CreateConfigurationCommand).callsFake((input: { Name: string; Tags: Record<string, string> }) => {
    const id = `c-${++n}`;
    configurations.push({ Id: id, Name: input.Name, EngineType: 'ACTIVEMQ', Tags: input.Tags, Created: new Date(Date.UTC(2025, 0, 1, 0, 0, n)), revisions: [{ data: Buffer.from('<broker/>').toString('base64'), description: 'Auto-generated default' }] });
    return { Id: id, LatestRevision: { Revision: 1 } };
  });
  mqMock.on(UpdateConfigurationCommand).callsFake((input: { ConfigurationId: string; Data: string; Description?: string }) => {
    const c = configurations.find((x) => x.Id === input.ConfigurationId);
    c?.revisions.push({ data: input.Data, ...(input.Description !== undefined ? { description: input.Description } : {}) });
    return { Id: input.ConfigurationId, LatestRevision: { Revision: c?.revisions.length ?? 0 }, Warnings: [] };
  });
  mqMock.on(DescribeConfigurationRevisionCommand).callsFake((input: { ConfigurationId: string; ConfigurationRevision: string }) => {
    const revision = configurations.find((x) => x.Id === input.ConfigurationId)?.revisions[Number(input.ConfigurationRevision) - 1];
    return { ConfigurationId: input.ConfigurationId, Data: revision?.data, Description: revision?.description };
  });
  mqMock.on(DeleteConfigurationCommand).callsFake((input: { ConfigurationId: string }) => {
    configurations.splice(configurations.findIndex((c) => c.Id === input.ConfigurationId), 1);
    return { ConfigurationId: input.ConfigurationId };
  });
  /** The next lookup misses what is there (another member creates it in the meantime). */
  const raceNextLookup = () => void (hidden = 1);
  return Object.assign(configurations, { raceNextLookup });
}

function offer(engine: 'RABBITMQ' | 'ACTIVEMQ'): void {
  mqMock.on(DescribeBrokerEngineTypesCommand).resolves({ BrokerEngineTypes: [{ EngineType: engine, EngineVersions: [{ Name: engine === 'RABBITMQ' ? '4.2' : '5.18' }] }] });
  mqMock.on(DescribeBrokerInstanceOptionsCommand).resolves({
    BrokerInstanceOptions: [
      engine === 'RABBITMQ'
        ? { EngineType: 'RABBITMQ', HostInstanceType: 'mq.m7g.large', StorageType: 'EBS', SupportedDeploymentModes: ['SINGLE_INSTANCE'], SupportedEngineVersions: ['4.2'] }
        : { EngineType: 'ACTIVEMQ', HostInstanceType: 'mq.m5.large', StorageType: 'EFS', SupportedDeploymentModes: ['ACTIVE_STANDBY_MULTI_AZ'], SupportedEngineVersions: ['5.18'] },
    ],
  });
  mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [] });
  let brokers = 0;
  mqMock.on(CreateBrokerCommand).callsFake(() => ({ BrokerId: `b-${++brokers}`, BrokerArn: `arn:aws:mq:us-east-1:1:broker:x:b-${brokers}` }));
}

beforeEach(() => mqMock.reset());

describe('a shared ActiveMQ configuration', () => {
  it('is created once for the fleet, tagged with it, and the second broker with the same XML uses the same revision', async () => {
    offer('ACTIVEMQ');
    const configurations = fakeConfigurations();

    const first = await provisionBroker(activemq('m-a', XML_A), deps);
    const second = await provisionBroker(activemq('m-b', XML_A), deps);

    expect(configurations).toHaveLength(1);
    expect(configurations[0]).toMatchObject({ Name: 'shared-legacy', Tags: { [FLEET_TAG]: 'fleet-1' } });
    expect(first.configuration).toEqual({ id: 'c-1', revision: 2, warnings: [], shared: true });
    expect(second.configuration).toEqual({ id: 'c-1', revision: 2, warnings: [], shared: true });
    expect(mqMock.commandCalls(UpdateConfigurationCommand)).toHaveLength(1);
    const brokers = mqMock.commandCalls(CreateBrokerCommand).map((c) => c.args[0].input.Configuration);
    expect(brokers).toEqual([{ Id: 'c-1', Revision: 2 }, { Id: 'c-1', Revision: 2 }]);
  });

  it('refuses a second broker whose XML differs, naming the field, and leaves the configuration as it was', async () => {
    offer('ACTIVEMQ');
    const configurations = fakeConfigurations();
    await provisionBroker(activemq('m-a', XML_A), deps);

    const error = await provisionBroker(activemq('m-b', XML_B), deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SharedConfigurationConflictError);
    expect(error).toMatchObject({ field: 'target.configurationName', configurationName: 'shared-legacy', configurationId: 'c-1', writtenBy: 'migration m-a' });
    expect(configurations[0]?.revisions).toHaveLength(2);
    expect(mqMock.commandCalls(CreateBrokerCommand)).toHaveLength(1);
  });

  it('lets the member that wrote the latest revision revise it again (its re-run with new XML)', async () => {
    offer('ACTIVEMQ');
    const configurations = fakeConfigurations();
    await provisionBroker(activemq('m-a', XML_A), deps);
    mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [] });

    const again = await provisionBroker(activemq('m-a', XML_B), deps);

    expect(again.configuration).toMatchObject({ id: 'c-1', revision: 3 });
    expect(Buffer.from(configurations[0]?.revisions[2]?.data ?? '', 'base64').toString()).toBe(XML_B);
  });

  it('settles two members that both created one on the oldest, deleting the other', async () => {
    offer('ACTIVEMQ');
    const configurations = fakeConfigurations();
    // Another member's CreateConfiguration landed first, between our lookup and our create.
    configurations.raceNextLookup();
    configurations.push({ Id: 'c-0', Name: 'shared-legacy', EngineType: 'ACTIVEMQ', Tags: { [FLEET_TAG]: 'fleet-1' }, Created: new Date(Date.UTC(2024, 0, 1)), revisions: [{ data: Buffer.from('<broker/>').toString('base64') }] });

    const result = await provisionBroker(activemq('m-b', XML_A), deps);

    expect(result.configuration?.id).toBe('c-0');
    expect(configurations.map((c) => c.Id)).toEqual(['c-0']);
    expect(mqMock.commandCalls(DeleteConfigurationCommand).map((c) => c.args[0].input.ConfigurationId)).toEqual(['c-1']);
  });

  it('is a fleet matter: a configuration name without the fleet tag is refused', async () => {
    const input = { ...activemq('m-a', XML_A), tags: {} };

    await expect(provisionBroker(input, deps)).rejects.toMatchObject({ name: 'ValidationError', field: 'input.activemq.configurationName' });
    await expect(provisionBroker(input, deps)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('many RabbitMQ sources onto one broker', () => {
  const existing = (tags: Record<string, string>, engine = 'RABBITMQ') => {
    mqMock.on(ListBrokersCommand).resolves({ BrokerSummaries: [{ BrokerId: 'b-9', BrokerName: 'shared-rabbit' } as never] });
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerId: 'b-9', BrokerArn: 'arn:b-9', BrokerState: 'RUNNING', EngineType: engine as never, Tags: tags });
  };

  it('finds the broker another member of its fleet created, and says whose it is', async () => {
    offer('RABBITMQ');
    existing({ [MIGRATION_TAG]: 'm-first', [FLEET_TAG]: 'fleet-1' });

    const result = await provisionBroker(rabbit('m-second', 'fleet-1'), deps);

    expect(result).toEqual({ brokerId: 'b-9', brokerArn: 'arn:b-9', state: 'RUNNING', created: false, sharedWith: 'm-first' });
    expect(mqMock.commandCalls(CreateBrokerCommand)).toHaveLength(0);
  });

  it.each([
    ['of another fleet', rabbit('m-second', 'fleet-2'), { [MIGRATION_TAG]: 'm-first', [FLEET_TAG]: 'fleet-1' }, 'RABBITMQ'],
    ['of a migration outside any fleet', rabbit('m-second', undefined), { [MIGRATION_TAG]: 'm-first', [FLEET_TAG]: 'fleet-1' }, 'RABBITMQ'],
    ['of the fleet but another engine', rabbit('m-second', 'fleet-1'), { [MIGRATION_TAG]: 'm-first', [FLEET_TAG]: 'fleet-1' }, 'ACTIVEMQ'],
  ])('refuses a broker %s', async (_what, input, tags, engine) => {
    offer('RABBITMQ');
    existing(tags, engine);

    await expect(provisionBroker(input, deps)).rejects.toBeInstanceOf(BrokerNameConflictError);
  });

  it("creates the fleet's broker with a creator request id of the fleet and broker, whichever member asks", async () => {
    offer('RABBITMQ');

    await provisionBroker(rabbit('m-first', 'fleet-1'), deps);

    const id = mqMock.commandCalls(CreateBrokerCommand)[0]?.args[0].input.CreatorRequestId;
    expect(id).toBe(creatorRequestIdFor('m-second', { fleetId: 'fleet-1', brokerName: 'shared-rabbit' }));
    expect(id).not.toBe(creatorRequestIdFor('m-first', { fleetId: 'fleet-2', brokerName: 'shared-rabbit' }));
    expect(creatorRequestIdFor('m-first')).toBe('mq-migrate-m-first');
  });
});
