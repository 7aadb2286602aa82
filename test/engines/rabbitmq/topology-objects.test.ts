import { diffTopologies, topologyObjects, canonicalJson } from '../../../src/engines/rabbitmq/topology-objects.js';
import { queue, rabbitInventory } from '../../fixtures/rabbit-inventory.js';

describe('topology objects and diff', () => {
  it('finds missing, different and extra objects, and counts the rest as unchanged', () => {
    const desired = rabbitInventory({ queues: [queue('a'), queue('b', { arguments: { 'x-message-ttl': 5 } })] }).rabbitmq;
    const actual = rabbitInventory({ queues: [queue('b', { arguments: { 'x-message-ttl': 6 } }), queue('c')] }).rabbitmq;

    const diff = diffTopologies(desired, actual);

    expect(diff.missing.map((o) => o.label)).toEqual(['queue "a" in vhost "/"']);
    expect(diff.different.map(([o]) => o.label)).toEqual(['queue "b" in vhost "/"']);
    expect(diff.extra.map((o) => o.label)).toEqual(['queue "c" in vhost "/"']);
    expect(diff.unchanged).toBe(3); // vhost, user, permission
  });

  it('ignores the order of keys in arguments and the x-queue-type a broker adds', () => {
    const desired = rabbitInventory({ queues: [queue('a', { arguments: { 'x-a': 1, 'x-b': { y: 1, z: 2 } } })] }).rabbitmq;
    const actual = rabbitInventory({ queues: [queue('a', { arguments: { 'x-b': { z: 2, y: 1 }, 'x-a': 1, 'x-queue-type': 'classic' } })] }).rabbitmq;

    expect(diffTopologies(desired, actual).different).toEqual([]);
  });

  it('treats a queue of another type as different', () => {
    const desired = rabbitInventory({ queues: [queue('a', { type: 'quorum' })] }).rabbitmq;
    const actual = rabbitInventory({ queues: [queue('a')] }).rabbitmq;

    expect(diffTopologies(desired, actual).different).toHaveLength(1);
  });

  it('leaves out built-in exchanges and broker identity parameters', () => {
    const topology = rabbitInventory({
      exchanges: [
        { vhost: '/', name: 'amq.topic', type: 'topic', durable: true, autoDelete: false, internal: false, arguments: {} },
        { vhost: '/', name: 'app', type: 'topic', durable: true, autoDelete: false, internal: false, arguments: {} },
      ],
      globalParameters: [{ name: 'internal_cluster_id', value: 'rabbitmq-cluster-id-x' }, { name: 'mine', value: 1 }],
    }).rabbitmq;

    const labels = topologyObjects(topology).map((o) => o.label);

    expect(labels).toContain('exchange "app" in vhost "/"');
    expect(labels).toContain('global parameter "mine"');
    expect(labels.join()).not.toMatch(/amq\.topic|internal_cluster_id/);
  });

  it('keys bindings by their arguments too, whatever the key order', () => {
    const binding = (args: Record<string, unknown>) => ({ vhost: '/', source: 'x', destination: 'q', destinationType: 'queue' as const, routingKey: '', arguments: args });
    const desired = rabbitInventory({ bindings: [binding({ 'x-match': 'all', a: 1 })] }).rabbitmq;
    const actual = rabbitInventory({ bindings: [binding({ a: 1, 'x-match': 'all' }), binding({ 'x-match': 'any' })] }).rabbitmq;

    const diff = diffTopologies(desired, actual);

    expect(diff.missing).toEqual([]);
    expect(diff.extra).toHaveLength(1);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});
