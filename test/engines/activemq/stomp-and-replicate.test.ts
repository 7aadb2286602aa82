import { mockClient } from 'aws-sdk-client-mock';
import { CreateSecretCommand, GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { encodeFrame, FrameDecoder } from '../../../src/engines/activemq/stomp-client.js';
import { relayFrame, MIGRATION_ID_HEADER, POSSIBLE_DUPLICATE_HEADER } from '../../../src/engines/activemq/drain.js';
import { generateBrokerPassword, replicateActiveMq, wrapForHarness, type ActiveMqTargetPort, type SecretStore } from '../../../src/engines/activemq/replicate.js';
import { SecretsManagerSecretStore } from '../../../src/engines/activemq/secrets-manager-store.js';
import { collectActiveMqInventory } from '../../../src/engines/activemq/inventory.js';
import { validateAmazonMqPassword } from '../../../src/amazonmq/user-rules.js';
import { PlanBlockedError } from '../../../src/model/errors.js';
import { planActiveMqMigration } from '../../../src/plan/activemq-planner.js';
import { sampleActiveMqBundle } from '../../../src/local/seed/activemq-sample.js';

describe('STOMP frames', () => {
  it('decodes frames split anywhere, with escapes, content-length bodies holding NUL, and heart-beat EOLs', () => {
    const wire = Buffer.concat([
      Buffer.from('\n\n'),
      encodeFrame('MESSAGE', { 'message-id': 'ID:1', note: 'a:b\nc\\d', 'content-length': '3' }, Buffer.from([0, 1, 0])),
      Buffer.from('\n'),
      encodeFrame('MESSAGE', { 'message-id': 'ID:2' }, 'text ✓'),
    ]);
    for (const cut of [1, 5, 17, 40, wire.length - 1]) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
      expect(frames.map((f) => [f.command, f.headers['message-id'], f.body.toString('hex')])).toEqual([
        ['MESSAGE', 'ID:1', '000100'],
        ['MESSAGE', 'ID:2', Buffer.from('text ✓').toString('hex')],
      ]);
      expect(frames[0]?.headers.note).toBe('a:b\nc\\d');
    }
  });

  it('relays kept headers and marks migration id, timestamp and duplicates', () => {
    const frame = { command: 'MESSAGE', headers: { 'message-id': 'ID:src-1', destination: '/queue/a', subscription: 's1', ack: 'x', timestamp: '1700000000000', persistent: 'true', priority: '7', expires: '0', 'correlation-id': 'c', 'reply-to': '/queue/r', type: 'T', custom: '42' }, body: Buffer.from('hi') };
    const relayed = relayFrame(frame, { possibleDuplicate: true, runId: 'run-1', groupId: 'g1' });
    expect(relayed.headers).toEqual({ persistent: 'true', priority: '7', expires: '0', 'correlation-id': 'c', 'reply-to': '/queue/r', type: 'T', custom: '42', [MIGRATION_ID_HEADER]: 'ID:src-1', 'mqmigrate-timestamp': '1700000000000', 'mqmigrate-run': 'run-1', JMSXGroupID: 'g1', [POSSIBLE_DUPLICATE_HEADER]: 'true' });
    expect(relayed.kind).toBe('text');
    const again = relayFrame({ ...frame, headers: { ...frame.headers, [MIGRATION_ID_HEADER]: 'ID:original', 'content-length': '2' } }, { possibleDuplicate: false, runId: 'run-2' });
    expect(again.headers[MIGRATION_ID_HEADER]).toBe('ID:original');
    expect(again.kind).toBe('bytes');
    expect(relayFrame({ ...frame, body: Buffer.from([104, 0]) }, { possibleDuplicate: false, runId: 'r' })).toEqual(expect.objectContaining({ kind: 'text', textBecameBytes: true }));
  });
});

