import pRetry from 'p-retry';
import { BrokerApiError, BrokerAuthError, BrokerUnreachableError, ValidationError } from '../../model/errors.js';

export interface ManagementEndpoint {
  /** Base URL of the management API, e.g. https://b-123.mq.eu-west-1.amazonaws.com or http://127.0.0.1:15672 */
  url: string;
  username: string;
  password: string;
  /** Per-request timeout; large definitions imports need minutes. */
  timeoutMs?: number;
}

/** Builds an API path with every segment percent-encoded: vhost `/` becomes `%2F`. */
export function apiPath(...segments: string[]): string {
  return '/api/' + segments.map((segment) => encodeURIComponent(segment)).join('/');
}

/**
 * A small client for the RabbitMQ management HTTP API. Errors name the object the call was about
 * and map to typed errors: unreachable (retryable), refused credentials, or an API error.
 */
export class ManagementClient {
  readonly endpoint: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(config: ManagementEndpoint) {
    let parsed: URL;
    try {
      parsed = new URL(config.url);
    } catch (error) {
      throw new ValidationError('managementUrl', 'must be an absolute http(s) URL', `managementUrl: "${config.url}" is not an absolute URL`, { cause: error });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ValidationError('managementUrl', 'must use http or https', `managementUrl: protocol ${parsed.protocol} is not http or https`);
    }
    this.endpoint = parsed.origin + parsed.pathname.replace(/\/+$/, '');
    this.authorization = 'Basic ' + Buffer.from(`${config.username}:${config.password}`).toString('base64');
    this.timeoutMs = config.timeoutMs ?? 120000;
  }

  get<T>(path: string, object: string): Promise<T> {
    // GETs are idempotent: retry transient failures (refused while a node restarts, 5xx).
    return pRetry(() => this.request<T>('GET', path, object), {
      retries: 2,
      minTimeout: 250,
      shouldRetry: ({ error }) => error instanceof BrokerUnreachableError || (error instanceof BrokerApiError && error.status >= 500),
    });
  }

  put(path: string, object: string, body: unknown): Promise<unknown> {
    return this.request('PUT', path, object, body);
  }

  post(path: string, object: string, body: unknown): Promise<unknown> {
    return this.request('POST', path, object, body);
  }

  delete(path: string, object: string): Promise<unknown> {
    return this.request('DELETE', path, object);
  }

  private async request<T>(method: string, path: string, object: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.endpoint + path, {
        method,
        headers: {
          authorization: this.authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new BrokerUnreachableError(this.endpoint, { cause: error, hint: 'is the management plugin enabled and listening on this port?' });
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new BrokerAuthError(this.endpoint, response.status, `${object}: ${errorReason(text)}`);
    }
    if (!response.ok) {
      throw new BrokerApiError(this.endpoint, object, response.status, errorReason(text));
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BrokerApiError(this.endpoint, object, response.status, 'the answer is not JSON: is this the RabbitMQ management API?');
    }
  }
}

function errorReason(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; reason?: unknown };
    return [parsed.error, parsed.reason].filter((part) => typeof part === 'string').join(': ') || text.slice(0, 200);
  } catch {
    return text.slice(0, 200) || 'empty answer';
  }
}
