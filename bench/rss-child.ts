// Drains one queue with the relay in its own process and prints its peak RSS, so the figure
// is the relay's alone (not the benchmark's seeding and bookkeeping).
import { MemoryCheckpointStore } from '../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain } from '../src/engines/rabbitmq/drain/relay.js';
import type { AmqpEndpoint } from '../src/engines/rabbitmq/drain/amqp-endpoint.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { source: AmqpEndpoint; target: AmqpEndpoint; queue: string };
const started = Date.now();
const [ledger] = await relayDrain({ migrationId: 'bench-rss', source: input.source, target: input.target, queues: [{ vhost: '/', name: input.queue }], checkpoints: new MemoryCheckpointStore(), deadline: Date.now() + 3_600_000 });
process.stdout.write(JSON.stringify({ moved: ledger?.moved, seconds: (Date.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
