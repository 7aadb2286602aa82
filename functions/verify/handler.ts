import { z } from 'zod';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import type { CheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { verifyDrain, type QueueVerification } from '../../src/engines/rabbitmq/drain/verify.js';
import type { AmqpEndpoint } from '../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { ValidationError, VerificationError } from '../../src/model/errors.js';
import { QueueLedger } from '../../src/model/ledger.js';
import { DrainList } from '../../src/orchestration/drain-queues.js';
import { destinationOf, loadEntries } from '../../src/orchestration/activemq-drain.js';
import { verifyActiveMqDrain, type VerifyOptions as ActiveMqVerifyOptions } from '../../src/engines/activemq/verify.js';
import { DrainLedgerEntry, emptyLedgerEntry, type DrainLedgerStore } from '../../src/engines/activemq/stomp-ledger.js';
import { S3DrainLedgerStore } from '../../src/aws/drain-ledger-store.js';
import { amqpEndpoint, jolokiaOptions, stompEndpoint } from '../../src/orchestration/endpoints.js';
import { readLedgers } from '../../src/orchestration/ledgers.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField, SourceEndpoint, TargetEndpoint } from '../shared/workflow.js';

export const VerifyInput = z.strictObject({
  migrationId: MigrationIdField,
  queues: DocumentRef,
  source: SourceEndpoint,
  target: TargetEndpoint,
});

/** verify.json: the ledgers and the per-queue verdicts; the report reads it. */
export const VerifyDocument = z.strictObject({
  migrationId: z.string(),
  at: z.string(),
  ok: z.boolean(),
  ledgers: z.array(QueueLedger),
  /** ActiveMQ: vhost is empty and queue is the ledger's destination (queue://name, durable://client/sub@topic). */
  results: z.array(z.strictObject({ vhost: z.string(), queue: z.string(), ok: z.boolean(), sourceDepth: z.number().nullable(), targetDepth: z.number().nullable(), reason: z.string().optional() })),
  /** ActiveMQ drains keep their own ledger entries. */
  activemqEntries: z.array(DrainLedgerEntry).optional(),
  notes: z.array(z.string()).optional(),
});
export type VerifyDocument = z.infer<typeof VerifyDocument>;

export interface VerifyDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  checkpoints: (migrationId: string) => CheckpointStore;
  verify: (source: AmqpEndpoint, target: AmqpEndpoint, ledgers: readonly QueueLedger[]) => Promise<QueueVerification[]>;
  activeMqLedger: (migrationId: string) => DrainLedgerStore;
  verifyActiveMq: (options: ActiveMqVerifyOptions) => ReturnType<typeof verifyActiveMqDrain>;
}

export const defaultVerifyDeps = (): VerifyDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  verify: (source, target, ledgers) => verifyDrain(source, target, ledgers),
  activeMqLedger: (migrationId) => new S3DrainLedgerStore(config().documentsBucket, migrationId),
  verifyActiveMq: verifyActiveMqDrain,
});

/**
 * After the final drain: per queue, the source is empty and the target holds what moved (plus
 * what it held before), duplicates and expiries being the only explained differences. Any queue
 * that fails is a VerificationError (the state machine offers a rollback); the verdicts go to S3.
 */
export const makeHandler = (deps: VerifyDeps) =>
  lambdaHandler(VerifyInput, async ({ migrationId, queues: queuesRef, source, target }) => {
    logger.appendKeys({ migrationId });
    assertMigrationDocument(queuesRef, { bucket: deps.bucket, migrationId }, 'queues');
    const list = await getDocument(queuesRef, DrainList);
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(source.credentialsSecretId), deps.credentials(target.credentialsSecretId)]);
    let ledgers: QueueLedger[] = [];
    let results: VerifyDocument['results'];
    let extra: Pick<VerifyDocument, 'activemqEntries' | 'notes'> = {};
    if ('engine' in list) {
      if (source.engine !== 'ACTIVEMQ' || target.engine !== 'ACTIVEMQ') throw new ValidationError('source.engine', 'ACTIVEMQ for an ActiveMQ drain list');
      const loaded = await loadEntries(deps.activeMqLedger(migrationId), list.items);
      // An item no drain reached has no entry: it fails, rightly.
      const entries = list.items.map((item, i) => loaded[i] ?? emptyLedgerEntry(migrationId, destinationOf(item), item.kind === 'queue' ? 'queue' : 'durable-subscription', new Date()));
      const verdict = await deps.verifyActiveMq({
        entries,
        sourceJolokia: jolokiaOptions(source.jolokiaUrl, sourceCredentials),
        targetJolokia: jolokiaOptions(target.jolokiaUrl, targetCredentials),
        targetStomp: stompEndpoint(target.stompUrl, targetCredentials),
      });
      results = verdict.destinations.map((d) => ({
        vhost: '',
        queue: d.destination,
        ok: d.status === 'ok',
        sourceDepth: d.sourceRemaining ?? null,
        targetDepth: d.targetDepth ?? null,
        ...(d.reasons.length > 0 ? { reason: d.reasons.join('; ') } : {}),
      }));
      extra = { activemqEntries: entries, notes: verdict.notes };
    } else {
      if (source.engine !== 'RABBITMQ' || target.engine !== 'RABBITMQ') throw new ValidationError('source.engine', 'RABBITMQ for a RabbitMQ drain list');
      ledgers = await readLedgers(deps.checkpoints(migrationId), migrationId, list);
      results = await deps.verify(amqpEndpoint(source.amqpUrl, sourceCredentials), amqpEndpoint(target.amqpUrl, targetCredentials), ledgers);
    }
    const failed = results.filter((r) => !r.ok);
    const at = new Date().toISOString();
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'verify.json'), { migrationId, at, ok: failed.length === 0, ledgers, results, ...extra } satisfies VerifyDocument);
    metrics.addMetric('QueuesVerified', MetricUnit.Count, results.length - failed.length);
    metrics.addMetric('QueuesFailedVerification', MetricUnit.Count, failed.length);
    metrics.addMetric('MessagesMovedInMigration', MetricUnit.Count, ledgers.reduce((s, l) => s + l.moved, 0) + (extra.activemqEntries ?? []).reduce((s, e) => s + e.moved, 0));
    logger.info('verified', { queues: results.length, failed: failed.length, key: stored.key });
    if (failed.length > 0) throw new VerificationError(failed.map((r) => ({ object: r.vhost === '' ? r.queue : `queue "${r.queue}" in vhost "${r.vhost}"`, reason: r.reason ?? 'differs' })));
    return { migrationId, ok: true, queues: results.length, verified: results.length, document: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, at };
  });

export const handler = makeHandler(defaultVerifyDeps());
