import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ValidationError } from '../model/errors.js';
import { RabbitInventory, summarize } from '../model/inventory.js';
import { RabbitPlan, RabbitPlanOptions, unacceptedBlockers } from '../model/plan.js';
import { parseOrThrow } from '../model/validate.js';
import { collectRabbitInventory, inventoryFromDefinitionsFile } from '../engines/rabbitmq/inventory.js';
import { ManagementClient } from '../engines/rabbitmq/management-client.js';
import { replicateRabbitTopology } from '../engines/rabbitmq/replicate.js';
import { planRabbitMigration } from '../plan/rabbitmq-planner.js';
import { renderPlanMarkdown } from '../plan/report.js';
import { exitCodeFor } from './exit-codes.js';
import { runTopologyDemo } from './demo.js';
import { registerLocalCommand } from './local-command.js';
import { registerOrchestrationCommands } from './orchestration-commands.js';
import { registerFleetCommands } from './fleet-commands.js';

/** Passwords never come on the command line (shell history, `ps`): they come from a variable. */
function passwordFrom(variable: string, field: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new ValidationError(field, `environment variable ${variable} must hold the password`, `${field}: set ${variable} to the password (it is never taken from the command line)`);
  }
  return value;
}

async function readJson(path: string, field: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(field, 'must be a readable file', `${field}: cannot read ${path}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(field, 'must be complete JSON', `${field}: ${path} is not valid JSON (truncated or malformed)`, { cause: error });
  }
}

function managementClient(url: string, user: string, passwordEnv: string, field: string): ManagementClient {
  return new ManagementClient({ url, username: user, password: passwordFrom(passwordEnv, field) });
}

export function buildProgram(out: (text: string) => void): Command {
  const program = new Command('mq-migrate')
    .description('Move an on-premises RabbitMQ or ActiveMQ broker onto Amazon MQ without losing a message')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('inventory')
    .description('inventory a RabbitMQ broker (management API) or a definitions file')
    .option('--management-url <url>', 'management API of the source, e.g. http://rabbit.internal:15672')
    .option('--user <name>', 'management user', 'admin')
    .option('--password-env <variable>', 'environment variable holding the password', 'MQM_SOURCE_PASSWORD')
    .option('--definitions <file>', 'a definitions export (rabbitmqctl export_definitions) instead of a live broker')
    .requiredOption('--out <file>', 'where to write the inventory JSON (it holds password hashes: keep it private)')
    .action(async (opts: { managementUrl?: string; user: string; passwordEnv: string; definitions?: string; out: string }) => {
      if ((opts.managementUrl === undefined) === (opts.definitions === undefined)) {
        throw new ValidationError('--management-url/--definitions', 'exactly one source is required', 'give exactly one of --management-url or --definitions');
      }
      const inventory = opts.definitions
        ? await inventoryFromDefinitionsFile(opts.definitions)
        : await collectRabbitInventory(managementClient(opts.managementUrl ?? '', opts.user, opts.passwordEnv, '--password-env'));
      await writeFile(opts.out, JSON.stringify(inventory, null, 2), { mode: 0o600 });
      out(`inventory of ${inventory.source.endpoint} written to ${opts.out}: ${JSON.stringify(summarize(inventory))}\n`);
    });

  program
    .command('plan')
    .description('check an inventory against Amazon MQ rules and write plan.json and plan.md')
    .requiredOption('--inventory <file>', 'inventory JSON from `mq-migrate inventory`')
    .option('--options <file>', 'plan options JSON (see docs/plan-options.md)')
    .option('--engine-version <version>', 'target RabbitMQ version (3.13, 4.2, 4.3)')
    .addOption(new Option('--deployment-mode <mode>', 'target deployment').choices(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ']))
    .addOption(new Option('--mirrored-queues <choice>', 'what to do with mirrored classic queues').choices(['convert-to-quorum', 'keep-classic']))
    .option('--accept <code...>', 'blocker codes to accept')
    .requiredOption('--out-dir <dir>', 'folder for plan.json and plan.md')
    .action(async (opts: { inventory: string; options?: string; engineVersion?: string; deploymentMode?: string; mirroredQueues?: string; accept?: string[]; outDir: string }) => {
      const inventory = parseOrThrow(RabbitInventory, await readJson(opts.inventory, '--inventory'), 'inventory');
      const fromFile = opts.options ? ((await readJson(opts.options, '--options')) as Record<string, unknown>) : {};
      const options = parseOrThrow(RabbitPlanOptions, {
        ...fromFile,
        ...(opts.engineVersion ? { engineVersion: opts.engineVersion } : {}),
        ...(opts.deploymentMode ? { deploymentMode: opts.deploymentMode } : {}),
        ...(opts.mirroredQueues ? { mirroredQueues: opts.mirroredQueues } : {}),
        ...(opts.accept ? { acceptFindings: opts.accept } : {}),
      }, 'options');
      const plan = planRabbitMigration(inventory, options);
      await mkdir(opts.outDir, { recursive: true });
      const markdown = renderPlanMarkdown(plan, inventory);
      await writeFile(join(opts.outDir, 'plan.json'), JSON.stringify(plan, null, 2));
      await writeFile(join(opts.outDir, 'plan.md'), markdown);
      out(markdown);
      const blockers = unacceptedBlockers(plan);
      if (blockers.length > 0) process.exitCode = 5;
    });

  program
    .command('replicate')
    .description('replicate users, permissions and topology onto a target RabbitMQ (Amazon MQ management endpoint)')
    .requiredOption('--inventory <file>', 'source inventory JSON')
    .requiredOption('--plan <file>', 'plan.json from `mq-migrate plan`')
    .requiredOption('--target-url <url>', 'management API of the target')
    .option('--target-user <name>', 'target administrator', 'admin')
    .option('--target-password-env <variable>', 'environment variable holding the target password', 'MQM_TARGET_PASSWORD')
    .option('--dry-run', 'print the exact changes without applying them', false)
    .action(async (opts: { inventory: string; plan: string; targetUrl: string; targetUser: string; targetPasswordEnv: string; dryRun: boolean }) => {
      const source = parseOrThrow(RabbitInventory, await readJson(opts.inventory, '--inventory'), 'inventory');
      const plan = parseOrThrow(RabbitPlan, await readJson(opts.plan, '--plan'), 'plan');
      const target = managementClient(opts.targetUrl, opts.targetUser, opts.targetPasswordEnv, '--target-password-env');
      const result = await replicateRabbitTopology({ source, plan, target, targetAdminUser: opts.targetUser, dryRun: opts.dryRun });
      for (const change of result.changes) out(`${opts.dryRun ? 'would ' : ''}${change.action} ${change.label}\n`);
      for (const conflict of result.conflicts) out(`conflict: ${conflict.object}: ${conflict.reason}\n`);
      for (const skipped of result.skipped) out(`left alone: ${skipped.object}: ${skipped.reason}\n`);
      out(`${result.summary}${result.verified && result.applied ? '; verified: the target now holds everything the plan promised' : ''}\n`);
      if (opts.dryRun && result.conflicts.length > 0) process.exitCode = 4;
    });

  program
    .command('demo')
    .description('local demo: the real migration state machine between a sample on-premises RabbitMQ (or, with --activemq, ActiveMQ) and a local Amazon MQ broker, then the report')
    .option('--keep', 'leave the brokers running at the end', false)
    .option('--yes', 'approve the cutover without asking', false)
    .option('--messages <n>', 'messages to put on the sample queues first', (v) => Number(v), 10000)
    .option('--verbose', 'print the handlers\' logs', false)
    .option('--topology-only', 'the earlier demo: inventory, plan and replication between two nodes, no state machine', false)
    .option('--activemq', 'migrate a sample ActiveMQ 5.x broker (queues, message groups, an offline durable subscriber) instead of RabbitMQ', false)
    .action(async (opts: { keep: boolean; yes: boolean; messages: number; verbose: boolean; topologyOnly: boolean; activemq: boolean }) => {
      if (opts.topologyOnly) {
        await runTopologyDemo({ out, keep: opts.keep });
        return;
      }
      if (!Number.isInteger(opts.messages) || opts.messages < 0) throw new ValidationError('--messages', 'must be a whole number of messages');
      const { runMigrationDemo } = await import('./migration-demo.js');
      process.exitCode = await runMigrationDemo({ out, keep: opts.keep, yes: opts.yes, messages: opts.messages, verbose: opts.verbose, engine: opts.activemq ? 'ACTIVEMQ' : 'RABBITMQ' });
    });

  registerOrchestrationCommands(program, out);
  registerFleetCommands(program, out);
  registerLocalCommand(program, out);
  return program;
}

export async function main(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const program = buildProgram(out);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
    }
    const named = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`mq-migrate: ${named}\n`);
    return exitCodeFor(error);
  }
}
