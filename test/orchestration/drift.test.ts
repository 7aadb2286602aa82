import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { RabbitDefinitions } from '../../src/engines/rabbitmq/definitions.js';
import { inventoryFromDefinitions } from '../../src/engines/rabbitmq/inventory.js';
import { SAMPLE_VHOSTS, sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';
import type { RabbitTopology } from '../../src/model/inventory.js';
import { drainQueuesFor } from '../../src/orchestration/drain-queues.js';
import { driftBetween } from '../../src/orchestration/drift.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';

const HASH = 'kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR';
const inventory = inventoryFromDefinitions(
  RabbitDefinitions.parse({
    ...sampleDefinitions(),
    rabbitmq_version: '3.13.7',
    vhosts: SAMPLE_VHOSTS.map((v) => ({ name: v.name, description: v.description, tags: v.tags })),
    users: ['orders-app', 'billing-svc'].map((name) => ({ name, password_hash: HASH, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] })),
  }),
  'https://rabbitmq-dc1.corp.example.internal:15671',
);
const plan = planRabbitMigration(inventory, {});
const { applyPlan } = await import('../../src/engines/rabbitmq/apply-plan.js');
const migrated = (): RabbitTopology => structuredClone(applyPlan(inventory.rabbitmq, plan.actions));

describe('drift between source and target', () => {
  it('finds none when the target holds what the plan made of the source, plus what the target owns', () => {
    // Prepare: the target's administrator and Amazon MQ's own policy are not drift.
    const target = migrated();
    const [first] = target.users;
    if (first) target.users.push({ ...first, name: 'mqadmin' });
    target.policies.push({ vhost: '/', name: 'AWS-DEFAULT-POLICY-CLASSIC-QUEUE-2', pattern: '.*', applyTo: 'queues', priority: 0, definition: { 'queue-version': 2 } });

    // Act
    const drift = driftBetween(inventory.rabbitmq, target, { actions: plan.actions, targetAdminUser: 'mqadmin' });

    // Assess
    expect(drift.differences).toEqual([]);
    expect(drift.unchanged).toBeGreaterThan(20);
  });

  it('names a user missing on the target, a changed permission and a queue only the target has', () => {
    const target = migrated();
    const [removed] = target.users.splice(0, 1);
    const [permission] = target.permissions;
    const [queue] = target.queues;
    if (!permission || !queue) throw new Error('the sample has permissions and queues');
    target.permissions[0] = { ...permission, read: '^nothing$' };
    target.queues.push({ ...queue, name: 'created-on-target-only' });

    const drift = driftBetween(inventory.rabbitmq, target, { actions: plan.actions, targetAdminUser: 'mqadmin' });

    expect(drift.differences).toEqual(
      expect.arrayContaining([
        { kind: 'missing-on-target', type: 'user', object: `user "${removed?.name}"` },
        expect.objectContaining({ kind: 'different', type: 'permission' }),
        expect.objectContaining({ kind: 'only-on-target', type: 'queue', object: expect.stringContaining('created-on-target-only') }),
      ]),
    );
    expect(drift.byType).toMatchObject({ user: expect.any(Number), permission: 1, queue: 1 });
  });
});

describe('the queues a migration drains', () => {
  it('are the queues the plan keeps, typed as on the target, with TTLs from arguments and policies', () => {
    const queues = drainQueuesFor(inventory, plan);
    expect(queues.find((q) => q.name === 'mirrored.payments')).toMatchObject({ expectedType: 'quorum' });
    expect(queues.find((q) => q.name === 'orders.audit-log')).toMatchObject({ hasTtl: true });
    expect(queues.find((q) => q.name === 'billing.invoices.eu')).toMatchObject({ hasTtl: true, expectedType: 'classic' });
    expect(queues.find((q) => q.name === 'orders.created')).toMatchObject({ hasTtl: false });
  });
});

describe('S3CheckpointStore', () => {
  it('keeps each queue checkpoint under migrations/{id}/checkpoints/, one key segment each, and reads a missing one as none', async () => {
    const s3 = mockClient(S3Client);
    const stored = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => void stored.set(input.Key, input.Body));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = stored.get(input.Key);
      if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => body } as unknown as GetObjectCommandOutput['Body'] };
    });
    const store = new S3CheckpointStore('mq-migrate-docs', 'orders-dc1', new S3Client({ region: 'eu-west-1' }));

    await store.write('orders-dc1/drain/team/billing/billing.invoices.eu', '{"ledger":{}}');

    expect([...stored.keys()]).toEqual(['migrations/orders-dc1/checkpoints/orders-dc1%2Fdrain%2Fteam%2Fbilling%2Fbilling.invoices.eu.json']);
    expect(await store.read('orders-dc1/drain/team/billing/billing.invoices.eu')).toBe('{"ledger":{}}');
    expect(await store.read('orders-dc1/drain/orders/none')).toBeUndefined();
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'mq-migrate-docs', ServerSideEncryption: 'AES256' });
  });
});
