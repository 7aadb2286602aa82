import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { config } from '../../src/config.js';
import { Inventory } from '../../src/model/inventory.js';
import { activeMqDrainItemsFor, batchesOf, drainQueuesFor, type DrainList } from '../../src/orchestration/drain-queues.js';
import { DrainSettings } from '../../src/orchestration/input.js';
import { MigrationPlan } from '../../src/orchestration/plan-document.js';
import { ValidationError } from '../../src/model/errors.js';
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
 * The queues to drain (ActiveMQ: and the durable subscriptions), as the plan leaves them on the
 * target, go to S3 (thousands of queues would not fit in the state); the Map iterates over batch
 * numbers.
 */
export const makeHandler = (deps: { bucket: string }) =>
  lambdaHandler(PrepareDrainInput, async ({ migrationId, inventory: inventoryRef, plan: planRef, drain }) => {
    logger.appendKeys({ migrationId });
    assertMigrationDocument(inventoryRef, { bucket: deps.bucket, migrationId }, 'inventory');
    assertMigrationDocument(planRef, { bucket: deps.bucket, migrationId }, 'plan');
    const [inventory, plan] = await Promise.all([getDocument(inventoryRef, Inventory), getDocument(planRef, MigrationPlan)]);
    let list: DrainList;
    if (inventory.engine === 'RABBITMQ' && plan.engine === 'RABBITMQ') list = { migrationId, queues: drainQueuesFor(inventory, plan) };
    else if (plan.engine === 'ACTIVEMQ' && inventory.engine === 'ACTIVEMQ') list = { migrationId, engine: 'ACTIVEMQ', items: activeMqDrainItemsFor(plan) };
    else throw new ValidationError('plan', 'same engine as the inventory', `the inventory is ${inventory.engine}, the plan ${plan.engine}`);
    const total = 'engine' in list ? list.items.length : list.queues.length;
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'drain-queues.json'), list);
    metrics.addMetric('QueuesToDrain', MetricUnit.Count, total);
    logger.info('drain prepared', { queues: total, batchSize: drain.batchSize });
    return { migrationId, queues: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, batches: batchesOf(total, drain.batchSize), total };
  });

export const handler = makeHandler({ bucket: config().documentsBucket });
