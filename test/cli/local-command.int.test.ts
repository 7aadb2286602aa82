import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerLocalCommand } from '../../src/cli/local-command.js';
import { isAlive } from '../../src/local/brokers/process.js';

const run = promisify(execFile);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-cli-'));
});

afterAll(async () => {
  await runLocal('down');
  await rm(dataDir, { recursive: true, force: true });
});

async function runLocal(...args: string[]): Promise<string> {
  let text = '';
  const program = new Command('mq-migrate').exitOverride();
  registerLocalCommand(program, (t) => (text += t));
  await program.parseAsync(['node', 'mq-migrate', 'local', ...args, '--data-dir', dataDir]);
  return text;
}

it('starts the services in the background, prints the endpoint settings, reports and stops them', async () => {
  // Act
  const up = await runLocal('up', '--mq-port', '0', '--secrets-manager-port', '0', '--s3-port', '0');

  // Assess: export lines for the standard SDK variables, and they work for the awscli.
  const env = Object.fromEntries([...up.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['AWS_ENDPOINT_URL_MQ', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_S3']));
  const state = JSON.parse(await readFile(join(dataDir, 'services.json'), 'utf8')) as { pid: number };
  expect(isAlive(state.pid)).toBe(true);
  expect(Number(await readFile(join(dataDir, 'services.pid'), 'utf8'))).toBe(state.pid);
  const { stdout } = await run('aws', ['mq', 'list-brokers', '--output', 'json'], { env: { ...process.env, ...env, AWS_CONFIG_FILE: '/dev/null' } });
  expect(JSON.parse(stdout)).toEqual({ BrokerSummaries: [] });
  expect(await runLocal('up')).toContain('already running');
  const status = await runLocal('status');
  expect(status).toContain(`running (pid ${state.pid}`);
  expect(status).not.toContain('did not answer');

  // Act + assess: down stops the process.
  expect(await runLocal('down')).toBe('local services stopped\n');
  expect(isAlive(state.pid)).toBe(false);
  expect(await runLocal('status')).toBe('local services: not running\n');
  process.exitCode = 0;
});
