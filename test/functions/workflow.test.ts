import type { MigrationReport } from '../../src/orchestration/report.js';
import { readdirSync, readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RabbitDefinitions } from '../../src/engines/rabbitmq/definitions.js';
import type { RelayOptions } from '../../src/engines/rabbitmq/drain/relay.js';
import { inventoryFromDefinitions } from '../../src/engines/rabbitmq/inventory.js';
import { sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';
import { ValidationError } from '../../src/model/errors.js';
import type { QueueLedger } from '../../src/model/ledger.js';
import type { DnsZone, EventPublisher, Notifier, ParameterStore } from '../../src/orchestration/ports.js';

// Configuration is read at import, as at a cold start: set it first, then load the handlers.
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
Object.assign(process.env, { DOCUMENTS_BUCKET: BUCKET, APPROVAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:approvals', EVENT_BUS_NAME: 'default', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' });
const { MigrationInput, throttleShare } = await import('../../src/orchestration/input.js');
const approval = await import('../../functions/approval/handler.js');
const cutover = await import('../../functions/cutover/handler.js');
const drain = await import('../../functions/drain/handler.js');
const report = await import('../../functions/report/handler.js');
const waitForClients = await import('../../functions/wait-for-clients/handler.js');
const provisionModule = await import('../../functions/provision/handler.js');
const describeModule = await import('../../functions/describe-broker/handler.js');

const root = new URL('../../', import.meta.url);
const eventOf = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`events/${name}.json`, root), 'utf8')) as Record<string, unknown>;
const s3Mock = mockClient(S3Client);
const context = { functionName: 'mq-migrate-Step', awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345679', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

function storeDocuments(documents: Record<string, unknown>): void {
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = documents[input.Key];
    if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return { Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] };
  });
}
const puts = () => s3Mock.commandCalls(PutObjectCommand).map((c) => ({ key: c.args[0].input.Key ?? '', body: String(c.args[0].input.Body) }));

// RabbitMQ paths must not touch the ActiveMQ ports.
const unusedStep = async (): Promise<never> => {
  throw new Error('the ActiveMQ drain was called on a RabbitMQ path');
};
const unusedLedger = () => ({ load: unusedStep, save: unusedStep });

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
});

