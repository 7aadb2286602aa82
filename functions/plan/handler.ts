import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { config } from '../../src/config.js';
import { Inventory } from '../../src/model/inventory.js';
import { RabbitPlanOptions, Severity, unacceptedBlockers } from '../../src/model/plan.js';
import { forwardIssues, parseOrThrow } from '../../src/model/validate.js';
import { ValidationError } from '../../src/model/errors.js';
import { planOptionsSchema } from '../../src/orchestration/input.js';
import { ActiveMqPlanOptions, planActiveMqMigration } from '../../src/plan/activemq-planner.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';
import { lambdaHandler, MigrationId } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';

export const PlanInput = z.strictObject({
  migrationId: MigrationId,
  inventory: DocumentRef,
  /** The source's engine: says which plan options apply, before anything is read. */
  engine: z.enum(['RABBITMQ', 'ACTIVEMQ']).default('RABBITMQ'),
  /** The engine's plan options (RabbitPlanOptions or ActiveMqPlanOptions). */
  options: z.record(z.string(), z.unknown()).optional(),
}).superRefine((input, ctx) => {
  const parsed = planOptionsSchema(input.engine).safeParse(input.options ?? {});
  if (!parsed.success) forwardIssues(parsed.error, ctx, ['options']);
});
export type PlanInput = z.input<typeof PlanInput>;

const FINDING_METRICS: Record<Severity, string> = { blocker: 'BlockerFindings', warning: 'WarningFindings', info: 'InfoFindings' };

export interface PlanDeps {
  bucket: string;
}

export const defaultPlanDeps = (): PlanDeps => ({ bucket: config().documentsBucket });

/**
 * Plans the migration from a stored inventory: stores the plan and returns its reference, the
 * codes of the blockers nobody accepted (the state machine stops on any) and the proposed target.
 */
export const makeHandler = (deps: PlanDeps) =>
  lambdaHandler(PlanInput, async ({ migrationId, inventory: inventoryRef, options, engine }) => {
    logger.appendKeys({ migrationId });
    metrics.addMetadata('migrationId', migrationId);
    assertMigrationDocument(inventoryRef, { bucket: deps.bucket, migrationId }, 'inventory');

    const inventory = await getDocument(inventoryRef, Inventory);
    if (inventory.engine !== engine) throw new ValidationError('engine', 'the inventory\'s engine', `the inventory is of a ${inventory.engine} broker, the input says ${engine}`);
    const plan =
      inventory.engine === 'RABBITMQ'
        ? planRabbitMigration(inventory, parseOrThrow(RabbitPlanOptions, options ?? {}, 'options'))
        : planActiveMqMigration(inventory, parseOrThrow(ActiveMqPlanOptions, options ?? {}, 'options'));
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'plan.json'), plan);

    for (const severity of Severity.options) {
      metrics.addMetric(FINDING_METRICS[severity], MetricUnit.Count, plan.findings.filter((f) => f.severity === severity).length);
    }
    const blockers = [...new Set(unacceptedBlockers(plan).map((f) => f.code))];
    logger.info('plan stored', { key: stored.key, bytes: stored.bytes, blockers, target: plan.target });

    return { migrationId, plan: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, blockers, target: plan.target };
  });

export const handler = makeHandler(defaultPlanDeps());
