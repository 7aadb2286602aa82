/**
 * The migration report, built from the state machine's state and the documents it references:
 * plan findings, what was created, the per-queue ledger, timings, cutover decisions and the
 * verify result. Stored as JSON and Markdown next to the other documents; never holds secrets.
 */
import { z } from 'zod';
import { QueueLedger } from '../model/ledger.js';
import type { RabbitPlan } from '../model/plan.js';
import type { ActiveMqPlan } from '../plan/activemq-planner.js';

export const Outcome = z.enum(['succeeded', 'dry-run', 'blocked', 'rejected', 'verify-failed', 'failed']);
export type Outcome = z.infer<typeof Outcome>;

export const QueueReport = z.strictObject({
  vhost: z.string(),
  queue: z.string(),
  status: z.string(),
  moved: z.number(),
  duplicates: z.number(),
  expired: z.number(),
  sourceDepth: z.number().nullable(),
  targetDepth: z.number().nullable(),
  verified: z.boolean().nullable(),
  reason: z.string().optional(),
});
export type QueueReport = z.infer<typeof QueueReport>;

export interface MigrationReport {
  schemaVersion: 1;
  migrationId: string;
  outcome: Outcome;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  error?: { name: string; cause: string };
  plan?: { target: RabbitPlan['target'] | ActiveMqPlan['target']; blockers: string[]; findings: { code: string; severity: string; object?: string; message: string }[] };
  created: { broker?: { brokerId: string; managementUrl?: string; amqpUrl?: string }; replication?: Record<string, unknown> };
  queues: QueueReport[];
  /** Per drain batch (the Map's items, `drain.batchSize` queues each, in the drain list's order). */
  batches: BatchReport[];
  /** The limits the drains kept to (drain.throttle and parallelBatches), when any were set. */
  limits?: { parallelBatches: number; queuesPerBatchAtOnce: number; messagesPerSecond?: number; maxSourceConnections?: number; maxTargetConnections?: number; perBatch: Record<string, number> };
  totals: { queues: number; moved: number; duplicates: number; expired: number; verified: number };
  timings: { step: string; seconds: number }[];
  cutover?: { strategy: string; previous?: string | null; current?: string | null; approvedBy?: string; approvedAt?: string; clientsConnectedAtFinalDrain?: number; goAnyway?: boolean; instructions?: string };
  verify?: { ok: boolean; failed: number };
  rollback?: { offered: boolean; performed: boolean; moved?: number; revertedCutover?: boolean; how: string };
  nextSteps: string[];
}

export interface BatchReport {
  index: number;
  queues: number;
  drained: number;
  moved: number;
  duplicates: number;
  verified: number;
  failed: number;
}

/** The queue rows grouped as the drain batched them (rows follow the drain list's order). */
export function batchReports(queues: readonly QueueReport[], batchSize: number): BatchReport[] {
  const batches: BatchReport[] = [];
  for (let start = 0; start < queues.length; start += batchSize) {
    const rows = queues.slice(start, start + batchSize);
    batches.push({
      index: batches.length,
      queues: rows.length,
      drained: rows.filter((q) => q.status === 'drained' || q.status === 'done' || q.status === 'vanished').length,
      moved: rows.reduce((s, q) => s + q.moved, 0),
      duplicates: rows.reduce((s, q) => s + q.duplicates, 0),
      verified: rows.filter((q) => q.verified === true).length,
      failed: rows.filter((q) => q.verified === false).length,
    });
  }
  return batches;
}

export function ledgerToQueueReport(ledger: QueueLedger, verification?: { ok: boolean; sourceDepth: number | null; targetDepth: number | null; reason?: string }): QueueReport {
  return {
    vhost: ledger.vhost,
    queue: ledger.queue,
    status: ledger.status,
    moved: ledger.moved,
    duplicates: ledger.duplicates,
    expired: ledger.expired,
    sourceDepth: verification ? verification.sourceDepth : (ledger.sourceDepthAtEnd ?? null),
    targetDepth: verification ? verification.targetDepth : (ledger.targetDepth ?? null),
    verified: verification ? verification.ok : null,
    ...(verification?.reason ? { reason: verification.reason } : ledger.reason ? { reason: ledger.reason } : {}),
  };
}

