import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The per-destination ledger of an ActiveMQ drain: what was moved (acknowledged on the source
 * only after the target's receipt), what was marked as a possible duplicate, and what STOMP
 * could not carry, per message kind. One document per destination; a resumed drain adds to it.
 */
export const DrainLedgerEntry = z.strictObject({
  migrationId: z.string(),
  /** `queue://name` or `durable://clientId/subscriptionName@topic`. */
  destination: z.string(),
  kind: z.enum(['queue', 'durable-subscription']),
  status: z.enum(['pending', 'running', 'done', 'partial', 'vanished', 'failed']),
  runs: z.number().int().nonnegative(),
  /** Acknowledged on the source after the target's receipt. */
  moved: z.number().int().nonnegative(),
  /** Sent with `mqmigrate-possible-duplicate: true` (redelivered by the source, or sent before an interruption). */
  markedDuplicates: z.number().int().nonnegative(),
  text: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  persistent: z.number().int().nonnegative(),
  nonPersistent: z.number().int().nonnegative(),
  /** Messages whose absolute expiry had already passed when they were sent on (the target drops them, as the source would have). */
  expiredOnTheWay: z.number().int().nonnegative(),
  /** Messages sent with JMSXGroupID (read through a group selector). */
  grouped: z.number().int().nonnegative(),
  /** Text bodies containing NUL: they can only travel with content-length, so they arrive as bytes messages. */
  textBecameBytes: z.number().int().nonnegative(),
  /** Source depth (Jolokia) when the drain last started and when it last stopped. */
  sourceDepthAtStart: z.number().int().nonnegative().optional(),
  sourceDepthAtEnd: z.number().int().nonnegative().optional(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  error: z.string().optional(),
});
export type DrainLedgerEntry = z.infer<typeof DrainLedgerEntry>;

/** Where ledger entries live: a folder here, an S3 prefix in the cloud (another adapter). */
export interface DrainLedgerStore {
  load(destination: string): Promise<DrainLedgerEntry | undefined>;
  save(entry: DrainLedgerEntry): Promise<void>;
}

export function emptyLedgerEntry(migrationId: string, destination: string, kind: DrainLedgerEntry['kind'], now: Date): DrainLedgerEntry {
  const at = now.toISOString();
  return {
    migrationId,
    destination,
    kind,
    status: 'pending',
    runs: 0,
    moved: 0,
    markedDuplicates: 0,
    text: 0,
    bytes: 0,
    persistent: 0,
    nonPersistent: 0,
    expiredOnTheWay: 0,
    grouped: 0,
    textBecameBytes: 0,
    startedAt: at,
    updatedAt: at,
  };
}

/** One JSON file per destination in a folder, replaced atomically (write + rename). */
export class FileLedgerStore implements DrainLedgerStore {
  constructor(private readonly dir: string) {}

  private file(destination: string): string {
    return join(this.dir, `${encodeURIComponent(destination)}.json`);
  }

  async load(destination: string): Promise<DrainLedgerEntry | undefined> {
    try {
      return DrainLedgerEntry.parse(JSON.parse(await readFile(this.file(destination), 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(entry: DrainLedgerEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(entry.destination);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry, null, 2) + '\n');
    await rename(tmp, file);
  }
}

/** In memory, for tests and dry runs. */
export class MemoryLedgerStore implements DrainLedgerStore {
  readonly entries = new Map<string, DrainLedgerEntry>();
  async load(destination: string) {
    const entry = this.entries.get(destination);
    return entry ? { ...entry } : undefined;
  }
  async save(entry: DrainLedgerEntry) {
    this.entries.set(entry.destination, { ...entry });
  }
}
