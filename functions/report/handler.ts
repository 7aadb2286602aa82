import { z } from 'zod';
import { S3CheckpointStore } from '../../src/aws/checkpoints.js';
import { DocumentRef, findDocument, getDocument, migrationKey, putDocument, putText } from '../../src/aws/documents.js';
import { eventBridgePublisher } from '../../src/aws/notifications.js';
import { config, workflowConfig } from '../../src/config.js';
import type { CheckpointStore } from '../../src/engines/rabbitmq/drain/checkpoint.js';
import { unacceptedBlockers } from '../../src/model/plan.js';
import { DrainList } from '../../src/orchestration/drain-queues.js';
import { DrainSettings, throttleShare } from '../../src/orchestration/input.js';
import { destinationOf, entryToQueueReport, loadEntries } from '../../src/orchestration/activemq-drain.js';
import { MigrationPlan } from '../../src/orchestration/plan-document.js';
import type { DrainLedgerStore } from '../../src/engines/activemq/stomp-ledger.js';
import { S3DrainLedgerStore } from '../../src/aws/drain-ledger-store.js';
import { readLedgers } from '../../src/orchestration/ledgers.js';
import type { EventPublisher } from '../../src/orchestration/ports.js';
import { batchReports, ledgerToQueueReport, Outcome, renderReportMarkdown, type MigrationReport, type QueueReport } from '../../src/orchestration/report.js';
import { VerifyDocument } from '../verify/handler.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger, metrics, MetricUnit } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

/** The errors after which the state machine offers the reverse drain (its CanRollBack choice). */
export const ROLLBACK_ERRORS = ['ApprovalRejectedError', 'VerificationError', 'DrainIncompleteError', 'States.Timeout'];

