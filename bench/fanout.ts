/**
 * Per-queue overhead of the relay, on one pair of local nodes in one run: the same total (100,000
 * persistent 1 KiB messages) drained as 10,000 queues x 10 messages and as 10 queues x 10,000,
 * side by side; fan-out msg/s ÷ wide msg/s, goal ≥ 0.7.
 *
 * Like the workflow (functions/drain/handler.ts), queues are drained in batches (one relayDrain
 * call, with its own connections, per batch of BENCH_FANOUT_BATCH = 200 queues, the workflow's
 * largest batchSize; one batch after another, as one Map iteration after another), `concurrency`
 * 10 at a time, with a checkpoint store per batch: files by default (BENCH_FANOUT_CHECKPOINTS=file:
 * real I/O for each of a queue's checkpoint writes, as the workflow's S3 store has), or `memory`. Queues are declared over AMQP, many channels in parallel.
 * BENCH_FANOUT_QUEUES / BENCH_FANOUT_MESSAGES shrink the run.
 *
 * CPU per process (this Node process, the source and the target broker) is measured around each
 * layout's relay drain, and a broker floor for each layout: the source broker's CPU for the plain
 * publish (what the target at least spends accepting the same messages) plus the target broker's
 * CPU for a plain consume of everything the relay moved (what the source at least spends handing
 * them out and taking acks). Floor ÷ cores gives the best rate the brokers' own work allows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel } from '../src/engines/rabbitmq/amqp/client.js';
import type { AmqpEndpoint } from '../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { FileCheckpointStore, MemoryCheckpointStore, type CheckpointStore } from '../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain } from '../src/engines/rabbitmq/drain/relay.js';
import { startRabbitNodes, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';
import { CpuMeter, cpuRows, type CpuSeconds } from './process-cpu.js';
import { ratio, type BenchResult, type BenchRow } from './run.js';

const BODY = Buffer.alloc(1024, 'f');
const endpoint = (node: RabbitNode): AmqpEndpoint => ({ host: '127.0.0.1', port: node.amqpPort, username: node.adminUser, password: node.adminPassword });

/** Runs `work` on each item over `channels` channels of one connection, each channel's calls in sequence. */
async function onChannels(node: RabbitNode, items: readonly string[], channels: number, work: (channel: Channel, item: string) => Promise<unknown>): Promise<void> {
  const connection = await amqp.connect(node.amqpUrl);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(channels, items.length) }, async () => {
        const channel = await connection.createChannel();
        while (next < items.length) {
          const item = items[next++];
          if (item !== undefined) await work(channel, item);
        }
        await channel.close();
      }),
    );
  } finally {
    await connection.close();
  }
}

const declare = (nodes: RabbitNode[], queues: string[]) =>
  Promise.all(nodes.map((node) => onChannels(node, queues, 32, async (channel, q) => {
    await channel.deleteQueue(q);
    await channel.assertQueue(q, { durable: true });
  })));
const remove = (nodes: RabbitNode[], queues: string[]) => Promise.all(nodes.map((node) => onChannels(node, queues, 32, (channel, q) => channel.deleteQueue(q))));

/**
 * Publishes with confirms, a window of 5,000 unconfirmed, queue after queue (as the relay writes
 * them); returns msg/s: what the broker takes in this layout, a reference for the relay's rate.
 */
async function publish(node: RabbitNode, queues: string[], perQueue: number): Promise<number> {
  const connection = await amqp.connect(node.amqpUrl);
  const channel = await connection.createConfirmChannel();
  const started = process.hrtime.bigint();
  let sent = 0;
  for (const q of queues) {
    for (let i = 0; i < perQueue; i++) {
      if (!channel.sendToQueue(q, BODY, { persistent: true, headers: { n: i } })) await new Promise((r) => channel.once('drain', r));
      if (++sent % 5000 === 0) await channel.waitForConfirms();
    }
  }
  await channel.waitForConfirms();
  const rate = sent / seconds(started);
  await connection.close();
  return rate;
}

async function totalDepth(node: RabbitNode, queues: string[]): Promise<number> {
  let sum = 0;
  await onChannels(node, queues, 32, async (channel, q) => {
    const { messageCount } = await channel.checkQueue(q);
    sum += messageCount;
  });
  return sum;
}

