/**
 * ActiveMQ drain benchmark. On one pair of local ActiveMQ 5.17 brokers, side by side in one run:
 *   - drain msg/s ÷ a naive relay (receive one, send it with a receipt, wait, ack, next)   goal >= 1.5
 *   - peak RSS of the drain process for `rssMessages` messages (VmHWM of a child process)   goal <= 256 MiB
 *
 * 100,000 persistent 1 KiB messages in one queue for the drain. The naive relay is slow (one
 * synchronous store write per message), so it runs on its own queue for a fixed time budget and is
 * measured as msg/s over what it moved. Seeding is not measured.
 *
 * Run: `node --import tsx bench/run.ts activemq-drain` (once registered in bench/run.ts), or
 * directly: `node --import tsx bench/activemq-drain.ts [messages] [rssMessages]`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { drainActiveMq, type StompEndpoint } from '../src/engines/activemq/drain.js';
import { MemoryLedgerStore } from '../src/engines/activemq/stomp-ledger.js';
import { StompClient, type StompFrame } from '../src/engines/activemq/stomp-client.js';
import { defaultActiveMqXml, startActiveMqNodes, type ActiveMqNode } from '../src/local/brokers/activemq-node.js';
import type { JolokiaOptions } from '../src/engines/activemq/jolokia-client.js';
import { ratio, type BenchResult } from './run.js';

export interface ActiveMqDrainBenchOptions {
  messages?: number;
  /** Messages for the peak-RSS run (the issue asks for 1,000,000). */
  rssMessages?: number;
  naiveBudgetMs?: number;
  window?: number;
  /** Broker heap (MiB) for both nodes. */
  heapMb?: number;
}

/** Runs one phase; a failure names the phase and quotes the end of both brokers' logs. */
async function phase<T>(name: string, nodes: readonly ActiveMqNode[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const tails = await Promise.all(nodes.map(async (node) => `${node.brokerName}: ${(await readFile(`${node.baseDir}/log/console.log`, 'utf8').catch(() => '')).split('\n').filter((l) => /ERROR|WARN|Exception/.test(l)).slice(-5).join('\n')}`));
    throw new Error(`phase "${name}" failed: ${error instanceof Error ? error.message : String(error)}\n${tails.join('\n')}`, { cause: error });
  }
}

const stompOf = (node: ActiveMqNode): StompEndpoint => ({ host: '127.0.0.1', port: node.stompPort, login: node.adminUser, passcode: node.adminPassword });
const jolokiaOf = (node: ActiveMqNode): JolokiaOptions => ({ url: node.jolokiaUrl, username: node.adminUser, password: node.adminPassword });

async function seed(endpoint: StompEndpoint, queue: string, count: number): Promise<void> {
  const client = await StompClient.connect(endpoint);
  const body = Buffer.alloc(1024, 'm');
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(client.send(`/queue/${queue}`, { persistent: 'true', seq: String(i) }, body));
    if (pending.length >= 1000) {
      await Promise.all(pending.splice(0));
      await client.drained();
    }
  }
  await Promise.all(pending);
  await client.disconnect();
}

/** The baseline: one message at a time, each acknowledged after the target's receipt. */
async function naiveRelay(source: StompEndpoint, target: StompEndpoint, queue: string, budgetMs: number): Promise<{ moved: number; ms: number }> {
  const from = await StompClient.connect(source);
  const to = await StompClient.connect(target);
  let moved = 0;
  const started = performance.now();
  const deadline = Date.now() + budgetMs;
  await new Promise<void>((resolve, reject) => {
    let busy = false;
    const queueOfOne: StompFrame[] = [];
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queueOfOne.length > 0 && Date.now() < deadline) {
        const frame = queueOfOne.shift() as StompFrame;
        await to.send(`/queue/${queue}`, { persistent: 'true' }, frame.body);
        await from.ack(frame);
        moved++;
      }
      busy = false;
      if (Date.now() >= deadline) resolve();
    };
    from.subscribe(`/queue/${queue}`, (frame) => {
      queueOfOne.push(frame);
      void pump().catch(reject);
    }, { ack: 'client-individual', 'activemq.prefetchSize': '1' }).catch(reject);
    setTimeout(resolve, budgetMs + 5000);
  });
  const ms = performance.now() - started;
  from.destroy();
  to.destroy();
  return { moved, ms };
}

/** Runs a drain in a child process and reads its peak RSS (VmHWM) just before it exits. */
async function drainInChild(args: object): Promise<{ peakRssMiB: number; moved: number; ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as { peakRssMiB: number; moved: number; ms: number };
}