describe('events/*.json', () => {
  const folders = readdirSync(new URL('functions/', root)).filter((f) => f !== 'shared');

  // events/<function>.json, and events/<function>.<variant>.json (e.g. .activemq) for other engines.
  const samples = readdirSync(new URL('events/', root))
    .map((f) => f.replace(/\.json$/, ''))
    .filter((name) => folders.includes(name.split('.')[0] ?? ''));

  it('every function has a sample event, and ActiveMQ ones where the input differs by engine', () => {
    expect(folders.filter((f) => !samples.includes(f))).toEqual([]);
    expect(samples.filter((s) => s.endsWith('.activemq')).sort()).toEqual(
      ['cutover', 'describe-broker', 'drain', 'drift', 'inventory', 'replicate', 'rollback', 'verify', 'wait-for-clients'].map((f) => `${f}.activemq`),
    );
  });

  it.each(samples)('events/%s.json is an input its handler accepts', async (sample) => {
    const folder = sample.split('.')[0] ?? '';
    const module = (await import(`../../functions/${folder}/handler.js`)) as Record<string, { safeParse: (v: unknown) => { success: boolean; error?: unknown } }>;
    const schemaName = `${folder.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}Input`;
    const result = module[schemaName]?.safeParse(eventOf(sample));
    expect([sample, result?.success, result?.error]).toEqual([sample, true, undefined]);
  });

  it('events/migration-input.json is a valid execution input; bad inputs name the field', () => {
    const input = eventOf('migration-input');
    expect(MigrationInput.safeParse(input).success).toBe(true);
    const bad = (patch: Record<string, unknown>) => MigrationInput.safeParse({ ...input, ...patch }).error?.issues[0]?.path.join('.');
    expect(bad({ source: { ...(input.source as object), amqpUrl: 'amqps://admin:secret@rabbit:5671' } })).toBe('source.amqpUrl');
    expect(bad({ cutover: { strategy: 'route53', hostedZoneId: 'Z1', recordName: 'not a name' } })).toBe('cutover.recordName');
    expect(bad({ target: { ...(input.target as object), adminPassword: 'x' } })).toBe('target');
    expect(bad({ migrationId: 'has spaces' })).toBe('migrationId');
    expect(bad({ target: { ...(input.target as object), configurationName: 'shared-conf' } })).toBe('target.configurationName');
  });

  it('takes drain limits for the whole migration and gives each batch in flight its share', () => {
    const input = eventOf('migration-input');
    const parsed = MigrationInput.parse({ ...input, drain: { parallelBatches: 4, throttle: { messagesPerSecond: 10_000, maxSourceConnections: 6 } } });
    expect(throttleShare(parsed.drain)).toEqual({ messagesPerSecond: 2500, maxSourceConnections: 1 });
    const refused = MigrationInput.safeParse({ ...input, drain: { parallelBatches: 4, throttle: { maxTargetConnections: 3 } } });
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['drain.throttle.maxTargetConnections', 'must be at least drain.parallelBatches (4): every batch in flight holds a connection']]);
  });

  it('events/migration-input.activemq.json is a valid ActiveMQ execution input; options are checked against the engine', () => {
    const input = eventOf('migration-input.activemq');
    expect(MigrationInput.safeParse(input).success).toBe(true);
    const bad = (patch: Record<string, unknown>) => MigrationInput.safeParse({ ...input, ...patch }).error?.issues[0]?.path.join('.');
    expect(bad({ source: { ...(input.source as object), stompUrl: 'stomp://admin:pw@amq:61613' } })).toBe('source.stompUrl');
    expect(bad({ source: { ...(input.source as object), stompUrl: 'tcp://amq:61616' } })).toBe('source.stompUrl');
    // CLUSTER_MULTI_AZ is RabbitMQ's; a RabbitMQ-only option is not an ActiveMQ one.
    expect(bad({ options: { deploymentMode: 'CLUSTER_MULTI_AZ' } })).toBe('options.deploymentMode');
    expect(bad({ options: { mirroredQueues: 'keep-classic' } })).toBe('options.mirroredQueues');
  });
});

describe('approval handler', () => {
  it('keeps the task token where the CLI finds it and tells the approvers what happens and how to answer, without the token', async () => {
    // Prepare
    const sent: { subject: string; message: string }[] = [];
    const notifier: Notifier = { notify: async (subject, message) => void sent.push({ subject, message }) };
    const handler = approval.makeHandler({ bucket: BUCKET, notifier });
    const event = eventOf('approval') as { taskToken: string };

    // Act
    await handler(event, context);

    // Assess
    expect(puts()).toEqual([expect.objectContaining({ key: 'migrations/orders-dc1-2025-06/approvals/cutover.json' })]);
    expect(JSON.parse(puts()[0]?.body ?? '{}')).toMatchObject({ taskToken: event.taskToken, kind: 'cutover' });
    expect(sent[0]?.subject).toContain('orders-dc1-2025-06');
    expect(sent[0]?.message).toContain('mq-migrate approve orders-dc1-2025-06');
    expect(sent[0]?.message).toContain('mq-migrate reject orders-dc1-2025-06');
    expect(sent[0]?.message).toContain('ssm-parameter');
    expect(sent[0]?.message).not.toContain(event.taskToken);
  });
});

