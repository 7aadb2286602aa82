import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, secretsManager, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import { replicateActiveMq, type ActiveMqReplicationReport, type ActiveMqTargetPort, type SecretStore } from '../../src/engines/activemq/replicate.js';
import { SecretsManagerSecretStore } from '../../src/engines/activemq/secrets-manager-store.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { replicateRabbitTopology, type ReplicationResult } from '../../src/engines/rabbitmq/replicate.js';
import { ActiveMqInventory } from '../../src/model/activemq-inventory.js';
import { RabbitInventory } from '../../src/model/inventory.js';
import { RabbitPlan } from '../../src/model/plan.js';
import { ActiveMqPlan } from '../../src/plan/activemq-planner.js';
import { AmazonMqActiveMqTarget } from '../../src/amazonmq/activemq-target.js';
import { lambdaHandler, MigrationId } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { TargetEndpoint } from '../shared/workflow.js';
import { ValidationError } from '../../src/model/errors.js';

export const ReplicateInput = z.strictObject({
  migrationId: MigrationId,
  inventory: DocumentRef,
  plan: DocumentRef,
  target: TargetEndpoint,
  /** The Amazon MQ broker (ActiveMQ: replication writes its configuration and users, then reboots it). */
  broker: z.looseObject({ brokerId: z.string().min(1) }).optional(),
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
  /** The ActiveMQ target: the Amazon MQ broker's configuration revisions and users. */
  activeMqTarget: (brokerId: string, adminUsername: string) => ActiveMqTargetPort & { readonly rebootStarted: boolean };
  /** Where generated ActiveMQ user passwords go. */
  secretStore: () => SecretStore;
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
  activeMqTarget: (brokerId, adminUsername) => new AmazonMqActiveMqTarget({ brokerId, adminUsername }),
  secretStore: () => new SecretsManagerSecretStore(secretsManager),
});

/**
 * Replicates users, permissions and topology onto the target as the plan says. The full result
 * (every change, conflict and skipped object) goes to S3; the state gets counts.
 */
export const makeHandler = (deps: ReplicateDeps) =>
  lambdaHandler(ReplicateInput, async (input) => {
    const { migrationId, inventory: inventoryRef, plan: planRef, target, dryRun } = input;
    logger.appendKeys({ migrationId, dryRun, engine: target.engine });
    metrics.addMetadata('migrationId', migrationId);
    assertMigrationDocument(inventoryRef, { bucket: deps.bucket, migrationId }, 'inventory');
    assertMigrationDocument(planRef, { bucket: deps.bucket, migrationId }, 'plan');
    if (target.engine === 'ACTIVEMQ') return replicateActiveMqStep(deps, input, target.credentialsSecretId);

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
      rebooting: false,
      counts,
      summary: result.summary,
    };
  });

/**
 * ActiveMQ: the converted configuration as a new revision, the planned users (generated
 * passwords into Secrets Manager), then a reboot, after which Amazon MQ applies them; the state
 * machine waits for RUNNING again when `rebooting`.
 */
async function replicateActiveMqStep(deps: ReplicateDeps, input: z.output<typeof ReplicateInput>, adminSecretId: string) {
  const { migrationId, dryRun } = input;
  if (!input.broker) throw new ValidationError('broker.brokerId', 'required for ACTIVEMQ', 'ActiveMQ replication writes to the Amazon MQ broker: give broker.brokerId');
  const [inventory, plan, admin] = await Promise.all([getDocument(input.inventory, ActiveMqInventory), getDocument(input.plan, ActiveMqPlan), deps.credentials(adminSecretId)]);
  const target = deps.activeMqTarget(input.broker.brokerId, admin.username);
  const result: ActiveMqReplicationReport = await replicateActiveMq({ plan, inventory, secrets: deps.secretStore(), target, dryRun });
  const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'replication.json'), result);
  const count = (kind: string) => result.changes.filter((c) => c.kind === kind).length;
  const counts = {
    creates: count('create-user'),
    updates: count('update-user') + count('configuration'),
    deletes: count('delete-user'),
    secretsCreated: count('create-secret'),
    conflicts: 0,
    skipped: 0,
    configurationRevised: count('configuration') > 0,
  };
  if (result.applied) {
    metrics.addMetric('ObjectsCreated', MetricUnit.Count, counts.creates);
    metrics.addMetric('ObjectsUpdated', MetricUnit.Count, counts.updates);
  }
  const summary = `${result.dryRun ? 'dry run: ' : ''}${result.changes.length} change(s): ${counts.creates} user(s) to create, ${counts.updates - (counts.configurationRevised ? 1 : 0)} to update, ${counts.deletes} to delete, ${counts.configurationRevised ? 'a new configuration revision' : 'configuration unchanged'}${result.applied ? '; applied, broker rebooting' : ''}`;
  logger.info('replication stored', { key: stored.key, bytes: stored.bytes, counts, summary });
  return {
    migrationId,
    replication: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef,
    dryRun: result.dryRun,
    applied: result.applied,
    // Amazon MQ applies configuration and users at the reboot; what it then runs is what drift checks read.
    verified: !result.applied,
    rebooting: target.rebootStarted,
    counts,
    summary,
  };
}

export const handler = makeHandler(defaultReplicateDeps());
