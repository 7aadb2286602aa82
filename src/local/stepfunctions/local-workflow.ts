/**
 * The migration workflow on this machine: the local AWS services (src/local/services.ts: Amazon
 * MQ with real brokers, Secrets Manager, S3), the real state machine definitions run by
 * aws-local-stepfunctions, and the real Lambda handlers in-process, their SDK clients pointed at
 * the local services by the standard AWS_ENDPOINT_URL_* variables. SNS, EventBridge, SSM and
 * Route 53 have no local service here: their ports get the in-process stand-ins of in-process.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MigrationExistsError, MigrationNotFoundError } from '../../orchestration/errors.js';
import { getText, putDocument } from '../../aws/documents.js';
import { isAlive } from '../brokers/process.js';
import { STATE_FILE, startLocalServices, type LocalServices, type ServicesState } from '../services.js';
import { fileDnsZone, fileEventPublisher, fileNotifier, fileParameterStore } from './in-process.js';
import { runLocalExecution, type EventLog, type LocalExecutionResult, type LocalFunction, type LocalRunOptions, type TaskTokenRequest } from './runner.js';

export const LOCAL_BUCKET = 'mq-migrate-local';
export const MIGRATION_DEFINITION = new URL('../../../statemachines/migration.asl.json', import.meta.url);
export const DRIFT_DEFINITION = new URL('../../../statemachines/drift-check.asl.json', import.meta.url);
export const FLEET_DEFINITION = new URL('../../../statemachines/fleet.asl.json', import.meta.url);

export interface LocalWorkflowOptions {
  dataDir: string;
  /** Approval requests as the approvers would read them. */
  onNotification?: (subject: string, message: string) => void;
  /** Handler logs: SILENT (default), or INFO, DEBUG... */
  logLevel?: string;
  /** Use the services of a running `mq-migrate local up --data-dir <dataDir>/services` instead of starting them in-process. */
  reuseRunningServices?: boolean;
}

export interface ExecutionRecord {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  stoppedAt?: string;
  error?: string;
  cause?: string;
  output?: unknown;
}

export interface LocalRunHooks {
  decide: (request: TaskTokenRequest) => Promise<unknown>;
  onEvent?: (event: EventLog) => void;
  /** Wraps a function (tests: make a step misbehave). */
  wrap?: Partial<Record<string, (original: LocalFunction) => LocalFunction>>;
}

export interface LocalWorkflow {
  readonly services: LocalServices;
  readonly dataDir: string;
  readonly bucket: string;
  readonly events: ReturnType<typeof fileEventPublisher>;
  putSecret(name: string, value: { username: string; password: string }): Promise<void>;
  runMigration(input: { migrationId: string } & Record<string, unknown>, hooks: LocalRunHooks): Promise<LocalExecutionResult>;
  runDrift(input: { migrationId: string } & Record<string, unknown>, name: string): Promise<LocalExecutionResult>;
  /**
   * A fleet (statemachines/fleet.asl.json): each member runs as a migration execution of its own
   * (recorded under its migration id like runMigration's), `hooks` answering every member's gates.
   */
  runFleet(input: { fleetId: string } & Record<string, unknown>, hooks: LocalRunHooks): Promise<LocalExecutionResult>;
  execution(name: string): Promise<ExecutionRecord>;
  stop(): Promise<void>;
}

