import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { config } from '../../src/config.js';
import { RabbitInventory } from '../../src/model/inventory.js';
import { RabbitPlan } from '../../src/model/plan.js';
import { batchesOf, drainQueuesFor, type DrainQueueList } from '../../src/orchestration/drain-queues.js';
import { DrainSettings } from '../../src/orchestration/input.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

export const PrepareDrainInput = z.strictObject({
  migrationId: MigrationIdField,
  inventory: DocumentRef,
  plan: DocumentRef,
  drain: DrainSettings.prefault({}),
});

/**
 * The queues to drain, as the plan leaves them on the target, go to S3 (thousands of queues
 * would not fit in the state); the Map iterates over batch numbers.
 */
export const makeHandler = (deps: { bucket: string }) =>
  lambdaHandler(PrepareDrainInput, async ({ migrationId, inventory: inventoryRef, plan: planRef, drain }) => {
    logger.appendKeys({ migrationId });
    assertMigrationDocument(inventoryRef, { bucket: deps.bucket, migrationId }, 'inventory');
    assertMigrationDocument(planRef, { bucket: deps.bucket, migrationId }, 'plan');
    const [inventory, plan] = await Promise.all([getDocument(inventoryRef, RabbitInventory), getDocument(planRef, RabbitPlan)]);
    const queues = drainQueuesFor(inventory, plan);
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'drain-queues.json'), { migrationId, queues } satisfies DrainQueueList);
    metrics.addMetric('QueuesToDrain', MetricUnit.Count, queues.length);
    logger.info('drain prepared', { queues: queues.length, batchSize: drain.batchSize });
    return { migrationId, queues: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, batches: batchesOf(queues.length, drain.batchSize), total: queues.length };
  });

export const handler = makeHandler({ bucket: config().documentsBucket });
