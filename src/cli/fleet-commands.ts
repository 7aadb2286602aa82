/**
 * `mq-migrate fleet start | status | report`: several brokers in one run (statemachines/fleet.asl.json).
 * Every member is a migration of its own: `mq-migrate status|approve|reject|report <member id>`
 * work on it as on any migration. Against AWS the fleet state machine comes from the stack's
 * FleetStateMachineArn output (or --fleet-state-machine-arn); --local runs it on this machine.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { localExecutionReport, localExecutionStatus } from './local-executions.js';
import { ValidationError } from '../model/errors.js';
import { parseOrThrow } from '../model/validate.js';
import { ApprovalRejectedError } from '../orchestration/errors.js';
import { fleetKey, FleetInput } from '../orchestration/fleet-input.js';
import { MigrationIdSchema } from '../orchestration/input.js';
import type { EventLog, TaskTokenRequest } from '../local/stepfunctions/runner.js';
import { DEFAULT_LOCAL_DIR } from './orchestration-commands.js';

interface FleetOptions {
  stack?: string;
  fleetStateMachineArn?: string;
  bucket?: string;
  local: boolean;
  dataDir: string;
}

const who = () => process.env.USER ?? process.env.USERNAME ?? 'cli';

function withTarget(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed mq-migrate stack (default: $MQM_STACK_NAME)')
    .option('--fleet-state-machine-arn <arn>', 'instead of --stack: the fleet state machine')
    .option('--bucket <name>', 'instead of --stack: the documents bucket')
    .option('--local', 'run on this machine (local services, local state machines)', false)
    .option('--data-dir <dir>', 'local mode: folder for executions, services and brokers', DEFAULT_LOCAL_DIR);
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new ValidationError('--input', 'must be a readable file', `--input: cannot read ${path}`, { cause: error });
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('--input', 'must be JSON', `--input: ${path} is not valid JSON`);
  }
}

/** The stack's FleetStateMachineArn and DocumentsBucketName outputs, or the explicit options. */
async function fleetRefs(opts: FleetOptions): Promise<{ fleetStateMachineArn: string; bucket: string }> {
  if (opts.fleetStateMachineArn && opts.bucket) return { fleetStateMachineArn: opts.fleetStateMachineArn, bucket: opts.bucket };
  const stack = opts.stack ?? process.env.MQM_STACK_NAME;
  if (!stack) throw new ValidationError('--stack', 'name the deployed stack (--stack or MQM_STACK_NAME), or give --fleet-state-machine-arn and --bucket, or use --local');
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const outputs = (await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0]?.Outputs ?? [];
  const output = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const fleetStateMachineArn = opts.fleetStateMachineArn ?? output('FleetStateMachineArn');
  const bucket = opts.bucket ?? output('DocumentsBucketName');
  if (!fleetStateMachineArn || !bucket) throw new ValidationError('--stack', `stack ${stack} has no FleetStateMachineArn/DocumentsBucketName outputs (a stack from before fleet mode?)`);
  return { fleetStateMachineArn, bucket };
}

/**
 * Local approvals of a fleet: members ask side by side, so not at the terminal's one prompt but
 * by `mq-migrate approve|reject <member id> --local` from another terminal (or --yes for all).
 */
function fleetDecide(out: (t: string) => void, dataDir: string, yes: boolean) {
  return async (request: TaskTokenRequest): Promise<unknown> => {
    const id = String(request.payload.migrationId);
    const kind = String(request.payload.kind);
    const requestedAt = new Date().toISOString();
    if (yes) return { approved: true, by: who(), at: requestedAt, requestedAt, kind };
    out(`[${id}] waiting for the ${kind} approval: mq-migrate approve ${id} --local | mq-migrate reject ${id} --local\n`);
    const { waitForLocalAnswer } = await import('../local/stepfunctions/local-workflow.js');
    const answer = await waitForLocalAnswer(dataDir, id, new AbortController().signal);
    if (!answer.approved) throw new ApprovalRejectedError(id, `rejected by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}`);
    return { approved: true, by: answer.by, at: new Date().toISOString(), requestedAt, kind };
  };
}

