import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { assertMigrationDocument, DocumentRef, getDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import type { CheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { relayDrain, type RelayOptions } from '../../src/engines/rabbitmq/drain/relay.js';
import type { QueueLedger } from '../../src/model/ledger.js';
import { DrainList } from '../../src/orchestration/drain-queues.js';
import { drainActiveMq, type DrainOptions as ActiveMqDrainOptions, type DrainResult as ActiveMqDrainResult } from '../../src/engines/activemq/drain.js';
import type { DrainLedgerStore } from '../../src/engines/activemq/stomp-ledger.js';
import { S3DrainLedgerStore } from '../../src/aws/drain-ledger-store.js';
import { ValidationError } from '../../src/model/errors.js';
import { amqpEndpoint, jolokiaOptions, stompEndpoint } from '../../src/orchestration/endpoints.js';
import { DrainIncompleteError } from '../../src/orchestration/errors.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { invocationDeadline, MigrationIdField, SourceEndpoint, TargetEndpoint } from '../shared/workflow.js';

export const RollbackInput = z.strictObject({
  migrationId: MigrationIdField,
  queues: DocumentRef,
  source: SourceEndpoint,
  target: TargetEndpoint,
});

export interface RollbackDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  checkpoints: (migrationId: string) => CheckpointStore;
  relay: (options: RelayOptions) => Promise<QueueLedger[]>;
  drainActiveMq: (options: ActiveMqDrainOptions) => Promise<ActiveMqDrainResult>;
  activeMqLedger: (migrationId: string) => DrainLedgerStore;
}

/** The reverse drain's own checkpoints, so that it resumes like the forward one. */
export const rollbackId = (migrationId: string) => `${migrationId}-rollback`;

/**
 * Reverse drain: what reached the target goes back to the source queues, at least once, with
 * its own ledger. (Reverting the cutover is the Cutover function's `revert`, run before this.)
 */
export const makeHandler = (deps: RollbackDeps) =>
  lambdaHandler(RollbackInput, async ({ migrationId, queues: queuesRef, source, target }, context: Context) => {
    logger.appendKeys({ migrationId });
    assertMigrationDocument(queuesRef, { bucket: deps.bucket, migrationId }, 'queues');
    const list = await getDocument(queuesRef, DrainList);
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(source.credentialsSecretId), deps.credentials(target.credentialsSecretId)]);
    const id = rollbackId(migrationId);
    if ('engine' in list) {
      if (source.engine !== 'ACTIVEMQ' || target.engine !== 'ACTIVEMQ') throw new ValidationError('source.engine', 'ACTIVEMQ for an ActiveMQ drain list');
      // Queues only: a durable subscription's backlog was delivered to its subscriber's copy on the
      // target, which a reverse drain of queues does not reach; the report lists them.
      const queues = list.items.flatMap((i) => (i.kind === 'queue' ? [i.name] : []));
      const result = await deps.drainActiveMq({
        migrationId: id,
        source: stompEndpoint(target.stompUrl, targetCredentials),
        target: stompEndpoint(source.stompUrl, sourceCredentials),
        sourceJolokia: jolokiaOptions(target.jolokiaUrl, targetCredentials),
        targetJolokia: jolokiaOptions(source.jolokiaUrl, sourceCredentials),
        queues,
        ledger: deps.activeMqLedger(id),
        timeBudgetMs: invocationDeadline(context) - Date.now(),
      });
      const moved = result.entries.reduce((sum, e) => sum + e.moved, 0);
      metrics.addMetric('MessagesMovedBack', MetricUnit.Count, moved);
      const undrained = result.entries.filter((e) => e.status !== 'done' && e.status !== 'vanished');
      logger.info('reverse drain', { queues: result.entries.length, moved, undrained: undrained.length });
      if (undrained.length > 0) throw new DrainIncompleteError(undrained.map((e) => e.destination));
      return { migrationId, moved, queues: result.entries.length, at: new Date().toISOString() };
    }
    if (source.engine !== 'RABBITMQ' || target.engine !== 'RABBITMQ') throw new ValidationError('source.engine', 'RABBITMQ for a RabbitMQ drain list');
    const ledgers = await deps.relay({
      migrationId: id,
      source: amqpEndpoint(target.amqpUrl, targetCredentials),
      target: amqpEndpoint(source.amqpUrl, sourceCredentials),
      queues: list.queues.map((q) => ({ vhost: q.vhost, name: q.name, hasTtl: q.hasTtl })),
      checkpoints: deps.checkpoints(id),
      deadline: invocationDeadline(context),
    });
    const moved = ledgers.reduce((s, l) => s + l.moved, 0);
    metrics.addMetric('MessagesMovedBack', MetricUnit.Count, moved);
    const undrained = ledgers.filter((l) => l.status !== 'drained');
    logger.info('reverse drain', { queues: ledgers.length, moved, undrained: undrained.length });
    if (undrained.length > 0) throw new DrainIncompleteError(undrained.map((l) => `${l.vhost}/${l.queue}`));
    return { migrationId, moved, queues: ledgers.length, at: new Date().toISOString() };
  });

export const handler = makeHandler({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  relay: relayDrain,
  drainActiveMq,
  activeMqLedger: (migrationId) => new S3DrainLedgerStore(config().documentsBucket, migrationId),
});