const FUNCTIONS = ['Inventory', 'Plan', 'Provision', 'DescribeBroker', 'Replicate', 'PrepareDrain', 'Drain', 'Approval', 'Cutover', 'WaitForClients', 'Verify', 'Report', 'Rollback', 'Drift'] as const;
const folderOf = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** The services of a running `mq-migrate local up` for this folder, if any (stopping them is `local down`'s job). */
async function runningServices(dir: string): Promise<LocalServices | undefined> {
  try {
    const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as ServicesState;
    if (!isAlive(state.pid)) return undefined;
    return { endpoints: state.endpoints, env: state.env, mq: undefined as never, stop: async () => undefined };
  } catch {
    return undefined;
  }
}

/** Answers given by `mq-migrate approve|reject ID --local` from another terminal. */
export const answerFile = (dataDir: string, name: string) => join(resolve(dataDir), 'answers', `${name}.json`);

export async function writeLocalAnswer(dataDir: string, name: string, answer: { approved: boolean; by: string; reason?: string; goAnyway?: boolean }): Promise<void> {
  await mkdir(join(resolve(dataDir), 'answers'), { recursive: true });
  await writeFile(answerFile(dataDir, name), JSON.stringify({ ...answer, at: new Date().toISOString() }));
}

export const goAnywayFile = (dataDir: string, name: string) => join(resolve(dataDir), 'answers', `${name}.go-anyway.json`);

export async function writeLocalGoAnyway(dataDir: string, name: string, by: string): Promise<void> {
  await mkdir(join(resolve(dataDir), 'answers'), { recursive: true });
  await writeFile(goAnywayFile(dataDir, name), JSON.stringify({ goAnyway: true, by, at: new Date().toISOString() }));
}

/** Waits for an answer file for `name`, consuming it. */
export async function waitForLocalAnswer(dataDir: string, name: string, signal: AbortSignal): Promise<{ approved: boolean; by: string; reason?: string; at: string }> {
  const { rm } = await import('node:fs/promises');
  const { setTimeout: sleep } = await import('node:timers/promises');
  while (!signal.aborted) {
    try {
      const answer = JSON.parse(await readFile(answerFile(dataDir, name), 'utf8')) as { approved: boolean; by: string; reason?: string; at: string };
      await rm(answerFile(dataDir, name), { force: true });
      return answer;
    } catch {
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  }
  throw new Error('aborted');
}

export async function startLocalWorkflow(options: LocalWorkflowOptions): Promise<LocalWorkflow> {
  const dataDir = resolve(options.dataDir);
  await mkdir(join(dataDir, 'executions'), { recursive: true });
  const running = options.reuseRunningServices ? await runningServices(join(dataDir, 'services')) : undefined;
  const services = running ?? (await startLocalServices({ dataDir: join(dataDir, 'services') }));
  try {
    // Before any handler module loads: they read their configuration at import, as at a cold start.
    Object.assign(process.env, services.env, {
      DOCUMENTS_BUCKET: LOCAL_BUCKET,
      APPROVAL_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:mq-migrate-local-approvals',
      EVENT_BUS_NAME: 'default',
      POWERTOOLS_SERVICE_NAME: 'mq-migrate',
      POWERTOOLS_METRICS_NAMESPACE: 'MqMigrate',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_BUCKET })).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    const secrets = new SecretsManagerClient({});
    const fakes = join(dataDir, 'in-process');
    const events = fileEventPublisher(fakes);
    const notifier = fileNotifier(fakes, options.onNotification ?? (() => undefined));

    const functions: Record<string, LocalFunction> = {};
    for (const name of FUNCTIONS) {
      const module = (await import(`../../../functions/${folderOf(name)}/handler.ts`)) as Record<string, unknown> & { handler: LocalFunction; makeHandler: (deps: never) => LocalFunction };
      functions[`${name}Function`] = module.handler;
    }
    // The ports without a local service get their in-process stand-ins.
    const approval = await import('../../../functions/approval/handler.js');
    functions.ApprovalFunction = approval.makeHandler({ bucket: LOCAL_BUCKET, notifier }) as LocalFunction;
    const report = await import('../../../functions/report/handler.js');
    functions.ReportFunction = report.makeHandler({ ...report.defaultReportDeps(), events }) as LocalFunction;
    const drift = await import('../../../functions/drift/handler.js');
    functions.DriftFunction = drift.makeHandler({ ...drift.defaultDriftDeps(), events }) as LocalFunction;
    const cutover = await import('../../../functions/cutover/handler.js');
    functions.CutoverFunction = cutover.makeHandler({ parameters: fileParameterStore(fakes), dns: fileDnsZone(fakes) }) as LocalFunction;
    // The fleet's own steps (the members' are the functions above).
    const fleetPrepare = await import('../../../functions/fleet-prepare/handler.js');
    functions.FleetPrepareFunction = fleetPrepare.makeHandler({ bucket: LOCAL_BUCKET }) as LocalFunction;
    const fleetReport = await import('../../../functions/fleet-report/handler.js');
    functions.FleetReportFunction = fleetReport.makeHandler({ ...fleetReport.defaultFleetReportDeps(), events }) as LocalFunction;

    const recordPath = (name: string) => join(dataDir, 'executions', `${name}.json`);
    const execution = async (name: string): Promise<ExecutionRecord> => {
      try {
        return JSON.parse(await readFile(recordPath(name), 'utf8')) as ExecutionRecord;
      } catch {
        throw new MigrationNotFoundError(name, `no local execution under ${join(dataDir, 'executions')}`);
      }
    };
    const run = async (definition: string | URL, input: unknown, name: string, hooks: LocalRunHooks, nested: Pick<LocalRunOptions, 'stateMachines' | 'runChild'> = {}) => {
      // Execution names are unique, as in Step Functions: a second start is refused.
      const exists = await execution(name).then(() => true, () => false);
      if (exists) throw new MigrationExistsError(name);
      const startedAt = new Date().toISOString();
      await writeFile(recordPath(name), JSON.stringify({ name, status: 'RUNNING', startedAt } satisfies ExecutionRecord, null, 2), { flag: 'wx' }).catch(() => {
        throw new MigrationExistsError(name);
      });
      const wrapped = Object.fromEntries(Object.entries(functions).map(([logical, fn]) => [logical, hooks.wrap?.[logical]?.(fn) ?? fn]));
      // `approve ID --go-anyway --local` leaves a file; the client check finds it where the deployed one would (S3).
      const checkClients = wrapped.WaitForClientsFunction;
      if (checkClients) {
        wrapped.WaitForClientsFunction = async (event, context) => {
          const flag = await readFile(goAnywayFile(dataDir, name), 'utf8').catch(() => undefined);
          if (flag !== undefined) await putDocument(LOCAL_BUCKET, `migrations/${name}/approvals/go-anyway.json`, JSON.parse(flag) as unknown);
          return checkClients(event, context);
        };
      }
      const result = await runLocalExecution(definition, input, name, { functions: wrapped, decide: hooks.decide, ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}), ...nested });
      const record: ExecutionRecord = { name, status: result.status, startedAt: result.startedAt, stoppedAt: result.stoppedAt, ...(result.error ? { error: result.error } : {}), ...(result.cause ? { cause: result.cause } : {}), ...(result.output !== undefined ? { output: result.output } : {}) };
      await writeFile(recordPath(name), JSON.stringify(record, null, 2));
      // A copy of the report beside the record, for `mq-migrate report ID --local` without the services.
      const markdown = await getText({ bucket: LOCAL_BUCKET, key: `migrations/${name}/report.md` }).catch(() => undefined);
      if (markdown !== undefined) await writeFile(join(dataDir, 'executions', `${name}.report.md`), markdown);
      return result;
    };

    return {
      services,
      dataDir,
      bucket: LOCAL_BUCKET,
      events,
      async putSecret(name, value) {
        const SecretString = JSON.stringify(value);
        await secrets.send(new CreateSecretCommand({ Name: name, SecretString })).catch(async (error: unknown) => {
          if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
          await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
        });
      },
      runMigration: (input, hooks) => run(MIGRATION_DEFINITION, input, input.migrationId, hooks),
      runDrift: (input, name) => run(DRIFT_DEFINITION, input, name, { decide: async () => ({}) }),
      async runFleet(input, hooks) {
        const onEvent = hooks.onEvent;
        const result = await run(FLEET_DEFINITION, input, input.fleetId, hooks, {
          stateMachines: { MigrationStateMachine: MIGRATION_DEFINITION },
          // Members are migrations of their own: recorded (and refused a second start) as runMigration's.
          runChild: (child) =>
            run(child.definition, child.input, child.name, { ...hooks, ...(onEvent ? { onEvent: (event: EventLog) => onEvent({ ...event, execution: event.execution ?? child.name }) } : {}) }).catch((error: unknown) => {
              // What StartExecution answers for a name already used.
              if (error instanceof MigrationExistsError) throw Object.assign(new Error(error.message), { name: 'StepFunctions.ExecutionAlreadyExistsException' });
              throw error;
            }),
        });
        const markdown = await getText({ bucket: LOCAL_BUCKET, key: `fleets/${input.fleetId}/report.md` }).catch(() => undefined);
        if (markdown !== undefined) await writeFile(join(dataDir, 'executions', `${input.fleetId}.report.md`), markdown);
        return result;
      },
      execution,
      stop: () => services.stop(),
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}
