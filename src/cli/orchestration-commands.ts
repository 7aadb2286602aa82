/**
 * `mq-migrate start | status | approve | reject | report | drift`: the migration workflow from
 * the command line. Against AWS they use the deployed stack (its outputs, through --stack or
 * MQM_STACK_NAME, or --state-machine-arn and --bucket) with the SDK; with --local they run the same
 * state machine on this machine (src/local/stepfunctions), the execution in the foreground.
 */
import { readActiveMqConfigDir } from '../engines/activemq/activemq-config.js';
import { migrationKey, putDocument } from '../aws/documents.js';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { localExecutionReport, localExecutionStatus } from './local-executions.js';
import { ValidationError } from '../model/errors.js';
import { parseOrThrow } from '../model/validate.js';
import { ApprovalRejectedError } from '../orchestration/errors.js';
import { MigrationIdSchema, MigrationInput } from '../orchestration/input.js';
import type { TaskTokenRequest } from '../local/stepfunctions/runner.js';
import { progressPrinter } from './migration-demo.js';

export const DEFAULT_LOCAL_DIR = '.local/mq-migrate';

interface StackOptions {
  stack?: string;
  stateMachineArn?: string;
  driftStateMachineArn?: string;
  bucket?: string;
}
interface LocalOptions {
  local: boolean;
  dataDir: string;
}

async function readInput(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError('--input', 'must be a readable file', `--input: cannot read ${path}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('--input', 'must be JSON', `--input: ${path} is not valid JSON`);
  }
}

async function refs(opts: StackOptions) {
  const { stackRefs } = await import('../aws/stepfunctions.js');
  const stack = opts.stack ?? process.env.MQM_STACK_NAME;
  if (opts.stateMachineArn && opts.bucket) return { migrationStateMachineArn: opts.stateMachineArn, bucket: opts.bucket, ...(opts.driftStateMachineArn ? { driftStateMachineArn: opts.driftStateMachineArn } : {}) };
  if (!stack) throw new ValidationError('--stack', 'name the deployed stack (--stack or MQM_STACK_NAME), or give --state-machine-arn and --bucket, or use --local');
  return stackRefs(stack);
}

const who = () => process.env.USER ?? process.env.USERNAME ?? 'cli';

function withStack(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed mq-migrate stack (default: $MQM_STACK_NAME)')
    .option('--state-machine-arn <arn>', 'instead of --stack: the migration state machine')
    .option('--drift-state-machine-arn <arn>', 'instead of --stack: the drift-check state machine')
    .option('--bucket <name>', 'instead of --stack: the documents bucket')
    .option('--local', 'run on this machine (local services, local state machine)', false)
    .option('--data-dir <dir>', 'local mode: folder for executions, services and brokers', DEFAULT_LOCAL_DIR);
}

/** Local approvals: the terminal (when there is one), `approve|reject ID --local` from another terminal, or --yes. */
function localDecide(out: (t: string) => void, dataDir: string, name: string, yes: boolean) {
  return async (request: TaskTokenRequest): Promise<unknown> => {
    const kind = String(request.payload.kind);
    const requestedAt = new Date().toISOString();
    if (yes) return { approved: true, by: who(), at: new Date().toISOString(), requestedAt, kind };
    const { waitForLocalAnswer } = await import('../local/stepfunctions/local-workflow.js');
    const controller = new AbortController();
    const waiting: Promise<{ approved: boolean; by: string; reason?: string }>[] = [waitForLocalAnswer(dataDir, name, controller.signal)];
    out(`waiting for the ${kind} approval: answer here, or run \`mq-migrate approve ${name} --local\` / \`mq-migrate reject ${name} --local\`\n`);
    if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      waiting.push(rl.question(`approve the ${kind}? [y/N] `, { signal: controller.signal }).then((a) => ({ approved: /^y(es)?$/i.test(a.trim()), by: who() })).finally(() => rl.close()));
    }
    const answer = await Promise.race(waiting);
    controller.abort();
    if (!answer.approved) throw new ApprovalRejectedError(name, `rejected by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}`);
    return { approved: true, by: answer.by, at: new Date().toISOString(), requestedAt, kind };
  };
}