describe('cutover handler', () => {
  const memory = () => {
    const values = new Map<string, string>([['mq-migrate/orders/broker-url', 'amqps://rabbitmq-dc1.corp.example.internal:5671']]);
    const records = new Map<string, { type: string; values: string[]; ttl: number }>();
    const parameters: ParameterStore = { get: async (n) => values.get(n), put: async (n, v) => void values.set(n, v) };
    const dns: DnsZone = { get: async (_z, n) => records.get(n), upsertCname: async (_z, n, v, ttl) => void records.set(n, { type: 'CNAME', values: [v], ttl }) };
    return { values, records, handler: cutover.makeHandler({ parameters, dns }) };
  };

  it('switches the SSM parameter to the target and returns what it held, which a revert puts back', async () => {
    const { values, handler } = memory();
    const event = eventOf('cutover');

    const switched = (await handler(event, context)) as { previous: string; current: string };
    expect(switched).toMatchObject({ previous: 'amqps://rabbitmq-dc1.corp.example.internal:5671', current: 'amqps://b-4f3c2a1e-9d8b-4c7a-8e6f-5a4b3c2d1e0f.mq.eu-west-1.amazonaws.com:5671' });
    expect(values.get('mq-migrate/orders/broker-url')).toBe(switched.current);

    await handler({ ...event, action: 'revert', previous: switched.previous }, context);
    expect(values.get('mq-migrate/orders/broker-url')).toBe(switched.previous);
  });

  it('points a Route 53 CNAME at the broker host, and refuses to overwrite a record of another type', async () => {
    const { records, handler } = memory();
    const event = { ...eventOf('cutover'), cutover: { strategy: 'route53', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'rabbit.corp.example.com', ttl: 30 } };

    await handler(event, context);
    expect(records.get('rabbit.corp.example.com')).toEqual({ type: 'CNAME', values: ['b-4f3c2a1e-9d8b-4c7a-8e6f-5a4b3c2d1e0f.mq.eu-west-1.amazonaws.com'], ttl: 30 });

    records.set('rabbit.corp.example.com', { type: 'A', values: ['10.0.0.5'], ttl: 60 });
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'CutoverError' });
  });

  it('with the manual strategy changes nothing and says what to repoint', async () => {
    const { values, handler } = memory();
    const result = await handler({ ...eventOf('cutover'), cutover: { strategy: 'manual' } }, context);
    expect(result).toMatchObject({ strategy: 'manual', previous: null, instructions: expect.stringContaining('amqps://b-4f3c2a1e') });
    expect(values.get('mq-migrate/orders/broker-url')).toBe('amqps://rabbitmq-dc1.corp.example.internal:5671');
  });
});

describe('drain handler', () => {
  const ledger = (queue: string, status: QueueLedger['status']): QueueLedger => ({ vhost: 'orders', queue, strategy: 'relay', status, hasTtl: false, sourceDepthAtStart: 10, targetDepthAtStart: 0, moved: status === 'drained' ? 10 : 4, duplicates: 0, expired: 0, userIdRewritten: 0, runs: 1 });
  const queues = { migrationId: 'orders-dc1-2025-06', queues: [{ vhost: 'orders', name: 'orders.created', hasTtl: false, expectedType: 'classic' }, { vhost: 'orders', name: 'orders.shipped', hasTtl: false, expectedType: 'quorum' }] };
  const setup = (result: QueueLedger[], now = () => Date.parse('2025-06-14T21:00:00Z')) => {
    storeDocuments({ 'migrations/orders-dc1-2025-06/drain-queues.json': queues });
    const calls: RelayOptions[] = [];
    const handler = drain.makeHandler({ bucket: BUCKET, credentials: async () => ({ username: 'u', password: 'p4ssword-long' }), checkpoints: () => ({ read: async () => undefined, write: async () => undefined }), relay: async (o) => (calls.push(o), result), drainActiveMq: unusedStep, activeMqLedger: unusedLedger, now });
    return { handler, calls };
  };

  it('drains its batch with a deadline no later than the budget, and is done once every queue is empty', async () => {
    const { handler, calls } = setup([ledger('orders.created', 'drained'), ledger('orders.shipped', 'drained')]);
    const result = (await handler(eventOf('drain'), context)) as { done: boolean; budgetEndsAt: string; drained: number };
    expect(result).toMatchObject({ done: true, drained: 2, budgetEndsAt: '2025-06-14T21:10:00.000Z' });
    expect(calls[0]?.queues.map((q) => [q.name, q.expectedType])).toEqual([['orders.created', 'classic'], ['orders.shipped', 'quorum']]);
    expect(calls[0]?.deadline).toBeLessThanOrEqual(Date.parse('2025-06-14T21:10:00Z'));
    expect(calls[0]?.source).toMatchObject({ host: 'rabbitmq-dc1.corp.example.internal', port: 5671, tls: true });
    expect(calls[0]?.throttle).toEqual({});
  });

  it('drains with its share of the migration\'s limits', async () => {
    const { handler, calls } = setup([ledger('orders.created', 'drained'), ledger('orders.shipped', 'drained')]);
    const event = eventOf('drain') as { drain: Record<string, unknown> };
    await handler({ ...event, drain: { ...event.drain, parallelBatches: 3, throttle: { messagesPerSecond: 3000, maxSourceConnections: 7 } } }, context);
    expect(calls[0]?.throttle).toEqual({ messagesPerSecond: 1000, maxSourceConnections: 2 });
  });

  it('loops a pre-drain while the budget lasts, and ends it when the budget ended', async () => {
    const pending = [ledger('orders.created', 'drained'), ledger('orders.shipped', 'in-progress')];
    const during = (await setup(pending).handler({ ...eventOf('drain'), budgetEndsAt: '2025-06-14T21:10:00.000Z' }, context)) as { done: boolean };
    expect(during.done).toBe(false);
    const after = (await setup(pending, () => Date.parse('2025-06-14T21:10:01Z')).handler({ ...eventOf('drain'), budgetEndsAt: '2025-06-14T21:10:00.000Z' }, context)) as { done: boolean };
    expect(after.done).toBe(true);
  });

  it('fails a final drain that ran out of budget with DrainIncompleteError naming the queue', async () => {
    const { handler } = setup([ledger('orders.created', 'drained'), ledger('orders.shipped', 'in-progress')], () => Date.parse('2025-06-14T22:10:01Z'));
    const error = await handler({ ...eventOf('drain'), phase: 'final', budgetEndsAt: '2025-06-14T22:10:00.000Z' }, context).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DrainIncompleteError', message: expect.stringContaining('orders/orders.shipped') });
  });

  it('refuses a queue list of another migration', async () => {
    const { handler } = setup([]);
    const error = await handler({ ...eventOf('drain'), queues: { bucket: BUCKET, key: 'migrations/other/drain-queues.json' } }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'queues.key' });
  });
});

