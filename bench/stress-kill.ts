/**
 * Crash stress for the relay: drains one queue while SIGKILLing the drain process at random
 * points until STRESS_KILLS (default 24) kills landed mid-drain (STRESS_MESSAGES, default 300,000, must
 * last that long), then lets a last run finish, and checks that every message
 * reached the target, every extra copy is marked x-mq-migrate-duplicate, and no copy went uncounted.
 * Run: npm run stress
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ConsumeMessage } from '../src/engines/rabbitmq/amqp/client.js';
import { DUPLICATE_HEADER } from '../src/engines/rabbitmq/drain/message-id.js';
import { startRabbitNodes, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';

const kills = Number(process.env.STRESS_KILLS ?? 24);
const total = Number(process.env.STRESS_MESSAGES ?? 300000);
const [source, target] = (await startRabbitNodes(2)) as [RabbitNode, RabbitNode];
const endpoint = (n: RabbitNode) => ({ host: '127.0.0.1', port: n.amqpPort, username: n.adminUser, password: n.adminPassword });
try {
  for (const node of [source, target]) {
    const c = await amqp.connect(node.amqpUrl);
    await (await c.createChannel()).assertQueue('stress', { durable: true });
    await c.close();
  }
  const c = await amqp.connect(source.amqpUrl);
  const ch = await c.createConfirmChannel();
  for (let i = 0; i < total; i++) {
    ch.sendToQueue('stress', Buffer.alloc(256, i % 256), { persistent: true, headers: { n: i } });
    if (i % 2000 === 1999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  await c.close();

  const dir = await mkdtemp(join(tmpdir(), 'mqm-stress-'));
  const input = JSON.stringify({ migrationId: 'stress', source: endpoint(source), target: endpoint(target), queues: [{ vhost: '/', name: 'stress' }], checkpointDir: dir, budgetMs: 600000, batchSize: 200 });
  const runChild = (killAfterMs?: number) =>
    new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/relay-child.ts', input], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      if (killAfterMs !== undefined) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
      proc.on('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve(out) : reject(new Error(`drain exited ${code}`))));
    });
  // A kill counts only if it landed mid-drain (the child printed nothing): a faster relay must not
  // turn the stress into fewer real crashes unnoticed.
  let landed = 0;
  while (landed < kills) {
    const after = 1100 + Math.floor(Math.random() * 700);
    const out = await runChild(after);
    if (out) {
      process.stdout.write(`the drain finished before kill ${landed + 1} (after ${after} ms): only ${landed} of ${kills} kills landed; raise STRESS_MESSAGES\n`);
      break;
    }
    landed += 1;
    process.stdout.write(`kill ${landed}/${kills} after ${after} ms, mid-drain\n`);
  }
  const [ledger] = JSON.parse(await runChild()) as { status: string; moved: number; duplicates: number }[];

  const read = await amqp.connect(target.amqpUrl);
  const rch = await read.createChannel();
  const copies = new Map<number, ConsumeMessage[]>();
  let count = 0;
  for (;;) {
    const m = await rch.get('stress', { noAck: true });
    if (m === false) break;
    count += 1;
    const n = (m.properties.headers?.n as { value: number }).value;
    copies.set(n, [...(copies.get(n) ?? []), m as unknown as ConsumeMessage]);
  }
  await read.close();
  const missing = total - copies.size;
  const extra = count - copies.size;
  const unmarked = [...copies.values()].filter((list) => list.length > 1 && !list.some((m) => m.properties.headers?.[DUPLICATE_HEADER] === true)).length;
  process.stdout.write(`${landed} kills mid-drain; status ${ledger?.status}; ${total} sent, ${copies.size} distinct on the target, ${missing} lost, ${extra} extra copies, ${ledger?.duplicates} marked duplicates, ${unmarked} unmarked extra copies\n`);
  process.exitCode = landed >= kills && missing === 0 && unmarked === 0 && extra <= (ledger?.duplicates ?? 0) && ledger?.status === 'drained' ? 0 : 1;
} finally {
  await Promise.all([source.stop(), target.stop()]);
}