export async function run(options: ActiveMqDrainBenchOptions = {}): Promise<BenchResult> {
  const messages = options.messages ?? 100_000;
  const rssMessages = options.rssMessages ?? 1_000_000;
  const naiveBudgetMs = options.naiveBudgetMs ?? 30_000;
  const window = options.window ?? 1000;
  // ActiveMQ's memory accounting undercounts Java's real footprint of cached messages: with the
  // harness's 70 % of heap the brokers ran out of heap at ~150k messages; 40 % keeps headroom.
  const activemqXml = defaultActiveMqXml().replace('percentOfJvmHeap="70"', 'percentOfJvmHeap="40"');
  const nodes = await startActiveMqNodes(2, { heapMb: options.heapMb ?? 1024, activemqXml });
  const [source, target] = nodes as [ActiveMqNode, ActiveMqNode];
  try {
    const s = stompOf(source);
    const t = stompOf(target);
    const seedStart = performance.now();
    await phase('seed', nodes, () => seed(s, 'bench.drain', messages));
    await phase('seed', nodes, () => seed(s, 'bench.naive', Math.min(messages, 60_000)));
    const seedMs = performance.now() - seedStart;

    const naive = await phase('naive relay', nodes, () => naiveRelay(s, t, 'bench.naive', naiveBudgetMs));
    const naiveRate = (naive.moved / naive.ms) * 1000;

    const started = performance.now();
    const result = await phase('drain', nodes, () => drainActiveMq({ migrationId: 'bench', source: s, target: t, sourceJolokia: jolokiaOf(source), queues: ['bench.drain'], ledger: new MemoryLedgerStore(), window, idleMs: 500 }));
    const drainMs = performance.now() - started - 500; // less the idle wait that ends it
    const moved = result.entries[0]?.moved ?? 0;
    const drainRate = (moved / drainMs) * 1000;

    let rss: { peakRssMiB: number; moved: number; ms: number } | undefined;
    if (rssMessages > 0) {
      await phase('seed (RSS run)', nodes, () => seed(s, 'bench.rss', rssMessages));
      rss = await drainInChild({ source: s, target: t, sourceJolokia: jolokiaOf(source), queue: 'bench.rss', window });
    }
    return {
      title: `ActiveMQ drain: ${messages.toLocaleString('en-US')} persistent 1 KiB messages, STOMP relay vs naive relay`,
      rows: [
        { label: 'seeding (not measured in ratios)', value: Math.round(seedMs), unit: 'ms' },
        { label: 'naive relay moved', value: naive.moved, unit: 'messages' },
        { label: 'naive relay rate', value: Math.round(naiveRate), unit: 'msg/s' },
        { label: 'drain moved', value: moved, unit: 'messages' },
        { label: 'drain rate', value: Math.round(drainRate), unit: 'msg/s' },
        ...(rss ? [{ label: `drain peak RSS (${rss.moved.toLocaleString('en-US')} messages)`, value: rss.peakRssMiB, unit: 'MiB' }, { label: 'drain rate (RSS run)', value: Math.round((rss.moved / rss.ms) * 1000), unit: 'msg/s' }] : []),
      ],
      ratios: [ratio('drain msg/s ÷ naive relay msg/s', drainRate / naiveRate, '>=', 1.5), ...(rss ? [ratio('drain peak RSS MiB ÷ 256 MiB', rss.peakRssMiB / 256, '<=', 1)] : [])],
      notes: [
        `window ${window} in-flight messages per destination; naive relay measured for ${naiveBudgetMs / 1000} s on its own queue`,
        `drain ${result.complete ? 'complete' : 'INCOMPLETE'}; ${result.entries[0]?.markedDuplicates ?? 0} marked duplicates`,
      ],
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

async function childMain(args: { source: StompEndpoint; target: StompEndpoint; sourceJolokia: JolokiaOptions; queue: string; window: number }): Promise<void> {
  const started = performance.now();
  const result = await drainActiveMq({ migrationId: 'bench-rss', source: args.source, target: args.target, sourceJolokia: args.sourceJolokia, queues: [args.queue], ledger: new MemoryLedgerStore(), window: args.window, idleMs: 500 });
  const ms = performance.now() - started - 500;
  const status = await readFile('/proc/self/status', 'utf8');
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? '0');
  process.stdout.write(JSON.stringify({ peakRssMiB: Math.round((hwmKb / 1024) * 10) / 10, moved: result.entries[0]?.moved ?? 0, ms }) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--child') await childMain(JSON.parse(process.argv[3] ?? '{}'));
  else {
    const { formatResult } = await import('./run.js');
    const result = await run({ messages: Number(process.argv[2] ?? 100_000), rssMessages: Number(process.argv[3] ?? 1_000_000) });
    console.log(formatResult(result));
  }
}
