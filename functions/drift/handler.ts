import { z } from 'zod';
import { findDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { eventBridgePublisher } from '../../src/aws/notifications.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config, workflowConfig } from '../../src/config.js';
import { collectRabbitInventory, collectRabbitTopology } from '../../src/engines/rabbitmq/inventory.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { replicateRabbitTopology, type ReplicationResult } from '../../src/engines/rabbitmq/replicate.js';
import type { RabbitInventory, RabbitTopology } from '../../src/model/inventory.js';
import { RabbitPlan } from '../../src/model/plan.js';
import { driftBetween } from '../../src/orchestration/drift.js';
import type { EventPublisher } from '../../src/orchestration/ports.js';
import { planRabbitMigration } from '../../src/plan/rabbitmq-planner.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { ManagementEndpoint, MigrationIdField } from '../shared/workflow.js';

export const DriftInput = z.strictObject({
  /** The migration whose plan shapes the target (its documents prefix); also the drift document's prefix. */
  migrationId: MigrationIdField,
  source: ManagementEndpoint,
  target: ManagementEndpoint,
  /** Write what is missing or different onto the target (never deletes; conflicts are reported). */
  reconcile: z.boolean().default(false),
});

export interface DriftDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  events: EventPublisher;
  readSource: (endpoint: { url: string } & BrokerCredentials) => Promise<RabbitInventory>;
  readTarget: (endpoint: { url: string } & BrokerCredentials) => Promise<RabbitTopology>;
  reconcile: (source: RabbitInventory, plan: RabbitPlan, target: { url: string } & BrokerCredentials) => Promise<ReplicationResult>;
}

export const defaultDriftDeps = (): DriftDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  events: eventBridgePublisher(workflowConfig().eventBusName),
  readSource: (endpoint) => collectRabbitInventory(new ManagementClient(endpoint)),
  readTarget: (endpoint) => collectRabbitTopology(new ManagementClient(endpoint)),
  reconcile: (source, plan, target) => replicateRabbitTopology({ source, plan, target: new ManagementClient(target), targetAdminUser: target.username }),
});

/**
 * The drift check (scheduled): source and target inventoried, users, permissions and topology
 * compared (the migration's plan applied to the source), a CloudWatch metric (DriftDifferences)
 * and an EventBridge event with the differences; with `reconcile`, replication writes them.
 */
export const makeHandler = (deps: DriftDeps) =>
  lambdaHandler(DriftInput, async ({ migrationId, source, target, reconcile }) => {
    logger.appendKeys({ migrationId, reconcile });
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(source.credentialsSecretId), deps.credentials(target.credentialsSecretId)]);
    const targetEndpoint = { url: target.managementUrl, ...targetCredentials };
    const [inventory, targetTopology, storedPlan] = await Promise.all([
      deps.readSource({ url: source.managementUrl, ...sourceCredentials }),
      deps.readTarget(targetEndpoint),
      findDocument({ bucket: deps.bucket, key: migrationKey(migrationId, 'plan.json') }, RabbitPlan),
    ]);
    const drift = driftBetween(inventory.rabbitmq, targetTopology, { targetAdminUser: targetCredentials.username, ...(storedPlan ? { actions: storedPlan.actions } : {}) });
    const at = new Date().toISOString();
    let reconciled: { summary: string; conflicts: number } | undefined;
    if (reconcile && drift.differences.some((d) => d.kind !== 'only-on-target')) {
      const result = await deps.reconcile(inventory, storedPlan ?? planRabbitMigration(inventory, {}), targetEndpoint);
      reconciled = { summary: result.summary, conflicts: result.conflicts.length };
    }
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'drift/latest.json'), { migrationId, at, ...drift, ...(reconciled ? { reconciled } : {}) });
    metrics.addDimension('service', 'mq-migrate');
    metrics.addMetric('DriftDifferences', MetricUnit.Count, drift.differences.length);
    await deps.events.publish('Drift Check', {
      migrationId,
      at,
      differences: drift.differences.length,
      byType: drift.byType,
      // An event holds 256 KB at most: the first differences here, all of them in S3.
      sample: drift.differences.slice(0, 50),
      document: { bucket: stored.bucket, key: stored.key },
      ...(reconciled ? { reconciled } : {}),
    });
    logger.info('drift checked', { differences: drift.differences.length, byType: drift.byType, reconciled });
    return { migrationId, differences: drift.differences.length, byType: drift.byType, reconciled: reconciled ?? null, document: { bucket: stored.bucket, key: stored.key }, at };
  });

export const handler = makeHandler(defaultDriftDeps());
