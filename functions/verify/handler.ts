import { z } from 'zod';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import type { CheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { verifyDrain, type QueueVerification } from '../../src/engines/rabbitmq/drain/verify.js';
import type { AmqpEndpoint } from '../../src/engines/rabbitmq/drain/amqp-endpoint.js';
import { VerificationError } from '../../src/model/errors.js';
import { QueueLedger } from '../../src/model/ledger.js';
import { DrainQueueList } from '../../src/orchestration/drain-queues.js';
import { amqpEndpoint } from '../../src/orchestration/endpoints.js';
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
  results: z.array(z.strictObject({ vhost: z.string(), queue: z.string(), ok: z.boolean(), sourceDepth: z.number(), targetDepth: z.number(), reason: z.string().optional() })),
});
export type VerifyDocument = z.infer<typeof VerifyDocument>;

export interface VerifyDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  checkpoints: (migrationId: string) => CheckpointStore;
  verify: (source: AmqpEndpoint, target: AmqpEndpoint, ledgers: readonly QueueLedger[]) => Promise<QueueVerification[]>;
}

export const defaultVerifyDeps = (): VerifyDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  verify: (source, target, ledgers) => verifyDrain(source, target, ledgers),
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
    const list = await getDocument(queuesRef, DrainQueueList);
    const [ledgers, sourceCredentials, targetCredentials] = await Promise.all([
      readLedgers(deps.checkpoints(migrationId), migrationId, list),
      deps.credentials(source.credentialsSecretId),
      deps.credentials(target.credentialsSecretId),
    ]);
    const results = await deps.verify(amqpEndpoint(source.amqpUrl, sourceCredentials), amqpEndpoint(target.amqpUrl, targetCredentials), ledgers);
    const failed = results.filter((r) => !r.ok);
    const at = new Date().toISOString();
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'verify.json'), { migrationId, at, ok: failed.length === 0, ledgers, results } satisfies VerifyDocument);
    metrics.addMetric('QueuesVerified', MetricUnit.Count, results.length - failed.length);
    metrics.addMetric('QueuesFailedVerification', MetricUnit.Count, failed.length);
    metrics.addMetric('MessagesMovedInMigration', MetricUnit.Count, ledgers.reduce((s, l) => s + l.moved, 0));
    logger.info('verified', { queues: results.length, failed: failed.length, key: stored.key });
    if (failed.length > 0) throw new VerificationError(failed.map((r) => ({ object: `queue "${r.queue}" in vhost "${r.vhost}"`, reason: r.reason ?? 'differs' })));
    return { migrationId, ok: true, queues: results.length, verified: results.length, document: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, at };
  });

export const handler = makeHandler(defaultVerifyDeps());
