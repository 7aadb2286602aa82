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
import { batchOf, DrainList, type ActiveMqDrainItem, type DrainQueueEntry } from '../../src/orchestration/drain-queues.js';
import { destinationOf, isSettled, loadEntries } from '../../src/orchestration/activemq-drain.js';
import { drainActiveMq, type DrainOptions as ActiveMqDrainOptions, type DrainResult as ActiveMqDrainResult } from '../../src/engines/activemq/drain.js';
import type { DrainLedgerStore } from '../../src/engines/activemq/stomp-ledger.js';
import { S3DrainLedgerStore } from '../../src/aws/drain-ledger-store.js';
import { readLedgers } from '../../src/orchestration/ledgers.js';
import { amqpEndpoint, jolokiaOptions, stompEndpoint } from '../../src/orchestration/endpoints.js';
import { DrainIncompleteError } from '../../src/orchestration/errors.js';
import { DrainSettings, throttleShare } from '../../src/orchestration/input.js';
import { ValidationError } from '../../src/model/errors.js';
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
  /** ActiveMQ: the STOMP drain and its ledger entries. */
  drainActiveMq: (options: ActiveMqDrainOptions) => Promise<ActiveMqDrainResult>;
  activeMqLedger: (migrationId: string) => DrainLedgerStore;
  now?: () => number;
}

/** What one round did to a batch, whichever the engine. */
interface BatchRound {
  queues: number;
  drained: number;
  movedBefore: number;
  movedNow: number;
  undrained: string[];
}

export const defaultDrainDeps = (): DrainDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  relay: relayDrain,
  drainActiveMq,
  activeMqLedger: (migrationId) => new S3DrainLedgerStore(config().documentsBucket, migrationId),
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

    const list = await getDocument(input.queues, DrainList);
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(input.source.credentialsSecretId), deps.credentials(input.target.credentialsSecretId)]);
    const deadline = Math.min(invocationDeadline(context), budgetEnd);
    const started = now();
    let round: BatchRound;
    if ('engine' in list) {
      const { source, target } = input;
      if (source.engine !== 'ACTIVEMQ' || target.engine !== 'ACTIVEMQ') throw new ValidationError('source.engine', 'ACTIVEMQ for an ActiveMQ drain list');
      const items = batchOf(list.items, batch.index, drain.batchSize);
      const ledger = deps.activeMqLedger(migrationId);
      const before = await loadEntries(ledger, items);
      const movedBefore = before.reduce((sum, e) => sum + (e?.moved ?? 0), 0);
      let entries = before;
      if (items.length > 0 && deadline > now()) {
        const result = await deps.drainActiveMq({
          migrationId,
          source: stompEndpoint(source.stompUrl, sourceCredentials),
          target: stompEndpoint(target.stompUrl, targetCredentials),
          sourceJolokia: jolokiaOptions(source.jolokiaUrl, sourceCredentials),
          targetJolokia: jolokiaOptions(target.jolokiaUrl, targetCredentials),
          ...(source.brokerName ? { sourceBrokerName: source.brokerName } : {}),
          queues: items.flatMap((i) => (i.kind === 'queue' ? [i.name] : [])),
          durableSubscriptions: items.flatMap((i) => (i.kind === 'durable' ? [i.subscription] : [])),
          ledger,
          concurrency: drain.concurrency,
          timeBudgetMs: deadline - now(),
          throttle: throttleShare(drain),
        });
        const byDestination = new Map(result.entries.map((e) => [e.destination, e]));
        entries = items.map((item, i) => byDestination.get(destinationOf(item)) ?? before[i]);
      }
      round = {
        queues: items.length,
        drained: entries.filter(isSettled).length,
        movedBefore,
        movedNow: entries.reduce((sum, e) => sum + (e?.moved ?? 0), 0),
        undrained: items.filter((_item, i) => !isSettled(entries[i])).map((item: ActiveMqDrainItem) => destinationOf(item)),
      };
    } else {
      const { source, target } = input;
      if (source.engine !== 'RABBITMQ' || target.engine !== 'RABBITMQ') throw new ValidationError('source.engine', 'RABBITMQ for a RabbitMQ drain list');
      const queues: DrainQueueEntry[] = batchOf(list.queues, batch.index, drain.batchSize);
      // Ledgers accumulate across rounds: what earlier rounds moved, to tell this round's share.
      const before = await readLedgers(deps.checkpoints(migrationId), migrationId, { migrationId, queues });
      // With no time left, the checkpoints say how far earlier rounds got.
      const ledgers =
        queues.length === 0 || deadline <= now()
          ? before
          : await deps.relay({
              migrationId,
              source: amqpEndpoint(source.amqpUrl, sourceCredentials),
              target: amqpEndpoint(target.amqpUrl, targetCredentials),
              targetManagement: new ManagementClient({ url: target.managementUrl, ...targetCredentials }),
              queues,
              checkpoints: deps.checkpoints(migrationId),
              deadline,
              concurrency: drain.concurrency,
              throttle: throttleShare(drain),
            });
      round = {
        queues: queues.length,
        drained: ledgers.filter((l) => l.status === 'drained').length,
        movedBefore: before.reduce((sum, l) => sum + l.moved, 0),
        movedNow: ledgers.reduce((sum, l) => sum + l.moved, 0),
        undrained: ledgers.filter((l) => l.status !== 'drained').map((l) => `${l.vhost}/${l.queue}`),
      };
    }
    const durationMs = now() - started;
    const { drained, movedNow } = round;
    const budgetOver = now() >= budgetEnd;
    const done = drained === round.queues || budgetOver;
    metrics.addMetric('QueuesDrained', MetricUnit.Count, drained);
    const movedThisRound = Math.max(0, movedNow - round.movedBefore);
    const ratePerSecond = durationMs > 0 ? Math.round((movedThisRound * 1000) / durationMs) : 0;
    metrics.addMetric('DrainDuration', MetricUnit.Milliseconds, durationMs);
    metrics.addMetric('MessagesMoved', MetricUnit.Count, movedThisRound);
    metrics.addMetric('DrainRate', MetricUnit.CountPerSecond, ratePerSecond);
    logger.info('drain round', { queues: round.queues, drained, budgetOver, durationMs, movedThisRound, ratePerSecond });

    if (phase === 'final' && budgetOver && drained < round.queues) throw new DrainIncompleteError(round.undrained);
    return {
      migrationId,
      done,
      budgetEndsAt,
      queues: round.queues,
      drained,
      moved: movedNow,
      movedThisRound,
      ratePerSecond,
      startedAt,
      finishedAt: new Date(now()).toISOString(),
    };
  });

export const handler = makeHandler(defaultDrainDeps());
