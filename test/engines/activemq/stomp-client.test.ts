import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { StompClient } from '../../../src/engines/activemq/stomp-client.js';

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
