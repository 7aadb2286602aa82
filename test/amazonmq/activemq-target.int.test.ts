import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBrokerCommand, CreateConfigurationCommand, CreateUserCommand, DeleteBrokerCommand, DescribeBrokerCommand, DescribeUserCommand, ListUsersCommand, MqClient, RebootBrokerCommand, UpdateConfigurationCommand } from '@aws-sdk/client-mq';
import { collectActiveMqInventory } from '../../src/engines/activemq/inventory.js';
import { replicateActiveMq, type SecretStore } from '../../src/engines/activemq/replicate.js';
import { parseStompUrl, StompClient } from '../../src/engines/activemq/stomp-client.js';
import { sampleActiveMqBundle } from '../../src/local/seed/activemq-sample.js';
import { startLocalServices, type LocalServices } from '../../src/local/services.js';
import type { ActiveMqInventory } from '../../src/model/activemq-inventory.js';
import { planActiveMqMigration, type ActiveMqPlan } from '../../src/plan/activemq-planner.js';
import { stompConnect } from '../local/amazonmq/drivers.js';

// Replication onto the local Amazon MQ (real ActiveMQ brokers behind Amazon MQ's REST API),
// configured only through AWS_ENDPOINT_URL_MQ (production modules are imported after it is set).
let services: LocalServices;
let dataDir: string;
let mq: MqClient;
let targetModule: typeof import('../../src/amazonmq/activemq-target.js');
let provisioner: typeof import('../../src/amazonmq/provisioner.js');
let brokerId: string;
let inventory: ActiveMqInventory;
let plan: ActiveMqPlan;
const saved = { ...process.env };
const ADMIN = { username: 'migration-admin', password: 'Adm1n-password-x' };
const INITIAL_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<broker xmlns="http://activemq.apache.org/schema/core" schedulePeriodForDestinationPurge="10000"/>\n`;

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async createSecret(name: string, value: string) {
    if (this.values.has(name)) throw new Error(`secret ${name} exists`);
    this.values.set(name, value);
    return `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`;
  }
  async findSecret(name: string) {
    const value = this.values.get(name);
    return value === undefined ? undefined : { arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`, value };
  }
}
const secrets = new MemorySecrets();

/** What the state machine does after a reboot: describe, wait, describe again... */
async function waitRunning(): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const status = await provisioner.describeBrokerForWait(brokerId, { mq });
    if (status.ready) return status.endpoints.endpoints;
    await sleep(300);
  }
  throw new Error(`broker ${brokerId} never came back to RUNNING`);
}

async function stompPort(): Promise<number> {
  const url = (await waitRunning()).find((e) => e.startsWith('stomp'));
  if (!url) throw new Error('no STOMP endpoint');
  return parseStompUrl(url).port;
}

async function listedUsers(): Promise<{ Username?: string; PendingChange?: string }[]> {
  return (await mq.send(new ListUsersCommand({ BrokerId: brokerId, MaxResults: 100 }))).Users ?? [];
}

const target = () => new targetModule.AmazonMqActiveMqTarget({ brokerId, adminUsername: ADMIN.username, mq });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'amq-target-'));
  services = await startLocalServices({ dataDir });
  Object.assign(process.env, services.env);
  mq = new MqClient({});
  targetModule = await import('../../src/amazonmq/activemq-target.js');
  provisioner = await import('../../src/amazonmq/provisioner.js');

  inventory = await collectActiveMqInventory({ config: sampleActiveMqBundle() });
  const sample = planActiveMqMigration(inventory, { deploymentMode: 'SINGLE_INSTANCE', storageType: 'EBS' });
  // The sample bridges to an on-premises broker whose host does not exist here.
  plan = { ...sample, configuration: { ...sample.configuration, xml: sample.configuration.xml.replace(/\n\s*<networkConnectors>[\s\S]*?<\/networkConnectors>/, '') } };

  // A broker as the provisioner leaves it: a first configuration revision and the administrator.
  const configuration = await mq.send(new CreateConfigurationCommand({ Name: 'orders-target-mq-migrate', EngineType: 'ACTIVEMQ', EngineVersion: '5.18', AuthenticationStrategy: 'SIMPLE' }));
  const revision = await mq.send(new UpdateConfigurationCommand({ ConfigurationId: configuration.Id, Data: Buffer.from(INITIAL_XML).toString('base64') }));
  const created = await mq.send(
    new CreateBrokerCommand({
      BrokerName: 'orders-target',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      StorageType: 'EBS',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Configuration: { Id: configuration.Id, Revision: revision.LatestRevision?.Revision },
      Users: [{ Username: ADMIN.username, Password: ADMIN.password, Groups: ['admin'], ConsoleAccess: true }],
    }),
  );
  brokerId = created.BrokerId ?? '';
  await waitRunning();
});

afterAll(async () => {
  if (brokerId) await mq.send(new DeleteBrokerCommand({ BrokerId: brokerId })).catch(() => undefined);
  await services?.stop();
  process.env = saved;
  await rm(dataDir, { recursive: true, force: true });
});

