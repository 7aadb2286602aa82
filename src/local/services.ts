/**
 * All local AWS stand-ins in one process: Amazon MQ (real brokers), Secrets Manager and S3.
 * Production code sees them only through the standard SDK settings this returns in `env`
 * (AWS_ENDPOINT_URL_MQ, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_S3).
 *
 * Run as a program (`node --import tsx src/local/services.ts --data-dir DIR [--mq-port N ...]`) it
 * is the background process of `mq-migrate local up`: it writes `services.pid` and `services.json`
 * (pid, endpoints) in the data folder once listening, and stops everything on SIGTERM/SIGINT.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalMq, type LocalMqServer } from './amazonmq/server.js';
import { startLocalS3 } from './s3/server.js';
import { startLocalSecretsManager } from './secretsmanager/server.js';

export interface LocalEndpoints {
  mq: string;
  secretsManager: string;
  s3: string;
}

export interface LocalServicesOptions {
  dataDir: string;
  /** 0 (default) = any free port. */
  ports?: Partial<Record<keyof LocalEndpoints, number>>;
  region?: string;
  log?: (line: string) => void;
}

export interface LocalServices {
  readonly endpoints: LocalEndpoints;
  /** Standard SDK variables pointing every client at the local services (plus dummy credentials). */
  readonly env: Record<string, string>;
  readonly mq: LocalMqServer;
  /** Stops the services; the brokers too unless `stopBrokers: false` (they are found again at the next start). */
  stop(options?: { stopBrokers?: boolean }): Promise<void>;
}

export const STATE_FILE = 'services.json';
export const PID_FILE = 'services.pid';

export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const region = options.region ?? 'us-east-1';
  const mq = await startLocalMq({ dataDir, region, port: options.ports?.mq ?? 0, ...(options.log ? { log: options.log } : {}) });
  const sm = await startLocalSecretsManager({ dataDir, region, port: options.ports?.secretsManager ?? 0 }).catch(async (error: unknown) => {
    await mq.close();
    throw error;
  });
  const s3 = await startLocalS3({ dataDir, port: options.ports?.s3 ?? 0 }).catch(async (error: unknown) => {
    await Promise.all([mq.close(), sm.close()]);
    throw error;
  });
  const endpoints: LocalEndpoints = { mq: mq.url, secretsManager: sm.url, s3: s3.url };
  return {
    endpoints,
    env: {
      AWS_ENDPOINT_URL_MQ: endpoints.mq,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    mq,
    async stop({ stopBrokers = true } = {}) {
      await Promise.allSettled([mq.close({ stopBrokers }), sm.close(), s3.close()]);
    },
  };
}

/** The content of `services.json` written by the background process. */
export interface ServicesState {
  pid: number;
  startedAt: string;
  endpoints: LocalEndpoints;
  env: Record<string, string>;
}

async function runDaemon(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = (name: string): number => Number(arg(name) ?? '0');
  const dataDir = resolve(arg('--data-dir') ?? '.local/services');
  const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
  const services = await startLocalServices({
    dataDir,
    ports: { mq: port('--mq-port'), secretsManager: port('--secrets-manager-port'), s3: port('--s3-port') },
    log,
  });
  const stateFile = resolve(dataDir, STATE_FILE);
  const state: ServicesState = { pid: process.pid, startedAt: new Date().toISOString(), endpoints: services.endpoints, env: services.env };
  const pidFile = resolve(dataDir, PID_FILE);
  await writeFile(pidFile, `${process.pid}\n`);
  // Written last: its presence means "listening".
  await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n');
  log(`local services up: ${JSON.stringify(services.endpoints)}`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping local services and brokers');
    await services.stop();
    await rm(stateFile, { force: true });
    await rm(pidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runDaemon(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
