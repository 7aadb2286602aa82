import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { replicateRabbitTopology, type ReplicationResult } from '../../src/engines/rabbitmq/replicate.js';
import { RabbitInventory } from '../../src/model/inventory.js';
import { RabbitPlan } from '../../src/model/plan.js';
import { BrokerEndpoint, lambdaHandler, MigrationId } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';

export const ReplicateInput = z.strictObject({
  migrationId: MigrationId,
  inventory: DocumentRef,
  plan: DocumentRef,
  target: BrokerEndpoint,
  dryRun: z.boolean().default(false),
});
export type ReplicateInput = z.input<typeof ReplicateInput>;

export interface ReplicateRequest {
  source: RabbitInventory;
  plan: RabbitPlan;
  target: { url: string } & BrokerCredentials;
  dryRun: boolean;
}

export interface ReplicateDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  /** Writes the planned topology onto the target; the real one goes through its management API. */
  replicate: (request: ReplicateRequest) => Promise<ReplicationResult>;
}

export const defaultReplicateDeps = (): ReplicateDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  replicate: ({ source, plan, target, dryRun }) =>
    replicateRabbitTopology({
      source,
      plan,
      target: new ManagementClient(target),
      // The user we reach the target with is its administrator: replication never overwrites it.
      targetAdminUser: target.username,
      dryRun,
    }),
});

/**
 * Replicates users, permissions and topology onto the target as the plan says. The full result
 * (every change, conflict and skipped object) goes to S3; the state gets counts.
 */
export const makeHandler = (deps: ReplicateDeps) =>
  lambdaHandler(ReplicateInput, async ({ migrationId, inventory: inventoryRef, plan: planRef, target, dryRun }) => {
    logger.appendKeys({ migrationId, dryRun });
    metrics.addMetadata('migrationId', migrationId);
    assertMigrationDocument(inventoryRef, { bucket: deps.bucket, migrationId }, 'inventory');
    assertMigrationDocument(planRef, { bucket: deps.bucket, migrationId }, 'plan');

    const [source, plan, credentials] = await Promise.all([
      getDocument(inventoryRef, RabbitInventory),
      getDocument(planRef, RabbitPlan),
      deps.credentials(target.credentialsSecretId),
    ]);
    const result = await deps.replicate({ source, plan, target: { url: target.managementUrl, ...credentials }, dryRun });
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'replication.json'), result);

    const counts = {
      creates: result.changes.filter((c) => c.action === 'create').length,
      updates: result.changes.filter((c) => c.action === 'update').length,
      conflicts: result.conflicts.length,
      skipped: result.skipped.length,
      unchanged: result.unchanged,
      targetOnly: result.targetOnly,
    };
    if (result.applied) {
      metrics.addMetric('ObjectsCreated', MetricUnit.Count, counts.creates);
      metrics.addMetric('ObjectsUpdated', MetricUnit.Count, counts.updates);
    }
    metrics.addMetric('ReplicationConflicts', MetricUnit.Count, counts.conflicts);
    logger.info('replication stored', { key: stored.key, bytes: stored.bytes, counts, summary: result.summary });

    return {
      migrationId,
      replication: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef,
      dryRun: result.dryRun,
      applied: result.applied,
      verified: result.verified,
      counts,
      summary: result.summary,
    };
  });

export const handler = makeHandler(defaultReplicateDeps());
