// Runs one relay drain in its own process, so tests can kill -9 it at any point.
import { FileCheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain, type RelayOptions } from '../../src/engines/rabbitmq/drain/relay.js';

const input = JSON.parse(process.argv[2] ?? '{}') as Omit<RelayOptions, 'checkpoints' | 'deadline'> & { checkpointDir: string; budgetMs: number; batchSize?: number };
const ledgers = await relayDrain({ ...input, checkpoints: new FileCheckpointStore(input.checkpointDir), deadline: Date.now() + input.budgetMs });
process.stdout.write(JSON.stringify(ledgers));
