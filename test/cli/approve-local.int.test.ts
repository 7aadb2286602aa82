import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { prepareSourceAndInput } from '../../src/cli/migration-demo.js';
import { isAlive, stopPid } from '../../src/local/brokers/process.js';
import { startRabbitNode, type RabbitNode } from '../../src/local/brokers/rabbitmq-node.js';
import type { ServicesState } from '../../src/local/services.js';
import type { ExecutionRecord, LocalWorkflow } from '../../src/local/stepfunctions/local-workflow.js';

/**
 * The approval gate of `mq-migrate start --local` answered from another process: the migration
 * runs in a `start` child (stdin not a terminal, no --yes), the local services in the background
 * of `mq-migrate local up`, so that the test, the `start` child and the `approve` / `reject`
 * children all reach the same Secrets Manager and S3, and the same answers folder.
 */
const BIN = new URL('../../bin/mq-migrate.js', import.meta.url).pathname;
let dataDir: string;
let source: RabbitNode;
let services: ServicesState;
const children = new Set<ChildProcess>();

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function cli(...args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: process.cwd(), env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => (children.delete(child), resolve(code))));
  return { process: child, output: () => text, exited };
}

/** A short command: its output, and exit code 0 expected. */
async function run(...args: string[]): Promise<string> {
  const child = cli(...args);
  const code = await child.exited;
  expect([args.slice(0, 2).join(' '), code, code === 0 ? '' : child.output()]).toEqual([args.slice(0, 2).join(' '), 0, '']);
  return child.output();
}

/** Waits until the child has printed `text` (fails early if it exits first). */
async function printed(child: Child, text: string, timeoutMs: number): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!child.output().includes(text)) {
    if (exited) throw new Error(`the child exited before printing "${text}":\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${child.output()}`);
    await sleep(250);
  }
}

/** The source seeded lightly, its secrets in the background Secrets Manager, and the input file for `start`. */
async function inputFile(migrationId: string): Promise<{ file: string; published: number }> {
  const secrets = new SecretsManagerClient({ endpoint: services.endpoints.secretsManager, region: services.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  // What prepareSourceAndInput uses of a workflow: its folder (the parameter store) and putSecret.
  const workflow = {
    dataDir,
    async putSecret(name: string, value: { username: string; password: string }) {
      const SecretString = JSON.stringify(value);
      await secrets.send(new CreateSecretCommand({ Name: name, SecretString })).catch(async (error: unknown) => {
        if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
        await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
      });
    },
  } as Pick<LocalWorkflow, 'dataDir' | 'putSecret'> as LocalWorkflow;
  const { input, published } = await prepareSourceAndInput(workflow, source, { migrationId, messages: 60 });
  const file = join(dataDir, `${migrationId}.input.json`);
  await writeFile(file, JSON.stringify(input));
  return { file, published };
}

const record = async (id: string) => JSON.parse(await readFile(join(dataDir, 'executions', `${id}.json`), 'utf8')) as ExecutionRecord;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'approve-local-'));
  const up = cli('local', 'up', '--data-dir', join(dataDir, 'services'), '--mq-port', '0', '--secrets-manager-port', '0', '--s3-port', '0');
  [source] = await Promise.all([startRabbitNode(), up.exited]);
  services = JSON.parse(await readFile(join(dataDir, 'services', 'services.json'), 'utf8')) as ServicesState;
  expect(isAlive(services.pid)).toBe(true);
}, 180_000);

afterAll(async () => {
  // Whatever failed: no child left running, the background services (and the targets they run) down, the source stopped.
  await Promise.allSettled([...children].map((child) => (child.pid !== undefined ? stopPid(child.pid, 10_000) : undefined)));
  const down = spawn(process.execPath, [BIN, 'local', 'down', '--data-dir', join(dataDir, 'services')], { stdio: 'ignore' });
  await new Promise((resolve) => down.once('close', resolve));
  if (services && isAlive(services.pid)) await stopPid(services.pid, 30_000);
  await source?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

it('start --local waits at the approval gate for `approve --local` from another process, then succeeds with the report', async () => {
  // Prepare
  const { file, published } = await inputFile('cli-approve');

  // Act: the migration in the foreground of its own process, no --yes, no terminal.
  const start = cli('start', '--input', file, '--local', '--data-dir', dataDir);
  await printed(start, 'waiting for the cutover approval', 200_000);

  // Assess: it waits (no automatic approval without a terminal) while running.
  await sleep(2000);
  expect(start.process.exitCode).toBeNull();
  expect(start.output()).not.toMatch(/approved automatically|execution cli-approve:/);
  expect((await record('cli-approve')).status).toBe('RUNNING');
  expect(await run('status', 'cli-approve', '--local', '--data-dir', dataDir)).toContain('cli-approve: RUNNING');

  // Act: the answer from a second process.
  expect(await run('approve', 'cli-approve', '--local', '--data-dir', dataDir)).toContain('approved: the local execution of cli-approve picks it up');

  // Assess
  expect([await start.exited, start.output()]).toEqual([0, expect.stringContaining('execution cli-approve: SUCCEEDED')]);
  expect(await record('cli-approve')).toMatchObject({ status: 'SUCCEEDED' });
  const report = await run('report', 'cli-approve', '--local', '--data-dir', dataDir);
  expect(report).toContain('# Migration cli-approve: SUCCEEDED');
  expect(report).toContain(`${published} message(s) moved`);
  expect(report).toContain('Every queue verified');
  expect(report).toMatch(/approved by \S+ at /);
}, 300_000);

it('`reject --local --reason` ends the start child failed with ApprovalRejectedError; the rollback gate is answered the same way', async () => {
  // Prepare
  const { file, published } = await inputFile('cli-reject');
  const start = cli('start', '--input', file, '--local', '--data-dir', dataDir);
  await printed(start, 'waiting for the cutover approval', 200_000);

  // Act: reject the cutover, then accept the rollback it offers.
  expect(await run('reject', 'cli-reject', '--local', '--data-dir', dataDir, '--reason', 'not tonight')).toContain('rejected: the local execution of cli-reject picks it up');
  await printed(start, 'waiting for the rollback approval', 120_000);
  await run('approve', 'cli-reject', '--local', '--data-dir', dataDir);

  // Assess
  const code = await start.exited;
  expect(code).not.toBe(0);
  expect(code).toBe(4);
  expect(start.output()).toMatch(/execution cli-reject: FAILED \(ApprovalRejectedError: .*not tonight/);
  expect(await record('cli-reject')).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
  const report = await run('report', 'cli-reject', '--local', '--data-dir', dataDir);
  expect(report).toContain('# Migration cli-reject: REJECTED');
  expect(report).toMatch(/\*\*ApprovalRejectedError\*\*: .*not tonight/);
  expect(report).not.toContain('## Cutover');
  expect(report).toContain(`Reverse drain done: ${published} message(s) moved back to the source`);
}, 300_000);
