import { DescribeBrokerCommand, MqClient } from '@aws-sdk/client-mq';
import { z } from 'zod';
import { findDocument, migrationKey, putDocument, putText } from '../../src/aws/documents.js';
import { eventBridgePublisher } from '../../src/aws/notifications.js';
import { config, workflowConfig } from '../../src/config.js';
import { FleetManifest, fleetKey } from '../../src/orchestration/fleet-input.js';
import { buildFleetReport, MemberReportDocument, renderFleetReportMarkdown, type FleetMemberRow } from '../../src/orchestration/fleet-report.js';
import type { EventPublisher } from '../../src/orchestration/ports.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

/** One member as the fleet's Map ended it: its execution's status, or the error it failed with. */
const MemberResult = z.looseObject({
  migrationId: MigrationIdField,
  status: z.enum(['SUCCEEDED', 'FAILED']),
  error: z.looseObject({ Error: z.string(), Cause: z.string().nullish() }).optional(),
});

export const FleetReportInput = z.strictObject({
  fleetId: MigrationIdField,
  startedAt: z.iso.datetime({ offset: true }),
  /** The Map's results: per target broker, its members in the order they ran. */
  members: z.array(z.array(MemberResult)),
});

export interface FleetReportDeps {
  bucket: string;
  events: EventPublisher;
  /** The configuration a broker runs (ActiveMQ: what "shared" means is one id for several brokers). */
  brokerConfiguration: (brokerId: string) => Promise<{ id: string; revision?: number } | undefined>;
}

/**
 * A failed child execution fails the fleet's task with States.TaskFailed and, as its Cause,
 * the child's description: the member's own error is inside.
 */
export function memberError(error: { Error: string; Cause?: string | null | undefined }): { name: string; cause: string } {
  if (error.Error === 'States.TaskFailed' && error.Cause) {
    try {
      const described = JSON.parse(error.Cause) as { Error?: unknown; Cause?: unknown };
      if (typeof described.Error === 'string') return { name: described.Error, cause: typeof described.Cause === 'string' ? described.Cause : '' };
    } catch {
      // Not a description: the task's own error.
    }
  }
  return { name: error.Error, cause: error.Cause ?? '' };
}

/** Reads every member's report, writes the fleet's (JSON and Markdown) and announces it once. */
export const makeHandler = (deps: FleetReportDeps) =>
  lambdaHandler(FleetReportInput, async ({ fleetId, startedAt, members }) => {
    logger.appendKeys({ fleetId });
    const manifest = await findDocument({ bucket: deps.bucket, key: fleetKey(fleetId, 'manifest.json') }, FleetManifest);
    const byId = new Map((manifest?.members ?? []).map((m) => [m.migrationId, m]));
    const rows: FleetMemberRow[] = [];
    for (const result of members.flat()) {
      const ref = { bucket: deps.bucket, key: migrationKey(result.migrationId, 'report.json') };
      const report = await findDocument(ref, MemberReportDocument);
      const listed = byId.get(result.migrationId);
      const brokerId = report?.created.broker?.brokerId;
      const configuration = listed?.configurationName !== undefined ? { name: listed.configurationName, ...(brokerId !== undefined ? await deps.brokerConfiguration(brokerId).catch(() => undefined) : undefined) } : undefined;
      const error = report?.error ?? (result.error ? memberError(result.error) : undefined);
      rows.push({
        migrationId: result.migrationId,
        engine: listed?.engine ?? 'RABBITMQ',
        brokerName: listed?.brokerName ?? '?',
        // A report says how the migration ended; without one, the execution failed before it.
        outcome: report?.outcome ?? (result.status === 'SUCCEEDED' ? 'succeeded' : 'failed'),
        status: result.status,
        ...(brokerId !== undefined ? { brokerId } : {}),
        ...(configuration ? { configuration } : {}),
        totals: report ? { queues: report.totals.queues, moved: report.totals.moved, duplicates: report.totals.duplicates, verified: report.totals.verified } : { queues: 0, moved: 0, duplicates: 0, verified: 0 },
        ...(report ? { durationSeconds: report.durationSeconds, report: ref } : {}),
        ...(error ? { error: { name: error.name, cause: error.cause.slice(0, 2000) } } : {}),
      });
    }
    const report = buildFleetReport(fleetId, startedAt, new Date().toISOString(), rows);
    const json = await putDocument(deps.bucket, fleetKey(fleetId, 'report.json'), report);
    const md = await putText(deps.bucket, fleetKey(fleetId, 'report.md'), renderFleetReportMarkdown(report));
    await deps.events.publish('Fleet Report', { fleetId, outcome: report.outcome, totals: report.totals, failed: rows.filter((r) => r.outcome !== 'succeeded' && r.outcome !== 'dry-run').map((r) => r.migrationId), report: { bucket: json.bucket, key: json.key } });
    metrics.addMetric(report.outcome === 'succeeded' ? 'FleetsSucceeded' : 'FleetsFailed', MetricUnit.Count, 1);
    logger.info('fleet report stored', { outcome: report.outcome, key: json.key, totals: report.totals });
    return { fleetId, outcome: report.outcome, report: { json: { bucket: json.bucket, key: json.key }, markdown: { bucket: md.bucket, key: md.key } }, totals: report.totals, failed: report.members.filter((m) => m.outcome !== 'succeeded' && m.outcome !== 'dry-run').map((m) => m.migrationId) };
  });

let mq: MqClient | undefined;
export const amazonMqBrokerConfiguration = async (brokerId: string) => {
  const broker = await (mq ??= new MqClient({})).send(new DescribeBrokerCommand({ BrokerId: brokerId }));
  const current = broker.Configurations?.Current;
  return current?.Id ? { id: current.Id, ...(current.Revision !== undefined ? { revision: current.Revision } : {}) } : undefined;
};

export const defaultFleetReportDeps = (): FleetReportDeps => ({ bucket: config().documentsBucket, events: eventBridgePublisher(workflowConfig().eventBusName), brokerConfiguration: amazonMqBrokerConfiguration });

export const handler = makeHandler(defaultFleetReportDeps());
