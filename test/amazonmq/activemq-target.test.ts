import {
  ConflictException,
  CreateUserCommand,
  DeleteUserCommand,
  DescribeBrokerCommand,
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  ListUsersCommand,
  MqClient,
  RebootBrokerCommand,
  UpdateBrokerCommand,
  UpdateConfigurationCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-mq';
import { mockClient } from 'aws-sdk-client-mock';
import { AmazonMqActiveMqTarget } from '../../src/amazonmq/activemq-target.js';

// The Amazon MQ calls behind the target, one by one (the integration test runs them for real).
const mqMock = mockClient(MqClient);
const BROKER = 'b-1234';
const XML = '<broker xmlns="http://activemq.apache.org/schema/core"/>';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const target = () => new AmazonMqActiveMqTarget({ brokerId: BROKER, adminUsername: 'mq-admin', mq: new MqClient({ region: 'us-east-1' }) });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 429 } });

beforeEach(() => {
  mqMock.reset();
  mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'RUNNING', Configurations: { Current: { Id: 'c-1', Revision: 4 } } });
  mqMock.on(DescribeConfigurationRevisionCommand, { ConfigurationId: 'c-1', ConfigurationRevision: '4' }).resolves({ Data: b64(XML) });
  // Two pages of users: the administrator, a replication user, a pending creation and a pending deletion.
  mqMock
    .on(ListUsersCommand)
    .resolvesOnce({ Users: [{ Username: 'mq-admin' }, { Username: 'app' }, { Username: 'crdr' }], NextToken: 'page-2' })
    .resolvesOnce({ Users: [{ Username: 'new-one', PendingChange: 'CREATE' }, { Username: 'leaving', PendingChange: 'DELETE' }] });
  mqMock.on(DescribeUserCommand, { Username: 'app' }).resolves({ Username: 'app', Groups: ['writers', 'readers'] });
  mqMock.on(DescribeUserCommand, { Username: 'crdr' }).resolves({ Username: 'crdr', Groups: [], ReplicationUser: true });
  mqMock.on(DescribeUserCommand, { Username: 'new-one' }).resolves({ Username: 'new-one', Groups: [], Pending: { Groups: ['billing'], PendingChange: 'CREATE' } });
});

describe('AmazonMqActiveMqTarget.current', () => {
  it('reads every page of users, shows pending groups, leaves out the administrator, replication users and pending deletions', async () => {
    const current = await target().current();
    expect(current).toEqual({
      configurationXml: XML,
      users: [
        { username: 'app', groups: ['writers', 'readers'] },
        { username: 'new-one', groups: ['billing'] },
      ],
      pendingReboot: true,
    });
    expect(mqMock.commandCalls(ListUsersCommand)[1]?.args[0].input).toMatchObject({ NextToken: 'page-2' });
    expect(mqMock.commandCalls(DescribeUserCommand).map((c) => c.args[0].input.Username)).not.toContain('mq-admin');
  });

  it('reads a pending configuration revision (what runs after the reboot)', async () => {
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'RUNNING', Configurations: { Current: { Id: 'c-1', Revision: 4 }, Pending: { Id: 'c-1', Revision: 5 } } });
    mqMock.on(DescribeConfigurationRevisionCommand, { ConfigurationId: 'c-1', ConfigurationRevision: '5' }).resolves({ Data: b64('<broker xmlns="http://activemq.apache.org/schema/core" a="1"/>') });
    expect(await target().current()).toMatchObject({ configurationXml: '<broker xmlns="http://activemq.apache.org/schema/core" a="1"/>', pendingReboot: true });
  });

  it('maps AWS errors to the provisioner\'s typed errors', async () => {
    mqMock.on(DescribeBrokerCommand).rejects(throttled());
    await expect(target().current()).rejects.toMatchObject({ name: 'AmazonMqTransientError', operation: 'DescribeBroker' });
    mqMock.on(DescribeBrokerCommand).rejects(Object.assign(new Error('no broker'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }));
    await expect(target().current()).rejects.toMatchObject({ name: 'BrokerNotFoundError', brokerId: BROKER });
  });
});

