import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDefinitionsText, topologyFromDefinitions, definitionsFor } from '../../../src/engines/rabbitmq/definitions.js';
import { inventoryFromDefinitionsFile } from '../../../src/engines/rabbitmq/inventory.js';
import { sampleDefinitions } from '../../../src/local/seed/rabbitmq-sample.js';

const exported = {
  rabbit_version: '3.12.14',
  rabbitmq_version: '3.12.14',
  product_name: 'RabbitMQ',
  product_version: '3.12.14',
  users: [{ name: 'app', password_hash: 'aGFzaA==', hashing_algorithm: 'rabbit_password_hashing_sha512', tags: 'management,monitoring', limits: { 'max-connections': 5 } }],
  vhosts: [{ name: 'orders', metadata: { description: 'Orders', tags: ['prod'], default_queue_type: 'quorum' } }],
  permissions: [{ user: 'app', vhost: 'orders', configure: '.*', write: '.*', read: '.*' }],
  queues: [
    { name: 'a', vhost: 'orders', durable: true, auto_delete: false, arguments: {} },
    { name: 'b', vhost: 'orders', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'classic' } },
  ],
  exchanges: [],
  bindings: [],
};

describe('RabbitMQ definitions', () => {
  it('reads an export into the inventory topology, with tags, limits and vhost default queue types', () => {
    const topology = topologyFromDefinitions(parseDefinitionsText(JSON.stringify(exported), 'defs.json'));

    expect(topology.users[0]).toEqual({ name: 'app', passwordHash: 'aGFzaA==', hashingAlgorithm: 'rabbit_password_hashing_sha512', tags: ['management', 'monitoring'], limits: { 'max-connections': 5 } });
    expect(topology.vhosts[0]).toEqual({ name: 'orders', description: 'Orders', tags: ['prod'], defaultQueueType: 'quorum' });
    // Without x-queue-type a queue takes its vhost's default type.
    expect(topology.queues.map((q) => [q.name, q.type])).toEqual([['a', 'quorum'], ['b', 'classic']]);
  });

  it('rejects a truncated file, naming the file and the rule', () => {
    const text = JSON.stringify(exported).slice(0, 150);

    expect(() => parseDefinitionsText(text, 'export.json')).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'export.json', rule: expect.stringContaining('complete JSON') }),
    );
  });

  it('rejects unknown fields, naming where they are', () => {
    const text = JSON.stringify({ ...exported, queues: [{ ...exported.queues[0], colour: 'blue' }] });

    expect(() => parseDefinitionsText(text, 'export.json')).toThrow(expect.objectContaining({ field: 'queues[0].colour', rule: expect.stringContaining('unknown field') }));
  });

  it('rejects a field of the wrong type, naming it', () => {
    const text = JSON.stringify({ ...exported, queues: [{ ...exported.queues[0], durable: 'yes' }] });

    expect(() => parseDefinitionsText(text, 'export.json')).toThrow(expect.objectContaining({ field: 'queues[0].durable' }));
  });

  it('rejects a document that is not an object', () => {
    expect(() => parseDefinitionsText('[1,2]', 'export.json')).toThrow(expect.objectContaining({ field: 'export.json' }));
  });

  it('round-trips the sample estate through the topology and back', () => {
    const defs = parseDefinitionsText(JSON.stringify(sampleDefinitions()), 'sample');
    const topology = topologyFromDefinitions(defs);

    const again = topologyFromDefinitions(parseDefinitionsText(JSON.stringify(definitionsFor(topology)), 'again'));

    expect(again.queues).toEqual(topology.queues.map((q) => ({ ...q, type: q.type })));
    expect(again.bindings).toEqual(topology.bindings);
    expect(again.policies).toEqual(topology.policies);
  });

  it('builds an offline inventory from a file, and names an unreadable one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqm-defs-'));
    const path = join(dir, 'defs.json');
    await writeFile(path, JSON.stringify(exported));

    const inventory = await inventoryFromDefinitionsFile(path);

    expect(inventory.source.origin).toBe('definitions-file');
    expect(inventory.broker.engineVersion).toBe('3.12.14');
    expect(inventory.rabbitmq.queues[0]?.messages).toBeUndefined();
    await expect(inventoryFromDefinitionsFile(join(dir, 'missing.json'))).rejects.toMatchObject({ name: 'ValidationError', field: 'definitionsFile' });
  });
});
