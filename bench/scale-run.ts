/**
 * `npm run scale`: the whole migration workflow, locally, against a RabbitMQ source with 10,000
 * queues (a few messages each) and 2,000 bindings: the real state machine (aws-local-stepfunctions,
 * handlers in-process), the local Amazon MQ creating the target, topology replicated, every queue
 * drained in Distributed Map batches and verified, the report per batch. Prints the total time and
 * the largest execution history the run would have in Step Functions (src/local/stepfunctions/history.ts).
 *
 * SCALE_QUEUES, SCALE_BINDINGS, SCALE_MESSAGES (per queue), SCALE_BATCH (queues per batch) and
 * SCALE_PARALLEL (batches at once) change the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDocument, getText } from '../src/aws/documents.js';
import { localMigrationSecrets } from '../src/cli/migration-demo.js';
import amqp from '../src/engines/rabbitmq/amqp/client.js';
import { ManagementClient } from '../src/engines/rabbitmq/management-client.js';
import { startRabbitNode, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';
import { HistoryCounter } from '../src/local/stepfunctions/history.js';
import { MIGRATION_DEFINITION, type LocalWorkflow } from '../src/local/stepfunctions/local-workflow.js';
import { loadDefinition } from '../src/local/stepfunctions/runner.js';
import { MigrationInput } from '../src/orchestration/input.js';
import { z } from 'zod';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};
const QUEUES = number('SCALE_QUEUES', 10_000);
const BINDINGS = number('SCALE_BINDINGS', 2_000);
const PER_QUEUE = number('SCALE_MESSAGES', 3);
const BATCH = number('SCALE_BATCH', 200);
const PARALLEL = number('SCALE_PARALLEL', 4);
const VHOST = 'scale';
const queueName = (i: number) => `scale.q.${String(i).padStart(5, '0')}`;

/** The estate in one definitions import: a vhost, the queues, a topic exchange bound to some of them. */
async function seedTopology(node: RabbitNode): Promise<void> {
  const management = new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });
  await management.put(`/api/vhosts/${VHOST}`, 'vhost', {});
  await management.put(`/api/permissions/${VHOST}/${encodeURIComponent(node.adminUser)}`, 'permission', { configure: '.*', write: '.*', read: '.*' });
  await management.post('/api/definitions', 'definitions import', {
    queues: Array.from({ length: QUEUES }, (_, i) => ({ name: queueName(i), vhost: VHOST, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'classic' } })),
    exchanges: [{ name: 'scale.events', vhost: VHOST, type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
    bindings: Array.from({ length: BINDINGS }, (_, i) => ({ source: 'scale.events', vhost: VHOST, destination: queueName(i % QUEUES), destination_type: 'queue', routing_key: `events.${i}`, arguments: {} })),
  });
}

/** PER_QUEUE persistent messages on every queue, with confirms (a window of 5,000). */
async function publish(node: RabbitNode): Promise<number> {
  const connection = await amqp.connect({ hostname: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword, vhost: VHOST });
  const channel = await connection.createConfirmChannel();
  let sent = 0;
  for (let i = 0; i < QUEUES; i++) {
    for (let m = 0; m < PER_QUEUE; m++) {
      channel.sendToQueue(queueName(i), Buffer.from(`{"queue":${i},"message":${m}}`), { persistent: true, messageId: `${i}-${m}` });
      sent++;
      if (sent % 5_000 === 0) await channel.waitForConfirms();
    }
  }
  await channel.waitForConfirms();
  await connection.close();
  return sent;
}

const Report = z.looseObject({
  outcome: z.string(),
  totals: z.looseObject({ queues: z.number(), moved: z.number(), verified: z.number(), duplicates: z.number() }),
  batches: z.array(z.looseObject({ index: z.number(), queues: z.number(), verified: z.number(), failed: z.number() })),
  timings: z.array(z.looseObject({ step: z.string(), seconds: z.number() })),
});