export function registerOrchestrationCommands(program: Command, out: (text: string) => void): void {
  withStack(program.command('start').description('start a migration (execution name = migration id; a second start is refused)'))
    .requiredOption('--input <file>', 'migration input JSON (see events/migration-input.json); secrets as Secrets Manager ARNs or names')
    .option('--yes', 'local mode: approve without asking', false)
    .option('--activemq-conf <dir>', "ActiveMQ source: its conf folder (activemq.xml, login.config, users/groups properties), uploaded with the migration's documents for the inventory")
    .action(async (opts: StackOptions & LocalOptions & { input: string; yes: boolean; activemqConf?: string }) => {
      const input = parseOrThrow(MigrationInput, await readInput(opts.input), 'input');
      if (opts.activemqConf !== undefined && input.source.engine !== 'ACTIVEMQ') throw new ValidationError('--activemq-conf', 'only for an ACTIVEMQ source', `--activemq-conf: only for an ACTIVEMQ source (the input's source is ${input.source.engine})`);
      // Read before anything starts: a bad folder must not leave a half-started migration.
      const bundle = opts.activemqConf !== undefined ? await readActiveMqConfigDir(opts.activemqConf) : undefined;
      const withBundle = async (bucket: string): Promise<void> => {
        if (!bundle || input.source.engine !== 'ACTIVEMQ') return;
        const stored = await putDocument(bucket, migrationKey(input.migrationId, 'source-activemq-conf.json'), bundle);
        input.source.configuration = { bucket: stored.bucket, key: stored.key };
        out(`uploaded ${Object.keys(bundle.files).length} file(s) of ${opts.activemqConf} to s3://${stored.bucket}/${stored.key}\n`);
      };
      if (!opts.local) {
        const { startMigration } = await import('../aws/stepfunctions.js');
        const stack = await refs(opts);
        await withBundle(stack.bucket);
        const arn = await startMigration(stack, input.migrationId, input);
        out(`started ${arn}\nfollow it with \`mq-migrate status ${input.migrationId}\`; the approval request goes to the approvals topic\n`);
        return;
      }
      const { startLocalWorkflow } = await import('../local/stepfunctions/local-workflow.js');
      const workflow = await startLocalWorkflow({ dataDir: opts.dataDir, reuseRunningServices: true, onNotification: (subject, message) => out(`\n--- ${subject}\n${message}\n---\n`) });
      try {
        await withBundle(workflow.bucket);
        const result = await workflow.runMigration(input, { decide: localDecide(out, opts.dataDir, input.migrationId, opts.yes), onEvent: progressPrinter(out, Date.now()) });
        out(`execution ${input.migrationId}: ${result.status}${result.error ? ` (${result.error}: ${result.cause ?? ''})` : ''}\nreport: mq-migrate report ${input.migrationId} --local\n`);
        if (result.status !== 'SUCCEEDED') process.exitCode = 4;
      } finally {
        await workflow.stop();
      }
    });

  withStack(program.command('status').description("a migration's execution status and current step").argument('<id>', 'migration id'))
    .action(async (id: string, opts: StackOptions & LocalOptions) => {
      parseOrThrow(MigrationIdSchema, id, 'id');
      if (opts.local) {
        out(await localExecutionStatus(opts.dataDir, id, 'migration'));
        return;
      }
      const { migrationStatus, pendingApproval } = await import('../aws/stepfunctions.js');
      const stack = await refs(opts);
      const status = await migrationStatus(stack, id);
      const pending = status.status === 'RUNNING' ? await pendingApproval(stack.bucket, id) : undefined;
      out(`${id}: ${status.status}${status.currentState ? ` at ${status.currentState}` : ''} (started ${status.startedAt ?? '?'})\n`);
      if (pending) out(`waiting for the ${pending.kind} approval since ${pending.requestedAt}: mq-migrate approve ${id} | mq-migrate reject ${id}\n`);
      if (status.error) out(`${status.error}: ${status.cause ?? ''}\nreport: mq-migrate report ${id}\n`);
    });

  for (const approved of [true, false]) {
    const command = withStack(program.command(approved ? 'approve' : 'reject').description(approved ? 'approve the pending cutover (or rollback)' : 'reject the pending cutover (or rollback)').argument('<id>', 'migration id'));
    if (approved) command.option('--go-anyway', 'start the final drain although clients are still connected to the source', false);
    else command.option('--reason <text>', 'why (goes into the report)');
    command.action(async (id: string, opts: StackOptions & LocalOptions & { goAnyway?: boolean; reason?: string }) => {
      parseOrThrow(MigrationIdSchema, id, 'id');
      if (opts.local) {
        const { writeLocalAnswer, writeLocalGoAnyway } = await import('../local/stepfunctions/local-workflow.js');
        if (opts.goAnyway) {
          await writeLocalGoAnyway(opts.dataDir, id, who());
          out('go anyway: the final drain starts at the next check of the source clients\n');
          return;
        }
        await writeLocalAnswer(opts.dataDir, id, { approved, by: who(), ...(opts.reason ? { reason: opts.reason } : {}) });
        out(`${approved ? 'approved' : 'rejected'}: the local execution of ${id} picks it up\n`);
        return;
      }
      const { answerApproval, goAnyway } = await import('../aws/stepfunctions.js');
      const stack = await refs(opts);
      if (opts.goAnyway) {
        await goAnyway(stack.bucket, id, who());
        out('go anyway: the final drain starts at the next check of the source clients\n');
      }
      const kind = await answerApproval(stack, id, { approved, by: who(), ...(opts.reason ? { reason: opts.reason } : {}) }).catch((error: unknown) => {
        if (opts.goAnyway && (error as { name?: string }).name === 'MigrationNotFoundError') return undefined;
        throw error;
      });
      if (kind) out(`${kind} ${approved ? 'approved' : 'rejected'} for ${id}\n`);
    });
  }

  withStack(program.command('report').description("print a migration's report (Markdown, or --json)").argument('<id>', 'migration id'))
    .option('--json', 'the JSON report', false)
    .action(async (id: string, opts: StackOptions & LocalOptions & { json: boolean }) => {
      parseOrThrow(MigrationIdSchema, id, 'id');
      if (opts.local) {
        out(await localExecutionReport(opts.dataDir, id, 'migration'));
        return;
      }
      const { migrationReport } = await import('../aws/stepfunctions.js');
      out(await migrationReport((await refs(opts)).bucket, id, opts.json ? 'json' : 'md'));
    });

  withStack(program.command('drift').description('compare source and target (users, permissions, topology) now; --reconcile writes the differences'))
    .requiredOption('--input <file>', 'drift input JSON (see events/drift.json)')
    .option('--reconcile', 'write what is missing or different onto the target', false)
    .action(async (opts: StackOptions & LocalOptions & { input: string; reconcile: boolean }) => {
      const raw = (await readInput(opts.input)) as Record<string, unknown>;
      const input = { ...raw, reconcile: opts.reconcile || raw.reconcile === true };
      const name = `drift-${String(raw.migrationId ?? 'check')}-${Date.now()}`;
      if (!opts.local) {
        const { startDrift } = await import('../aws/stepfunctions.js');
        out(`started ${await startDrift(await refs(opts), name, input)}\n`);
        return;
      }
      const { startLocalWorkflow } = await import('../local/stepfunctions/local-workflow.js');
      const workflow = await startLocalWorkflow({ dataDir: opts.dataDir, reuseRunningServices: true });
      try {
        const result = await workflow.runDrift({ migrationId: String(raw.migrationId ?? ""), ...input }, name);
        if (result.status !== 'SUCCEEDED') {
          process.exitCode = 4;
          out(`drift check failed: ${result.error}: ${result.cause ?? ''}\n`);
          return;
        }
        const drift = (result.output as { drift: { differences: number; byType: Record<string, number>; reconciled: unknown } }).drift;
        out(`${drift.differences} difference(s) ${JSON.stringify(drift.byType)}${drift.reconciled ? `; reconciled: ${JSON.stringify(drift.reconciled)}` : ''}\n`);
      } finally {
        await workflow.stop();
      }
    });
}
