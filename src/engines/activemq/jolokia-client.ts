import { BrokerApiError, BrokerAuthError, BrokerUnreachableError } from '../../model/errors.js';

/**
 * A small Jolokia (JMX over HTTP) client for ActiveMQ 5.x's `/api/jolokia`: BASIC auth and an
 * `Origin` header (upstream's jolokia-access.xml turns on strict Origin checking; without it the
 * agent answers HTTP 200 with `"status":403` in the body). Bulk requests (one POST, an array of
 * requests) keep inventory to a few round trips.
 */
export interface JolokiaOptions {
  url: string;
  username: string;
  password: string;
  /** Sent as the Origin header; `http://localhost` by default (what upstream's policy accepts). */
  origin?: string | null;
  timeoutMs?: number;
}

export type JolokiaRequest =
  | { type: 'read'; mbean: string; attribute?: string | string[] }
  | { type: 'exec'; mbean: string; operation: string; arguments?: unknown[] }
  | { type: 'search'; mbean: string }
  | { type: 'version' };

export interface JolokiaResponse {
  status: number;
  value?: unknown;
  error?: string;
  error_type?: string;
}

export class JolokiaClient {
  constructor(private readonly options: JolokiaOptions) {}

  get endpoint(): string {
    return this.options.url;
  }

  /** Sends requests in one POST; returns one response per request (statuses not checked). */
  async bulk(requests: readonly JolokiaRequest[]): Promise<JolokiaResponse[]> {
    if (requests.length === 0) return [];
    const { url, username, password } = this.options;
    const origin = this.options.origin === undefined ? 'http://localhost' : this.options.origin;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
          'content-type': 'application/json',
          ...(origin === null ? {} : { origin }),
        },
        body: JSON.stringify(requests),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30000),
      });
    } catch (error) {
      throw new BrokerUnreachableError(url, { cause: error, hint: 'Jolokia at /api/jolokia' });
    }
    if (response.status === 401 || response.status === 403) {
      throw new BrokerAuthError(url, response.status, 'Jolokia refused the credentials (BASIC auth; the user needs the console/admin role)');
    }
    const text = await response.text();
    if (!response.ok) throw new BrokerApiError(url, 'jolokia', response.status, text.slice(0, 200));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BrokerApiError(url, 'jolokia', response.status, `not JSON: ${text.slice(0, 120)}`);
    }
    const list = (Array.isArray(body) ? body : [body]) as JolokiaResponse[];
    // Strict Origin checking refuses the whole request inside a 200 body.
    const refused = list.find((r) => r.status === 403);
    if (refused) {
      throw new BrokerAuthError(url, 403, `Jolokia refused the request: ${refused.error ?? 'forbidden'}${/origin/i.test(refused.error ?? '') ? ' (send an allowed Origin header, e.g. http://localhost)' : ''}`);
    }
    return list;
  }

  /** One request; a non-200 status is a BrokerApiError naming the MBean. */
  async request(request: JolokiaRequest): Promise<unknown> {
    const [response] = await this.bulk([request]);
    if (!response || response.status !== 200) {
      const object = 'mbean' in request ? request.mbean : request.type;
      throw new BrokerApiError(this.options.url, object, response?.status ?? 0, response?.error ?? 'no response');
    }
    return response.value;
  }
}

/** `org.apache.activemq:type=Broker,brokerName=X` with the name quoted where JMX needs it. */
export function brokerMBean(brokerName: string): string {
  return `org.apache.activemq:type=Broker,brokerName=${brokerName}`;
}
