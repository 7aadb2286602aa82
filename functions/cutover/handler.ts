import { z } from 'zod';
import { route53Zone, ssmParameterStore } from '../../src/aws/cutover.js';
import { CutoverError } from '../../src/orchestration/errors.js';
import { CutoverInput as CutoverSettings } from '../../src/orchestration/input.js';
import type { DnsZone, ParameterStore } from '../../src/orchestration/ports.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField, TargetEndpoint } from '../shared/workflow.js';

export const CutoverInput = z.strictObject({
  migrationId: MigrationIdField,
  action: z.enum(['switch', 'revert']),
  cutover: CutoverSettings,
  target: TargetEndpoint,
  /** For revert: what the switch replaced (the switch's result `previous`). */
  previous: z.string().nullable().default(null),
});

export interface CutoverDeps {
  parameters: ParameterStore;
  dns: DnsZone;
}

/**
 * Points the clients at the target: rewrites the SSM parameter they read, or the Route 53 record
 * they resolve, or (manual) says what to change. Returns what was there before, for a rollback.
 */
export const makeHandler = (deps: CutoverDeps) =>
  lambdaHandler(CutoverInput, async ({ migrationId, action, cutover, target, previous }) => {
    logger.appendKeys({ migrationId, strategy: cutover.strategy, action });
    const at = new Date().toISOString();
    // What clients connect to: AMQP for RabbitMQ, STOMP for ActiveMQ (OpenWire clients use the same host).
    const clientUrl = target.engine === 'RABBITMQ' ? target.amqpUrl : target.stompUrl;
    const consoleUrl = target.engine === 'RABBITMQ' ? target.managementUrl : target.jolokiaUrl;
    const host = new URL(clientUrl.replace(/^[a-z+]+:/, 'http:')).hostname;
    metrics.addMetric(action === 'switch' ? 'Cutovers' : 'CutoverReverts', MetricUnit.Count, 1);
    switch (cutover.strategy) {
      case 'manual': {
        const instructions =
          action === 'switch'
            ? (cutover.instructions ?? `point every producer and consumer at ${clientUrl} (management ${consoleUrl}); the workflow waits until none is left on the source`)
            : 'point the clients back at the source broker';
        return { migrationId, strategy: 'manual', action, previous: null, current: null, instructions, at };
      }
      case 'ssm-parameter': {
        const before = (await deps.parameters.get(cutover.parameterName)) ?? null;
        const value = action === 'switch' ? clientUrl : previous;
        if (value === null) throw new CutoverError('ssm-parameter', `nothing to revert ${cutover.parameterName} to (it was unset before the switch); set it by hand`);
        await deps.parameters.put(cutover.parameterName, value);
        logger.info('parameter switched', { parameter: cutover.parameterName });
        return { migrationId, strategy: 'ssm-parameter', action, previous: before, current: value, instructions: `SSM parameter ${cutover.parameterName} now holds ${value}`, at };
      }
      case 'route53': {
        const record = await deps.dns.get(cutover.hostedZoneId, cutover.recordName);
        if (record && record.type !== 'CNAME') throw new CutoverError('route53', `${cutover.recordName} is a ${record.type} record; only CNAME records are switched (nothing changed)`);
        const before = record?.values[0] ?? null;
        const value = action === 'switch' ? host : previous;
        if (value === null) throw new CutoverError('route53', `nothing to revert ${cutover.recordName} to; set it by hand`);
        await deps.dns.upsertCname(cutover.hostedZoneId, cutover.recordName, value, cutover.ttl);
        logger.info('record switched', { record: cutover.recordName });
        return { migrationId, strategy: 'route53', action, previous: before, current: value, instructions: `${cutover.recordName} CNAME now ${value} (TTL ${cutover.ttl} s: clients follow within it)`, at };
      }
    }
  });

export const handler = makeHandler({ parameters: ssmParameterStore(), dns: route53Zone() });