describe('replicateActiveMq', () => {
  class FakeTarget implements ActiveMqTargetPort {
    state: Awaited<ReturnType<ActiveMqTargetPort['current']>>;
    applied = 0;
    async current() {
      return this.state;
    }
    async apply(configurationXml: string, users: { username: string; password: string; groups: string[] }[]) {
      this.applied++;
      const xml = wrapForHarness(configurationXml, users);
      const match = /mqmigrate-state:([A-Za-z0-9+/=]+)/.exec(xml);
      this.state = JSON.parse(Buffer.from(match?.[1] ?? '', 'base64').toString('utf8'));
    }
  }
  const memorySecrets = (): SecretStore & { values: Map<string, string> } => {
    const values = new Map<string, string>();
    return { values, async createSecret(name, value) { values.set(name, value); return `arn:${name}`; }, async findSecret(name) { const v = values.get(name); return v ? { arn: `arn:${name}`, value: v } : undefined; } };
  };

  it('shows changes in a dry run, applies once, then finds nothing to do', async () => {
    const inventory = await collectActiveMqInventory({ config: sampleActiveMqBundle() });
    const plan = planActiveMqMigration(inventory);
    const target = new FakeTarget();
    const secrets = memorySecrets();
    const dry = await replicateActiveMq({ plan, inventory, secrets, target, dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.changes.filter((c) => c.kind === 'create-user')).toHaveLength(5);
    expect(target.applied + secrets.values.size).toBe(0);
    const first = await replicateActiveMq({ plan, inventory, secrets, target });
    expect(first.applied).toBe(true);
    for (const value of secrets.values.values()) {
      expect(validateAmazonMqPassword(value, { engine: 'ACTIVEMQ' })).toEqual({ ok: true });
      expect(JSON.stringify(first)).not.toContain(value);
    }
    const second = await replicateActiveMq({ plan, inventory, secrets, target });
    expect(second.changes).toEqual([]);
    expect(target.applied).toBe(1);
  });

  it('refuses a plan with unaccepted blockers, creating nothing', async () => {
    const inventory = await collectActiveMqInventory({ config: sampleActiveMqBundle() });
    const plan = planActiveMqMigration(inventory, { instanceType: 'mq.t3.micro' });
    const secrets = memorySecrets();
    await expect(replicateActiveMq({ plan, inventory, secrets, target: new FakeTarget() })).rejects.toBeInstanceOf(PlanBlockedError);
    expect(secrets.values.size).toBe(0);
  });

  it('wraps a configuration for the harness with users, admin rights, and no network connectors', async () => {
    const inventory = await collectActiveMqInventory({ config: sampleActiveMqBundle() });
    const xml = wrapForHarness(planActiveMqMigration(inventory).configuration.xml, [{ username: 'app', password: 'Long-enough-pass-1', groups: ['order-readers'] }]);
    expect(xml).toContain('<authenticationUser username="app" password="Long-enough-pass-1" groups="order-readers"/>');
    expect(xml).toContain('brokerName="${harness.brokerName}"');
    expect(xml).toContain('uri="stomp://127.0.0.1:${harness.stompPort}"');
    // The plan grants the administrator's group (admin); the harness adds its own admin group after it.
    expect(xml).toContain('read="admins,order-readers,admin,mqmigrate-harness-admins"');
    expect(xml).not.toContain('networkConnector');
    expect(generateBrokerPassword()).toHaveLength(28);
  });
});

describe('SecretsManagerSecretStore', () => {
  it('creates secrets and reads back existing ones', async () => {
    const mock = mockClient(SecretsManagerClient);
    mock.on(CreateSecretCommand).resolves({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' });
    mock.on(GetSecretValueCommand, { SecretId: 'known' }).resolves({ ARN: 'arn:known', SecretString: 'pw' });
    mock.on(GetSecretValueCommand, { SecretId: 'missing' }).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' }));
    expect(await store.createSecret('x', 'pw')).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:x');
    expect(mock.commandCalls(CreateSecretCommand)[0]?.args[0].input).toEqual(expect.objectContaining({ Name: 'x', SecretString: 'pw' }));
    expect(await store.findSecret('known')).toEqual({ arn: 'arn:known', value: 'pw' });
    expect(await store.findSecret('missing')).toBeUndefined();
    mock.restore();
  });
});
