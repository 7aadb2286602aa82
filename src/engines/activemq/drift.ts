import { ValidationError } from '../../model/errors.js';
import type { DriftDifference, DriftResult } from '../../orchestration/drift.js';
import type { ActiveMqPlan } from '../../plan/activemq-planner.js';
import { NS, parseXml, type XmlElement } from './xml-tree.js';

/**
 * Drift of an ActiveMQ target (Amazon MQ) against what the plan wants there, in the shape the
 * RabbitMQ drift uses ({@link DriftResult}), object by object:
 *
 *  - `configuration`: each `<broker>` attribute (`@name`) and each top-level child element
 *    (`<destinationPolicy>`, `<plugins>`...), compared as trees: attribute order, whitespace
 *    and comments do not count. `<destinations>` is compared by its entries instead:
 *  - `destination`: the pre-created queues and topics the configuration lists (`queue "a"`);
 *  - `user`: users and their groups (as sets: Amazon MQ keeps no order). Passwords cannot be
 *    compared (Amazon MQ never reveals them). The target's administrator is the target's own,
 *    never drift, and neither is a plan user of that name (replication leaves it alone).
 */

export interface ActiveMqTargetState {
  configurationXml: string;
  users: readonly { username: string; groups: readonly string[] }[];
}

type Desired = Pick<ActiveMqPlan, 'configuration' | 'users'>;

interface Compared {
  type: string;
  object: string;
  value: string;
}

/** A canonical text of an element: sorted attributes, trimmed text, children in order. */
function canonical(element: XmlElement): string {
  const attrs = Object.keys(element.attrs)
    .sort()
    .map((k) => `${k}=${JSON.stringify(element.attrs[k])}`)
    .join(' ');
  return `<${element.ns === NS.core ? '' : `{${element.ns}}`}${element.name} ${attrs}>${JSON.stringify(element.text)}${element.children.map(canonical).join('')}</${element.name}>`;
}

function brokerOf(xml: string, field: string): XmlElement {
  const broker = parseXml(xml.replace(/^\uFEFF?\s*<\?xml[^>]*\?>\s*/, ''), field);
  if (broker.name !== 'broker' || broker.ns !== NS.core) throw new ValidationError(field, '<broker> root', `${field}: an Amazon MQ configuration is one <broker> element`);
  return broker;
}

function objectsOf(xml: string, field: string): Compared[] {
  // No configuration at all (a target never replicated): everything the plan has is missing.
  if (xml.trim() === '') return [];
  const broker = brokerOf(xml, field);
  const out: Compared[] = Object.entries(broker.attrs).map(([name, value]) => ({ type: 'configuration', object: `configuration <broker @${name}>`, value }));
  const seen = new Map<string, number>();
  for (const child of broker.children) {
    if (child.name === 'destinations' && child.ns === NS.core) {
      for (const destination of child.children) {
        const name = destination.attrs.physicalName ?? '';
        out.push({ type: 'destination', object: `${destination.name} "${name}"`, value: canonical(destination) });
      }
      continue;
    }
    // Siblings sharing a name (rare at this level) are told apart by position, as in paths.
    const n = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, n);
    out.push({ type: 'configuration', object: `configuration <${child.name}>${n > 1 ? `[${n}]` : ''}`, value: canonical(child) });
  }
  return out;
}

function usersOf(users: readonly { username: string; groups: readonly string[] }[], adminUser: string): Compared[] {
  return users.filter((u) => u.username !== adminUser).map((u) => ({ type: 'user', object: `user "${u.username}"`, value: [...new Set(u.groups)].sort().join(',') }));
}

export function activeMqDriftBetween(desired: Desired, target: ActiveMqTargetState, options: { adminUser: string }): DriftResult {
  const want = [...objectsOf(desired.configuration.xml, 'plan.configuration.xml'), ...usersOf(desired.users, options.adminUser)];
  const have = new Map([...objectsOf(target.configurationXml, 'target.configurationXml'), ...usersOf(target.users, options.adminUser)].map((o) => [`${o.type}\u0000${o.object}`, o]));
  const differences: DriftDifference[] = [];
  let unchanged = 0;
  for (const o of want) {
    const key = `${o.type}\u0000${o.object}`;
    const there = have.get(key);
    have.delete(key);
    if (!there) differences.push({ kind: 'missing-on-target', type: o.type, object: o.object });
    else if (there.value !== o.value) differences.push({ kind: 'different', type: o.type, object: o.object });
    else unchanged++;
  }
  for (const o of have.values()) differences.push({ kind: 'only-on-target', type: o.type, object: o.object });
  const byType: Record<string, number> = {};
  for (const d of differences) byType[d.type] = (byType[d.type] ?? 0) + 1;
  return { differences, byType, unchanged };
}
