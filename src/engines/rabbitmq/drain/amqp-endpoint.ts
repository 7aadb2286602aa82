import type { ConnectionOptions } from 'node:tls';
import amqp, { type ChannelModel } from '../amqp/client.js';
import { BrokerAuthError, BrokerUnreachableError } from '../../../model/errors.js';
import { WallClock } from '../../throttle.js';

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
        // Acks and publishes get no reply: with Nagle on, the request after one waits for the
        // broker's delayed TCP ack (measured ~8 ms per queue.declare/consume/cancel mid-drain).
        noDelay: true,
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

/** A connection lent by a ConnectionPool; give it back with `release`. */
export interface ConnectionLease {
  connection: ChannelModel;
  release(): void;
}

interface PoolEntry {
  connection: Promise<ChannelModel>;
  users: number;
  /** Counts the connection as gone (idempotent). */
  gone(): void;
}

/**
 * One connection per (endpoint, vhost), shared by the queue workers of that vhost, and never more
 * than `maxConnections` open at once: a worker that needs a vhost without a connection while the
 * cap is reached closes an idle one first, or waits until one is idle.
 */
export class ConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly blockedListeners = new Set<(blocked: boolean, reason?: string) => void>();
  private readonly waiters: (() => void)[] = [];
  /** Connections opening, open or closing: what the broker may count. */
  private live = 0;
  /** Connections open at once, at most. */
  peak = 0;
  /** Wall-clock ms during which at least one worker waited for a connection under the cap. */
  readonly waited = new WallClock();

  constructor(private readonly endpoint: AmqpEndpoint, private readonly name: string, readonly maxConnections = Number.POSITIVE_INFINITY) {}

  private open(vhost: string): PoolEntry {
    this.live++;
    this.peak = Math.max(this.peak, this.live);
    let counted = true;
    const gone = () => {
      if (counted) {
        counted = false;
        this.live--;
        this.wakeWaiters();
      }
    };
    const entry: PoolEntry = { users: 0, gone, connection: Promise.resolve(undefined as unknown as ChannelModel) };
    entry.connection = connectAmqp(this.endpoint, vhost, `${this.name} ${vhost}`).then((c) => {
      // A broker in memory or disk alarm blocks publishers; we only log it: confirms stop
      // coming, so acks stop, so the prefetch window bounds what is held in memory.
      c.on('blocked', (reason: string) => this.blockedListeners.forEach((l) => l(true, reason)));
      c.on('unblocked', () => this.blockedListeners.forEach((l) => l(false)));
      c.on('error', () => undefined);
      c.on('close', () => {
        if (this.entries.get(vhost) === entry) this.entries.delete(vhost);
        gone();
      });
      return c;
    });
    entry.connection.catch(() => {
      if (this.entries.get(vhost) === entry) this.entries.delete(vhost);
      gone();
    });
    this.entries.set(vhost, entry);
    return entry;
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** A connection to `vhost`, shared with the other workers of that vhost, within the cap. */
  async acquire(vhost: string): Promise<ConnectionLease> {
    let waitStarted: number | undefined;
    for (;;) {
      let entry = this.entries.get(vhost);
      if (!entry && this.live < this.maxConnections) entry = this.open(vhost);
      if (entry) {
        if (waitStarted !== undefined) this.waited.add(waitStarted, Date.now());
        const held = entry;
        held.users++;
        let connection: ChannelModel;
        try {
          connection = await held.connection;
        } catch (error) {
          held.users--;
          throw error;
        }
        let released = false;
        return {
          connection,
          release: () => {
            if (released) return;
            released = true;
            held.users--;
            if (held.users === 0) this.wakeWaiters();
          },
        };
      }
      waitStarted ??= Date.now();
      // At the cap: close an idle connection (of another vhost) and open ours once it is gone.
      const idle = [...this.entries].find(([, e]) => e.users === 0);
      if (idle) {
        this.entries.delete(idle[0]);
        await closeConnection(idle[1].connection);
        idle[1].gone();
        continue;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The shared connection to `vhost`, within the cap (never released: for single-vhost use). */
  async get(vhost: string): Promise<ChannelModel> {
    return (await this.acquire(vhost)).connection;
  }

  onBlocked(listener: (blocked: boolean, reason?: string) => void): void {
    this.blockedListeners.add(listener);
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (entry) => {
      await closeConnection(entry.connection);
      entry.gone();
    }));
  }
}

/** Closes a connection; a blocked broker does not read from the socket, so it never answers connection.close. */
async function closeConnection(pending: Promise<ChannelModel>): Promise<void> {
  const connection = await pending.catch(() => undefined);
  if (!connection) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    connection.close().then(() => true, () => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
  ]);
  clearTimeout(timer);
  if (!closed) (connection.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}