const Ref = z.looseObject({ document: DocumentRef });
const Timing = z.looseObject({ startedAt: z.string(), finishedAt: z.string().optional() });
const DrainRound = z.looseObject({ startedAt: z.string(), finishedAt: z.string(), moved: z.number() });
/** The execution's state as the report reads it: every part optional (the report runs on every path). */
const MigrationState = z.looseObject({
  error: z.looseObject({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  plan: Ref.extend({ blockers: z.array(z.string()).optional() }).optional(),
  broker: z.looseObject({ brokerId: z.string() }).optional(),
  target: z.looseObject({ brokerName: z.string().optional(), managementUrl: z.string().optional(), amqpUrl: z.string().optional() }).optional(),
  replication: z.looseObject({ summary: z.string().optional(), counts: z.record(z.string(), z.unknown()).optional(), applied: z.boolean().optional() }).optional(),
  drainQueues: z.looseObject({ queues: DocumentRef }).optional(),
  preDrain: z.array(DrainRound).optional(),
  /** Set around the drain Maps (their batches' results stay out of the state). */
  preDrainTiming: Timing.optional(),
  finalDrainTiming: Timing.optional(),
  drain: z.looseObject({ batchSize: z.number().int().positive().optional() }).optional(),
  approval: z.looseObject({ approved: z.boolean().optional(), by: z.string().optional(), at: z.string().optional(), requestedAt: z.string().optional() }).optional(),
  cutoverResult: z.looseObject({ strategy: z.string(), previous: z.string().nullish(), current: z.string().nullish(), instructions: z.string().optional(), at: z.string().optional() }).optional(),
  clients: z.looseObject({ connected: z.number(), goAnyway: z.boolean().optional(), at: z.string().optional() }).optional(),
  finalDrain: z.array(DrainRound).optional(),
  verify: z.looseObject({ ok: z.boolean(), at: z.string().optional() }).optional(),
  rollback: z.looseObject({ onFailure: z.string().optional() }).optional(),
  rollbackResult: z.looseObject({ moved: z.number() }).optional(),
  cutoverRevert: z.looseObject({ at: z.string().optional() }).optional(),
});

export const ReportInput = z.strictObject({
  migrationId: MigrationIdField,
  /** auto: from the error in the state (ApprovalRejectedError: rejected, VerificationError: verify-failed, else failed). */
  outcome: z.union([Outcome, z.literal('auto')]),
  startedAt: z.iso.datetime({ offset: true }),
  state: MigrationState,
});

export interface ReportDeps {
  bucket: string;
  events: EventPublisher;
  checkpoints: (migrationId: string) => CheckpointStore;
  activeMqLedger: (migrationId: string) => DrainLedgerStore;
}

const span = (rounds: readonly z.infer<typeof DrainRound>[] | undefined) => {
  if (!rounds || rounds.length === 0) return undefined;
  const start = Math.min(...rounds.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...rounds.map((r) => Date.parse(r.finishedAt)));
  return (end - start) / 1000;
};

const DEFAULT_BATCH_SIZE = DrainSettings.parse({}).batchSize;

/** What the report says about the drains' limits: only when the input set a throttle. */
function limitsOf(drain: unknown): Pick<MigrationReport, 'limits'> {
  const parsed = DrainSettings.safeParse(drain ?? {});
  if (!parsed.success) return {};
  const settings = parsed.data;
  if (Object.keys(settings.throttle).length === 0) return {};
  return { limits: { parallelBatches: settings.parallelBatches, queuesPerBatchAtOnce: settings.concurrency, ...settings.throttle, perBatch: throttleShare(settings) } };
}
const seconds = (timing: z.infer<typeof Timing> | undefined) => (timing?.finishedAt ? (Date.parse(timing.finishedAt) - Date.parse(timing.startedAt)) / 1000 : undefined);

function outcomeOf(requested: Outcome | 'auto', errorName: string | undefined): Outcome {
  if (requested !== 'auto') return requested;
  if (errorName === 'ApprovalRejectedError') return 'rejected';
  if (errorName === 'VerificationError') return 'verify-failed';
  if (errorName === 'PlanBlockedError') return 'blocked';
  return 'failed';
}

/** Builds the report (JSON and Markdown) from the state and the stored documents, stores both, announces it. */
export const makeHandler = (deps: ReportDeps) =>
  lambdaHandler(ReportInput, async ({ migrationId, outcome: requested, startedAt, state }) => {
    logger.appendKeys({ migrationId });
    const outcome = outcomeOf(requested, state.error?.Error);
    const finishedAt = new Date().toISOString();
    const plan = state.plan ? await getDocument(state.plan.document, MigrationPlan) : undefined;
    const list = state.drainQueues ? await getDocument(state.drainQueues.queues, DrainList) : undefined;
    const verifyDoc = await findDocument({ bucket: deps.bucket, key: migrationKey(migrationId, 'verify.json') }, VerifyDocument);
    const verdicts = new Map((verifyDoc?.results ?? []).map((r) => [`${r.vhost}\u0000${r.queue}`, r]));
    let queues: QueueReport[];
    if (list && 'engine' in list) {
      const entries = verifyDoc?.activemqEntries ?? (await loadEntries(deps.activeMqLedger(migrationId), list.items));
      queues = list.items.map((item, i) => entryToQueueReport(item, entries[i], verdicts.get(`\u0000${destinationOf(item)}`)));
    } else {
      const ledgers = verifyDoc?.ledgers ?? (list ? await readLedgers(deps.checkpoints(migrationId), migrationId, list) : []);
      queues = ledgers.map((l) => ledgerToQueueReport(l, verdicts.get(`${l.vhost}\u0000${l.queue}`)));
    }
    const rolledBack = state.rollbackResult !== undefined;
    // As the state machine's CanRollBack: only when messages may sit on the target because of these.
    const rollbackOffered = !rolledBack && list !== undefined && state.rollback?.onFailure !== 'none' && ROLLBACK_ERRORS.includes(state.error?.Error ?? '');

    const timings: MigrationReport['timings'] = [];
    const pre = seconds(state.preDrainTiming) ?? span(state.preDrain);
    if (pre !== undefined) timings.push({ step: 'pre-drain', seconds: pre });
    if (state.approval?.requestedAt && state.approval.at) timings.push({ step: 'approval wait', seconds: (Date.parse(state.approval.at) - Date.parse(state.approval.requestedAt)) / 1000 });
    const final = seconds(state.finalDrainTiming) ?? span(state.finalDrain);
    if (final !== undefined) timings.push({ step: 'final drain', seconds: final });
    const durationSeconds = (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000;
    timings.push({ step: 'total', seconds: durationSeconds });

    const report: MigrationReport = {
      schemaVersion: 1,
      migrationId,
      outcome,
      startedAt,
      finishedAt,
      durationSeconds,
      ...(state.error ? { error: { name: state.error.Error, cause: String(state.error.Cause ?? '').slice(0, 2000) } } : {}),
      ...(plan
        ? { plan: { target: plan.target, blockers: [...new Set(unacceptedBlockers(plan).map((f) => f.code))], findings: plan.findings.map((f) => ({ code: f.code, severity: f.severity, ...(f.object ? { object: f.object.label } : {}), message: f.message })) } }
        : {}),
      created: {
        ...(state.broker ? { broker: { brokerId: state.broker.brokerId, ...(state.target?.amqpUrl ? { amqpUrl: state.target.amqpUrl } : {}), ...(state.target?.managementUrl ? { managementUrl: state.target.managementUrl } : {}) } } : {}),
        ...(state.replication ? { replication: { summary: state.replication.summary, ...state.replication.counts } } : {}),
      },
      queues,
      batches: batchReports(queues, state.drain?.batchSize ?? DEFAULT_BATCH_SIZE),
      ...limitsOf(state.drain),
      totals: {
        queues: queues.length,
        moved: queues.reduce((s, q) => s + q.moved, 0),
        duplicates: queues.reduce((s, q) => s + q.duplicates, 0),
        expired: queues.reduce((s, q) => s + q.expired, 0),
        verified: queues.filter((q) => q.verified === true).length,
      },
      timings,
      ...(state.cutoverResult
        ? {
            cutover: {
              strategy: state.cutoverResult.strategy,
              previous: state.cutoverResult.previous ?? null,
              current: state.cutoverResult.current ?? null,
              ...(state.approval?.by ? { approvedBy: state.approval.by } : {}),
              ...(state.approval?.at ? { approvedAt: state.approval.at } : {}),
              ...(state.clients ? { clientsConnectedAtFinalDrain: state.clients.connected, goAnyway: state.clients.goAnyway ?? false } : {}),
              ...(state.cutoverResult.instructions ? { instructions: state.cutoverResult.instructions } : {}),
            },
          }
        : {}),
      ...(verifyDoc ? { verify: { ok: verifyDoc.ok, failed: verifyDoc.results.filter((r) => !r.ok).length } } : {}),
      ...(rolledBack || rollbackOffered
        ? {
            rollback: {
              offered: rollbackOffered,
              performed: rolledBack,
              ...(rolledBack ? { moved: state.rollbackResult?.moved ?? 0, revertedCutover: state.cutoverRevert !== undefined } : {}),
              how: `approve the rollback with \`mq-migrate approve ${migrationId}\` (moves what reached the target back to the source${state.cutoverResult ? ' and reverts the cutover' : ''}), or \`mq-migrate reject ${migrationId}\` to leave everything as it is`,
            },
          }
        : {}),
      nextSteps:
        outcome === 'succeeded'
          ? ['keep the source running, without clients, until the application owners confirm; then decommission it', 'delete the source credentials from Secrets Manager when the source is gone']
          : outcome === 'blocked'
            ? ['fix the blockers, or accept them by code in options.acceptFindings, and start a new migration with a new id']
            : outcome === 'dry-run'
              ? ['start the migration without dryRun to apply the plan and move the messages']
              : ['read the error above; fix its cause and start a new migration with a new id'],
    };

    const json = await putDocument(deps.bucket, migrationKey(migrationId, 'report.json'), report);
    const markdown = renderReportMarkdown(report);
    const md = await putText(deps.bucket, migrationKey(migrationId, 'report.md'), markdown);
    await deps.events.publish('Migration Report', { migrationId, outcome, totals: report.totals, verify: report.verify ?? null, report: { bucket: json.bucket, key: json.key } });
    metrics.addMetric(outcome === 'succeeded' ? 'MigrationsSucceeded' : 'MigrationsFailed', MetricUnit.Count, 1);
    metrics.addMetric('MigrationDuration', MetricUnit.Seconds, durationSeconds);
    logger.info('report stored', { outcome, key: json.key, totals: report.totals });
    return { migrationId, outcome, report: { json: { bucket: json.bucket, key: json.key }, markdown: { bucket: md.bucket, key: md.key } }, totals: report.totals };
  });

export const defaultReportDeps = (): ReportDeps => ({
  bucket: config().documentsBucket,
  events: eventBridgePublisher(workflowConfig().eventBusName),
  checkpoints: (migrationId) => new S3CheckpointStore(config().documentsBucket, migrationId),
  activeMqLedger: (migrationId) => new S3DrainLedgerStore(config().documentsBucket, migrationId),
});

export const handler = makeHandler(defaultReportDeps());
