import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '../../../../src/engines/rabbitmq/drain/checkpoint.js';
import { MIGRATION_ID_HEADER, stableMessageId } from '../../../../src/engines/rabbitmq/drain/message-id.js';

describe('stable message ids', () => {
  const props = { headers: { a: { '!': 'int', value: 1 }, b: 'x' }, messageId: 'm1', timestamp: 5 } as never;

  it('gives the same message the same id whatever the header order', () => {
    const reordered = { headers: { b: 'x', a: { '!': 'int', value: 1 } }, timestamp: 5, messageId: 'm1' } as never;
    expect(stableMessageId('/', 'q', props, Buffer.from('body'))).toBe(stableMessageId('/', 'q', reordered, Buffer.from('body')));
  });

  it('gives other bodies, properties, queues or vhosts other ids', () => {
    const base = stableMessageId('/', 'q', props, Buffer.from('body'));
    expect(new Set([
      base,
      stableMessageId('/', 'q', props, Buffer.from('other')),
      stableMessageId('/', 'q2', props, Buffer.from('body')),
      stableMessageId('v', 'q', props, Buffer.from('body')),
      stableMessageId('/', 'q', { ...(props as object), messageId: 'm2' } as never, Buffer.from('body')),
    ]).size).toBe(5);
  });

  it('keeps an id the message already carries', () => {
    expect(stableMessageId('/', 'q', { headers: { [MIGRATION_ID_HEADER]: 'kept' } } as never, Buffer.from('x'))).toBe('kept');
  });
});

describe('FileCheckpointStore', () => {
  it('writes atomically and reads back; a missing key reads as undefined', async () => {
    const store = new FileCheckpointStore(await mkdtemp(join(tmpdir(), 'mqm-cp-')));

    await store.write('m1/drain/team/billing/q#1', '{"a":1}');
    await store.write('m1/drain/team/billing/q#1', '{"a":2}');

    expect(await store.read('m1/drain/team/billing/q#1')).toBe('{"a":2}');
    expect(await store.read('nope')).toBeUndefined();
  });
});
