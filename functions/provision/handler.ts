import { z } from 'zod';
import { FLEET_TAG, provisionInputFromActiveMqPlan, provisionInputFromRabbitPlan } from '../../src/amazonmq/provision-input.js';
import { describeBrokerForWait, provisionBroker } from '../../src/amazonmq/provisioner.js';
import { assertMigrationDocument, DocumentRef, getDocument } from '../../src/aws/documents.js';
import { config } from '../../src/config.js';
import { ValidationError } from '../../src/model/errors.js';
import { assertNoFleetCollisions } from '../../src/orchestration/fleet-collisions.js';
import { TargetInput } from '../../src/orchestration/input.js';
import { MigrationPlan } from '../../src/orchestration/plan-document.js';
import type { BrokerProvisioner } from '../../src/orchestration/ports.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

export const ProvisionInput = z.strictObject({
  migrationId: MigrationIdField,
  plan: DocumentRef,
  target: TargetInput,
});

export interface ProvisionDeps {
  bucket: string;
  provisioner: BrokerProvisioner;
}

/** The production provisioner: Amazon MQ through its SDK (src/amazonmq/provisioner.ts). */
export const amazonMqProvisioner = (): BrokerProvisioner => ({
  provision: (input) => provisionBroker(input),
  describe: (brokerId) => describeBrokerForWait(brokerId),
});

export const defaultProvisionDeps = (): ProvisionDeps => ({ bucket: config().documentsBucket, provisioner: amazonMqProvisioner() });

/** Creates (or finds again) the migration's Amazon MQ broker as the plan sized it; returns at once. */
export const makeHandler = (deps: ProvisionDeps) =>
  lambdaHandler(ProvisionInput, async ({ migrationId, plan: planRef, target }) => {
    logger.appendKeys({ migrationId });
    assertMigrationDocument(planRef, { bucket: deps.bucket, migrationId }, 'plan');
    const plan = await getDocument(planRef, MigrationPlan);
    const { brokerName, adminSecretId, configurationName, ...rest } = target;
    if (configurationName !== undefined && plan.engine !== 'ACTIVEMQ') throw new ValidationError('target.configurationName', 'only for ActiveMQ targets');
    const fleetId = target.tags?.[FLEET_TAG];
    if (fleetId !== undefined && plan.engine === 'RABBITMQ') await assertNoFleetCollisions(deps.bucket, migrationId, fleetId, brokerName);
    const details = { migrationId, brokerName, adminSecretId, ...rest };
    const request = plan.engine === 'RABBITMQ' ? provisionInputFromRabbitPlan(plan, details) : provisionInputFromActiveMqPlan(plan, details, configurationName);
    const started = Date.now();
    const broker = await deps.provisioner.provision(request);
    metrics.addMetric('ProvisionRequestDuration', MetricUnit.Milliseconds, Date.now() - started);
    logger.info('broker requested', { brokerId: broker.brokerId, state: broker.state, target: plan.target, ...('sharedWith' in broker ? { sharedWith: broker.sharedWith } : {}) });
    return { migrationId, broker: { brokerId: broker.brokerId, state: broker.state } };
  });

export const handler = makeHandler(defaultProvisionDeps());