async function main(): Promise<number> {
  const started = Date.now();
  const t = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  const dataDir = await mkdtemp(join(tmpdir(), 'mq-migrate-scale-'));
  const { startLocalWorkflow } = await import('../src/local/stepfunctions/local-workflow.js');
  let workflow: LocalWorkflow | undefined;
  let source: RabbitNode | undefined;
  try {
    [workflow, source] = await Promise.all([startLocalWorkflow({ dataDir }), startRabbitNode()]);
    await seedTopology(source);
    const published = await publish(source);
    console.log(`${t()} source seeded: ${QUEUES} queues, ${BINDINGS} bindings, ${published} messages`);

    const migrationId = `scale-${Date.now().toString(36)}`;
    const { sourceSecret, targetSecret } = await localMigrationSecrets(workflow, { migrationId }, `amqp://127.0.0.1:${source.amqpPort}`, { username: source.adminUser, password: source.adminPassword });
    const input = MigrationInput.parse({
      migrationId,
      source: { engine: 'RABBITMQ', managementUrl: source.managementUrl, amqpUrl: `amqp://127.0.0.1:${source.amqpPort}`, credentialsSecretId: sourceSecret },
      target: { brokerName: migrationId, adminSecretId: targetSecret },
      cutover: { strategy: 'manual' },
      options: { deploymentMode: 'SINGLE_INSTANCE' },
      drain: { batchSize: BATCH, concurrency: 10, parallelBatches: PARALLEL, preDrainBudgetSeconds: 600, finalDrainBudgetSeconds: 900 },
    });

    const history = new HistoryCounter(loadDefinition(MIGRATION_DEFINITION) as never);
    let batchesDone = 0;
    const runStarted = Date.now();
    const result = await workflow.runMigration(input, {
      decide: async (request) => ({ approved: true, by: 'scale-run', at: new Date().toISOString(), kind: request.payload.kind }),
      onEvent: (event) => {
        history.record(event);
        if (event.type === 'StateEntered' && event.index === undefined && !['Choice', 'Pass', 'Wait'].includes(event.state?.type ?? '')) console.log(`${t()} ${event.state?.name}`);
        if (event.type === 'MapIterationSucceeded' && ++batchesDone % 10 === 0) console.log(`${t()}   ${batchesDone} batches done`);
        if (event.type === 'StateFailed') console.log(`${t()}   ${event.state?.name}: ${event.Error ?? ''} ${String(event.Cause ?? '').slice(0, 300)}`);
      },
    });
    const runSeconds = (Date.now() - runStarted) / 1000;
    const report = await getDocument({ bucket: workflow.bucket, key: `migrations/${migrationId}/report.json` }, Report);
    const estimate = history.estimate();
    const markdown = await getText({ bucket: workflow.bucket, key: `migrations/${migrationId}/report.md` });
    console.log(markdown.split('\n').filter((line) => !/^\| (\S+ \| )?scale\.q\./.test(line)).slice(0, 80).join('\n'));
    console.log(`execution ${migrationId}: ${result.status}${result.error ? ` (${result.error}: ${result.cause ?? ''})` : ''}`);
    console.log(`queues ${report.totals.queues}, verified ${report.totals.verified}, moved ${report.totals.moved} of ${published}, duplicates ${report.totals.duplicates}; batches ${report.batches.length}, failed in a batch ${report.batches.reduce((s, b) => s + b.failed, 0)}`);
    console.log(`timings: ${report.timings.map((x) => `${x.step} ${x.seconds.toFixed(1)} s`).join(', ')}`);
    console.log(`largest execution history (estimated, Step Functions events): parent ${estimate.parent}, child executions ${estimate.children} (largest ${estimate.largestChild}); limit ${estimate.limit}`);
    console.log(`workflow ${runSeconds.toFixed(1)} s; total with seeding ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const ok = result.status === 'SUCCEEDED' && report.totals.verified === QUEUES && report.totals.moved >= published && estimate.parent < estimate.limit && estimate.largestChild < estimate.limit;
    return ok ? 0 : 1;
  } finally {
    await Promise.allSettled([workflow?.stop(), source?.stop()]);
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

process.exitCode = await main();
