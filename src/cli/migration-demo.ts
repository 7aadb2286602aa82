/**
 * `mq-migrate demo`: a whole migration on this machine. A sample "on-premises" RabbitMQ node
 * seeded with a realistic estate and 10,000 messages; the local Amazon MQ, Secrets Manager and
 * S3; then the real migration state machine (aws-local-stepfunctions) with the handlers
 * in-process: inventory, plan, provision (a real broker), replicate, pre-drain, the approval
 * gate (answered here, or --yes), cutover (an SSM parameter, in-process), final drain, verify and
 * the report, printed at the end with the end-to-end time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from '../engines/rabbitmq/amqp/client.js';
import { getText } from '../aws/documents.js';
import { ManagementClient } from '../engines/rabbitmq/management-client.js';
import { startRabbitNode, type RabbitNode } from '../local/brokers/rabbitmq-node.js';
import { publishSampleMessages, scaledCounts } from '../local/seed/rabbitmq-messages.js';
import { seedRabbitSample } from '../local/seed/rabbitmq-sample.js';
import { fileParameterStore } from '../local/stepfunctions/in-process.js';
import { MIGRATION_DEFINITION, type LocalWorkflow } from '../local/stepfunctions/local-workflow.js';
import { HistoryCounter } from '../local/stepfunctions/history.js';
import { loadDefinition } from '../local/stepfunctions/runner.js';
import type { EventLog, TaskTokenRequest } from '../local/stepfunctions/runner.js';
import { ApprovalRejectedError } from '../orchestration/errors.js';
import { MigrationInput, type MigrationInputInput } from '../orchestration/input.js';

export interface DemoOptions {
  out: (text: string) => void;
  keep: boolean;
  yes: boolean;
  messages: number;
  verbose?: boolean;
  /** The sample source's engine (RabbitMQ by default). */
  engine?: 'RABBITMQ' | 'ACTIVEMQ';
}

/**
 * What every local migration needs besides its source: the parameter the applications read the
 * broker's address from (the cutover rewrites it), and the source and target admin secrets.
 */
export async function localMigrationSecrets(
  workflow: LocalWorkflow,
  options: { migrationId: string; parameterName?: string },
  sourceUrl: string,
  sourceAdmin: { username: string; password: string },
): Promise<{ parameterName: string; sourceSecret: string; targetSecret: string; targetAdmin: { username: string; password: string } }> {
  const parameterName = options.parameterName ?? `mq-migrate/${options.migrationId}/broker-url`;
  await fileParameterStore(join(workflow.dataDir, 'in-process')).put(parameterName, sourceUrl);
  const sourceSecret = `mq-migrate/${options.migrationId}/source`;
  const targetSecret = `mq-migrate/${options.migrationId}/target-admin`;
  await workflow.putSecret(sourceSecret, sourceAdmin);
  const targetAdmin = { username: 'mqadmin', password: `Target-${randomBytes(9).toString('hex')}` };
  await workflow.putSecret(targetSecret, targetAdmin);
  return { parameterName, sourceSecret, targetSecret, targetAdmin };
}

/** A source node seeded with the sample estate (and `messages` messages), its secret, and a migration input for it. */
export async function prepareSourceAndInput(workflow: LocalWorkflow, source: RabbitNode, options: { migrationId: string; messages: number; parameterName?: string }): Promise<{ input: MigrationInput; published: number; parameterName: string; targetAdmin: { username: string; password: string } }> {
  await seedRabbitSample(new ManagementClient({ url: source.managementUrl, username: source.adminUser, password: source.adminPassword }));
  const published = options.messages > 0 ? await publishSampleMessages({ host: '127.0.0.1', port: source.amqpPort, username: source.adminUser, password: source.adminPassword }, scaledCounts(options.messages)) : 0;
  const { parameterName, sourceSecret, targetSecret, targetAdmin } = await localMigrationSecrets(workflow, options, `amqp://127.0.0.1:${source.amqpPort}`, { username: source.adminUser, password: source.adminPassword });
  const raw: MigrationInputInput = {
    migrationId: options.migrationId,
    source: { engine: 'RABBITMQ', managementUrl: source.managementUrl, amqpUrl: `amqp://127.0.0.1:${source.amqpPort}`, credentialsSecretId: sourceSecret },
    target: { brokerName: options.migrationId, adminSecretId: targetSecret },
    cutover: { strategy: 'ssm-parameter', parameterName },
    // One node is enough on a laptop; CLUSTER_MULTI_AZ starts three.
    options: { deploymentMode: 'SINGLE_INSTANCE' },
    drain: { preDrainBudgetSeconds: 120, finalDrainBudgetSeconds: 300 },
  };
  return { input: MigrationInput.parse(raw), published, parameterName, targetAdmin };
}