/**
 * Consumes every queue with manual acks, on 10 channels of one connection (prefetch 1,000, each
 * channel taking queues one after another), expecting `perQueue` messages each; acks with
 * `multiple` every 500 messages and on the last one (a single ack at the end would stall behind
 * the prefetch once a queue holds more than 1,000), then cancels the consumer. A queue that stays
 * silent for 10 s is given up. Returns how many messages it consumed.
 */
async function consumeAll(node: RabbitNode, queues: readonly string[], perQueue: number): Promise<number> {
  let consumed = 0;
  await onChannels(node, queues, 10, async (channel, q) => {
    await channel.prefetch(1000);
    let got = 0;
    let idle: NodeJS.Timeout | undefined;
    let finish = () => undefined as void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const arm = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(finish, 10_000);
    };
    arm();
    const ok = await channel.consume(q, (msg) => {
      if (msg === null) return finish();
      got++;
      if (got % 500 === 0 || got === perQueue) channel.ack(msg, true);
      if (got >= perQueue) finish();
      else arm();
    }, { noAck: false });
    await done;
    clearTimeout(idle);
    await channel.cancel(ok.consumerTag);
    consumed += got;
  });
  return consumed;
}


const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

export async function run(): Promise<BenchResult> {
  const queueCount = Number(process.env.BENCH_FANOUT_QUEUES ?? 10_000);
  const total = Number(process.env.BENCH_FANOUT_MESSAGES ?? 100_000);
  const batchSize = Number(process.env.BENCH_FANOUT_BATCH ?? 200);
  const concurrency = Number(process.env.BENCH_FANOUT_CONCURRENCY ?? 10);
  const store = process.env.BENCH_FANOUT_CHECKPOINTS ?? 'file';
  const wideCount = 10;
  const [source, target] = (await startRabbitNodes(2)) as [RabbitNode, RabbitNode];
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const rates: Record<string, number> = {};
  const publishRates: Record<string, number> = {};
  const bestRates: Record<string, number> = {};
  const cores = cpus().length;
  const pids = { source: source.pid, target: target.pid };
  const dir = await mkdtemp(join(tmpdir(), 'mqm-fanout-'));
  try {
    const cases = [
      { key: 'wide', label: `${wideCount} queues x ${(total / wideCount).toLocaleString('en-US')}`, queues: Array.from({ length: wideCount }, (_, i) => `wide.${i}`) },
      { key: 'fan', label: `${queueCount.toLocaleString('en-US')} queues x ${(total / queueCount).toLocaleString('en-US')}`, queues: Array.from({ length: queueCount }, (_, i) => `fan.${String(i).padStart(5, '0')}`) },
    ];
    for (const c of cases) {
      const perQueue = total / c.queues.length;
      let started = process.hrtime.bigint();
      await declare([source, target], c.queues);
      rows.push({ label: `${c.label}: declare ${c.queues.length.toLocaleString('en-US')} queues on both nodes (AMQP, 32 channels each)`, value: seconds(started), unit: 's' });
      const publishMeter = new CpuMeter(pids);
      const publishRate = await publish(source, c.queues, perQueue);
      const publishCpu = publishMeter.stop().source;
      publishRates[c.key] = publishRate;
      rows.push({ label: `${c.label}: publish with confirms into the source (reference, not part of the drain)`, value: Math.round(publishRate), unit: 'msg/s' });
      process.stdout.write(`   ${c.label}: declared and published; draining\n`);

      const relayMeter = new CpuMeter(pids);
      started = process.hrtime.bigint();
      let moved = 0;
      let drained = 0;
      for (let b = 0; b < c.queues.length; b += batchSize) {
        const batch = c.queues.slice(b, b + batchSize);
        const checkpoints: CheckpointStore = store === 'memory' ? new MemoryCheckpointStore() : new FileCheckpointStore(join(dir, `${c.key}-${b}`));
        const ledgers = await relayDrain({
          migrationId: `fanout-${c.key}`, source: endpoint(source), target: endpoint(target), queues: batch.map((name) => ({ vhost: '/', name })),
          checkpoints, deadline: Date.now() + 3_600_000, concurrency,
        });
        moved += ledgers.reduce((sum, l) => sum + l.moved, 0);
        drained += ledgers.filter((l) => l.status === 'drained').length;
      }
      const drainSeconds = seconds(started);
      const relayCpu = relayMeter.stop();
      const arrived = await totalDepth(target, c.queues);
      if (moved !== total || arrived !== total || drained !== c.queues.length) notes.push(`${c.label}: moved ${moved}, target holds ${arrived} of ${total}; ${drained} of ${c.queues.length} queues drained`);
      rates[c.key] = total / drainSeconds;
      rows.push(
        { label: `${c.label}: relay`, value: Math.round(total / drainSeconds), unit: 'msg/s' },
        { label: `${c.label}: relay time`, value: drainSeconds, unit: 's' },
        { label: `${c.label}: per queue`, value: (drainSeconds * 1000 * concurrency) / c.queues.length, unit: 'ms (x concurrency)' },
        ...cpuRows(`${c.label}: relay`, relayCpu, drainSeconds, total),
      );
      // The floor: a plain consume of everything the relay moved, from the target (before remove()).
      const consumeMeter = new CpuMeter(pids);
      const consumeStarted = process.hrtime.bigint();
      const consumed = await consumeAll(target, c.queues, perQueue);
      const consumeSeconds = seconds(consumeStarted);
      const consumeCpu = consumeMeter.stop().target;
      if (consumed !== total) notes.push(`${c.label}: the plain consume pass consumed ${consumed} of ${total}`);
      const floorSeconds = (publishCpu + consumeCpu) / cores;
      bestRates[c.key] = total / floorSeconds;
      rows.push(
        { label: `${c.label}: plain publish, CPU s (source broker)`, value: publishCpu, unit: 's' },
        { label: `${c.label}: plain consume from the target, CPU s (target broker)`, value: consumeCpu, unit: 's' },
        { label: `${c.label}: plain consume from the target`, value: Math.round(consumed / consumeSeconds), unit: 'msg/s' },
        { label: `${c.label}: broker floor (publish CPU + consume CPU)`, value: publishCpu + consumeCpu, unit: 's' },
        { label: `${c.label}: best rate from the broker floor (${cores} cores)`, value: Math.round(bestRates[c.key] ?? 0), unit: 'msg/s' },
      );
      await remove([source, target], c.queues);
    }
    notes.push(`the broker's own per-queue cost: plain publishing with confirms ran ${((publishRates.fan ?? 0) / (publishRates.wide ?? Infinity)).toFixed(3)} as fast into ${queueCount.toLocaleString('en-US')} queues as into ${wideCount}; relay ÷ that publish rate: ${((rates.wide ?? 0) / (publishRates.wide ?? Infinity)).toFixed(3)} (${wideCount} queues), ${((rates.fan ?? 0) / (publishRates.fan ?? Infinity)).toFixed(3)} (${queueCount.toLocaleString('en-US')} queues)`);
    notes.push(`broker floor: the source broker's CPU for the plain publish (≈ what the target spends accepting the messages) + the target broker's CPU for a plain consume of them with manual acks (10 channels, prefetch 1,000, ack multiple every 500 and per queue; ≈ what the source spends handing them out); best rate = messages ÷ (floor ÷ ${cores} cores)`);
    notes.push(`upper bound for ${queueCount.toLocaleString('en-US')} queues from the brokers' own work: best rate from the ${queueCount.toLocaleString('en-US')}-queue floor ÷ measured relay rate with ${wideCount} queues`);
    rows.push({
      label: `upper bound on ${queueCount.toLocaleString('en-US')} ÷ ${wideCount} queues on this machine from the brokers' own work: bestRate(fan) / measured relay rate(wide)`,
      value: (bestRates.fan ?? 0) / (rates.wide ?? Infinity),
      unit: 'ratio',
    });
    notes.push(`relay in batches of ${batchSize} queues (one relayDrain call each, one after another, like the workflow's Map iterations), concurrency ${concurrency}, ${store} checkpoints; defaults otherwise (prefetch 4,000, rounds of 500)`);
    return {
      title: `RabbitMQ relay per-queue overhead: ${queueCount.toLocaleString('en-US')} x ${(total / queueCount).toLocaleString('en-US')} vs ${wideCount} x ${(total / wideCount).toLocaleString('en-US')} (1 KiB persistent, two local nodes)`,
      rows,
      ratios: [ratio(`${queueCount.toLocaleString('en-US')} queues ÷ ${wideCount} queues (msg/s)`, (rates.fan ?? 0) / (rates.wide ?? Infinity), '>=', 0.7)],
      notes,
    };
  } finally {
    await Promise.all([source.stop(), target.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
