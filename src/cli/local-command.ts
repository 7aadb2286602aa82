/**
 * `mq-migrate local up | down | status`: the local Amazon MQ (real brokers), Secrets Manager and
 * S3 in one background process (src/local/services.ts), whose pid and endpoints are kept in
 * `<data-dir>/services.json`. `up` prints the standard SDK settings to export, e.g.
 * `eval "$(mq-migrate local up)"`.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { HarnessError } from '../model/errors.js';
import { isAlive, stopPid } from '../local/brokers/process.js';
import { PID_FILE, STATE_FILE, type ServicesState } from '../local/services.js';

export const DEFAULT_DATA_DIR = '.local/services';
export const DEFAULT_PORTS = { mq: 4580, secretsManager: 4581, s3: 4582 } as const;
const SERVICES_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'local', 'services.ts');

async function readState(dataDir: string): Promise<ServicesState | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as ServicesState;
  } catch {
    return undefined;
  }
}

function exportsOf(state: ServicesState): string {
  return Object.entries(state.env).map(([key, value]) => `export ${key}=${value}\n`).join('');
}

export interface LocalUpOptions {
  dataDir: string;
  mqPort: number;
  secretsManagerPort: number;
  s3Port: number;
  timeoutMs?: number;
}

/** Starts the background process unless one runs for this data folder; resolves with its state. */
export async function localUp(options: LocalUpOptions): Promise<{ state: ServicesState; started: boolean }> {
  const dataDir = resolve(options.dataDir);
  const existing = await readState(dataDir);
  if (existing && isAlive(existing.pid)) return { state: existing, started: false };
  await rm(join(dataDir, STATE_FILE), { force: true });
  await mkdir(dataDir, { recursive: true });
  const log = await open(join(dataDir, 'services.log'), 'a');
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', SERVICES_SCRIPT,
      '--data-dir', dataDir,
      '--mq-port', String(options.mqPort),
      '--secrets-manager-port', String(options.secretsManagerPort),
      '--s3-port', String(options.s3Port),
    ],
    { detached: true, stdio: ['ignore', log.fd, log.fd], cwd: process.cwd(), env: process.env },
  );
  child.unref();
  await log.close();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  while (Date.now() < deadline && !exited) {
    const state = await readState(dataDir);
    if (state && state.pid === child.pid) return { state, started: true };
    await sleep(100);
  }
  if (child.pid !== undefined) await stopPid(child.pid, 2000);
  const tail = await readFile(join(dataDir, 'services.log'), 'utf8').catch(() => '');
  throw new HarnessError(`local services did not start (log ${join(dataDir, 'services.log')}):\n${tail.slice(-1500)}`);
}

/** Stops the background process (and with it every local broker); false when none ran. */
export async function localDown(dataDir: string): Promise<boolean> {
  const state = await readState(resolve(dataDir));
  if (!state || !isAlive(state.pid)) {
    await rm(join(resolve(dataDir), STATE_FILE), { force: true });
    return false;
  }
  // The process stops its brokers on SIGTERM before exiting; give it time for that.
  await stopPid(state.pid, 60000);
  await rm(join(resolve(dataDir), STATE_FILE), { force: true });
  await rm(join(resolve(dataDir), PID_FILE), { force: true });
  return true;
}

export async function localStatus(dataDir: string): Promise<{ running: boolean; state?: ServicesState }> {
  const state = await readState(resolve(dataDir));
  return state && isAlive(state.pid) ? { running: true, state } : { running: false };
}

/** One line per broker of the local Amazon MQ: id, name, engine, deployment, state. */
async function listLocalBrokers(endpoint: string): Promise<string[]> {
  try {
    // The local API wants a signature header to be present, not a valid one.
    const response = await fetch(`${endpoint}/v1/brokers`, { headers: { authorization: 'local-status' }, signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { brokerSummaries?: { brokerId: string; brokerName: string; engineType: string; deploymentMode: string; brokerState: string }[] };
    return (body.brokerSummaries ?? []).map((b) => `${b.brokerId} ${b.brokerName} ${b.engineType} ${b.deploymentMode} ${b.brokerState}`);
  } catch {
    return ['(the local Amazon MQ did not answer)'];
  }
}

export function registerLocalCommand(program: Command, out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const local = program.command('local').description('local Amazon MQ (real brokers), Secrets Manager and S3 for development and tests');
  const dataDirOption = ['--data-dir <dir>', 'folder for the services state, broker data and logs', DEFAULT_DATA_DIR] as const;
  const port = (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new HarnessError(`not a port: ${value}`);
    return n;
  };

  local
    .command('up')
    .description('start the local services in the background and print the AWS_ENDPOINT_URL_* settings')
    .option(...dataDirOption)
    .option('--mq-port <port>', 'Amazon MQ API port (0 = any free port)', port, DEFAULT_PORTS.mq)
    .option('--secrets-manager-port <port>', 'Secrets Manager port', port, DEFAULT_PORTS.secretsManager)
    .option('--s3-port <port>', 'S3 port', port, DEFAULT_PORTS.s3)
    .action(async (opts: { dataDir: string; mqPort: number; secretsManagerPort: number; s3Port: number }) => {
      const { state, started } = await localUp(opts);
      out(`# local services ${started ? 'started' : 'already running'} (pid ${state.pid}, data ${resolve(opts.dataDir)})\n`);
      out(exportsOf(state));
    });

  local
    .command('down')
    .description('stop the local services and every local broker (state and data are kept)')
    .option(...dataDirOption)
    .action(async (opts: { dataDir: string }) => {
      out((await localDown(opts.dataDir)) ? 'local services stopped\n' : 'local services were not running\n');
    });

  local
    .command('status')
    .description('report whether the local services run, and where')
    .option(...dataDirOption)
    .action(async (opts: { dataDir: string }) => {
      const status = await localStatus(opts.dataDir);
      if (!status.running || !status.state) {
        out('local services: not running\n');
        process.exitCode = 3;
        return;
      }
      out(`local services: running (pid ${status.state.pid}, since ${status.state.startedAt})\n`);
      out(exportsOf(status.state));
      for (const broker of await listLocalBrokers(status.state.endpoints.mq)) out(`# broker ${broker}\n`);
    });
  return local;
}
