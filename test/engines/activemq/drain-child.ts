// Runs one drain in its own process, so a test can kill -9 it at a random point.
// argv[2]: JSON of { source, target, sourceJolokia, queues, ledgerDir, migrationId, window }.
import { drainActiveMq } from '../../../src/engines/activemq/drain.js';
import { FileLedgerStore } from '../../../src/engines/activemq/stomp-ledger.js';

const args = JSON.parse(process.argv[2] ?? '{}');
const result = await drainActiveMq({ ...args, ledger: new FileLedgerStore(args.ledgerDir), idleMs: 800 });
process.stdout.write(JSON.stringify(result) + '\n');
