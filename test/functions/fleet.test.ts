import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FLEET_TAG } from '../../src/amazonmq/provision-input.js';
import type { ProvisionInputInput } from '../../src/amazonmq/provision-input.js';
import { FleetInput, fleetManifest, planFleet } from '../../src/orchestration/fleet-input.js';
import type { FleetReport } from '../../src/orchestration/fleet-report.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';
import { queue, rabbitInventory } from '../fixtures/rabbit-inventory.js';

/**
 * The fleet's handlers on an in-memory S3: the prepare step (manifest), the fleet report (rows
 * from the members' reports, or from how their executions ended), and the provision step's
 * check that members sharing a RabbitMQ broker bring no queue or user twice.
 */
Object.assign(process.env, { DOCUMENTS_BUCKET: 'docs-bucket', APPROVAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:approvals', EVENT_BUS_NAME: 'default', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' });
const BUCKET = 'docs-bucket';
const s3Mock = mockClient(S3Client);
const objects = new Map<string, string>();
const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'test', awsRequestId: 'r' } as unknown as Context;

beforeEach(() => {
  objects.clear();
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => (objects.set(input.Key, String(input.Body)), {}));
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = objects.get(input.Key);
    if (text === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] };
  });
});

const put = (key: string, value: unknown) => objects.set(key, JSON.stringify(value));
const rabbit = (id: string, brokerName: string) => ({
  migrationId: id,
  source: { engine: 'RABBITMQ' as const, managementUrl: `https://${id}.example:15671`, amqpUrl: `amqps://${id}.example:5671`, credentialsSecretId: `s/${id}` },
  target: { brokerName, adminSecretId: 's/admin' },
  cutover: { strategy: 'ssm-parameter' as const, parameterName: `p/${id}` },
});
const activemq = (id: string) => ({
  migrationId: id,
  source: { engine: 'ACTIVEMQ' as const, jolokiaUrl: `https://${id}.example:8162/api/jolokia`, stompUrl: `stomp+ssl://${id}.example:61614`, credentialsSecretId: `s/${id}` },
  target: { brokerName: id, adminSecretId: 's/amq-admin', configurationName: 'legacy' },
  cutover: { strategy: 'ssm-parameter' as const, parameterName: `p/${id}` },
});
const FLEET = FleetInput.parse({ fleetId: 'fleet-1', members: [rabbit('r1', 'shared'), rabbit('r2', 'shared'), activemq('q1'), activemq('q2')] });
const memberReport = (id: string, outcome: string, brokerId: string, moved: number) => ({
  schemaVersion: 1,
  migrationId: id,
  outcome,
  durationSeconds: 12,
  created: { broker: { brokerId } },
  totals: { queues: 2, moved, duplicates: 0, expired: 0, verified: outcome === 'succeeded' ? 2 : 1 },
  queues: [],
});

describe('the fleet prepare step', () => {
  it('stores the manifest and hands the Map its groups', async () => {
    const { makeHandler } = await import('../../functions/fleet-prepare/handler.js');

    const result = (await makeHandler({ bucket: BUCKET })({ fleetId: 'fleet-1', members: [rabbit('r1', 'shared'), rabbit('r2', 'shared')] }, context)) as { groups: unknown[]; manifest: { key: string } };

    expect(result.groups).toHaveLength(1);
    expect(result.manifest).toEqual({ bucket: BUCKET, key: 'fleets/fleet-1/manifest.json' });
    expect(JSON.parse(objects.get('fleets/fleet-1/manifest.json') ?? '{}').members).toEqual([
      { migrationId: 'r1', engine: 'RABBITMQ', brokerName: 'shared' },
      { migrationId: 'r2', engine: 'RABBITMQ', brokerName: 'shared' },
    ]);
  });

  it('refuses an invalid fleet with the field (nothing stored)', async () => {
    const { makeHandler } = await import('../../functions/fleet-prepare/handler.js');

    await expect(makeHandler({ bucket: BUCKET })({ fleetId: 'fleet-1', members: [rabbit('r1', 'x'), rabbit('r1', 'y')] }, context)).rejects.toMatchObject({ name: 'ValidationError', field: 'members[1].migrationId' });
    expect(objects.size).toBe(0);
  });
});

