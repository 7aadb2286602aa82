import { z } from 'zod';
import { DocumentRef, migrationKey, putDocument } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import { collectRabbitInventory } from '../../src/engines/rabbitmq/inventory.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { summarize, type RabbitInventory } from '../../src/model/inventory.js';
import { BrokerEndpoint, lambdaHandler, MigrationId } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';

export const InventoryInput = z.strictObject({
  migrationId: MigrationId,
  source: z.strictObject({
    engine: z.literal('RABBITMQ'),
    ...BrokerEndpoint.shape,
  }),
});
export type InventoryInput = z.infer<typeof InventoryInput>;

export interface InventoryDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  /** Reads the source broker; the real one goes through its management API. */
  collect: (endpoint: { url: string } & BrokerCredentials) => Promise<RabbitInventory>;
}

export const defaultInventoryDeps = (): InventoryDeps => ({
  bucket: config().documentsBucket,
  credentials: getBrokerCredentials,
  collect: (endpoint) => collectRabbitInventory(new ManagementClient(endpoint)),
});

/** Collects the source broker's inventory, stores it in S3 and returns its reference and counts. */
export const makeHandler = (deps: InventoryDeps) =>
  lambdaHandler(InventoryInput, async ({ migrationId, source }) => {
    logger.appendKeys({ migrationId });
    metrics.addMetadata('migrationId', migrationId);

    const credentials = await deps.credentials(source.credentialsSecretId);
    const inventory = await deps.collect({ url: source.managementUrl, ...credentials });
    const stored = await putDocument(deps.bucket, migrationKey(migrationId, 'source-inventory.json'), inventory);

    // Counts only: the inventory itself (password hashes, parameter URIs) stays in S3.
    const summary = summarize(inventory);
    metrics.addMetric('QueuesInventoried', MetricUnit.Count, summary.queues);
    metrics.addMetric('UsersInventoried', MetricUnit.Count, summary.users);
    metrics.addMetric('InventoryBytes', MetricUnit.Bytes, stored.bytes);
    logger.info('inventory stored', { key: stored.key, bytes: stored.bytes, summary });

    return { migrationId, inventory: { bucket: stored.bucket, key: stored.key } satisfies DocumentRef, summary };
  });

export const handler = makeHandler(defaultInventoryDeps());