describe('wait-for-clients handler', () => {
  const make = (connections: number) =>
    waitForClients.makeHandler({ bucket: BUCKET, credentials: async () => ({ username: 'u', password: 'p4ssword-long' }), connections: async () => Array.from({ length: connections }, (_, i) => ({ name: `c${i}`, user: 'orders-app', vhost: 'orders' })) });

  it('holds the final drain while clients are on the source, and lets it go when none is, or when someone says go anyway', async () => {
    storeDocuments({});
    expect(await make(3)(eventOf('wait-for-clients'), context)).toMatchObject({ connected: 3, proceed: false, clients: ['orders-app@orders', 'orders-app@orders', 'orders-app@orders'] });
    expect(await make(0)(eventOf('wait-for-clients'), context)).toMatchObject({ connected: 0, proceed: true });
    storeDocuments({ 'migrations/orders-dc1-2025-06/approvals/go-anyway.json': { goAnyway: true, by: 'jane.doe' } });
    expect(await make(3)(eventOf('wait-for-clients'), context)).toMatchObject({ connected: 3, proceed: true, goAnyway: true });
  });
});

describe('report handler', () => {
  const defs = RabbitDefinitions.parse({ ...sampleDefinitions(), rabbitmq_version: '3.13.7' });
  const plan = planRabbitMigration(inventoryFromDefinitions(defs, 'https://rabbitmq-dc1.corp.example.internal:15671'), {});
  const queues = { migrationId: 'orders-dc1-2025-06', queues: [{ vhost: 'orders', name: 'orders.created', hasTtl: false, expectedType: 'classic' }] };
  const ledger: QueueLedger = { vhost: 'orders', queue: 'orders.created', strategy: 'relay', status: 'drained', hasTtl: false, sourceDepthAtStart: 365117, targetDepthAtStart: 0, moved: 365117, duplicates: 3, expired: 0, userIdRewritten: 0, runs: 2 };
  const published: { detailType: string; detail: Record<string, unknown> }[] = [];
  const events: EventPublisher = { publish: async (detailType, detail) => void published.push({ detailType, detail }) };
  const handler = report.makeHandler({ bucket: BUCKET, events, checkpoints: () => ({ read: async () => undefined, write: async () => undefined }), activeMqLedger: unusedLedger });

  it('stores the report as JSON and Markdown with findings, what was created, the ledger, timings, cutover and verify, and announces it', async () => {
    // Prepare
    storeDocuments({
      'migrations/orders-dc1-2025-06/plan.json': plan,
      'migrations/orders-dc1-2025-06/drain-queues.json': queues,
      'migrations/orders-dc1-2025-06/verify.json': { migrationId: 'orders-dc1-2025-06', at: '2025-06-14T22:04:00.000Z', ok: true, ledgers: [ledger], results: [{ vhost: 'orders', queue: 'orders.created', ok: true, sourceDepth: 0, targetDepth: 365120 }] },
    });

    // Act
    const result = await handler(eventOf('report'), context);

    // Assess
    expect(result).toMatchObject({ outcome: 'succeeded', totals: { queues: 1, moved: 365117, duplicates: 3, verified: 1 } });
    const stored = Object.fromEntries(puts().map((p) => [p.key, p.body]));
    const markdown = stored['migrations/orders-dc1-2025-06/report.md'] ?? '';
    for (const text of ['# Migration orders-dc1-2025-06: SUCCEEDED', 'RMQ-', '| orders | orders.created | drained | 365117 | 3 | 0 | 0 | 365120 | yes |', 'approved by jane.doe', 'Every queue verified', 'approval wait', 'pre-drain']) expect(markdown).toContain(text);
    expect(JSON.parse(stored['migrations/orders-dc1-2025-06/report.json'] ?? '{}')).toMatchObject({ outcome: 'succeeded', cutover: { strategy: 'ssm-parameter', approvedBy: 'jane.doe' } });
    expect(published).toEqual([expect.objectContaining({ detailType: 'Migration Report', detail: expect.objectContaining({ outcome: 'succeeded' }) })]);
  });

  it('derives the outcome from the error and offers the rollback after a rejection', async () => {
    storeDocuments({ 'migrations/orders-dc1-2025-06/plan.json': plan, 'migrations/orders-dc1-2025-06/drain-queues.json': queues });
    const event = eventOf('report') as { state: Record<string, unknown> };
    const result = await handler({ ...event, outcome: 'auto', state: { ...event.state, verify: undefined, cutoverResult: undefined, error: { Error: 'ApprovalRejectedError', Cause: 'migration orders-dc1-2025-06: the approval was rejected: not tonight' } } }, context);
    expect(result).toMatchObject({ outcome: 'rejected' });
    const markdown = puts().find((p) => p.key.endsWith('report.md'))?.body ?? '';
    expect(markdown).toContain('**ApprovalRejectedError**: migration orders-dc1-2025-06: the approval was rejected: not tonight');
    expect(markdown).toContain('mq-migrate approve orders-dc1-2025-06');
  });

  it('groups the queues by drain batch, and takes the drain timings the Maps recorded', async () => {
    // Prepare: five queues in batches of two; the last one failed verification.
    const names = ['q0', 'q1', 'q2', 'q3', 'q4'];
    const five = { migrationId: 'orders-dc1-2025-06', queues: names.map((name) => ({ vhost: 'orders', name, hasTtl: false, expectedType: 'classic' })) };
    const ledgers = names.map((name, i): QueueLedger => ({ ...ledger, queue: name, moved: 10 + i, duplicates: i === 1 ? 1 : 0 }));
    const results = names.map((name) => ({ vhost: 'orders', queue: name, ok: name !== 'q4', sourceDepth: name === 'q4' ? 1 : 0, targetDepth: 10 }));
    storeDocuments({ 'migrations/orders-dc1-2025-06/plan.json': plan, 'migrations/orders-dc1-2025-06/drain-queues.json': five, 'migrations/orders-dc1-2025-06/verify.json': { migrationId: 'orders-dc1-2025-06', at: '2025-06-14T22:04:00.000Z', ok: false, ledgers, results } });
    const event = eventOf('report') as { state: Record<string, unknown> };
    const state = { ...event.state, preDrain: undefined, drain: { batchSize: 2, parallelBatches: 2, throttle: { messagesPerSecond: 5000, maxSourceConnections: 8 } }, preDrainTiming: { startedAt: '2025-06-14T21:00:00.000Z', finishedAt: '2025-06-14T21:02:30.000Z' }, finalDrainTiming: { startedAt: '2025-06-14T22:01:00.000Z', finishedAt: '2025-06-14T22:01:12.500Z' } };

    // Act
    await handler({ ...event, state }, context);

    // Assess
    const json = JSON.parse(puts().find((p) => p.key.endsWith('report.json'))?.body ?? '{}') as MigrationReport;
    expect(json.batches).toEqual([
      { index: 0, queues: 2, drained: 2, moved: 21, duplicates: 1, verified: 2, failed: 0 },
      { index: 1, queues: 2, drained: 2, moved: 25, duplicates: 0, verified: 2, failed: 0 },
      { index: 2, queues: 1, drained: 1, moved: 14, duplicates: 0, verified: 0, failed: 1 },
    ]);
    expect(json.timings).toEqual(expect.arrayContaining([{ step: 'pre-drain', seconds: 150 }, { step: 'final drain', seconds: 12.5 }]));
    expect(puts().find((p) => p.key.endsWith('report.md'))?.body).toContain('| 2 | 1 | 1 | 14 | 0 | 0 | 1 |');
    // The limits the input set, and each batch's share of them.
    expect(json.limits).toEqual({ parallelBatches: 2, queuesPerBatchAtOnce: 4, messagesPerSecond: 5000, maxSourceConnections: 8, perBatch: { messagesPerSecond: 2500, maxSourceConnections: 4 } });
    expect(puts().find((p) => p.key.endsWith('report.md'))?.body).toContain('The drains kept to 5000 msg/s, 8 source connections: 2 batch(es) at once');
  });
});

