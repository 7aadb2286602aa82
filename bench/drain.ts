/**
 * RabbitMQ drain benchmark, on one pair of local nodes in one run:
 *   relay msg/s ÷ dynamic shovel msg/s (one shovel per queue), for 1 × 100,000 and 10 × 10,000
 *   persistent 1 KiB messages (goal ≥ 1.2), with raw publish-with-confirms msg/s as the ceiling;
 *   peak RSS of the relay for 1,000,000 × 1 KiB (goal ≤ 256 MiB) and for 100,000 (flatness).
 * Each drain also reports CPU seconds per process (this Node process, the source and the target
 * broker), CPU per message and cores busy (all CPU ÷ wall time).
 * BENCH_RSS_MESSAGES overrides the 1,000,000; BENCH_DRAIN_MESSAGES the 100,000 per drain case
 * (the 10-queue case gets a tenth of it per queue).
 */
import { spawn } from 'node:child_process';
import amqp from '../src/engines/rabbitmq/amqp/client.js';
import type { AmqpEndpoint } from '../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { MemoryCheckpointStore } from '../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain } from '../src/engines/rabbitmq/drain/relay.js';
import { shovelDrain } from '../src/engines/rabbitmq/drain/shovel.js';
import { apiPath, ManagementClient } from '../src/engines/rabbitmq/management-client.js';
import { startRabbitNodes, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';
import { CpuMeter, cpuRows, type CpuSeconds } from './process-cpu.js';
import { ratio, type BenchResult, type BenchRow } from './run.js';

const BODY = Buffer.alloc(1024, 'm');
const endpoint = (node: RabbitNode): AmqpEndpoint => ({ host: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword });
const api = (node: RabbitNode) => new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword });

async function declare(nodes: RabbitNode[], queues: string[]): Promise<void> {
  for (const node of nodes) for (const q of queues) {
    await api(node).delete(apiPath('queues', '/', q), 'queue').catch(() => undefined);
    await api(node).put(apiPath('queues', '/', q), 'queue', { durable: true, arguments: {} });
  }
}

/** Publishes with confirms, a window of 5,000 unconfirmed; returns msg/s. */
async function publish(node: RabbitNode, queues: string[], perQueue: number): Promise<number> {
  const connection = await amqp.connect(node.amqpUrl);
  const channel = await connection.createConfirmChannel();
  const started = Date.now();
  let sent = 0;
  for (let i = 0; i < perQueue; i++) {
    for (const q of queues) {
      if (!channel.sendToQueue(q, BODY, { persistent: true, headers: { n: i } })) await new Promise((r) => channel.once('drain', r));
      if (++sent % 5000 === 0) await channel.waitForConfirms();
    }
  }
  await channel.waitForConfirms();
  const rate = (sent * 1000) / (Date.now() - started);
  await connection.close();
  return rate;
}

async function waitForDepth(node: RabbitNode, queues: string[], total: number): Promise<void> {
  const connection = await amqp.connect(node.amqpUrl);
  const channel = await connection.createChannel();
  try {
    for (;;) {
      let sum = 0;
      for (const q of queues) sum += (await channel.checkQueue(q)).messageCount;
      if (sum >= total) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await connection.close();
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}


function childRss(source: RabbitNode, target: RabbitNode, queue: string): Promise<{ moved: number; seconds: number; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const input = JSON.stringify({ source: endpoint(source), target: endpoint(target), queue });
    const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/rss-child.ts', input], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`rss child exited ${code}`))));
  });
}

