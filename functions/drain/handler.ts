import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { assertMigrationDocument, DocumentRef, getDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import type { CheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain, type RelayOptions } from '../../src/engines/rabbitmq/drain/relay.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import type { QueueLedger } from '../../src/model/ledger.js';
import { DrainQueueList } from '../../src/orchestration/drain-queues.js';
import { readLedgers } from '../../src/orchestration/ledgers.js';
import { amqpEndpoint } from '../../src/orchestration/endpoints.js';
import { DrainIncompleteError } from '../../src/orchestration/errors.js';
import { DrainSettings } from '../../src/orchestration/input.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { invocationDeadline, MigrationIdField, SourceEndpoint, TargetEndpoint } from '../shared/workflow.js';

export const DrainInput = z.strictObject({
  migrationId: MigrationIdField,
  phase: z.enum(['pre', 'final']),
  queues: DocumentRef,
  batch: z.strictObject({ index: z.number().int().nonnegative() }),
  drain: DrainSettings.prefault({}),
  source: SourceEndpoint,
  target: TargetEndpoint,
  /** Set by the first loop of this batch; null on the first call. */
  budgetEndsAt: z.iso.datetime().nullable().default(null),
});

export interface DrainDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  checkpoints: (migrationId: string) => CheckpointStore;
  relay: (options: RelayOptions) => Promise<QueueLedger[]>;
  now?: () => number;
}

export const defaultDrainDeps = (): DrainDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  relay: relayDrain,
});

/**
 * Drains one batch of queues, source to target, at least once (relayDrain), until they are empty,
 * the batch's budget ends, or this invocation's time runs out; the state machine loops it. The
 * final drain (producers switched) must empty every queue within its budget.
 */
export const makeHandler = (deps: DrainDeps) =>
  lambdaHandler(DrainInput, async (input, context: Context) => {
    const { migrationId, phase, batch, drain } = input;
    const now = deps.now ?? Date.now;
    logger.appendKeys({ migrationId, phase, batch: batch.index });
    assertMigrationDocument(input.queues, { bucket: deps.bucket, migrationId }, 'queues');
    const startedAt = new Date(now()).toISOString();
    const budgetSeconds = phase === 'pre' ? drain.preDrainBudgetSeconds : drain.finalDrainBudgetSeconds;
    const budgetEndsAt = input.budgetEndsAt ?? new Date(now() + budgetSeconds * 1000).toISOString();
    const budgetEnd = Date.parse(budgetEndsAt);

    const list = await getDocument(input.queues, DrainQueueList);
    const queues = list.queues.slice(batch.index * drain.batchSize, (batch.index + 1) * drain.batchSize);
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(input.source.credentialsSecretId), deps.credentials(input.target.credentialsSecretId)]);
    const deadline = Math.min(invocationDeadline(context), budgetEnd);
    // Ledgers accumulate across rounds: what earlier rounds moved, to tell this round's share.
    const before = await readLedgers(deps.checkpoints(migrationId), migrationId, { migrationId, queues });
    const movedBefore = before.reduce((sum, l) => sum + l.moved, 0);
    const started = now();
    // With no time left, the checkpoints say how far earlier rounds got.
    const ledgers =
      queues.length === 0 || deadline <= now()
        ? before
        : await deps.relay({
            migrationId,
            source: amqpEndpoint(input.source.amqpUrl, sourceCredentials),
            target: amqpEndpoint(input.target.amqpUrl, targetCredentials),
            targetManagement: new ManagementClient({ url: input.target.managementUrl, ...targetCredentials }),
            queues,
            checkpoints: deps.checkpoints(migrationId),
            deadline,
            concurrency: drain.concurrency,
          });
    const durationMs = now() - started;
    const drained = ledgers.filter((l) => l.status === 'drained').length;
    const movedNow = ledgers.reduce((sum, l) => sum + l.moved, 0);
    const budgetOver = now() >= budgetEnd;
    const done = drained === queues.length || budgetOver;
    metrics.addMetric('QueuesDrained', MetricUnit.Count, drained);
    const movedThisRound = Math.max(0, movedNow - movedBefore);
    const ratePerSecond = durationMs > 0 ? Math.round((movedThisRound * 1000) / durationMs) : 0;
    metrics.addMetric('DrainDuration', MetricUnit.Milliseconds, durationMs);
    metrics.addMetric('MessagesMoved', MetricUnit.Count, movedThisRound);
    metrics.addMetric('DrainRate', MetricUnit.CountPerSecond, ratePerSecond);
    logger.info('drain round', { queues: queues.length, drained, budgetOver, durationMs, movedThisRound, ratePerSecond });

    if (phase === 'final' && budgetOver && drained < queues.length) {
      throw new DrainIncompleteError(ledgers.filter((l) => l.status !== 'drained').map((l) => `${l.vhost}/${l.queue}`));
    }
    return {
      migrationId,
      done,
      budgetEndsAt,
      queues: queues.length,
      drained,
      moved: movedNow,
      movedThisRound,
      ratePerSecond,
      startedAt,
      finishedAt: new Date(now()).toISOString(),
    };
  });

export const handler = makeHandler(defaultDrainDeps());