describe('provision and describe-broker handlers', () => {
  const defs = RabbitDefinitions.parse({ ...sampleDefinitions(), rabbitmq_version: '3.13.7' });
  const plan = planRabbitMigration(inventoryFromDefinitions(defs, 'https://rabbitmq-dc1.corp.example.internal:15671'), { deploymentMode: 'SINGLE_INSTANCE' });

  it('asks the provisioner for the broker the plan sized, with the deployment details of the input and the secret id only', async () => {
    storeDocuments({ 'migrations/orders-dc1-2025-06/plan.json': plan });
    const requests: unknown[] = [];
    const handler = provisionModule.makeHandler({
      bucket: BUCKET,
      provisioner: { provision: async (input) => (requests.push(input), { brokerId: 'b-1', state: 'CREATION_IN_PROGRESS' }), describe: async () => ({ state: 'RUNNING', ready: true, endpoints: { endpoints: [], consoleUrls: [] } }) },
    });

    const result = await handler(eventOf('provision'), context);

    expect(result).toEqual({ migrationId: 'orders-dc1-2025-06', broker: { brokerId: 'b-1', state: 'CREATION_IN_PROGRESS' } });
    expect(requests[0]).toMatchObject({
      migrationId: 'orders-dc1-2025-06',
      brokerName: 'orders-dc1-amazonmq',
      engineType: 'RABBITMQ',
      deploymentMode: 'SINGLE_INSTANCE',
      instanceType: plan.target.instanceType,
      adminSecretId: expect.stringContaining(':secret:mq-migrate/orders-dc1/target-admin'),
      network: { subnetIds: expect.any(Array) },
    });
  });

  it('reports the broker ready only once RUNNING with an AMQP endpoint, handing on the target endpoints', async () => {
    const describe = (state: string, endpoints: string[]) =>
      describeModule.makeHandler({ provisioner: { provision: async () => ({ brokerId: '', state: '' }), describe: async () => ({ state, ready: state === 'RUNNING', endpoints: { endpoints, consoleUrls: endpoints.length > 0 ? ['https://b-1.mq.eu-west-1.amazonaws.com'] : [] } }) } });

    expect(await describe('CREATION_IN_PROGRESS', [])(eventOf('describe-broker'), context)).toMatchObject({ ready: false, target: null });
    expect(await describe('RUNNING', ['amqps://b-1.mq.eu-west-1.amazonaws.com:5671'])(eventOf('describe-broker'), context)).toMatchObject({
      ready: true,
      target: { managementUrl: 'https://b-1.mq.eu-west-1.amazonaws.com', amqpUrl: 'amqps://b-1.mq.eu-west-1.amazonaws.com:5671', credentialsSecretId: expect.stringContaining('target-admin') },
    });
  });
});