/** Progress lines from the execution's events: each top-level step, and each drain round. */
export function progressPrinter(out: (text: string) => void, started: number): (event: EventLog) => void {
  const t = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
  let lastStep = '';
  let lastBrokerState: string | undefined;
  return (event) => {
    const name = event.state?.name ?? '';
    // The broker wait loops (creation, and the reboot after an ActiveMQ replication) print once, then state changes.
    const loop: Record<string, string> = { WaitForBroker: 'DescribeBroker', WaitForReboot: 'DescribeRebootingBroker' };
    if (event.type === 'StateEntered' && event.index === undefined && !['Choice', 'Pass', 'Wait'].includes(event.state?.type ?? '') && !(Object.values(loop).includes(name) && lastStep === name)) out(`${t()} ${name}\n`);
    if (event.type === 'StateEntered' && event.index === undefined && !['Choice'].includes(event.state?.type ?? '')) lastStep = loop[name] ?? name;
    if (event.type === 'StateExited' && (name === 'DescribeBroker' || name === 'DescribeRebootingBroker')) {
      const output = event.state?.output as { brokerStatus?: { state?: string }; rebootStatus?: { state?: string } } | undefined;
      const status = (name === 'DescribeBroker' ? output?.brokerStatus : output?.rebootStatus)?.state;
      if (status !== undefined && status !== lastBrokerState) out(`${t()}   broker ${status}\n`);
      lastBrokerState = status;
    }
    if (event.type === 'StateExited' && /DrainBatch$/.test(name)) {
      const result = (event.state?.output as { result?: { drained?: number; queues?: number; moved?: number; done?: boolean } } | undefined)?.result;
      if (result) out(`${t()}   ${name.startsWith('Pre') ? 'pre-drain' : 'final drain'} batch ${event.index ?? 0}: ${result.drained}/${result.queues} queues empty, ${result.moved} messages moved so far${result.done ? '' : ', continuing'}\n`);
    }
    if (event.type === 'StateExited' && name === 'CheckClients') {
      const clients = (event.state?.output as { clients?: { connected: number; clients: string[]; proceed: boolean } } | undefined)?.clients;
      if (clients && clients.connected > 0) out(`${t()}   ${clients.connected} client(s) still on the source (${clients.clients.join(', ')})${clients.proceed ? '' : ': waiting'}\n`);
    }
    if (event.type === 'StateFailed') out(`${t()}   ${name}: ${event.Error ?? 'error'}\n`);
  };
}

/** The approval gate answered from the terminal (or automatically with --yes / without a terminal). */
export function terminalApprovals(out: (text: string) => void, yes: boolean): (request: TaskTokenRequest) => Promise<unknown> {
  return async (request) => {
    const kind = String(request.payload.kind);
    const requestedAt = new Date().toISOString();
    let approved = yes || !process.stdin.isTTY;
    if (!yes && process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`approve the ${kind}? [y/N] `);
      rl.close();
      approved = /^y(es)?$/i.test(answer.trim());
    } else {
      out(`  ${kind} approved automatically (${yes ? '--yes' : 'no terminal to ask'})\n`);
    }
    if (!approved) throw new ApprovalRejectedError(String(request.payload.migrationId), 'rejected at the terminal');
    return { approved: true, by: process.env.USER ?? 'demo', at: new Date().toISOString(), requestedAt };
  };
}

/**
 * A sample application's connection that follows the SSM parameter the cutover rewrites, as real
 * clients do: `connect` opens one to the broker at `url` (`first`: the source, else the target)
 * and returns how to close it.
 */
export function followParameter(workflow: LocalWorkflow, parameterName: string, name: string, connect: (url: string, first: boolean) => Promise<{ close: () => Promise<unknown> }>, out: (t: string) => void): { stop: () => Promise<void> } {
  const parameters = fileParameterStore(join(workflow.dataDir, 'in-process'));
  let connection: { close: () => Promise<unknown> } | undefined;
  let current = '';
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const url = (await parameters.get(parameterName)) ?? '';
      if (url !== '' && url !== current) {
        const first = current === '';
        current = url;
        await connection?.close().catch(() => undefined);
        connection = await connect(url, first).catch((error: unknown) => {
          out(`  ${name}: cannot connect to ${url}: ${String(error)}\n`);
          return undefined;
        });
        if (!first && connection) out(`  ${name}: read the new address from the parameter and moved to ${url}\n`);
      }
      await sleep(300);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop.catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}

/** The "orders service": an AMQP application on the source that follows the cutover. */
export function startSampleApplication(workflow: LocalWorkflow, source: RabbitNode, parameterName: string, targetAdmin: { username: string; password: string }, out: (t: string) => void): { stop: () => Promise<void> } {
  return followParameter(workflow, parameterName, 'orders-service', async (url, first) => {
    const parsed = new URL(url);
    const credentials = first ? { username: source.adminUser, password: source.adminPassword } : targetAdmin;
    const connection: ChannelModel = await amqp.connect({ hostname: parsed.hostname, port: Number(parsed.port), ...credentials, vhost: 'orders' }, { clientProperties: { connection_name: 'orders-service' } });
    connection.on('error', () => undefined);
    return connection;
  }, out);
}

