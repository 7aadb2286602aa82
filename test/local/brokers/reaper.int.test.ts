import { spawn } from 'node:child_process';
import { isAlive } from '../../../src/local/brokers/process.js';

// A process that starts a broker and is then killed must not leave the broker behind.
it('kills the brokers a process started when that process is terminated', async () => {
  const script = `
    import { startRabbitNode } from './src/local/brokers/rabbitmq-node.ts';
    const node = await startRabbitNode();
    process.stdout.write(String(node.pid) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  expect(isAlive(pid)).toBe(true);

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));

  expect(isAlive(pid)).toBe(false);
}, 120000);