/** One line per member step (the members' top-level states), and the fleet's own steps. */
export function fleetProgressPrinter(out: (text: string) => void, started: number): (event: EventLog) => void {
  const t = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  return (event) => {
    const name = event.state?.name ?? '';
    if (event.type === 'StateEntered' && event.index === undefined && !['Choice', 'Pass', 'Wait'].includes(event.state?.type ?? '') && !['DescribeBroker', 'DescribeRebootingBroker'].includes(name)) {
      out(`${t()} ${event.execution ? `[${event.execution}] ` : ''}${name}\n`);
    }
    if (event.type === 'StateFailed' && event.execution) out(`${t()} [${event.execution}]   ${name}: ${event.Error ?? 'error'}\n`);
  };
}

export function registerFleetCommands(program: Command, out: (text: string) => void): void {
  const fleet = program.command('fleet').description('several source brokers and their targets in one run, one report (see events/fleet-input.json)');

  withTarget(fleet.command('start').description('start a fleet (execution name = fleet id; members run as migrations named by their ids)'))
    .requiredOption('--input <file>', 'fleet input JSON (see events/fleet-input.json)')
    .option('--yes', 'local mode: approve every member without asking', false)
    .action(async (opts: FleetOptions & { input: string; yes: boolean }) => {
      // Validated here too: a bad fleet is refused before anything starts, with the member's field.
      const input = parseOrThrow(FleetInput, await readJson(opts.input), 'input');
      if (!opts.local) {
        const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        const refs = await fleetRefs(opts);
        const started = await new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: refs.fleetStateMachineArn, name: input.fleetId, input: JSON.stringify(input) })).catch((error: unknown) => {
          if ((error as { name?: string }).name === 'ExecutionAlreadyExists') throw new ValidationError('input.fleetId', 'must be new', `fleet ${input.fleetId} already ran or runs: execution names are unique`);
          throw error;
        });
        out(`started ${started.executionArn ?? input.fleetId}: ${input.members.length} member(s)\nfollow each with \`mq-migrate status <member id>\`; the fleet report: \`mq-migrate fleet report ${input.fleetId}\`\n`);
        return;
      }
      const { startLocalWorkflow } = await import('../local/stepfunctions/local-workflow.js');
      const workflow = await startLocalWorkflow({ dataDir: opts.dataDir, reuseRunningServices: true, onNotification: (subject) => out(`--- ${subject}\n`) });
      try {
        const result = await workflow.runFleet(input, { decide: fleetDecide(out, opts.dataDir, opts.yes), onEvent: fleetProgressPrinter(out, Date.now()) });
        out(`fleet ${input.fleetId}: ${result.status}${result.error ? ` (${result.error}: ${result.cause ?? ''})` : ''}\nreport: mq-migrate fleet report ${input.fleetId} --local\n`);
        if (result.status !== 'SUCCEEDED') process.exitCode = 4;
      } finally {
        await workflow.stop();
      }
    });

  withTarget(fleet.command('status').description("a fleet's execution status").argument('<id>', 'fleet id'))
    .action(async (id: string, opts: FleetOptions) => {
      parseOrThrow(MigrationIdSchema, id, 'id');
      if (opts.local) {
        out(await localExecutionStatus(opts.dataDir, id, 'fleet'));
        return;
      }
      const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
      const refs = await fleetRefs(opts);
      const described = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: `${refs.fleetStateMachineArn.replace(':stateMachine:', ':execution:')}:${id}` }));
      out(`${id}: ${described.status ?? 'UNKNOWN'} (started ${described.startDate?.toISOString() ?? '?'})${described.error ? `\n${described.error}: ${described.cause ?? ''}` : ''}\n`);
    });

  withTarget(fleet.command('report').description("print a fleet's report (Markdown, or --json)").argument('<id>', 'fleet id'))
    .option('--json', 'the JSON report', false)
    .action(async (id: string, opts: FleetOptions & { json: boolean }) => {
      parseOrThrow(MigrationIdSchema, id, 'id');
      if (opts.local && opts.json) throw new ValidationError('--json', 'not with --local', '--json: the local fleet keeps the Markdown report (executions/<id>.report.md); the JSON is in the local S3 while `mq-migrate local up` runs');
      if (opts.local) {
        out(await localExecutionReport(opts.dataDir, id, 'fleet'));
        return;
      }
      const { getText } = await import('../aws/documents.js');
      out(await getText({ bucket: (await fleetRefs(opts)).bucket, key: fleetKey(id, opts.json ? 'report.json' : 'report.md') }));
    });
}