const cell = (value: unknown) => String(value ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReportMarkdown(report: MigrationReport): string {
  const lines: string[] = [];
  const icon = report.outcome === 'succeeded' ? 'SUCCEEDED' : report.outcome.toUpperCase();
  lines.push(`# Migration ${report.migrationId}: ${icon}`, '');
  lines.push(`Started ${report.startedAt}, finished ${report.finishedAt} (${report.durationSeconds.toFixed(1)} s).`, '');
  if (report.error) lines.push(`**${report.error.name}**: ${report.error.cause}`, '');
  if (report.plan) {
    const t = report.plan.target;
    lines.push('## Plan', '', `Target: Amazon MQ for ${t.engineType === 'ACTIVEMQ' ? 'ActiveMQ' : 'RabbitMQ'} ${t.engineVersion}, ${t.deploymentMode}, ${t.instanceType}.`, '');
    if (report.plan.blockers.length > 0) lines.push(`Unaccepted blockers: ${report.plan.blockers.join(', ')}.`, '');
    if (report.plan.findings.length > 0) {
      lines.push('| severity | code | object | finding |', '| --- | --- | --- | --- |');
      for (const f of report.plan.findings) lines.push(`| ${f.severity} | ${f.code} | ${cell(f.object)} | ${cell(f.message)} |`);
      lines.push('');
    }
  }
  lines.push('## Created', '');
  if (report.created.broker) lines.push(`- broker ${report.created.broker.brokerId}${report.created.broker.amqpUrl ? ` (${report.created.broker.amqpUrl})` : ''}`);
  if (report.created.replication) lines.push(`- replication: ${cell(report.created.replication.summary)}`);
  if (!report.created.broker && !report.created.replication) lines.push('- nothing');
  lines.push('');
  if (report.queues.length > 0) {
    const t = report.totals;
    lines.push('## Queues', '', `${t.queues} queue(s), ${t.moved} message(s) moved, ${t.duplicates} marked duplicate(s), ${t.expired} expired, ${t.verified} verified.`, '');
    // ActiveMQ rows have no vhost: their queue column is the destination (queue://, durable://).
    const withVhost = report.queues.some((q) => q.vhost !== '');
    lines.push(
      `| ${withVhost ? 'vhost | queue' : 'destination'} | status | moved | duplicates | expired | source | target | verified |`,
      `| ${withVhost ? '--- | ---' : '---'} | --- | ---: | ---: | ---: | ---: | ---: | --- |`,
    );
    for (const q of report.queues) {
      const verified = q.verified === null ? '-' : q.verified ? 'yes' : `NO: ${cell(q.reason)}`;
      lines.push(`| ${withVhost ? `${cell(q.vhost)} | ` : ''}${cell(q.queue)} | ${q.status} | ${q.moved} | ${q.duplicates} | ${q.expired} | ${q.sourceDepth ?? '-'} | ${q.targetDepth ?? '-'} | ${verified} |`);
    }
    lines.push('');
  }
  if (report.limits) {
    const l = report.limits;
    const total = [l.messagesPerSecond !== undefined ? `${l.messagesPerSecond} msg/s` : '', l.maxSourceConnections !== undefined ? `${l.maxSourceConnections} source connections` : '', l.maxTargetConnections !== undefined ? `${l.maxTargetConnections} target connections` : ''].filter(Boolean).join(', ');
    const each = Object.entries(l.perBatch).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push('## Limits', '', `The drains kept to ${total || 'no rate or connection limit'}: ${l.parallelBatches} batch(es) at once, ${l.queuesPerBatchAtOnce} queue(s) at once in each${each ? ` (each batch: ${each})` : ''}.`, '');
  }
  if (report.batches.length > 1) {
    lines.push('## Batches', '', '| batch | queues | drained | moved | duplicates | verified | failed |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const b of report.batches) lines.push(`| ${b.index} | ${b.queues} | ${b.drained} | ${b.moved} | ${b.duplicates} | ${b.verified} | ${b.failed} |`);
    lines.push('');
  }
  if (report.cutover) {
    const c = report.cutover;
    lines.push('## Cutover', '', `- strategy: ${c.strategy}`);
    if (c.approvedBy) lines.push(`- approved by ${c.approvedBy} at ${c.approvedAt ?? '?'}`);
    if (c.previous !== undefined || c.current !== undefined) lines.push(`- switched from ${c.previous ?? '(unset)'} to ${c.current ?? '(unset)'}`);
    if (c.instructions) lines.push(`- ${c.instructions}`);
    if (c.clientsConnectedAtFinalDrain !== undefined) lines.push(`- clients still on the source at the final drain: ${c.clientsConnectedAtFinalDrain}${c.goAnyway ? ' (go-anyway given)' : ''}`);
    lines.push('');
  }
  if (report.verify) lines.push('## Verify', '', report.verify.ok ? 'Every queue verified: the source is empty and the target holds every moved message.' : `${report.verify.failed} queue(s) failed verification (see the table).`, '');
  if (report.timings.length > 0) {
    lines.push('## Timings', '', '| step | seconds |', '| --- | ---: |');
    for (const t of report.timings) lines.push(`| ${t.step} | ${t.seconds.toFixed(1)} |`);
    lines.push('');
  }
  if (report.rollback) {
    const r = report.rollback;
    lines.push('## Rollback', '', r.performed ? `Reverse drain done: ${r.moved ?? 0} message(s) moved back to the source${r.revertedCutover ? '; cutover reverted' : ''}.` : r.offered ? `Offered: ${r.how}` : r.how, '');
  }
  if (report.nextSteps.length > 0) lines.push('## Next steps', '', ...report.nextSteps.map((s) => `- ${s}`), '');
  return lines.join('\n');
}
