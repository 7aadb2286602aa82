/**
 * The local Amazon MQ over HTTP: Amazon MQ's REST-JSON protocol (botocore's mq 2017-11-27 model)
 * as @aws-sdk/client-mq and `aws mq --endpoint-url` speak it. Errors carry the error type in the
 * `x-amzn-errortype` header (what both SDKs read for restJson1) and `{errorAttribute, message}` in
 * the body. Requests without an AWS signature (no Authorization header) get ForbiddenException,
 * as Amazon MQ answers them; signatures themselves are not verified.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MqService, type MqServiceOptions } from './service.js';
import { MqApiError, type Json } from './validation.js';
import { listenOnLoopback } from '../http-listen.js';

type Handler = (params: string[], query: URLSearchParams, body: Json) => Promise<Json | undefined> | Json | undefined;

interface Route {
  method: string;
  pattern: RegExp;
  status: number;
  handler: Handler;
}

function routes(s: MqService): Route[] {
  const r = (method: string, path: string, handler: Handler, status = 200): Route => ({
    method,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    status,
    handler,
  });
  const p = (params: string[], i: number): string => params[i] ?? '';
  return [
    r('POST', '/v1/brokers', (_p, _q, b) => s.createBroker(b)),
    r('GET', '/v1/brokers', (_p, q) => s.listBrokers(q)),
    r('GET', '/v1/brokers/{id}', (x) => s.describeBroker(p(x, 0))),
    r('PUT', '/v1/brokers/{id}', (x, _q, b) => s.updateBroker(p(x, 0), b)),
    r('DELETE', '/v1/brokers/{id}', (x) => s.deleteBroker(p(x, 0))),
    r('POST', '/v1/brokers/{id}/reboot', (x) => s.rebootBroker(p(x, 0))),
    r('GET', '/v1/brokers/{id}/users', (x, q) => s.listUsers(p(x, 0), q)),
    r('POST', '/v1/brokers/{id}/users/{u}', (x, _q, b) => s.createUser(p(x, 0), p(x, 1), b)),
    r('GET', '/v1/brokers/{id}/users/{u}', (x) => s.describeUser(p(x, 0), p(x, 1))),
    r('PUT', '/v1/brokers/{id}/users/{u}', (x, _q, b) => s.updateUser(p(x, 0), p(x, 1), b)),
    r('DELETE', '/v1/brokers/{id}/users/{u}', (x) => s.deleteUser(p(x, 0), p(x, 1))),
    r('POST', '/v1/configurations', (_p, _q, b) => s.createConfiguration(b)),
    r('GET', '/v1/configurations', (_p, q) => s.listConfigurations(q)),
    r('GET', '/v1/configurations/{id}', (x) => s.describeConfiguration(p(x, 0))),
    r('PUT', '/v1/configurations/{id}', (x, _q, b) => s.updateConfiguration(p(x, 0), b)),
    r('DELETE', '/v1/configurations/{id}', (x) => s.deleteConfiguration(p(x, 0))),
    r('GET', '/v1/configurations/{id}/revisions', (x, q) => s.listConfigurationRevisions(p(x, 0), q)),
    r('GET', '/v1/configurations/{id}/revisions/{rev}', (x) => s.describeConfigurationRevision(p(x, 0), p(x, 1))),
    r('POST', '/v1/tags/{arn}', async (x, _q, b) => (await s.createTags(p(x, 0), b), undefined), 204),
    r('DELETE', '/v1/tags/{arn}', async (x, q) => (await s.deleteTags(p(x, 0), q.getAll('tagKeys')), undefined), 204),
    r('GET', '/v1/tags/{arn}', (x) => s.listTags(p(x, 0))),
    r('GET', '/v1/broker-engine-types', (_p, q) => s.describeBrokerEngineTypes(q)),
    r('GET', '/v1/broker-instance-options', (_p, q) => s.describeBrokerInstanceOptions(q)),
  ];
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: Json | undefined, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': crypto.randomUUID(),
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: MqApiError): void {
  send(response, error.status, { errorAttribute: error.errorAttribute, message: error.message }, { 'x-amzn-errortype': error.type });
}

export interface LocalMqServer {
  readonly url: string;
  readonly service: MqService;
  close(options?: { stopBrokers?: boolean }): Promise<void>;
}

export async function startLocalMq(options: MqServiceOptions & { port?: number; host?: string }): Promise<LocalMqServer> {
  const service = await MqService.open(options);
  const table = routes(service);
  const server: Server = createServer((request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'http://localhost');
        if (request.headers.authorization === undefined) {
          throw new MqApiError('ForbiddenException', 'authorization', 'Missing Authentication Token: the request must be signed with AWS Signature Version 4.');
        }
        const path = url.pathname.replace(/\/+$/, '') || '/';
        const candidates = table.filter((route) => route.pattern.test(path));
        const route = candidates.find((c) => c.method === request.method);
        if (!route) {
          if (candidates.length > 0) throw new MqApiError('BadRequestException', 'method', `Method ${request.method ?? ''} is not allowed on ${path}.`);
          throw new MqApiError('NotFoundException', 'path', `No Amazon MQ operation at ${path}.`);
        }
        const params = (route.pattern.exec(path) ?? []).slice(1).map((x) => decodeURIComponent(x));
        const text = await readBody(request);
        let body: Json = {};
        if (text.trim() !== '') {
          try {
            const parsed: unknown = JSON.parse(text);
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
            body = parsed as Json;
          } catch {
            throw new MqApiError('BadRequestException', 'body', 'The request body is not a valid JSON object.');
          }
        }
        const result = await route.handler(params, url.searchParams, body);
        send(response, route.status, route.status === 204 ? undefined : (result ?? {}));
      } catch (error) {
        if (error instanceof MqApiError) sendError(response, error);
        else {
          options.log?.(`internal error: ${(error as Error).stack ?? String(error)}`);
          sendError(response, new MqApiError('InternalServerErrorException', '', 'The local Amazon MQ failed to process the request.'));
        }
      }
    })();
  });
  const listening = await listenOnLoopback(server, options);
  return {
    url: listening.url,
    service,
    async close(closeOptions) {
      await listening.close();
      await service.close(closeOptions);
    },
  };
}
