import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { HarnessError } from '../../../src/model/errors.js';
import { isAlive } from '../../../src/local/brokers/process.js';
import { JOLOKIA_ORIGIN, startActiveMqNode, startActiveMqNodes, type ActiveMqNode } from '../../../src/local/brokers/activemq-node.js';

/** Sends raw bytes to a loopback port and collects what comes back until the first NUL (frame end). */
function stompExchange(port: number, frame: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no STOMP frame from port ${port} within ${timeoutMs} ms (got ${JSON.stringify(received)})`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\0')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.slice(0, received.indexOf('\0')).replace(/^\n+/, ''));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const connectFrame = (login: string, passcode: string) =>
  `CONNECT\naccept-version:1.2\nhost:localhost\nlogin:${login}\npasscode:${passcode}\n\n\0`;

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function jolokiaRead(node: ActiveMqNode, user: string, password: string, origin: string | null = JOLOKIA_ORIGIN) {
  const response = await fetch(node.jolokiaUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      'content-type': 'application/json',
      ...(origin === null ? {} : { origin }),
    },
    body: JSON.stringify({ type: 'read', mbean: `org.apache.activemq:type=Broker,brokerName=${node.brokerName}`, attribute: 'BrokerVersion' }),
  });
  const text = await response.text();
  let body: { status?: number; value?: unknown; error?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  return { httpStatus: response.status, body };
}

describe('ActiveMQ real-broker harness', () => {
  let nodes: ActiveMqNode[] = [];

  beforeAll(async () => {
    nodes = await startActiveMqNodes(2);
  }, 120000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, 60000);

  const first = () => nodes[0]!;
  const second = () => nodes[1]!;

  it('starts two independent nodes on distinct ports and pids', () => {
    expect(nodes).toHaveLength(2);
    const ports = nodes.flatMap((node) => [node.openwirePort, node.stompPort, node.jolokiaPort]);
    expect(new Set(ports).size).toBe(6);
    expect(first().pid).not.toBe(second().pid);
    expect(first().brokerName).not.toBe(second().brokerName);
    expect(first().baseDir).not.toBe(second().baseDir);
    for (const node of nodes) {
      expect(isAlive(node.pid)).toBe(true);
      expect(node.jolokiaUrl).toBe(`http://127.0.0.1:${node.jolokiaPort}/api/jolokia`);
      expect(node.stompUrl).toBe(`stomp://127.0.0.1:${node.stompPort}`);
      expect(node.openwireUrl).toBe(`tcp://127.0.0.1:${node.openwirePort}`);
    }
  });

  it('answers Jolokia reads of BrokerVersion with the admin credentials', async () => {
    for (const node of nodes) {
      const { httpStatus, body } = await jolokiaRead(node, node.adminUser, node.adminPassword);
      expect(httpStatus).toBe(200);
      expect(body?.status).toBe(200);
      expect(String(body?.value)).toMatch(/^5\.17\./);
    }
  });

  it('refuses Jolokia with wrong credentials, and without an Origin header', async () => {
    const node = first();
    const wrong = await jolokiaRead(node, node.adminUser, `${node.adminPassword}-wrong`);
    expect(wrong.httpStatus).toBe(401);
    expect(wrong.body?.value).toBeUndefined();
    const otherNodesPassword = await jolokiaRead(node, second().adminUser, second().adminPassword);
    expect(otherNodesPassword.httpStatus).toBe(401);
    // Upstream's strict Origin checking: HTTP 200, refusal in the JSON body.
    const noOrigin = await jolokiaRead(node, node.adminUser, node.adminPassword, null);
    expect(noOrigin.httpStatus).toBe(200);
    expect(noOrigin.body?.status).toBe(403);
    expect(noOrigin.body?.error).toMatch(/Origin null is not allowed/);
  });

  it('accepts a STOMP CONNECT from the admin and refuses a bad password', async () => {
    for (const node of nodes) {
      const ok = await stompExchange(node.stompPort, connectFrame(node.adminUser, node.adminPassword));
      expect(ok.split('\n')[0]).toBe('CONNECTED');
      expect(ok).toMatch(/^version:1\.2$/m);
      const bad = await stompExchange(node.stompPort, connectFrame(node.adminUser, `${node.adminPassword}-wrong`));
      expect(bad.split('\n')[0]).toBe('ERROR');
    }
  });

  it('fails with a HarnessError carrying the log when the broker cannot boot', async () => {
    // A caller-provided folder: a failed boot keeps it (for its log), so the test removes it.
    const baseDir = await mkdtemp(join(tmpdir(), 'amq-broken-'));
    try {
      const attempt = startActiveMqNode({ baseDir, activemqXml: '<beans xmlns="http://www.springframework.org/schema/beans"><oops', bootTimeoutMs: 30000 });
      await expect(attempt).rejects.toBeInstanceOf(HarnessError);
      await expect(attempt).rejects.toThrow(/did not start \(java exited[\s\S]*activemq\.xml/);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  }, 60000);

  it('stop() ends the process, closes the ports and removes the temp folder', async () => {
    const node = second();
    await node.stop();
    expect(isAlive(node.pid)).toBe(false);
    expect(await acceptsTcp(node.stompPort)).toBe(false);
    expect(await acceptsTcp(node.openwirePort)).toBe(false);
    expect(await acceptsTcp(node.jolokiaPort)).toBe(false);
    expect(existsSync(node.baseDir)).toBe(false);
    // The other node is untouched.
    expect(isAlive(first().pid)).toBe(true);
    expect(await acceptsTcp(first().stompPort)).toBe(true);
  }, 60000);
});
