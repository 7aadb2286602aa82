/**
 * The fleet's report (fleets/{fleetId}/report.json and .md): one row per member from its own
 * report (migrations/{id}/report.json), or from how its execution ended when it has none (it
 * failed before its report step could run, or the execution could not start), the target
 * brokers with the members each took, the shared ActiveMQ configurations, and the fleet totals.
 */
import { z } from 'zod';
import { Outcome } from './report.js';

/** What the fleet reads of a member's report: the parts it summarizes (the rest stays there). */
export const MemberReportDocument = z.looseObject({
  migrationId: z.string(),
  outcome: Outcome,
  durationSeconds: z.number(),
  error: z.looseObject({ name: z.string(), cause: z.string() }).optional(),
  created: z.looseObject({ broker: z.looseObject({ brokerId: z.string() }).optional() }),
  totals: z.looseObject({ queues: z.number(), moved: z.number(), duplicates: z.number(), expired: z.number(), verified: z.number() }),
  verify: z.looseObject({ ok: z.boolean(), failed: z.number() }).optional(),
});
export type MemberReportDocument = z.infer<typeof MemberReportDocument>;

export const FleetOutcome = z.enum(['succeeded', 'partially-succeeded', 'failed', 'dry-run']);
export type FleetOutcome = z.infer<typeof FleetOutcome>;

export interface FleetMemberRow {
  migrationId: string;
  engine: 'RABBITMQ' | 'ACTIVEMQ';
  brokerName: string;
  /** The member's report's outcome; `failed` when its execution ended without one. */
  outcome: Outcome;
  status: 'SUCCEEDED' | 'FAILED';
  brokerId?: string;
  configuration?: { name: string; id?: string; revision?: number };
  totals: { queues: number; moved: number; duplicates: number; verified: number };
  durationSeconds?: number;
  error?: { name: string; cause: string };
  report?: { bucket: string; key: string };
}

export interface FleetReport {
  schemaVersion: 1;
  fleetId: string;
  outcome: FleetOutcome;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  members: FleetMemberRow[];
  brokers: { brokerName: string; engine: string; brokerId?: string; members: string[] }[];
  /** ActiveMQ configurations by name: the one Amazon MQ configuration its brokers run. */
  configurations: { name: string; ids: string[]; members: string[]; shared: boolean }[];
  totals: { members: number; succeeded: number; failed: number; queues: number; moved: number; duplicates: number; verified: number };
}

export function fleetOutcome(rows: readonly Pick<FleetMemberRow, 'outcome'>[]): FleetOutcome {
  if (rows.length > 0 && rows.every((r) => r.outcome === 'dry-run')) return 'dry-run';
  const ok = rows.filter((r) => r.outcome === 'succeeded' || r.outcome === 'dry-run').length;
  if (ok === rows.length) return 'succeeded';
  return ok === 0 ? 'failed' : 'partially-succeeded';
}

export function buildFleetReport(fleetId: string, startedAt: string, finishedAt: string, members: FleetMemberRow[]): FleetReport {
  const brokers = new Map<string, FleetReport['brokers'][number]>();
  const configurations = new Map<string, FleetReport['configurations'][number]>();
  for (const m of members) {
    const broker = brokers.get(m.brokerName) ?? { brokerName: m.brokerName, engine: m.engine, members: [] };
    broker.members.push(m.migrationId);
    if (m.brokerId !== undefined) broker.brokerId ??= m.brokerId;
    brokers.set(m.brokerName, broker);
    if (m.configuration) {
      const c = configurations.get(m.configuration.name) ?? { name: m.configuration.name, ids: [], members: [], shared: false };
      c.members.push(m.migrationId);
      if (m.configuration.id !== undefined && !c.ids.includes(m.configuration.id)) c.ids.push(m.configuration.id);
      configurations.set(m.configuration.name, c);
    }
  }
  // Shared means what Amazon MQ runs: several brokers on one configuration id.
  for (const c of configurations.values()) c.shared = c.members.length > 1 && c.ids.length === 1;
  const sum = (pick: (m: FleetMemberRow) => number) => members.reduce((s, m) => s + pick(m), 0);
  const succeeded = members.filter((m) => m.outcome === 'succeeded' || m.outcome === 'dry-run').length;
  return {
    schemaVersion: 1,
    fleetId,
    outcome: fleetOutcome(members),
    startedAt,
    finishedAt,
    durationSeconds: (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000,
    members,
    brokers: [...brokers.values()],
    configurations: [...configurations.values()],
    totals: { members: members.length, succeeded, failed: members.length - succeeded, queues: sum((m) => m.totals.queues), moved: sum((m) => m.totals.moved), duplicates: sum((m) => m.totals.duplicates), verified: sum((m) => m.totals.verified) },
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderFleetReportMarkdown(report: FleetReport): string {
  const lines = [
    `# Fleet ${report.fleetId}: ${report.outcome}`,
    '',
    `${report.totals.succeeded} of ${report.totals.members} member(s) migrated; ${report.totals.moved} message(s) moved, ${report.totals.verified} of ${report.totals.queues} queue(s) verified, ${report.totals.duplicates} duplicate(s). ${report.durationSeconds.toFixed(0)} s (${report.startedAt} to ${report.finishedAt}).`,
    '',
    '## Members',
    '',
    '| migration | engine | target broker | outcome | queues | moved | verified | report |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.members.map((m) => `| ${m.migrationId} | ${m.engine} | ${m.brokerName}${m.brokerId ? ` (${m.brokerId})` : ''} | ${m.outcome}${m.error ? `: ${cell(m.error.name)}` : ''} | ${m.totals.queues} | ${m.totals.moved} | ${m.totals.verified} | ${m.report ? `s3://${m.report.bucket}/${m.report.key}` : '-'} |`),
    '',
    '## Target brokers',
    '',
    ...report.brokers.map((b) => `- ${b.brokerName} (${b.engine}${b.brokerId ? `, ${b.brokerId}` : ''}): ${b.members.join(', ')}${b.members.length > 1 ? ' (several sources, one broker)' : ''}`),
  ];
  if (report.configurations.length > 0) {
    lines.push('', '## ActiveMQ configurations', '');
    for (const c of report.configurations) lines.push(`- ${c.name}: ${c.ids.join(', ') || 'not created'}, used by ${c.members.join(', ')}${c.shared ? ' (shared: one configuration, its revisions apply to every broker at its reboot)' : ''}`);
  }
  const failed = report.members.filter((m) => m.error);
  if (failed.length > 0) {
    lines.push('', '## Failures', '');
    for (const m of failed) lines.push(`- ${m.migrationId}: ${m.error?.name}: ${cell((m.error?.cause ?? '').slice(0, 500))}`);
    lines.push('', 'Each failed member has its own report and can be started again alone (`mq-migrate start`) with a new migration id.');
  }
  return `${lines.join('\n')}\n`;
}
