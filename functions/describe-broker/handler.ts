import { z } from 'zod';
import { jolokiaUrlOfConsole, pickAmqpEndpoint, pickStompEndpoint } from '../../src/orchestration/endpoints.js';
import { SecretId, type BrokerEndpoint } from '../../src/orchestration/input.js';
import type { BrokerProvisioner } from '../../src/orchestration/ports.js';
import { amazonMqProvisioner } from '../provision/handler.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

export const DescribeBrokerInput = z.strictObject({
  migrationId: MigrationIdField,
  brokerId: z.string().min(1).max(200),
  adminSecretId: SecretId,
  /** The engine the target runs (the source's). */
  engine: z.enum(['RABBITMQ', 'ACTIVEMQ']).default('RABBITMQ'),
});

export interface DescribeBrokerDeps {
  provisioner: BrokerProvisioner;
}

/** The steps' view of a running broker, from its wire endpoints and console URL. */
export function targetEndpointOf(engine: BrokerEndpoint['engine'], endpoints: readonly string[], consoleUrl: string | undefined, credentialsSecretId: string): BrokerEndpoint | null {
  if (consoleUrl === undefined) return null;
  if (engine === 'RABBITMQ') {
    const amqpUrl = pickAmqpEndpoint(endpoints);
    return amqpUrl ? { engine, managementUrl: consoleUrl, amqpUrl, credentialsSecretId } : null;
  }
  const stompUrl = pickStompEndpoint(endpoints);
  return stompUrl ? { engine, jolokiaUrl: jolokiaUrlOfConsole(consoleUrl), stompUrl, credentialsSecretId } : null;
}

/**
 * One look at the broker for the Wait loop: `ready` once RUNNING, with the target's endpoints
 * (RabbitMQ: management and AMQP URLs; ActiveMQ: Jolokia and STOMP URLs; the admin secret) for
 * the steps that follow.
 */
export const makeHandler = (deps: DescribeBrokerDeps) =>
  lambdaHandler(DescribeBrokerInput, async ({ migrationId, brokerId, adminSecretId, engine }) => {
    logger.appendKeys({ migrationId, brokerId });
    const status = await deps.provisioner.describe(brokerId);
    const target = status.ready ? targetEndpointOf(engine, status.endpoints.endpoints, status.endpoints.consoleUrls[0], adminSecretId) : null;
    const ready = target !== null;
    logger.info('broker state', { state: status.state, ready });
    return { migrationId, ready, state: status.state, target };
  });

export const handler = makeHandler({ provisioner: amazonMqProvisioner() });