export async function run(): Promise<BenchResult> {
  const [source, target] = (await startRabbitNodes(2)) as [RabbitNode, RabbitNode];
  const rows: BenchRow[] = [];
  const ratios = [];
  const notes: string[] = [];
  try {
    const perCase = Number(process.env.BENCH_DRAIN_MESSAGES ?? 100_000);
    const cases = [
      { label: `1 queue x ${perCase.toLocaleString('en-US')}`, queues: ['bench.single'], perQueue: perCase },
      { label: `10 queues x ${(perCase / 10).toLocaleString('en-US')}`, queues: Array.from({ length: 10 }, (_, i) => `bench.multi.${i}`), perQueue: perCase / 10 },
    ];
    const pids = { source: source.pid, target: target.pid };
    for (const c of cases) {
      const total = c.queues.length * c.perQueue;
      await declare([source, target], c.queues);
      const publishRate = await publish(source, c.queues, c.perQueue);
      const relayMeter = new CpuMeter(pids);
      const relay = await timed(() =>
        relayDrain({ migrationId: 'bench', source: endpoint(source), target: endpoint(target), queues: c.queues.map((name) => ({ vhost: '/', name })), checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 3_600_000, concurrency: 10 }),
      );
      const relayCpu = relayMeter.stop();
      const relayMoved = relay.value.reduce((sum, l) => sum + l.moved, 0);
      await declare([source, target], c.queues);
      await publish(source, c.queues, c.perQueue);
      // The shovel's own completion waits on management statistics (seconds of lag), so it is
      // timed from start until the target holds every message: the shovel's best case.
      // Its CPU is measured over the same span (the meter stops once the target holds all).
      const shovelMeter = new CpuMeter(pids);
      const shovelStarted = process.hrtime.bigint();
      let shovelCpu: CpuSeconds<'source' | 'target'> | undefined;
      const arrived = waitForDepth(target, c.queues, total).then(() => {
        shovelCpu = shovelMeter.stop();
        return Number(process.hrtime.bigint() - shovelStarted) / 1e9;
      });
      const shovelDone = timed(() =>
        shovelDrain({
          migrationId: 'bench', shovelHost: api(source), source: endpoint(source), target: endpoint(target), deadline: Date.now() + 3_600_000,
          sourceUri: () => 'amqp://',
          targetUri: () => `amqp://${encodeURIComponent(target.adminUser)}:${encodeURIComponent(target.adminPassword)}@127.0.0.1:${target.amqpPort}/%2F`,
          queues: c.queues.map((name) => ({ vhost: '/', name })),
        }),
      );
      const shovel = { seconds: await arrived, value: (await shovelDone).value };
      const shovelMoved = shovel.value.reduce((sum, l) => sum + l.moved, 0);
      if (relayMoved !== total || shovelMoved !== total) notes.push(`${c.label}: relay moved ${relayMoved}, shovel moved ${shovelMoved} of ${total}`);
      const relayRate = total / relay.seconds;
      const shovelRate = total / shovel.seconds;
      rows.push(
        { label: `${c.label}: publish with confirms (ceiling)`, value: Math.round(publishRate), unit: 'msg/s' },
        { label: `${c.label}: relay`, value: Math.round(relayRate), unit: 'msg/s' },
        { label: `${c.label}: dynamic shovel (on-confirm)`, value: Math.round(shovelRate), unit: 'msg/s' },
        { label: `${c.label}: relay time`, value: relay.seconds, unit: 's' },
        { label: `${c.label}: shovel time (until the target holds all)`, value: shovel.seconds, unit: 's' },
        ...cpuRows(`${c.label}: relay`, relayCpu, relay.seconds, total),
        ...(shovelCpu ? cpuRows(`${c.label}: shovel`, shovelCpu, shovel.seconds, total) : []),
      );
      ratios.push(ratio(`${c.label}: relay ÷ shovel`, relayRate / shovelRate, '>=', 1.2));
    }

    const big = Number(process.env.BENCH_RSS_MESSAGES ?? 1_000_000);
    const rss: Record<number, number> = {};
    for (const count of [100_000, big]) {
      await declare([source, target], ['bench.rss']);
      await publish(source, ['bench.rss'], count);
      const result = await childRss(source, target, 'bench.rss');
      if (result.moved !== count) notes.push(`rss run: moved ${result.moved} of ${count}`);
      rss[count] = result.maxRssMiB;
      rows.push({ label: `relay peak RSS, ${count.toLocaleString('en-US')} x 1 KiB (own process)`, value: result.maxRssMiB, unit: 'MiB' }, { label: `relay rate, ${count.toLocaleString('en-US')} x 1 KiB`, value: Math.round(count / result.seconds), unit: 'msg/s' });
    }
    ratios.push(ratio(`relay peak RSS for ${big.toLocaleString('en-US')} messages (MiB)`, rss[big] ?? Infinity, '<=', 256));
    ratios.push(ratio(`relay peak RSS ${big.toLocaleString('en-US')} ÷ 100,000 (flat in queue length)`, (rss[big] ?? Infinity) / (rss[100_000] ?? 1), '<=', 1.2));
    notes.push('CPU s: utime + stime from /proc/<pid>/stat for each broker (beam process), process.cpuUsage() for this Node process (runs the relay; during the shovel only the monitoring); shovel CPU is taken until the target holds every message');
    notes.push('relay: default window (one queue at a time: prefetch 16,000, rounds of 1,000, 14 in flight; 10 queues: 4,000, rounds of 500, 6 in flight), 64 MiB per queue at most; shovels run on the source node (direct amqp:// source), one per queue');
    return { title: 'RabbitMQ drain: relay vs dynamic shovel (RabbitMQ 3.10, two local nodes)', rows, ratios, notes };
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}
