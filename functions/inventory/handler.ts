import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import type { ActiveMqConfigBundle } from '../../src/engines/activemq/activemq-config.js';
import { collectActiveMqInventory } from '../../src/engines/activemq/inventory.js';
import { collectRabbitInventory } from '../../src/engines/rabbitmq/inventory.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { summarizeActiveMq, type ActiveMqInventory } from '../../src/model/activemq-inventory.js';
import { summarize, type RabbitInventory } from '../../src/model/inventory.js';
import { jolokiaOptions } from '../../src/orchestration/endpoints.js';
import { lambdaHandler, MigrationId } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { SourceEndpoint } from '../shared/workflow.js';

export const InventoryInput = z.strictObject({
  migrationId: MigrationId,
  source: SourceEndpoint,
});
export type InventoryInput = z.infer<typeof InventoryInput>;

/** The activemq.xml bundle document `mq-migrate start --activemq-conf` uploads. */
export const ActiveMqConfigBundleDocument = z.strictObject({
  mainFile: z.string().min(1).optional(),
  files: z.record(z.string(), z.string()),
  systemProperties: z.record(z.string(), z.string()).optional(),
});

export interface InventoryDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  /** Reads the source broker; the real one goes through its management API. */
  collect: (endpoint: { url: string } & BrokerCredentials) => Promise<RabbitInventory>;
  /** Reads an ActiveMQ source: Jolokia, and the configuration bundle when given. */
  collectActiveMq: (request: { jolokia: { url: string } & BrokerCredentials; brokerName?: string; config?: ActiveMqConfigBundle }) => Promise<ActiveMqInventory>;
}

export const defaultInventoryDeps = (): InventoryDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  collect: (endpoint) => collectRabbitInventory(new ManagementClient(endpoint)),
  collectActiveMq: ({ jolokia, brokerName, config: bundle }) =>
    collectActiveMqInventory({ jolokia: jolokiaOptions(jolokia.url, jolokia), ...(brokerName ? { brokerName } : {}), ...(bundle ? { config: bundle } : {}) }),
});

/** Collects the source broker's inventory, stores it in S3 and returns its reference and counts. */
export const makeHandler = (deps: InventoryDeps) =>
  lambdaHandler(InventoryInput, async ({ migrationId, source }) => {
    logger.appendKeys({ migrationId, engine: source.engine });
    metrics.addMetadata('migrationId', migrationId);

    const credentials = await deps.credentials(source.credentialsSecretId);
    let inventory: RabbitInventory | ActiveMqInventory;
    let summary: { queues: number; users: number } & Record<string, unknown>;
    if (source.engine === 'RABBITMQ') {
      const rabbit = await deps.collect({ url: source.managementUrl, ...credentials });
      inventory = rabbit;
      summary = summarize(rabbit);
    } else {
      // Only the migration's own documents: the functions may read nothing else in S3.
      if (source.configuration) assertMigrationDocument(source.configuration, { bucket: deps.bucket, migrationId }, 'source.configuration');
      const bundle = source.configuration ? await getDocument(source.configuration, ActiveMqConfigBundleDocument) : undefined;
      const activemq = await deps.collectActiveMq({ jolokia: { url: source.jolokiaUrl, ...credentials }, ...(source.brokerName ? { brokerName: source.brokerName } : {}), ...(bundle ? { config: bundle } : {}) });
      inventory = activemq;
      summary = summarizeActiveMq(activemq);
      if (!bundle) logger.warn('no activemq.xml bundle given: users, groups and authorization are not in the inventory');
    }
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'source-inventory.json'), inventory);

    // Counts only: the inventory itself (password hashes, parameter URIs) stays in S3.
    metrics.addMetric('QueuesInventoried', MetricUnit.Count, summary.queues);
    metrics.addMetric('UsersInventoried', MetricUnit.Count, summary.users);
    metrics.addMetric('InventoryBytes', MetricUnit.Bytes, stored.bytes);
    logger.info('inventory stored', { key: stored.key, bytes: stored.bytes, summary });

    return { migrationId, engine: source.engine, inventory: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, summary };
  });

export const handler = makeHandler(defaultInventoryDeps());
