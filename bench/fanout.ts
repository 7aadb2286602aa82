/**
 * Per-queue overhead of the relay, on one pair of local nodes in one run: the same total (100,000
 * persistent 1 KiB messages) drained as 10,000 queues x 10 messages and as 10 queues x 10,000,
 * side by side; fan-out msg/s ÷ wide msg/s, goal ≥ 0.7.
 *
 * Like the workflow (functions/drain/handler.ts), queues are drained in batches (one relayDrain
 * call, with its own connections, per batch of BENCH_FANOUT_BATCH = 200 queues, the workflow's
 * largest batchSize; one batch after another, as one Map iteration after another), `concurrency`
 * 10 at a time, with a checkpoint store per batch: files by default (BENCH_FANOUT_CHECKPOINTS=file),
 * as local runs use, or `memory`. Queues are declared over AMQP, many channels in parallel.
 * BENCH_FANOUT_QUEUES / BENCH_FANOUT_MESSAGES shrink the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel } from '../src/engines/rabbitmq/amqp/client.js';
import type { AmqpEndpoint } from '../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { FileCheckpointStore, MemoryCheckpointStore, type CheckpointStore } from '../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain } from '../src/engines/rabbitmq/drain/relay.js';
import { startRabbitNodes, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';
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
      const publishRate = await publish(source, c.queues, perQueue);
      publishRates[c.key] = publishRate;
      rows.push({ label: `${c.label}: publish with confirms into the source (reference, not part of the drain)`, value: Math.round(publishRate), unit: 'msg/s' });
      process.stdout.write(`   ${c.label}: declared and published; draining\n`);

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
      const arrived = await totalDepth(target, c.queues);
      if (moved !== total || arrived !== total || drained !== c.queues.length) notes.push(`${c.label}: moved ${moved}, target holds ${arrived} of ${total}; ${drained} of ${c.queues.length} queues drained`);
      rates[c.key] = total / drainSeconds;
      rows.push(
        { label: `${c.label}: relay`, value: Math.round(total / drainSeconds), unit: 'msg/s' },
        { label: `${c.label}: relay time`, value: drainSeconds, unit: 's' },
        { label: `${c.label}: per queue`, value: (drainSeconds * 1000 * concurrency) / c.queues.length, unit: 'ms (x concurrency)' },
      );
      await remove([source, target], c.queues);
    }
    notes.push(`the broker's own per-queue cost: plain publishing with confirms ran ${((publishRates.fan ?? 0) / (publishRates.wide ?? Infinity)).toFixed(3)} as fast into ${queueCount.toLocaleString('en-US')} queues as into ${wideCount}; relay ÷ that publish rate: ${((rates.wide ?? 0) / (publishRates.wide ?? Infinity)).toFixed(3)} (${wideCount} queues), ${((rates.fan ?? 0) / (publishRates.fan ?? Infinity)).toFixed(3)} (${queueCount.toLocaleString('en-US')} queues)`);
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