describe('AmazonMqActiveMqTarget.apply', () => {
  beforeEach(() => {
    mqMock.on(UpdateUserCommand).resolves({});
    mqMock.on(CreateUserCommand).resolves({});
    mqMock.on(DeleteUserCommand).resolves({});
    mqMock.on(RebootBrokerCommand).resolves({});
  });

  it('keeps the revision when the XML is the same, sets every user\'s groups and password, and reboots', async () => {
    const replication = target();
    await replication.apply(`${XML}\n`, [
      { username: 'app', password: 'App-password-1', groups: ['readers'] },
      { username: 'fresh', password: 'Fresh-password-1', groups: [] },
    ]);
    expect(mqMock.commandCalls(UpdateConfigurationCommand)).toHaveLength(0);
    expect(mqMock.commandCalls(UpdateBrokerCommand)).toHaveLength(0);
    expect(mqMock.commandCalls(UpdateUserCommand).map((c) => c.args[0].input)).toEqual([{ BrokerId: BROKER, Username: 'app', Password: 'App-password-1', Groups: ['readers'] }]);
    expect(mqMock.commandCalls(CreateUserCommand).map((c) => c.args[0].input)).toEqual([{ BrokerId: BROKER, Username: 'fresh', Password: 'Fresh-password-1', Groups: [], ConsoleAccess: false }]);
    // Not in the plan: deleted; the administrator and the replication user are never touched.
    expect(mqMock.commandCalls(DeleteUserCommand).map((c) => c.args[0].input.Username)).toEqual(['new-one']);
    expect(mqMock.commandCalls(RebootBrokerCommand)).toHaveLength(1);
    expect(replication.rebootStarted).toBe(true);
  });

  it('writes a new revision and moves the broker to it when the XML differs, passing warnings on', async () => {
    mqMock.on(UpdateConfigurationCommand).resolves({ LatestRevision: { Revision: 5, Created: new Date('2026-12-01T20:00:00Z') }, Warnings: [{ ElementName: 'sslContext', Reason: 'DISALLOWED_ELEMENT_REMOVED' }] });
    mqMock.on(UpdateBrokerCommand).resolves({});
    const replication = target();
    const xml = '<broker xmlns="http://activemq.apache.org/schema/core" schedulerSupport="true"/>';
    await replication.apply(xml, []);
    expect(mqMock.commandCalls(UpdateConfigurationCommand)[0]?.args[0].input).toMatchObject({ ConfigurationId: 'c-1', Data: b64(xml) });
    expect(mqMock.commandCalls(UpdateBrokerCommand)[0]?.args[0].input).toEqual({ BrokerId: BROKER, Configuration: { Id: 'c-1', Revision: 5 } });
    expect(replication.lastApply).toMatchObject({ configurationRevision: 5, warnings: ['DISALLOWED_ELEMENT_REMOVED: sslContext'], deleted: ['app', 'new-one'] });
  });

  it('updates a user Amazon MQ says exists already (a deletion not rebooted away)', async () => {
    mqMock.on(CreateUserCommand).rejects(new ConflictException({ message: 'User [leaving] already exists', $metadata: { httpStatusCode: 409 } }));
    const replication = target();
    await replication.apply(XML, [{ username: 'leaving', password: 'Leaving-password-1', groups: ['x'] }]);
    expect(mqMock.commandCalls(UpdateUserCommand).map((c) => c.args[0].input.Username)).toEqual(['leaving']);
    expect(replication.lastApply?.updated).toEqual(['leaving']);
  });

  it('starts nothing on a broker that is not RUNNING, or when a call fails', async () => {
    mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'CRITICAL_ACTION_REQUIRED', ActionsRequired: [{ ActionRequiredCode: 'BROKER_PROCESS_NOT_RUNNING', ActionRequiredInfo: 'reboot' }] });
    await expect(target().apply(XML, [])).rejects.toMatchObject({ name: 'BrokerCriticalActionRequiredError' });

    mqMock.on(DescribeBrokerCommand).resolves({ BrokerState: 'RUNNING', Configurations: { Current: { Id: 'c-1', Revision: 4 } } });
    mqMock.on(UpdateUserCommand).rejects(throttled());
    const replication = target();
    await expect(replication.apply(XML, [{ username: 'app', password: 'App-password-1', groups: [] }])).rejects.toMatchObject({ name: 'AmazonMqTransientError', operation: 'UpdateUser' });
    expect(mqMock.commandCalls(RebootBrokerCommand)).toHaveLength(0);
    expect(replication.rebootStarted).toBe(false);
  });
});
