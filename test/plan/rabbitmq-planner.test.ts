import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';
import { applyPlan } from '../../src/engines/rabbitmq/apply-plan.js';
import { ValidationError } from '../../src/model/errors.js';
import { unacceptedBlockers } from '../../src/model/plan.js';
import { policy, queue, rabbitInventory } from '../fixtures/rabbit-inventory.js';

const codes = (plan: ReturnType<typeof planRabbitMigration>) => plan.findings.map((f) => f.code);

describe('planRabbitMigration', () => {
  it('blocks stream queues and leaves them out when the blocker is accepted', () => {
    const inventory = rabbitInventory({ queues: [queue('events', { type: 'stream', arguments: { 'x-queue-type': 'stream' } }), queue('jobs')] });

    const plan = planRabbitMigration(inventory);
    const accepted = planRabbitMigration(inventory, { acceptFindings: ['RMQ-STREAM-QUEUE'] });

    expect(unacceptedBlockers(plan).map((f) => f.code)).toEqual(['RMQ-STREAM-QUEUE']);
    expect(unacceptedBlockers(accepted)).toEqual([]);
    expect(applyPlan(inventory.rabbitmq, accepted.actions).queues.map((q) => q.name)).toEqual(['jobs']);
  });

  it('converts classic queues that rely on mirroring to quorum and strips ha-* keys', () => {
    const inventory = rabbitInventory({
      queues: [queue('pay.in', { arguments: { 'x-queue-mode': 'lazy', 'x-message-ttl': 1000 } }), queue('other')],
      policies: [policy('ha', '^pay\\.', { 'ha-mode': 'all', 'ha-sync-mode': 'automatic', 'max-length': 10 })],
    });

    const plan = planRabbitMigration(inventory);
    const desired = applyPlan(inventory.rabbitmq, plan.actions);

    expect(codes(plan)).toEqual(expect.arrayContaining(['RMQ-MIRRORED-QUEUE-CONVERTED', 'RMQ-CLASSIC-MIRRORING-POLICY']));
    expect(desired.queues.find((q) => q.name === 'pay.in')).toMatchObject({ type: 'quorum', arguments: { 'x-queue-type': 'quorum', 'x-message-ttl': 1000 } });
    expect(desired.queues.find((q) => q.name === 'pay.in')?.arguments).not.toHaveProperty('x-queue-mode');
    expect(desired.queues.find((q) => q.name === 'other')?.type).toBe('classic');
    expect(desired.policies).toEqual([expect.objectContaining({ name: 'ha', definition: { 'max-length': 10 } })]);
  });

  it('keeps mirrored queues classic when the user chooses so, with a warning', () => {
    const inventory = rabbitInventory({ queues: [queue('pay.in')], policies: [policy('ha', '.*', { 'ha-mode': 'all' })] });

    const plan = planRabbitMigration(inventory, { mirroredQueues: 'keep-classic' });

    expect(plan.findings.find((f) => f.code === 'RMQ-MIRRORED-QUEUE-KEPT-CLASSIC')?.severity).toBe('warning');
    expect(plan.actions.some((a) => a.kind === 'convert-to-quorum')).toBe(false);
    // A policy with only ha-* keys means nothing once they are stripped: it is not created.
    expect(applyPlan(inventory.rabbitmq, plan.actions).policies).toEqual([]);
  });

  it('does not convert mirrored priority or auto-delete queues, and says why', () => {
    const inventory = rabbitInventory({
      queues: [queue('prio', { arguments: { 'x-max-priority': 5 } }), queue('tmp', { autoDelete: true })],
      policies: [policy('ha', '.*', { 'ha-mode': 'all' })],
    });

    const plan = planRabbitMigration(inventory);

    const notConvertible = plan.findings.filter((f) => f.code === 'RMQ-MIRRORED-QUEUE-NOT-CONVERTIBLE');
    expect(notConvertible.map((f) => f.object?.label)).toEqual(['queue "prio" in vhost "/"', 'queue "tmp" in vhost "/"']);
    expect(notConvertible[0]?.message).toContain('x-max-priority');
  });

  it('only the highest-priority matching policy decides whether a queue is mirrored', () => {
    const inventory = rabbitInventory({
      queues: [queue('pay.in')],
      policies: [policy('ha', '.*', { 'ha-mode': 'all' }, { priority: 1 }), policy('ttl', '^pay', { 'message-ttl': 5 }, { priority: 9 })],
    });

    expect(codes(planRabbitMigration(inventory))).not.toContain('RMQ-MIRRORED-QUEUE-CONVERTED');
  });

  it('renames or skips policies whose names Amazon MQ reserves, as the user chooses', () => {
    const inventory = rabbitInventory({ policies: [policy('AWS-DEFAULT-POLICY-SINGLE-INSTANCE', '.*', { 'message-ttl': 5 })] });

    const renamed = applyPlan(inventory.rabbitmq, planRabbitMigration(inventory).actions);
    const skipped = applyPlan(inventory.rabbitmq, planRabbitMigration(inventory, { reservedPolicyNames: 'skip' }).actions);

    expect(renamed.policies.map((p) => p.name)).toEqual(['migrated-AWS-DEFAULT-POLICY-SINGLE-INSTANCE']);
    expect(skipped.policies).toEqual([]);
  });

  it('leaves out the guest user and its permissions', () => {
    const inventory = rabbitInventory({
      users: [
        { name: 'guest', passwordHash: 'x', hashingAlgorithm: 'rabbit_password_hashing_sha256', tags: ['administrator'], limits: {} },
        { name: 'app', passwordHash: 'y', hashingAlgorithm: 'rabbit_password_hashing_sha256', tags: [], limits: {} },
      ],
      permissions: [
        { user: 'guest', vhost: '/', configure: '.*', write: '.*', read: '.*' },
        { user: 'app', vhost: '/', configure: '.*', write: '.*', read: '.*' },
      ],
    });

    const plan = planRabbitMigration(inventory);
    const desired = applyPlan(inventory.rabbitmq, plan.actions);

    expect(codes(plan)).toContain('RMQ-GUEST-USER');
    expect(desired.users.map((u) => u.name)).toEqual(['app']);
    expect(desired.permissions.map((p) => p.user)).toEqual(['app']);
  });

  it('blocks users whose password hashing algorithm cannot be carried', () => {
    const inventory = rabbitInventory({ users: [{ name: 'ldap-bridge', passwordHash: 'x', hashingAlgorithm: 'my_custom_hashing', tags: [], limits: {} }], permissions: [] });

    const plan = planRabbitMigration(inventory);

    expect(unacceptedBlockers(plan)).toEqual([expect.objectContaining({ code: 'RMQ-USER-HASH-ALGORITHM', object: expect.objectContaining({ label: 'user "ldap-bridge"' }) })]);
  });

  it('blocks exchange types Amazon MQ does not offer and drops their bindings when accepted', () => {
    const inventory = rabbitInventory({
      exchanges: [
        { vhost: '/', name: 'delayed', type: 'x-delayed-message', durable: true, autoDelete: false, internal: false, arguments: { 'x-delayed-type': 'direct' } },
        { vhost: '/', name: 'hash', type: 'x-consistent-hash', durable: true, autoDelete: false, internal: false, arguments: {} },
      ],
      queues: [queue('q')],
      bindings: [
        { vhost: '/', source: 'delayed', destination: 'q', destinationType: 'queue', routingKey: 'k', arguments: {} },
        { vhost: '/', source: 'hash', destination: 'q', destinationType: 'queue', routingKey: '10', arguments: {} },
      ],
    });

    const plan = planRabbitMigration(inventory, { acceptFindings: ['RMQ-UNSUPPORTED-EXCHANGE-TYPE'] });
    const desired = applyPlan(inventory.rabbitmq, plan.actions);

    expect(plan.findings.filter((f) => f.code === 'RMQ-UNSUPPORTED-EXCHANGE-TYPE').map((f) => f.object?.label)).toEqual(['exchange "delayed" in vhost "/"']);
    expect(desired.exchanges.map((e) => e.name)).toEqual(['hash']);
    expect(desired.bindings.map((b) => b.source)).toEqual(['hash']);
  });

  it('sizes the instance from connections with 25% headroom, and blocks when nothing is large enough', () => {
    const clients = [{ vhost: '/', user: 'app', connections: 4100, channels: 8000 }];
    const big = rabbitInventory({}, { clients });
    const tooBig = rabbitInventory({}, { clients: [{ vhost: '/', user: 'app', connections: 900000, channels: 900000 }] });

    const sized = planRabbitMigration(big, { deploymentMode: 'SINGLE_INSTANCE' });
    const blocked = planRabbitMigration(tooBig);

    expect(sized.target.instanceType).toBe('mq.m7g.xlarge');
    expect(sized.sizing.exceeded).toEqual([]);
    expect(unacceptedBlockers(blocked).map((f) => f.code)).toEqual(['RMQ-LIMIT-EXCEEDED']);
    expect(blocked.sizing.exceeded).toEqual(['connections', 'channels']);
  });

  it('warns about plugins Amazon MQ does not offer, but not about management helpers', () => {
    const inventory = rabbitInventory({}, { broker: { nodes: [], featureFlags: [], plugins: ['rabbitmq_management', 'rabbitmq_management_agent', 'rabbitmq_delayed_message_exchange'] } });

    const plugins = planRabbitMigration(inventory).findings.filter((f) => f.code === 'RMQ-UNSUPPORTED-PLUGIN');

    expect(plugins.map((f) => f.object?.label)).toEqual(['plugin "rabbitmq_delayed_message_exchange"']);
  });

  it('names the field and the rule for options it cannot honour', () => {
    const inventory = rabbitInventory();

    expect(() => planRabbitMigration(inventory, { engineVersion: '3.8' })).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'options.engineVersion' }));
    expect(() => planRabbitMigration(inventory, { instanceType: 'mq.m5.large' })).toThrow(ValidationError);
    expect(() => planRabbitMigration(inventory, { mirroredQueues: 'maybe' as never })).toThrow(expect.objectContaining({ field: 'options.mirroredQueues' }));
  });

  it('reports connected clients that must be cut over', () => {
    const inventory = rabbitInventory({}, { clients: [{ vhost: 'orders', user: 'app', connections: 3, channels: 7 }] });

    const finding = planRabbitMigration(inventory).findings.find((f) => f.code === 'RMQ-CONNECTED-CLIENTS');

    expect(finding?.message).toContain('3 connection(s) with 7 channel(s) as user "app" in vhost "orders"');
  });
});

describe('planRabbitMigration: queues that are not drained', () => {
  it('reports auto-delete queues as replicated but not drained', () => {
    const plan = planRabbitMigration(rabbitInventory({ queues: [queue('tmp', { autoDelete: true }), queue('jobs')] }));

    expect(plan.findings.filter((f) => f.code === 'RMQ-AUTO-DELETE-QUEUE').map((f) => f.object?.label)).toEqual(['queue "tmp" in vhost "/"']);
  });
});
