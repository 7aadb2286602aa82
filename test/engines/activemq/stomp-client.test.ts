import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { parseStompUrl, StompClient } from '../../../src/engines/activemq/stomp-client.js';

const run = promisify(execFile);

/** A STOMP server that answers the n-th connection (1-based) as `answer(n)` says. */
async function fakeBroker(answer: (n: number, socket: Socket) => void): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    const n = count;
    socket.once('data', () => answer(n, socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

const refusal = 'ERROR\nmessage:User name [app] or password is invalid.\n\n\0';
const options = (port: number) => ({ host: '127.0.0.1', port, login: 'app', passcode: 'wrong-password', connectTimeoutMs: 5000 });

describe('StompClient.connect', () => {
  it('tries again after a hang-up without a frame and reports the refusal the retry gets', async () => {
    // ActiveMQ closes some refused logins without flushing the ERROR frame.
    const broker = await fakeBroker((n, socket) => (n === 1 ? socket.destroy() : socket.end(refusal)));
    try {
      await expect(StompClient.connect(options(broker.port))).rejects.toMatchObject({ name: 'BrokerAuthError' });
      expect(broker.connections()).toBe(2);
    } finally {
      broker.server.close();
    }
  });

  it('gives up after three hang-ups with a connection error, well before the connect timeout', async () => {
    const broker = await fakeBroker((_n, socket) => socket.destroy());
    const started = Date.now();
    try {
      await expect(StompClient.connect({ ...options(broker.port), connectTimeoutMs: 60000 })).rejects.toMatchObject({ name: 'StompConnectionError', message: expect.stringContaining('before answering CONNECT') });
      expect(broker.connections()).toBe(3);
      // Not the 60 s timer: the hang-up itself ends each attempt.
      expect(Date.now() - started).toBeLessThan(30000);
    } finally {
      broker.server.close();
    }
  });
});

// ---- STOMP over TLS (Amazon MQ for ActiveMQ opens only stomp+ssl://host:61614) ----

let certDir: string;
let tlsKey: string;
let tlsCert: string;
/** Another self-signed certificate, for a name the tests never connect to. */
let otherKey: string;
let otherCert: string;

async function selfSigned(name: string, subjectAltName: string): Promise<[key: string, cert: string]> {
  const key = join(certDir, `${name}-key.pem`);
  const cert = join(certDir, `${name}-cert.pem`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${subjectAltName}`, '-keyout', key, '-out', cert]);
  return Promise.all([readFile(key, 'utf8'), readFile(cert, 'utf8')]);
}

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1 from the openssl CLI (the test needs it installed).
  certDir = await mkdtemp(join(tmpdir(), 'stomp-tls-'));
  [tlsKey, tlsCert] = await selfSigned('mq-migrate-test', 'IP:127.0.0.1,DNS:localhost');
  [otherKey, otherCert] = await selfSigned('other-broker', 'DNS:other-broker.example');
});

afterAll(async () => {
  await rm(certDir, { recursive: true, force: true });
});

/** A STOMP-over-TLS server: records each CONNECT frame and answers as `answer(n)` says. */
async function fakeTlsBroker(answer: (n: number, socket: TLSSocket, connectFrame: string) => void, identity = { key: tlsKey, cert: tlsCert }): Promise<{ server: TlsServer; port: number; connections: () => number }> {
  let count = 0;
  const server = createTlsServer(identity, (socket) => {
    count += 1;
    const n = count;
    socket.once('data', (chunk: Buffer) => answer(n, socket, chunk.toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

/** Answers CONNECT with CONNECTED and every framed command with its RECEIPT. */
function stompAnswer(frames: string[]) {
  return (_n: number, socket: TLSSocket, first: string) => {
    frames.push(first);
    socket.write('CONNECTED\nversion:1.2\nserver:fake-tls\n\n\0');
    socket.on('data', (chunk: Buffer) => {
      for (const frame of chunk.toString('utf8').split('\0').filter((f) => f.trim() !== '')) {
        frames.push(frame);
        const receipt = /\nreceipt:([^\n]+)/.exec(frame)?.[1];
        if (receipt) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
      }
    });
  };
}

describe('StompClient over TLS', () => {
  it('connects with tls, trusting the given CA, sends CONNECT inside TLS and gets receipts', async () => {
    const frames: string[] = [];
    const broker = await fakeTlsBroker(stompAnswer(frames));
    try {
      const client = await StompClient.connect({ host: '127.0.0.1', port: broker.port, login: 'app', passcode: 'App-password-1', tls: true, tlsCa: tlsCert, connectTimeoutMs: 5000 });
      expect(client.server).toBe('fake-tls');
      expect(client.endpoint).toBe(`stomp+ssl://127.0.0.1:${broker.port}`);
      await client.send('/queue/orders', { persistent: 'true' }, 'hello');
      await client.disconnect();
      expect(frames[0]).toMatch(/^CONNECT\n/);
      expect(frames[0]).toContain('login:app\n');
      expect(frames.some((f) => f.startsWith('SEND\n') && f.endsWith('hello'))).toBe(true);
    } finally {
      broker.server.close();
    }
  });

  it('refuses a certificate it was not told to trust (default verification), naming TLS', async () => {
    const broker = await fakeTlsBroker(stompAnswer([]));
    try {
      await expect(StompClient.connect({ host: '127.0.0.1', port: broker.port, login: 'app', passcode: 'x', tls: true, connectTimeoutMs: 5000 })).rejects.toMatchObject({
        name: 'BrokerUnreachableError',
        message: expect.stringContaining('TLS handshake failed'),
      });
      // Nothing reached the STOMP layer: the handshake failed first.
      expect(broker.connections()).toBeLessThanOrEqual(1);
    } finally {
      broker.server.close();
    }
  });

  it('refuses a trusted certificate issued for another host name', async () => {
    const broker = await fakeTlsBroker(stompAnswer([]), { key: otherKey, cert: otherCert });
    try {
      const wrongHost = StompClient.connect({ host: '127.0.0.1', port: broker.port, login: 'app', passcode: 'x', tls: true, tlsCa: otherCert, connectTimeoutMs: 5000 });
      await expect(wrongHost).rejects.toMatchObject({ name: 'BrokerUnreachableError', message: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID.*TLS handshake failed/) });
    } finally {
      broker.server.close();
    }
  });

  it('keeps trying again after a hang-up before CONNECTED over TLS too', async () => {
    const broker = await fakeTlsBroker((n, socket) => (n === 1 ? socket.destroy() : socket.end(refusal)));
    try {
      await expect(StompClient.connect({ ...options(broker.port), tls: true, tlsCa: tlsCert })).rejects.toMatchObject({ name: 'BrokerAuthError' });
      expect(broker.connections()).toBe(2);
    } finally {
      broker.server.close();
    }
  });
});

describe('parseStompUrl', () => {
  it.each([
    ['stomp://broker.internal:61613', { host: 'broker.internal', port: 61613, tls: false }],
    ['stomp+nio://10.0.0.5:61613', { host: '10.0.0.5', port: 61613, tls: false }],
    ['stomp+ssl://b-1234.mq.eu-west-1.amazonaws.com:61614', { host: 'b-1234.mq.eu-west-1.amazonaws.com', port: 61614, tls: true }],
    ['stomp+nio+ssl://broker.internal:61614?transport.needClientAuth=false', { host: 'broker.internal', port: 61614, tls: true }],
  ])('%s', (url, expected) => {
    expect(parseStompUrl(url)).toEqual(expected);
  });

  it.each([['ssl://broker:61617'], ['stomp+ssl+nio://broker:61614'], ['stomp://broker'], ['stomp://broker:61613x'], ['stomps://broker:61614']])('refuses %s', (url) => {
    expect(() => parseStompUrl(url)).toThrow(/expected stomp:\/\//);
  });
});
