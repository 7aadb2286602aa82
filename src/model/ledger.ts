import { z } from 'zod';

/**
 * The per-queue drain ledger: what was on the source, what moved, what may have moved twice,
 * what expired, what the target holds. It accumulates across resumed runs.
 */
export const QueueLedgerStatus = z.enum(['pending', 'in-progress', 'drained', 'skipped', 'failed']);

export const QueueLedger = z.strictObject({
  vhost: z.string(),
  queue: z.string(),
  strategy: z.enum(['relay', 'shovel']),
  status: QueueLedgerStatus,
  /** Messages on this queue expire (queue or per-message TTL): shortfalls on either side are explained. */
  hasTtl: z.boolean().default(false),
  /** Depth on the source when the first run started on this queue. */
  sourceDepthAtStart: z.number().int().nonnegative(),
  /** Messages confirmed by the target and then acknowledged on the source. */
  moved: z.number().int().nonnegative(),
  /** Messages re-sent after a crash between publish and ack: marked with x-mq-migrate-duplicate. */
  duplicates: z.number().int().nonnegative(),
  /** Messages that left the source by TTL while the drain ran (source shortfall on a TTL queue). */
  expired: z.number().int().nonnegative(),
  /** user_id properties the target would refuse, moved to the x-mq-migrate-original-user-id header. */
  userIdRewritten: z.number().int().nonnegative(),
  /** Depth on the target when the first run started (messages it held before the drain). */
  targetDepthAtStart: z.number().int().nonnegative(),
  sourceDepthAtEnd: z.number().int().nonnegative().optional(),
  targetDepth: z.number().int().nonnegative().optional(),
  runs: z.number().int().nonnegative(),
  reason: z.string().optional(),
});
export type QueueLedger = z.infer<typeof QueueLedger>;

export const DrainLedger = z.strictObject({
  schemaVersion: z.literal(1),
  migrationId: z.string(),
  queues: z.array(QueueLedger),
  updatedAt: z.iso.datetime(),
});
export type DrainLedger = z.infer<typeof DrainLedger>;
