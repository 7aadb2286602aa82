import { z } from 'zod';
import { findDocument, migrationKey } from '../../src/aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../../src/aws/secrets.js';
import { config } from '../../src/config.js';
import { ManagementClient } from '../../src/engines/rabbitmq/management-client.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField, SourceEndpoint } from '../shared/workflow.js';
import { activeMqClientConnections } from '../../src/engines/activemq/clients.js';
import { jolokiaOptions } from '../../src/orchestration/endpoints.js';

export const WaitForClientsInput = z.strictObject({
  migrationId: MigrationIdField,
  source: SourceEndpoint,
});

export const GoAnyway = z.looseObject({ goAnyway: z.literal(true), by: z.string().optional(), at: z.string().optional() });
/** `mq-migrate approve ID --go-anyway` writes it: the final drain starts with clients still connected. */
export const goAnywayKey = (migrationId: string) => migrationKey(migrationId, 'approvals/go-anyway.json');

export interface Connection {
  name: string;
  user: string;
  vhost: string;
  clientName?: string;
}

export interface WaitForClientsDeps {
  bucket: string;
  credentials: (secretId: string) => Promise<BrokerCredentials>;
  connections: (source: SourceEndpoint, credentials: BrokerCredentials) => Promise<Connection[]>;
}

interface RawConnection {
  name?: string;
  user?: string;
  vhost?: string;
  client_properties?: { product?: string; connection_name?: string };
}

/** The source's client connections, without the tool's own (product "mq-migrate"). */
export async function sourceConnections(endpoint: { url: string } & BrokerCredentials): Promise<Connection[]> {
  const client = new ManagementClient(endpoint);
  const all = await client.get<RawConnection[]>('/api/connections', 'connections');
  return all
    .filter((c) => c.client_properties?.product !== 'mq-migrate')
    .map((c) => ({ name: c.name ?? '?', user: c.user ?? '?', vhost: c.vhost ?? '?', ...(c.client_properties?.connection_name ? { clientName: c.client_properties.connection_name } : {}) }));
}

/** The source's client connections of either engine, without the tool's own. */
export async function clientConnections(source: SourceEndpoint, credentials: BrokerCredentials): Promise<Connection[]> {
  if (source.engine === 'RABBITMQ') return sourceConnections({ url: source.managementUrl, ...credentials });
  const connections = await activeMqClientConnections(jolokiaOptions(source.jolokiaUrl, credentials), source.brokerName);
  // ActiveMQ has no vhosts: the broker stands in for one in the approver's list.
  return connections.map((c) => ({ name: c.clientId, user: c.user ?? '?', vhost: source.brokerName ?? 'broker', clientName: c.clientId }));
}

/**
 * After the cutover: who is still connected to the source? The state machine waits and asks again
 * until nobody is, or until someone says go anyway.
 */
export const makeHandler = (deps: WaitForClientsDeps) =>
  lambdaHandler(WaitForClientsInput, async ({ migrationId, source }) => {
    logger.appendKeys({ migrationId });
    const credentials = await deps.credentials(source.credentialsSecretId);
    const [connections, goAnyway] = await Promise.all([
      deps.connections(source, credentials),
      findDocument({ bucket: deps.bucket, key: goAnywayKey(migrationId) }, GoAnyway),
    ]);
    metrics.addMetric('SourceClientsConnected', MetricUnit.Count, connections.length);
    const proceed = connections.length === 0 || goAnyway !== undefined;
    logger.info('source clients', { connected: connections.length, goAnyway: goAnyway !== undefined });
    return {
      migrationId,
      connected: connections.length,
      // The first few, so the approver sees who is late; user and vhost, no addresses.
      clients: connections.slice(0, 10).map((c) => `${c.user}@${c.vhost}${c.clientName ? ` (${c.clientName})` : ''}`),
      goAnyway: goAnyway !== undefined,
      proceed,
      at: new Date().toISOString(),
    };
  });

export const handler = makeHandler({ bucket: config().documentsBucket, credentials: getBrokerCredentials, connections: clientConnections });
