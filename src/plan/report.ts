import type { RabbitInventory } from '../model/inventory.js';
import { summarize } from '../model/inventory.js';
import { unacceptedBlockers, type Finding, type RabbitPlan } from '../model/plan.js';

const SEVERITY_ORDER: Record<Finding['severity'], number> = { blocker: 0, warning: 1, info: 2 };

/** Markdown cells: pipes and line breaks would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The human report of a plan. It names objects and rules only: no password hashes, parameter
 * values or URIs (which can hold credentials) ever appear.
 */
export function renderPlanMarkdown(plan: RabbitPlan, inventory?: RabbitInventory): string {
  const blockers = unacceptedBlockers(plan);
  const lines: string[] = [];
  lines.push(`# Migration plan: RabbitMQ ${plan.source.engineVersion ?? '(unknown version)'} to Amazon MQ`);
  lines.push('');
  lines.push(`Source: ${plan.source.endpoint}  `);
  lines.push(`Created: ${plan.createdAt}`);
  lines.push('');
  lines.push(blockers.length > 0 ? `**Blocked**: ${blockers.length} blocker(s) must be resolved or accepted before anything is created.` : '**Ready**: no unaccepted blockers.');
  lines.push('');
  lines.push('## Target');
  lines.push('');
  lines.push('| engine | version | deployment | instance type | storage |');
  lines.push('| --- | --- | --- | --- | --- |');
  lines.push(`| ${plan.target.engineType} | ${plan.target.engineVersion} | ${plan.target.deploymentMode} | ${plan.target.instanceType} | ${plan.target.storageType} |`);
  lines.push('');
  const n = plan.sizing.needs;
  lines.push(`Sized for ${n.connections} connection(s), ${n.channels} channel(s), ${n.queues} queue(s), ${n.shovels} shovel(s)${plan.sizing.exceeded.length ? `; exceeded: ${plan.sizing.exceeded.join(', ')}` : ''}.`);
  if (inventory) {
    const s = summarize(inventory);
    lines.push('');
    lines.push('## Source inventory');
    lines.push('');
    lines.push('| vhosts | users | exchanges | queues | bindings | policies | messages | connections |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    lines.push(`| ${s.vhosts} | ${s.users} | ${s.exchanges} | ${s.queues} | ${s.bindings} | ${s.policies} | ${s.messages ?? 'unknown'} | ${s.connections} |`);
  }
  lines.push('');
  lines.push('## Findings');
  lines.push('');
  const counts = (['blocker', 'warning', 'info'] as const).map((sev) => `${plan.findings.filter((f) => f.severity === sev).length} ${sev}(s)`);
  lines.push(counts.join(', '));
  lines.push('');
  if (plan.findings.length > 0) {
    lines.push('| severity | code | object | finding | fix |');
    lines.push('| --- | --- | --- | --- | --- |');
    const sorted = [...plan.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code));
    for (const f of sorted) {
      const accepted = f.severity === 'blocker' && plan.options.acceptFindings.includes(f.code) ? ' (accepted)' : '';
      lines.push(`| ${f.severity}${accepted} | ${f.code} | ${cell(f.object?.label ?? '-')} | ${cell(f.message)} | ${cell(f.fix)} |`);
    }
  }
  lines.push('');
  lines.push('## What replication will change');
  lines.push('');
  if (plan.actions.length === 0) lines.push('Everything is replicated as it is on the source.');
  for (const a of plan.actions) {
    const what =
      a.kind === 'exclude' ? 'left out'
      : a.kind === 'convert-to-quorum' ? `converted to a quorum queue${a.removeArguments.length ? ` (dropping ${a.removeArguments.join(', ')})` : ''}`
      : a.kind === 'strip-policy-keys' ? `keys ${a.keys.join(', ')} removed`
      : a.kind === 'rename-policy' ? `renamed to "${a.to}"`
      : `Amazon MQ default keys ${Object.keys(a.definition).join(', ')} merged in`;
    lines.push(`- ${a.object.label}: ${what} (${a.code})`);
  }
  lines.push('');
  lines.push('## Options');
  lines.push('');
  lines.push('```json');
  lines.push(JSON.stringify(plan.options, null, 2));
  lines.push('```');
  return lines.join('\n') + '\n';
}
