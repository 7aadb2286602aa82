import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a local service's HTTP server on loopback and returns its URL and a close that also
 * ends kept-alive connections (SDK clients keep them open, so a plain close never finishes).
 */
export async function listenOnLoopback(server: Server, options: { port?: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