/** What the demo needs of its sample source, whichever the engine. */
interface DemoSource {
  describe: string;
  pid: number;
  prepare(workflow: LocalWorkflow, migrationId: string): Promise<{ input: MigrationInput; published: number; app: { stop: () => Promise<void> } }>;
  stop(): Promise<void>;
}

async function startDemoSource(engine: 'RABBITMQ' | 'ACTIVEMQ', options: DemoOptions): Promise<DemoSource> {
  const { out } = options;
  if (engine === 'ACTIVEMQ') {
    const { startActiveMqNode } = await import('../local/brokers/activemq-node.js');
    const { prepareActiveMqSourceAndInput, startSampleStompApplication } = await import('./activemq-migration-demo.js');
    const node = await startActiveMqNode({ heapMb: 256, outliveProcess: options.keep });
    return {
      describe: `ActiveMQ ${node.stompUrl} (Jolokia ${node.jolokiaUrl})`,
      pid: node.pid,
      // The sample holds scheduled messages: the plan warns that they stay in the source's scheduler.
      prepare: async (workflow, migrationId) => {
        const prepared = await prepareActiveMqSourceAndInput(workflow, node, { migrationId });
        return { ...prepared, app: await startSampleStompApplication(workflow, node, prepared.parameterName, prepared.targetAdmin, out) };
      },
      stop: () => node.stop(),
    };
  }
  const node = await startRabbitNode({ outliveProcess: options.keep });
  return {
    describe: `RabbitMQ ${node.managementUrl}`,
    pid: node.pid,
    prepare: async (workflow, migrationId) => {
      const prepared = await prepareSourceAndInput(workflow, node, { migrationId, messages: options.messages });
      return { ...prepared, app: startSampleApplication(workflow, node, prepared.parameterName, prepared.targetAdmin, out) };
    },
    stop: () => node.stop(),
  };
}

export async function runMigrationDemo(options: DemoOptions): Promise<number> {
  const { out } = options;
  const engine = options.engine ?? 'RABBITMQ';
  // From the process's start: installing, booting and tsx's compilation all count.
  const started = Date.now() - Math.round(process.uptime() * 1000);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const dataDir = await mkdtemp(join(tmpdir(), 'mq-migrate-demo-'));
  const sourceKind = engine === 'ACTIVEMQ' ? 'ActiveMQ node (installing activemq first if missing)' : 'RabbitMQ node (installing rabbitmq-server first if missing)';
  out(`starting the local AWS services and a sample on-premises ${sourceKind}...\n`);
  const { startLocalWorkflow } = await import('../local/stepfunctions/local-workflow.js');
  const [workflowResult, sourceResult] = await Promise.allSettled([
    startLocalWorkflow({
      dataDir,
      logLevel: options.verbose ? 'INFO' : 'SILENT',
      onNotification: (subject, message) => out(`\n--- notification (SNS, in-process): ${subject}\n${message}\n---\n`),
    }),
    startDemoSource(engine, options),
  ]);
  const workflow = workflowResult.status === 'fulfilled' ? workflowResult.value : undefined;
  const source = sourceResult.status === 'fulfilled' ? sourceResult.value : undefined;
  let app: { stop: () => Promise<void> } | undefined;
  try {
    if (!workflow || !source) throw (workflowResult.status === 'rejected' ? workflowResult.reason : (sourceResult as PromiseRejectedResult).reason);
    const migrationId = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
    const prepared = await source.prepare(workflow, migrationId);
    const { input, published } = prepared;
    app = prepared.app;
    out(`[${elapsed().padStart(6)}] source ${source.describe} seeded: sample estate and ${published} messages; migration ${migrationId}\n`);
    const history = new HistoryCounter(loadDefinition(MIGRATION_DEFINITION) as never);
    const progress = progressPrinter(out, started);
    const result = await workflow.runMigration(input, { decide: terminalApprovals(out, options.yes), onEvent: (event) => (history.record(event), progress(event)) });
    const report = await getText({ bucket: workflow.bucket, key: `migrations/${migrationId}/report.md` }).catch(() => undefined);
    out(`\n${report ?? '(no report was written)'}\n`);
    out(`execution ${migrationId}: ${result.status}${result.error ? ` (${result.error}: ${result.cause ?? ''})` : ''}\n`);
    const estimate = history.estimate();
    out(`execution history (as Step Functions would record it): ${estimate.parent} events, ${estimate.children} drain batch executions of at most ${estimate.largestChild} (limit ${estimate.limit} each)\n`);
    out(`end-to-end: ${elapsed()} (brokers booted, ${published} messages moved, report printed)\n`);
    return result.status === 'SUCCEEDED' ? 0 : 4;
  } finally {
    await app?.stop();
    if (options.keep) {
      out(`left running: source pid ${source?.pid ?? '-'}, local services and target broker (data ${dataDir})\n`);
    } else {
      await Promise.allSettled([workflow?.stop(), source?.stop()]);
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