describe('AmazonMqActiveMqTarget', () => {
  it('reports the running configuration and no users but the administrator before replication', async () => {
    const current = await target().current();
    expect(current).toEqual({ configurationXml: INITIAL_XML, users: [], pendingReboot: false });
  });

  it('replicates configuration and users with one new revision and a reboot; replicated users log in over STOMP', async () => {
    // Act
    const replication = target();
    const report = await replicateActiveMq({ plan, inventory, secrets, target: replication });

    // Assess: what was asked for, and that a reboot was started.
    expect(report.applied).toBe(true);
    expect(report.changes.filter((c) => c.kind === 'create-user').map((c) => c.object).sort()).toEqual(plan.users.map((u) => `user:${u.username}`).sort());
    expect(report.changes.some((c) => c.kind === 'configuration')).toBe(true);
    expect(replication.rebootStarted).toBe(true);
    // The local Amazon MQ removes <transportConnectors> (it opens its own) and says so; the warning is passed on.
    expect(replication.lastApply).toMatchObject({ configurationRevision: 3, created: expect.arrayContaining(plan.users.map((u) => u.username)), updated: [], deleted: [], warnings: ['DISALLOWED_ELEMENT_REMOVED: transportConnectors'] });

    // After the reboot: the revision runs, users are applied, the administrator is untouched.
    const port = await stompPort();
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
    expect(broker.Configurations?.Current?.Revision).toBe(3);
    expect(broker.Configurations?.Pending).toBeUndefined();
    expect((await listedUsers()).map((u) => [u.Username, u.PendingChange])).toEqual([ADMIN.username, ...plan.users.map((u) => u.username)].sort().map((name) => [name, undefined]));
    expect((await mq.send(new DescribeUserCommand({ BrokerId: brokerId, Username: 'order-service' }))).Groups).toEqual(['order-readers', 'order-writers']);

    const generated = secrets.values.get('mq-migrate/activemq-users/order-service') ?? '';
    expect(generated).not.toBe('');
    expect(await stompConnect(port, 'order-service', generated)).toBe('CONNECTED');
    expect(await stompConnect(port, 'order-service', 'not-the-password-1')).toMatch(/^(ERROR|CLOSED)$/);
    const kept = inventory.activemq.users.find((u) => u.username === 'reporting')?.password ?? '';
    // The production client too, with the endpoint Amazon MQ lists.
    await (await StompClient.connect({ host: '127.0.0.1', port, login: 'reporting', passcode: kept })).disconnect();
    expect(await stompConnect(port, ADMIN.username, ADMIN.password)).toBe('CONNECTED');
  });

  it('finds nothing to do on a re-run: no revision, no user call, no reboot', async () => {
    const replication = target();
    const report = await replicateActiveMq({ plan, inventory, secrets, target: replication });
    expect(report).toMatchObject({ applied: false, changes: [] });
    expect(replication.rebootStarted).toBe(false);
    expect(replication.lastApply).toBeUndefined();
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
    expect(broker.BrokerState).toBe('RUNNING');
    expect(broker.Configurations?.Current?.Revision).toBe(3);
    // Any UpdateUser would show as a pending change until the next reboot.
    expect((await listedUsers()).filter((u) => u.PendingChange !== undefined)).toEqual([]);
  });

  it('finishes changes an earlier run left pending, deletes users not in the plan and updates groups', async () => {
    // Prepare: a user created by hand and not rebooted in (as if an apply stopped before RebootBroker),
    // and a plan that moves "reporting" to another group.
    await mq.send(new CreateUserCommand({ BrokerId: brokerId, Username: 'stray-user', Password: 'Stray-password-1', Groups: ['admins'] }));
    expect(await target().current()).toMatchObject({ pendingReboot: true });
    const changed: ActiveMqPlan = { ...plan, users: plan.users.map((u) => (u.username === 'reporting' ? { ...u, groups: ['billing'] } : u)) };

    // Act
    const replication = target();
    const report = await replicateActiveMq({ plan: changed, inventory, secrets, target: replication });

    // Assess
    expect(report.changes.map((c) => [c.kind, c.object]).sort()).toEqual([
      ['delete-user', 'user:stray-user'],
      ['finish-pending', 'broker'],
      ['update-user', 'user:reporting'],
    ]);
    expect(replication.lastApply).toMatchObject({ deleted: ['stray-user'], created: [], rebootStarted: true });
    expect(replication.lastApply?.configurationRevision).toBeUndefined();
    const port = await stompPort();
    expect((await listedUsers()).map((u) => u.Username)).not.toContain('stray-user');
    expect((await mq.send(new DescribeUserCommand({ BrokerId: brokerId, Username: 'reporting' }))).Groups).toEqual(['billing']);
    expect(await stompConnect(port, 'stray-user', 'Stray-password-1')).toMatch(/^(ERROR|CLOSED)$/);
    expect(await stompConnect(port, ADMIN.username, ADMIN.password)).toBe('CONNECTED');
    expect((await replicateActiveMq({ plan: changed, inventory, secrets, target: target() })).changes).toEqual([]);
  });

  it('refuses to touch the administrator, and to apply to a broker that is rebooting', async () => {
    const replication = target();
    await expect(replication.apply(plan.configuration.xml, [{ username: ADMIN.username, password: 'Other-password-1', groups: [] }])).rejects.toMatchObject({ name: 'ValidationError', field: `users.${ADMIN.username}` });
    expect(replication.rebootStarted).toBe(false);

    await mq.send(new RebootBrokerCommand({ BrokerId: brokerId }));
    await expect(target().apply(plan.configuration.xml, [])).rejects.toMatchObject({ name: 'AmazonMqTransientError', errorType: 'BrokerNotRunning' });
    await waitRunning();
    await expect(new targetModule.AmazonMqActiveMqTarget({ brokerId: 'b-00000000-0000-0000-0000-000000000000', adminUsername: ADMIN.username, mq }).current()).rejects.toMatchObject({ name: 'BrokerNotFoundError' });
  });
});
