import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiPath, ManagementClient } from '../../../src/engines/rabbitmq/management-client.js';

// A tiny HTTP server standing in for broken or hostile endpoints (not for RabbitMQ's behaviour,
// which the integration suite checks against real nodes).
let server: Server;
let base: string;
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    if (req.url?.startsWith('/api/denied')) return void res.writeHead(401).end('{"error":"not_authorised","reason":"Login failed"}');
    if (req.url?.startsWith('/api/broken')) return void res.writeHead(500).end('{"error":"internal"}');
    if (req.url?.startsWith('/api/html')) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () => new ManagementClient({ url: base, username: 'u', password: 'p' });

describe('ManagementClient', () => {
  it('percent-encodes every path segment, so vhost "/" and names with # ? % survive', async () => {
    expect(apiPath('queues', '/', 'a b#?%/c')).toBe('/api/queues/%2F/a%20b%23%3F%25%2Fc');
    await expect(client().get(apiPath('queues', 'team/billing', 'q#1'), 'queue')).resolves.toEqual({ url: '/api/queues/team%2Fbilling/q%231' });
  });

  it('maps refused credentials to BrokerAuthError without retrying', async () => {
    hits = 0;
    await expect(client().get('/api/denied', 'overview')).rejects.toMatchObject({ name: 'BrokerAuthError', status: 401 });
    expect(hits).toBe(1);
  });

  it('retries server errors on reads, then names the object', async () => {
    hits = 0;
    await expect(client().get('/api/broken', 'queues')).rejects.toMatchObject({ name: 'BrokerApiError', object: 'queues', status: 500 });
    expect(hits).toBe(3);
  });

  it('does not retry writes', async () => {
    hits = 0;
    await expect(client().put('/api/broken', 'vhost "x"', {})).rejects.toMatchObject({ name: 'BrokerApiError' });
    expect(hits).toBe(1);
  });

  it('says when the answer is not the management API', async () => {
    await expect(client().get('/api/html', 'overview')).rejects.toThrow(/not JSON: is this the RabbitMQ management API/);
  });

  it('maps a closed port to BrokerUnreachableError', async () => {
    const closed = new ManagementClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'p' });
    await expect(closed.get('/api/overview', 'overview')).rejects.toMatchObject({ name: 'BrokerUnreachableError' });
  });

  it('rejects a URL that is not http(s), naming the field', () => {
    expect(() => new ManagementClient({ url: 'amqp://host:5672', username: 'u', password: 'p' })).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'managementUrl' }));
    expect(() => new ManagementClient({ url: 'not a url', username: 'u', password: 'p' })).toThrow(expect.objectContaining({ field: 'managementUrl' }));
  });
});
