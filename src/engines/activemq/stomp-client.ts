import { EventEmitter } from 'node:events';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { BrokerApiError, BrokerAuthError, BrokerUnreachableError, MqMigrateError } from '../../model/errors.js';

/**
 * A small STOMP 1.2 client over node:net for ActiveMQ 5.x: CONNECT with heart-beats off,
 * SEND with receipts, SUBSCRIBE with client-individual acks (and `browser:true` browsing),
 * ACK by the message's `ack` header, DISCONNECT with a receipt. No NACK on purpose: ActiveMQ
 * turns a NACK into a dead-letter (see BROKERS.md), so unacknowledged messages are simply
 * left to the broker, which redelivers them when the connection closes.
 *
 * `@stomp/stompjs` was considered: it is built around WebSocket and needs a socket shim in Node;
 * this client is ~250 lines, has no dependency and keeps bytes bodies as Buffers.
 */

export type StompHeaders = Record<string, string>;

export interface StompFrame {
  command: string;
  headers: StompHeaders;
  body: Buffer;
}

export interface StompConnectOptions {
  host: string;
  port: number;
  login: string;
  passcode: string;
  /** JMS client id (needed for durable subscriptions). */
  clientId?: string;
  /** STOMP `host` header (virtual host); `localhost` by default. */
  vhost?: string;
  connectTimeoutMs?: number;
  /**
   * STOMP over TLS (`stomp+ssl://`): Amazon MQ for ActiveMQ opens only that (port 61614). The
   * certificate is checked against the system CAs (or `tlsCa`) and `host`, sent as SNI when it
   * is a name.
   */
  tls?: boolean;
  /** PEM CA certificate(s) to trust instead of the system CAs (a private CA, or a test's self-signed certificate). */
  tlsCa?: string;
}

/** The connection died or the broker sent an ERROR frame not tied to a receipt. */
export class StompConnectionError extends MqMigrateError {
  override readonly name = 'StompConnectionError';
}

/** The broker closed the socket before any frame, the way ActiveMQ can refuse a login. */
class HangUpBeforeConnected extends StompConnectionError {}

const NUL = 0;
const LF = 10;

/** STOMP 1.2 header escaping (not for CONNECT/CONNECTED). */
function escapeHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
}

function unescapeHeader(value: string): string {
  if (!value.includes('\\')) return value;
  return value.replace(/\\([\\rnc])/g, (_, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : c === 'c' ? ':' : '\\'));
}

export function encodeFrame(command: string, headers: StompHeaders, body: Buffer | string = '', escape = true): Buffer {
  let head = `${command}\n`;
  for (const [key, value] of Object.entries(headers)) head += `${escape ? escapeHeader(key) : key}:${escape ? escapeHeader(value) : value}\n`;
  head += '\n';
  const bodyBuffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(head, 'utf8'), bodyBuffer, Buffer.from([NUL])]);
}

/** Incremental frame decoder: feed chunks, get whole frames (EOL heart-beats between frames skipped). */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): StompFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: StompFrame[] = [];
    let offset = 0;
    for (;;) {
      while (offset < this.buffer.length && (this.buffer[offset] === LF || this.buffer[offset] === 13)) offset++;
      if (offset >= this.buffer.length) break;
      const headEnd = this.buffer.indexOf('\n\n', offset, 'latin1');
      const headEndCrLf = this.buffer.indexOf('\r\n\r\n', offset, 'latin1');
      let bodyStart: number;
      let headText: string;
      if (headEnd >= 0 && (headEndCrLf < 0 || headEnd < headEndCrLf)) {
        headText = this.buffer.toString('utf8', offset, headEnd);
        bodyStart = headEnd + 2;
      } else if (headEndCrLf >= 0) {
        headText = this.buffer.toString('utf8', offset, headEndCrLf);
        bodyStart = headEndCrLf + 4;
      } else break;
      const lines = headText.split(/\r?\n/);
      const command = lines[0] ?? '';
      const headers: StompHeaders = {};
      const escaped = command !== 'CONNECTED';
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] ?? '';
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = escaped ? unescapeHeader(line.slice(0, colon)) : line.slice(0, colon);
        // STOMP 1.2: the first occurrence of a repeated header wins.
        if (!(key in headers)) headers[key] = escaped ? unescapeHeader(line.slice(colon + 1)) : line.slice(colon + 1);
      }
      const lengthHeader = headers['content-length'];
      let bodyEnd: number;
      if (lengthHeader !== undefined && /^\d+$/.test(lengthHeader)) {
        bodyEnd = bodyStart + Number(lengthHeader);
        if (this.buffer.length < bodyEnd + 1) break;
      } else {
        bodyEnd = this.buffer.indexOf(NUL, bodyStart);
        if (bodyEnd < 0) break;
      }
      // Copy the body out so the big receive buffer can be released.
      frames.push({ command, headers, body: Buffer.from(this.buffer.subarray(bodyStart, bodyEnd)) });
      offset = bodyEnd + 1;
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    return frames;
  }
}

