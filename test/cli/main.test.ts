import { jest } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { sampleDefinitions } from '../../src/local/seed/rabbitmq-sample.js';

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['node', 'mq-migrate', ...args], (text) => (out += text));
  process.exitCode = undefined;
  return { code, out };
}

describe('mq-migrate CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqm-cli-'));
    await writeFile(join(dir, 'defs.json'), JSON.stringify({ ...sampleDefinitions(), rabbitmq_version: '3.12.4', users: [{ name: 'app', password_hash: 'aGFzaA==', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] }], vhosts: [{ name: '/' }, { name: 'orders' }, { name: 'team/billing' }] }));
  });

  it('inventories a definitions file and plans it, writing plan.json and plan.md', async () => {
    const inventory = join(dir, 'inventory.json');

    const inv = await run('inventory', '--definitions', join(dir, 'defs.json'), '--out', inventory);
    const plan = await run('plan', '--inventory', inventory, '--out-dir', join(dir, 'plan'), '--deployment-mode', 'SINGLE_INSTANCE');

    expect(inv.code).toBe(0);
    expect(inv.out).toContain('"queues":9');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('RMQ-MIRRORED-QUEUE-CONVERTED');
    const written = JSON.parse(await readFile(join(dir, 'plan', 'plan.json'), 'utf8')) as { target: { deploymentMode: string } };
    expect(written.target.deploymentMode).toBe('SINGLE_INSTANCE');
    expect(await readFile(join(dir, 'plan', 'plan.md'), 'utf8')).toContain('# Migration plan');
  });

  it('exits 5 when the plan has unaccepted blockers', async () => {
    const defs = join(dir, 'stream.json');
    await writeFile(defs, JSON.stringify({ vhosts: [{ name: '/' }], queues: [{ name: 's', vhost: '/', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'stream' } }] }));
    await run('inventory', '--definitions', defs, '--out', join(dir, 'stream-inv.json'));

    const plan = await run('plan', '--inventory', join(dir, 'stream-inv.json'), '--out-dir', join(dir, 'stream-plan'));
    const accepted = await run('plan', '--inventory', join(dir, 'stream-inv.json'), '--out-dir', join(dir, 'stream-plan'), '--accept', 'RMQ-STREAM-QUEUE');

    expect(plan.code).toBe(5);
    expect(accepted.code).toBe(0);
  });

  it('exits 2 on a truncated definitions file, naming it, and writes nothing', async () => {
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, JSON.stringify(sampleDefinitions()).slice(0, 300));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const result = await run('inventory', '--definitions', truncated, '--out', join(dir, 'never.json'));

    expect(result.code).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toContain(`ValidationError: ${truncated}: not valid JSON`);
    await expect(readFile(join(dir, 'never.json'))).rejects.toThrow();
    stderr.mockRestore();
  });

  it('refuses to read a password from anything but its environment variable', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    delete process.env.MQM_SOURCE_PASSWORD;

    const result = await run('inventory', '--management-url', 'http://127.0.0.1:1', '--out', join(dir, 'x.json'));

    expect(result.code).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('set MQM_SOURCE_PASSWORD');
    stderr.mockRestore();
  });

  it('exits 3 when the broker is unreachable', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.MQM_SOURCE_PASSWORD = 'whatever-password';

    const result = await run('inventory', '--management-url', 'http://127.0.0.1:1', '--out', join(dir, 'x.json'));

    expect(result.code).toBe(3);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('BrokerUnreachableError');
    stderr.mockRestore();
  });
});
