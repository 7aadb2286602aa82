import type { ConnectionOptions } from 'node:tls';
import amqp, { type ChannelModel } from '../amqp/client.js';
import { BrokerAuthError, BrokerUnreachableError } from '../../../model/errors.js';

/** Where and how to reach a broker over AMQP 0-9-1. Mutual TLS for on-premises brokers goes in `tls`. */
export interface AmqpEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
  tls?: boolean | Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>;
}

export function describeEndpoint(endpoint: AmqpEndpoint, vhost: string): string {
  return `${endpoint.tls ? 'amqps' : 'amqp'}://${endpoint.host}:${endpoint.port}/${encodeURIComponent(vhost)}`;
}

export async function connectAmqp(endpoint: AmqpEndpoint, vhost: string, name: string): Promise<ChannelModel> {
  const where = describeEndpoint(endpoint, vhost);
  try {
    return await amqp.connect(
      {
        protocol: endpoint.tls ? 'amqps' : 'amqp',
        hostname: endpoint.host,
        port: endpoint.port,
        username: endpoint.username,
        password: endpoint.password,
        vhost,
        heartbeat: 30,
      },
      {
        ...(typeof endpoint.tls === 'object' ? endpoint.tls : {}),
        clientProperties: { connection_name: name, product: 'mq-migrate' },
        timeout: 10000,
      },
    );
  } catch (error) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && /ACCESS_REFUSED|403|not allowed|NOT_ALLOWED/i.test(message)) {
      throw new BrokerAuthError(where, 403, message);
    }
    throw new BrokerUnreachableError(where, { cause: error });
  }
}

/** One connection per (endpoint, vhost), shared by the queue workers of that vhost. */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<ChannelModel>>();
  private readonly blockedListeners = new Set<(blocked: boolean, reason?: string) => void>();

  constructor(private readonly endpoint: AmqpEndpoint, private readonly name: string) {}

  get(vhost: string): Promise<ChannelModel> {
    let connection = this.connections.get(vhost);
    if (!connection) {
      connection = connectAmqp(this.endpoint, vhost, `${this.name} ${vhost}`).then((c) => {
        // A broker in memory or disk alarm blocks publishers; we only log it: confirms stop
        // coming, so acks stop, so the prefetch window bounds what is held in memory.
        c.on('blocked', (reason: string) => this.blockedListeners.forEach((l) => l(true, reason)));
        c.on('unblocked', () => this.blockedListeners.forEach((l) => l(false)));
        c.on('error', () => undefined);
        c.on('close', () => this.connections.delete(vhost));
        return c;
      });
      connection.catch(() => this.connections.delete(vhost));
      this.connections.set(vhost, connection);
    }
    return connection;
  }

  onBlocked(listener: (blocked: boolean, reason?: string) => void): void {
    this.blockedListeners.add(listener);
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map(async (pending) => {
        const connection = await pending.catch(() => undefined);
        if (!connection) return;
        // A blocked broker does not read from the socket, so it never answers connection.close.
        let timer: NodeJS.Timeout | undefined;
        const closed = await Promise.race([
          connection.close().then(() => true, () => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
        ]);
        clearTimeout(timer);
        if (!closed) (connection.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
      }),
    );
  }
}
