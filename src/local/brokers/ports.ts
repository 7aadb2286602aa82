import { createServer } from 'node:net';

// Ports handed out by this process; the OS may return a just-closed port twice otherwise.
const handedOut = new Set<number>();

/** A loopback TCP port that is free right now and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    // Erlang distribution ports must stay below 65535 - 10 (CLI tools use port + 10000 ranges).
    if (!handedOut.has(port) && port < 55000) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found after 50 attempts');
}