export type MessageHandler = (frame: StompFrame) => void;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class StompClient extends EventEmitter {
  private socket: Socket | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly receipts = new Map<string, Pending>();
  private readonly subscriptions = new Map<string, MessageHandler>();
  private nextReceipt = 1;
  private nextSubscription = 1;
  private closedError: Error | undefined;
  readonly endpoint: string;
  server = '';

  private constructor(private readonly options: StompConnectOptions) {
    super();
    this.endpoint = `${options.tls ? 'stomp+ssl' : 'stomp'}://${options.host}:${options.port}`;
  }

  static async connect(options: StompConnectOptions): Promise<StompClient> {
    // A hang-up before CONNECTED is tried again (twice): ActiveMQ sometimes closes a refused
    // login without its ERROR frame, and the retry then gets the frame that names the cause.
    for (let attempt = 1; ; attempt++) {
      const client = new StompClient(options);
      try {
        await client.open();
        return client;
      } catch (error) {
        if (!(error instanceof HangUpBeforeConnected) || attempt >= 3) throw error;
      }
    }
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  private open(): Promise<void> {
    const { host, port, login, passcode, clientId } = this.options;
    return new Promise((resolve, reject) => {
      let settled = false;
      // With TLS the CONNECT frame goes out on 'secureConnect' (after the handshake), not 'connect'.
      const socket = this.options.tls
        ? // SNI carries host names only (RFC 6066); the certificate is still checked against an IP host.
          tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...(this.options.tlsCa !== undefined ? { ca: this.options.tlsCa } : {}) })
        : netConnect({ host, port });
      socket.setNoDelay(true);
      this.socket = socket;
      const timer = setTimeout(() => fail(new BrokerUnreachableError(this.endpoint, { hint: 'no CONNECTED frame in time' })), this.options.connectTimeoutMs ?? 10000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          socket.destroy();
          reject(error);
        }
      };
      socket.once('error', (error) => {
        // Name a refused certificate as such: "unreachable" alone sends people after the network.
        const code = String((error as NodeJS.ErrnoException).code ?? '');
        const tlsProblem = this.options.tls === true && /CERT|SSL|TLS|HOSTNAME|ALTNAME/i.test(`${code} ${error.message}`);
        fail(new BrokerUnreachableError(this.endpoint, { cause: error, ...(tlsProblem ? { hint: 'TLS handshake failed: the certificate was not trusted for this host (tlsCa trusts a private CA)' } : {}) }));
      });
      // ActiveMQ sometimes closes a refused login without flushing its ERROR frame (2 in 150
      // wrong-password connects measured here): fail at once rather than wait for the timer.
      socket.once('close', () => fail(new HangUpBeforeConnected(`${this.endpoint} closed the connection before answering CONNECT (a refused login can do this)`)));
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        const headers: StompHeaders = { 'accept-version': '1.2', host: this.options.vhost ?? 'localhost', login, passcode, 'heart-beat': '0,0' };
        if (clientId) headers['client-id'] = clientId;
        socket.write(encodeFrame('CONNECT', headers, '', false));
      });
      socket.on('data', (chunk: Buffer) => {
        let frames: StompFrame[];
        try {
          frames = this.decoder.push(chunk);
        } catch (error) {
          this.shutdown(new StompConnectionError(`bad frame from ${this.endpoint}`, { cause: error }));
          return;
        }
        for (const frame of frames) {
          if (!settled) {
            clearTimeout(timer);
            settled = true;
            if (frame.command === 'CONNECTED') {
              this.server = frame.headers.server ?? '';
              socket.removeAllListeners('error');
              socket.on('error', (error) => this.shutdown(new StompConnectionError(`connection to ${this.endpoint} failed: ${error.message}`, { cause: error })));
              socket.on('close', () => this.shutdown(new StompConnectionError(`connection to ${this.endpoint} closed`)));
              resolve();
            } else {
              socket.destroy();
              const message = frame.headers.message ?? frame.body.toString('utf8').slice(0, 200);
              reject(/auth|password|user name|credential|security/i.test(message) ? new BrokerAuthError(this.endpoint, 401, message) : new BrokerApiError(this.endpoint, 'CONNECT', 0, message));
            }
            continue;
          }
          this.dispatch(frame);
        }
      });
    });
  }

  private dispatch(frame: StompFrame): void {
    if (frame.command === 'MESSAGE') {
      const handler = this.subscriptions.get(frame.headers.subscription ?? '');
      if (handler) handler(frame);
      return;
    }
    if (frame.command === 'RECEIPT') {
      const id = frame.headers['receipt-id'] ?? '';
      const pending = this.receipts.get(id);
      if (pending) {
        this.receipts.delete(id);
        pending.resolve();
      }
      return;
    }
    if (frame.command === 'ERROR') {
      const message = frame.headers.message ?? frame.body.toString('utf8').slice(0, 300);
      const id = frame.headers['receipt-id'];
      const pending = id !== undefined ? this.receipts.get(id) : undefined;
      const error = new BrokerApiError(this.endpoint, frame.headers.destination ?? 'STOMP', 0, message);
      if (pending && id !== undefined) {
        this.receipts.delete(id);
        pending.reject(error);
      }
      // ActiveMQ closes the connection after most ERROR frames: fail everything else too.
      this.emit('broker-error', error);
      this.shutdown(new StompConnectionError(`${this.endpoint}: ${message}`, { cause: error }));
    }
  }

  private shutdown(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const pending of this.receipts.values()) pending.reject(error);
    this.receipts.clear();
    this.socket?.destroy();
    this.emit('close', error);
  }

  private write(frame: Buffer): boolean {
    if (this.closedError) throw this.closedError;
    return this.socket?.write(frame) ?? false;
  }

  /** Resolves once the socket's write buffer has drained (for producers that respect back-pressure). */
  drained(): Promise<void> {
    const socket = this.socket;
    if (!socket || !socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        this.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      this.once('close', done);
    });
  }

  private withReceipt(command: string, headers: StompHeaders, body?: Buffer | string): Promise<void> {
    const receipt = `r${this.nextReceipt++}`;
    const promise = new Promise<void>((resolve, reject) => this.receipts.set(receipt, { resolve, reject }));
    try {
      this.write(encodeFrame(command, { ...headers, receipt }, body));
    } catch (error) {
      this.receipts.delete(receipt);
      return Promise.reject(error);
    }
    return promise;
  }

  /**
   * SEND; resolves on the broker's RECEIPT (the message is stored, for persistent ones). A string
   * body goes without content-length (a TextMessage); a Buffer body with it (a BytesMessage).
   */
  send(destination: string, headers: StompHeaders, body: Buffer | string, options: { receipt?: boolean } = { receipt: true }): Promise<void> {
    // A Buffer body is a bytes message: frame it by length (ActiveMQ makes it a BytesMessage).
    const all: StompHeaders = typeof body !== 'string' && headers['content-length'] === undefined ? { ...headers, 'content-length': String(body.length), destination } : { ...headers, destination };
    if (options.receipt === false) {
      this.write(encodeFrame('SEND', all, body));
      return Promise.resolve();
    }
    return this.withReceipt('SEND', all, body);
  }

  /** SUBSCRIBE (with a receipt, so a refused subscription fails here). Returns the subscription id. */
  async subscribe(destination: string, handler: MessageHandler, headers: StompHeaders = {}): Promise<string> {
    const id = headers.id ?? `s${this.nextSubscription++}`;
    this.subscriptions.set(id, handler);
    await this.withReceipt('SUBSCRIBE', { ack: 'client-individual', ...headers, id, destination });
    return id;
  }

  async unsubscribe(id: string, headers: StompHeaders = {}): Promise<void> {
    await this.withReceipt('UNSUBSCRIBE', { ...headers, id });
    this.subscriptions.delete(id);
  }

  /** ACK one message (STOMP 1.2: by its `ack` header). */
  ack(message: StompFrame, options: { receipt?: boolean } = {}): Promise<void> {
    const id = message.headers.ack ?? message.headers['message-id'] ?? '';
    if (options.receipt) return this.withReceipt('ACK', { id });
    this.write(encodeFrame('ACK', { id }));
    return Promise.resolve();
  }

  /** DISCONNECT with a receipt (everything sent before is processed), then close. */
  async disconnect(): Promise<void> {
    if (this.closedError) return;
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.withReceipt('DISCONNECT', {}), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]).finally(() => clearTimeout(timer));
    } catch {
      /* closing anyway */
    }
    this.shutdown(new StompConnectionError(`connection to ${this.endpoint} closed by us`));
  }

  /** Drops the connection without DISCONNECT (unacknowledged messages go back to the broker). */
  destroy(): void {
    this.shutdown(new StompConnectionError(`connection to ${this.endpoint} destroyed by us`));
  }
}

/**
 * `stomp://`, `stomp+nio://`, `stomp+ssl://` or `stomp+nio+ssl://host:port` -> host, port and
 * whether to speak TLS (the `+ssl` schemes; Amazon MQ's endpoints are `stomp+ssl://...:61614`).
 * ActiveMQ's URI options (`?transport.x=y`) are ignored: they configure the broker's side.
 */
export function parseStompUrl(url: string): { host: string; port: number; tls: boolean } {
  const match = /^stomp(\+nio)?(\+ssl)?:\/\/([^:/?#]+):(\d+)(?:[/?#]|$)/.exec(url);
  if (!match?.[3] || !match[4]) throw new BrokerApiError(url, 'url', 0, 'expected stomp://, stomp+nio://, stomp+ssl:// or stomp+nio+ssl://host:port');
  return { host: match[3], port: Number(match[4]), tls: match[2] !== undefined };
}