describe('the fleet report', () => {
  it('covers every member from its report, the shared broker and configuration, and the totals; announced once', async () => {
    const { makeHandler, memberError } = await import('../../functions/fleet-report/handler.js');
    put('fleets/fleet-1/manifest.json', fleetManifest(planFleet(FLEET)));
    put('migrations/r1/report.json', memberReport('r1', 'succeeded', 'b-r', 10));
    put('migrations/r2/report.json', memberReport('r2', 'succeeded', 'b-r', 5));
    put('migrations/q1/report.json', memberReport('q1', 'succeeded', 'b-q1', 7));
    put('migrations/q2/report.json', { ...memberReport('q2', 'verify-failed', 'b-q2', 3), error: { name: 'VerificationError', cause: '1 queue(s) failed' } });
    const published: { detailType: string; detail: Record<string, unknown> }[] = [];
    const handler = makeHandler({ bucket: BUCKET, events: { publish: async (detailType, detail) => void published.push({ detailType, detail }) }, brokerConfiguration: async () => ({ id: 'c-legacy', revision: 2 }) });
    const failedCause = JSON.stringify({ Name: 'q2', Status: 'FAILED', Error: 'VerificationError', Cause: '1 queue(s) failed' });

    const result = (await handler(
      {
        fleetId: 'fleet-1',
        startedAt: '2025-06-14T21:00:00.000Z',
        members: [[{ migrationId: 'r1', status: 'SUCCEEDED' }, { migrationId: 'r2', status: 'SUCCEEDED' }], [{ migrationId: 'q1', status: 'SUCCEEDED' }], [{ migrationId: 'q2', status: 'FAILED', error: { Error: 'States.TaskFailed', Cause: failedCause } }]],
      },
      context,
    )) as { outcome: string; failed: string[] };

    expect(result).toMatchObject({ outcome: 'partially-succeeded', failed: ['q2'] });
    const report = JSON.parse(objects.get('fleets/fleet-1/report.json') ?? '{}') as FleetReport;
    expect(report.totals).toEqual({ members: 4, succeeded: 3, failed: 1, queues: 8, moved: 25, duplicates: 0, verified: 7 });
    expect(report.brokers).toContainEqual({ brokerName: 'shared', engine: 'RABBITMQ', brokerId: 'b-r', members: ['r1', 'r2'] });
    expect(report.configurations).toEqual([{ name: 'legacy', ids: ['c-legacy'], members: ['q1', 'q2'], shared: true }]);
    expect(report.members.find((m) => m.migrationId === 'q2')).toMatchObject({ outcome: 'verify-failed', error: { name: 'VerificationError' }, report: { key: 'migrations/q2/report.json' } });
    const markdown = objects.get('fleets/fleet-1/report.md') ?? '';
    expect(markdown).toContain('# Fleet fleet-1: partially-succeeded');
    expect(markdown).toContain('several sources, one broker');
    expect(markdown).toContain('legacy: c-legacy, used by q1, q2 (shared');
    expect(published).toEqual([{ detailType: 'Fleet Report', detail: expect.objectContaining({ fleetId: 'fleet-1', outcome: 'partially-succeeded', failed: ['q2'] }) }]);
    expect(memberError({ Error: 'States.TaskFailed', Cause: failedCause })).toEqual({ name: 'VerificationError', cause: '1 queue(s) failed' });
  });

  it('reports a member whose execution ended without a report (it could not start) as failed, with the error', async () => {
    const { makeHandler } = await import('../../functions/fleet-report/handler.js');
    put('fleets/fleet-1/manifest.json', fleetManifest(planFleet(FLEET)));
    const handler = makeHandler({ bucket: BUCKET, events: { publish: async () => undefined }, brokerConfiguration: async () => undefined });

    const result = (await handler({ fleetId: 'fleet-1', startedAt: '2025-06-14T21:00:00.000Z', members: [[{ migrationId: 'r1', status: 'FAILED', error: { Error: 'StepFunctions.ExecutionAlreadyExistsException', Cause: 'Execution Already Exists' } }]] }, context)) as { outcome: string };

    expect(result.outcome).toBe('failed');
    const report = JSON.parse(objects.get('fleets/fleet-1/report.json') ?? '{}') as FleetReport;
    expect(report.members).toEqual([expect.objectContaining({ migrationId: 'r1', outcome: 'failed', brokerName: 'shared', error: { name: 'StepFunctions.ExecutionAlreadyExistsException', cause: 'Execution Already Exists' }, totals: { queues: 0, moved: 0, duplicates: 0, verified: 0 } })]);
  });
});

describe('the provision step in a fleet', () => {
  const user = (name: string, passwordHash: string) => ({ name, passwordHash, hashingAlgorithm: 'rabbit_password_hashing_sha256', tags: [], limits: {} });

  async function provision(collide: boolean) {
    const { makeHandler } = await import('../../functions/provision/handler.js');
    put('fleets/fleet-1/manifest.json', fleetManifest(planFleet(FLEET)));
    put('migrations/r1/source-inventory.json', rabbitInventory({ queues: [queue('orders.created', { vhost: 'orders' })], users: [user('orders-app', 'aDE=')] }));
    const ours = collide
      ? rabbitInventory({ queues: [queue('orders.created', { vhost: 'orders' }), queue('stock.updates', { vhost: 'stock' })], users: [user('orders-app', 'aDI=')] })
      : rabbitInventory({ queues: [queue('orders.created', { vhost: 'stock' })], users: [user('stock-app', 'aDM='), user('orders-app', 'aDE=')] });
    put('migrations/r2/source-inventory.json', ours);
    put('migrations/r2/plan.json', planRabbitMigration(ours, { deploymentMode: 'SINGLE_INSTANCE' }));
    const requests: ProvisionInputInput[] = [];
    const handler = makeHandler({ bucket: BUCKET, provisioner: { provision: async (input) => (requests.push(input), { brokerId: 'b-r', state: 'RUNNING' }), describe: async () => ({ state: 'RUNNING', ready: true, endpoints: { endpoints: [], consoleUrls: [] } }) } });
    const event = { migrationId: 'r2', plan: { bucket: BUCKET, key: 'migrations/r2/plan.json' }, target: { brokerName: 'shared', adminSecretId: 's/admin', tags: { [FLEET_TAG]: 'fleet-1' } } };
    return { run: () => handler(event, context), requests };
  }

  it('goes on when the members sharing the broker bring distinct queues (a queue name in another vhost) and users (the same one alike)', async () => {
    const { run, requests } = await provision(false);

    await expect(run()).resolves.toMatchObject({ broker: { brokerId: 'b-r' } });
    expect(requests[0]).toMatchObject({ brokerName: 'shared', tags: { [FLEET_TAG]: 'fleet-1' } });
  });

  it('stops before provisioning when another member of the broker brought the same queue or user', async () => {
    const { run, requests } = await provision(true);

    const error = await run().catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FleetTargetCollisionError', field: 'target.brokerName', otherMigrationId: 'r1', objects: ['queue "orders.created" in vhost "orders"', 'user "orders-app" (another password)'] });
    expect(requests).toEqual([]);
  });
});
