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
import { MigrationIdField, SourceEndpoint, TargetEndpoint, type ActiveMqEndpoint } from '../shared/workflow.js';
import { AmazonMqActiveMqTarget } from '../../src/amazonmq/activemq-target.js';
import { activeMqDriftBetween } from '../../src/engines/activemq/drift.js';
import type { ActiveMqTargetPort } from '../../src/engines/activemq/replicate.js';
import { JolokiaClient } from '../../src/engines/activemq/jolokia-client.js';
import { ActiveMqPlan } from '../../src/plan/activemq-planner.js';
import { jolokiaOptions } from '../../src/orchestration/endpoints.js';
import type { DriftResult } from '../../src/orchestration/drift.js';
import { ValidationError } from '../../src/model/errors.js';

export const DriftInput = z.strictObject({
  /** The migration whose plan shapes the target (its documents prefix); also the drift document's prefix. */
  migrationId: MigrationIdField,
  source: SourceEndpoint,
  target: TargetEndpoint,
  /**
   * ActiveMQ: the Amazon MQ broker, whose configuration revision and users are compared. The drift
   * state machine always passes it, null when its input has none (RabbitMQ).
   */
  brokerId: z.string().min(1).max(200).nullish(),
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
  /** ActiveMQ: the target's configuration and users as Amazon MQ holds them. */
  activeMqTarget: (brokerId: string, adminUsername: string) => Pick<ActiveMqTargetPort, 'current'>;
  /** ActiveMQ: queue names a broker has now (Jolokia). */
  activeMqQueues: (jolokia: { url: string } & BrokerCredentials, brokerName?: string) => Promise<string[]>;
}

/** Queue names of an ActiveMQ broker, read through Jolokia. */
export async function activeMqQueueNames(jolokia: { url: string } & BrokerCredentials, brokerName?: string): Promise<string[]> {
  const client = new JolokiaClient(jolokiaOptions(jolokia.url, jolokia));
  const names = (await client.request({ type: 'search', mbean: `org.apache.activemq:type=Broker,brokerName=${brokerName ?? '*'},destinationType=Queue,destinationName=*` })) as string[];
  return names.map((n) => /destinationName=([^,]+)/.exec(n)?.[1] ?? '').filter((n) => n !== '');
}

export const defaultDriftDeps = (): DriftDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  events: eventBridgePublisher(workflowConfig().eventBusName),
  readSource: (endpoint) => collectRabbitInventory(new ManagementClient(endpoint)),
  readTarget: (endpoint) => collectRabbitTopology(new ManagementClient(endpoint)),
  reconcile: (source, plan, target) => replicateRabbitTopology({ source, plan, target: new ManagementClient(target), targetAdminUser: target.username }),
  activeMqTarget: (brokerId, adminUsername) => new AmazonMqActiveMqTarget({ brokerId, adminUsername }),
  activeMqQueues: activeMqQueueNames,
});

/**
 * ActiveMQ drift: the migration's plan (converted configuration, planned users) against what the
 * Amazon MQ broker holds, and the source's queues against the target's (a queue that appears on
 * the source after the cutover means a producer still writes there). Reconcile is RabbitMQ only:
 * on ActiveMQ it means a new revision and a reboot, which a re-run of the migration's Replicate does.
 */
async function activeMqDrift(deps: DriftDeps, input: { migrationId: string; source: ActiveMqEndpoint; target: ActiveMqEndpoint; brokerId?: string | null | undefined }, credentials: { source: BrokerCredentials; target: BrokerCredentials }): Promise<DriftResult> {
  if (!input.brokerId) throw new ValidationError('brokerId', 'required for ACTIVEMQ', 'the ActiveMQ drift check reads the Amazon MQ broker: give brokerId');
  const plan = await findDocument({ bucket: deps.bucket, key: migrationKey(input.migrationId, 'plan.json') }, ActiveMqPlan);
  if (!plan) throw new ValidationError('migrationId', 'has a stored plan', `no ActiveMQ plan under migrations/${input.migrationId}/: run the migration first`);
  const [current, sourceQueues, targetQueues] = await Promise.all([
    deps.activeMqTarget(input.brokerId, credentials.target.username).current(),
    deps.activeMqQueues({ url: input.source.jolokiaUrl, ...credentials.source }, input.source.brokerName),
    deps.activeMqQueues({ url: input.target.jolokiaUrl, ...credentials.target }),
  ]);
  const drift = activeMqDriftBetween(plan, { configurationXml: current?.configurationXml ?? '', users: current?.users ?? [] }, { adminUser: credentials.target.username });
  const onTarget = new Set(targetQueues);
  const missing = sourceQueues.filter((q) => !onTarget.has(q) && !q.startsWith('ActiveMQ.'));
  for (const queue of missing) drift.differences.push({ kind: 'missing-on-target', type: 'queue', object: `queue ${queue}` });
  if (missing.length > 0) drift.byType['queue'] = (drift.byType['queue'] ?? 0) + missing.length;
  return drift;
}

/**
 * The drift check (scheduled): source and target inventoried, users, permissions and topology
 * compared (the migration's plan applied to the source), a CloudWatch metric (DriftDifferences)
 * and an EventBridge event with the differences; with `reconcile`, replication writes them.
 */
export const makeHandler = (deps: DriftDeps) =>
  lambdaHandler(DriftInput, async ({ migrationId, source, target, reconcile, brokerId }) => {
    logger.appendKeys({ migrationId, reconcile });
    const [sourceCredentials, targetCredentials] = await Promise.all([deps.credentials(source.credentialsSecretId), deps.credentials(target.credentialsSecretId)]);
    const at = new Date().toISOString();
    let drift: DriftResult;
    let reconciled: { summary: string; conflicts: number } | undefined;
    if (source.engine === 'ACTIVEMQ' && target.engine === 'ACTIVEMQ') {
      drift = await activeMqDrift(deps, { migrationId, source, target, brokerId }, { source: sourceCredentials, target: targetCredentials });
    } else if (source.engine === 'RABBITMQ' && target.engine === 'RABBITMQ') {
      const targetEndpoint = { url: target.managementUrl, ...targetCredentials };
      const [inventory, targetTopology, storedPlan] = await Promise.all([
        deps.readSource({ url: source.managementUrl, ...sourceCredentials }),
        deps.readTarget(targetEndpoint),
        findDocument({ bucket: deps.bucket, key: migrationKey(migrationId, 'plan.json') }, RabbitPlan),
      ]);
      drift = driftBetween(inventory.rabbitmq, targetTopology, { targetAdminUser: targetCredentials.username, ...(storedPlan ? { actions: storedPlan.actions } : {}) });
      if (reconcile && drift.differences.some((d) => d.kind !== 'only-on-target')) {
        const result = await deps.reconcile(inventory, storedPlan ?? planRabbitMigration(inventory, {}), targetEndpoint);
        reconciled = { summary: result.summary, conflicts: result.conflicts.length };
      }
    } else {
      throw new ValidationError('target.engine', 'same engine as the source', `the source is ${source.engine} but the target is ${target.engine}`);
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
