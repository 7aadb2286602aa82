/**
 * Two ways to speak to the local Amazon MQ for conformance tests: @aws-sdk/client-mq and the
 * installed awscli (`aws mq ... --cli-input-json`). Both take and return Amazon MQ's member names
 * (PascalCase), so one scenario drives both.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as sdk from '@aws-sdk/client-mq';

const run = promisify(execFile);

export interface ApiFailure {
  type: string;
  message: string;
  attribute?: string;
}

export type Doc = Record<string, any>;

export interface Driver {
  readonly name: string;
  call(operation: string, input: Doc): Promise<Doc>;
}

export function isFailure(value: unknown): value is ApiFailure {
  return typeof value === 'object' && value !== null && 'type' in value && 'message' in value;
}

export function sdkDriver(endpoint: string): Driver {
  const client = new sdk.MqClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    name: 'sdk',
    async call(operation, input) {
      const Command = (sdk as unknown as Record<string, new (input: Doc) => sdk.ServiceInputTypes>)[`${operation}Command`];
      if (!Command) throw new Error(`no command ${operation}`);
      try {
        const { $metadata: _, ...output } = (await client.send(new Command(input) as never)) as Doc;
        return output;
      } catch (error) {
        const e = error as { name: string; message: string; ErrorAttribute?: string };
        if (e.name === 'Error' || e.name === 'TypeError') throw error;
        const failure: ApiFailure = { type: e.name, message: e.message, ...(e.ErrorAttribute !== undefined ? { attribute: e.ErrorAttribute } : {}) };
        throw failure;
      }
    },
  };
}

const kebab = (operation: string): string => operation.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

export function cliDriver(endpoint: string): Driver {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  return {
    name: 'cli',
    async call(operation, input) {
      try {
        const { stdout } = await run('aws', ['mq', kebab(operation), '--endpoint-url', endpoint, '--output', 'json', '--cli-input-json', JSON.stringify(input)], { env });
        return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Doc);
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? '');
        const m = /An error occurred \((\w+)\) when calling the \w+ operation: (.*)/s.exec(stderr);
        if (!m) throw new Error(`aws mq ${kebab(operation)} failed: ${stderr}`);
        const failure: ApiFailure = { type: m[1] ?? '', message: (m[2] ?? '').trim() };
        throw failure;
      }
    },
  };
}

/** The failure of a call that must fail. */
export async function failureOf(promise: Promise<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    if (isFailure(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Polls DescribeBroker until the state is one of `states`; returns the last description. */
export async function waitForState(driver: Driver, brokerId: string, states: readonly string[], timeoutMs = 90000): Promise<Doc> {
  const deadline = Date.now() + timeoutMs;
  let last: Doc = {};
  while (Date.now() < deadline) {
    last = await driver.call('DescribeBroker', { BrokerId: brokerId });
    if (states.includes(String(last['BrokerState']))) return last;
    await sleep(300);
  }
  throw new Error(`broker ${brokerId} stayed ${String(last['BrokerState'])}, expected ${states.join('/')}`);
}

/** Polls until DescribeBroker answers NotFoundException. */
export async function waitForGone(driver: Driver, brokerId: string, timeoutMs = 60000): Promise<ApiFailure> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await driver.call('DescribeBroker', { BrokerId: brokerId });
    } catch (error) {
      if (isFailure(error) && error.type === 'NotFoundException') return error;
      throw error;
    }
    await sleep(300);
  }
  throw new Error(`broker ${brokerId} was not deleted`);
}

/**
 * Sends a STOMP CONNECT and returns the first frame's command (CONNECTED or ERROR), or CLOSED
 * when the broker hangs up without a frame: ActiveMQ does that for a refused login now and then
 * (2 of 150 wrong-password connects measured here), so callers treat ERROR and CLOSED alike.
 */
export function stompConnect(port: number, login: string, passcode: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no STOMP frame from port ${port}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`CONNECT\naccept-version:1.2\nhost:localhost\nlogin:${login}\npasscode:${passcode}\n\n\0`));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('\0')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.replace(/^\n+/, '').split('\n')[0] ?? '');
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('CLOSED');
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The port of the first endpoint with the given scheme in a DescribeBroker answer. */
export function portOf(description: Doc, scheme: string): number {
  const endpoints: string[] = description['BrokerInstances']?.[0]?.['Endpoints'] ?? [];
  const url = endpoints.find((e) => e.startsWith(`${scheme}://`));
  if (!url) throw new Error(`no ${scheme} endpoint in ${JSON.stringify(endpoints)}`);
  return Number(new URL(url.replace(/^[a-z+]+:/, 'http:')).port);
}
