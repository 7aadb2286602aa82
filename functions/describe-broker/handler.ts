import { z } from 'zod';
import { pickAmqpEndpoint } from '../../src/orchestration/endpoints.js';
import { SecretId } from '../../src/orchestration/input.js';
import type { BrokerProvisioner } from '../../src/orchestration/ports.js';
import { amazonMqProvisioner } from '../provision/handler.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

export const DescribeBrokerInput = z.strictObject({
  migrationId: MigrationIdField,
  brokerId: z.string().min(1).max(200),
  adminSecretId: SecretId,
});

export interface DescribeBrokerDeps {
  provisioner: BrokerProvisioner;
}

/**
 * One look at the broker for the Wait loop: `ready` once RUNNING, with the target's endpoints
 * (management URL, AMQP URL, the admin secret) for the steps that follow.
 */
export const makeHandler = (deps: DescribeBrokerDeps) =>
  lambdaHandler(DescribeBrokerInput, async ({ migrationId, brokerId, adminSecretId }) => {
    logger.appendKeys({ migrationId, brokerId });
    const status = await deps.provisioner.describe(brokerId);
    const amqpUrl = pickAmqpEndpoint(status.endpoints.endpoints);
    const managementUrl = status.endpoints.consoleUrls[0];
    const ready = status.ready && amqpUrl !== undefined && managementUrl !== undefined;
    logger.info('broker state', { state: status.state, ready });
    return {
      migrationId,
      ready,
      state: status.state,
      target: ready ? { managementUrl, amqpUrl, credentialsSecretId: adminSecretId } : null,
    };
  });

export const handler = makeHandler({ provisioner: amazonMqProvisioner() });
