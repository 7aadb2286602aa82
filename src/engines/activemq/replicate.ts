import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateAmazonMqPassword } from '../../amazonmq/user-rules.js';
import type { ActiveMqInventory } from '../../model/activemq-inventory.js';
import { PlanBlockedError, ValidationError } from '../../model/errors.js';
import { unacceptedBlockers } from '../../model/plan.js';
import type { ActiveMqPlan } from '../../plan/activemq-planner.js';
import { NS, parseXml, serializeXml, type XmlElement } from './xml-tree.js';
import { wrapBrokerXmlForHarness } from '../../local/brokers/activemq-node.js';

/**
 * Replicates an ActiveMQ plan onto a target: the converted configuration, the users with their
 * groups, and generated passwords stored through a {@link SecretStore} (the report names secrets,
 * never passwords). On Amazon MQ that is CreateConfiguration/UpdateConfiguration, CreateUser and a
 * reboot (another adapter); here the target is a local ActiveMQ started by the harness, restarted
 * with the converted configuration wrapped for the harness. Idempotent: an unchanged target is
 * left alone, existing secrets are reused; `dryRun` lists the changes and applies none.
 */

/** The port for Secrets Manager (an AWS adapter implements it; tests pass an in-memory one). */
export interface SecretStore {
  createSecret(name: string, value: string): Promise<string>;
  /** When the store can read back: an existing secret's ARN and value, so a re-run reuses it. */
  findSecret?(name: string): Promise<{ arn: string; value: string } | undefined>;
}

export interface ReplicatedUser {
  username: string;
  password: string;
  groups: string[];
}

/** What a target needs: its current configuration and users, and a way to apply new ones. */
export interface ActiveMqTargetPort {
  /**
   * The `<broker>` configuration and user list the target runs now, or will after changes it
   * already accepted (undefined: never replicated). `passwordDigest` only where the target can
   * tell (Amazon MQ never reveals a password). `pendingReboot`: accepted changes wait for a
   * reboot (an earlier apply stopped before it), so applying is not over.
   */
  current(): Promise<{ configurationXml: string; users: { username: string; groups: string[]; passwordDigest?: string }[]; pendingReboot?: boolean } | undefined>;
  /** Applies configuration and users (Amazon MQ: new revision + users + reboot; local: restart). */
  apply(configurationXml: string, users: ReplicatedUser[]): Promise<void>;
}

export interface ReplicationChange {
  kind: 'configuration' | 'create-user' | 'update-user' | 'delete-user' | 'create-secret' | 'finish-pending';
  object: string;
  detail: string;
}

export interface ActiveMqReplicationReport {
  dryRun: boolean;
  applied: boolean;
  changes: ReplicationChange[];
  /** Users whose password was generated, and the secret that holds it. */
  secrets: { username: string; secretName: string; arn?: string }[];
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.~!';

/** 28 random characters from a set without `,`, `:` or `=`; meets Amazon MQ's password rules. */
export function generateBrokerPassword(): string {
  for (;;) {
    let out = '';
    for (let i = 0; i < 28; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    if (validateAmazonMqPassword(out, { engine: 'ACTIVEMQ' }).ok) return out;
  }
}

/** Not a secret store: a stable fingerprint to tell whether a user's password changed. */
function digest(value: string): string {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
}

export async function replicateActiveMq(input: {
  plan: ActiveMqPlan;
  inventory: ActiveMqInventory;
  secrets: SecretStore;
  target: ActiveMqTargetPort;
  dryRun?: boolean;
}): Promise<ActiveMqReplicationReport> {
  const { plan, inventory, secrets, target } = input;
  const dryRun = input.dryRun ?? false;
  const blockers = unacceptedBlockers(plan);
  if (blockers.length > 0) throw new PlanBlockedError(blockers.map((b) => b.code));

  const changes: ReplicationChange[] = [];
  const reportSecrets: ActiveMqReplicationReport['secrets'] = [];
  const users: ReplicatedUser[] = [];
  for (const planned of plan.users) {
    if (planned.password.source === 'kept') {
      const source = inventory.activemq.users.find((u) => u.username === planned.username);
      if (!source?.password) throw new ValidationError(`users.${planned.username}`, 'source password known', `user "${planned.username}" is planned with its source password, but the inventory has none`);
      users.push({ username: planned.username, password: source.password, groups: planned.groups });
      continue;
    }
    const secretName = planned.password.secretName;
    const existing = secrets.findSecret ? await secrets.findSecret(secretName) : undefined;
    if (existing) {
      users.push({ username: planned.username, password: existing.value, groups: planned.groups });
      reportSecrets.push({ username: planned.username, secretName, arn: existing.arn });
      continue;
    }
    changes.push({ kind: 'create-secret', object: secretName, detail: `generated password for "${planned.username}" (${planned.password.reason})` });
    if (dryRun) {
      users.push({ username: planned.username, password: '(generated)', groups: planned.groups });
      reportSecrets.push({ username: planned.username, secretName });
      continue;
    }
    const password = generateBrokerPassword();
    const arn = await secrets.createSecret(secretName, password);
    users.push({ username: planned.username, password, groups: planned.groups });
    reportSecrets.push({ username: planned.username, secretName, arn });
  }

  const current = await target.current();
  if (current?.configurationXml.trim() !== plan.configuration.xml.trim()) {
    changes.push({ kind: 'configuration', object: 'configuration', detail: current ? 'new configuration revision (differs from the running one)' : 'first configuration revision' });
  }
  if (current?.pendingReboot) changes.push({ kind: 'finish-pending', object: 'broker', detail: 'changes the target accepted earlier wait for a reboot' });
  const currentUsers = new Map((current?.users ?? []).map((u) => [u.username, u]));
  // Groups as sets (Amazon MQ keeps no order); a password only where the target knows its digest
  // (Amazon MQ does not: there, an apply always sets every password, so it converges then).
  const sameGroups = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(',') === [...new Set(b)].sort().join(',');
  for (const user of users) {
    const existing = currentUsers.get(user.username);
    if (!existing) changes.push({ kind: 'create-user', object: `user:${user.username}`, detail: `groups ${user.groups.join(', ') || '(none)'}` });
    else if (!sameGroups(existing.groups, user.groups) || (user.password !== '(generated)' && existing.passwordDigest !== undefined && existing.passwordDigest !== digest(user.password))) {
      changes.push({ kind: 'update-user', object: `user:${user.username}`, detail: 'groups or password differ' });
    }
  }
  for (const name of currentUsers.keys()) if (!users.some((u) => u.username === name)) changes.push({ kind: 'delete-user', object: `user:${name}`, detail: 'not in the plan' });

  const needsApply = changes.some((c) => c.kind !== 'create-secret') || (!dryRun && changes.length > 0 && current === undefined);
  if (!dryRun && needsApply) await target.apply(plan.configuration.xml, users);
  return { dryRun, applied: !dryRun && needsApply, changes, secrets: reportSecrets };
}

// ---- The local target: a harness ActiveMQ restarted with the converted configuration. ----

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const HARNESS_ADMIN_GROUP = 'mqmigrate-harness-admins';

/**
 * Wraps an Amazon MQ configuration (`<broker>`) into an activemq.xml the local harness can boot:
 * its placeholders for name, ports and admin, KahaDB in the node's data folder, JMX without RMI,
 * the users as a simpleAuthenticationPlugin (what Amazon MQ does with API users), an admin group
 * with rights on everything (the drain's and Jolokia's user), and jetty.xml for Jolokia. The
 * users and configuration also go into an XML comment so {@link readLocalTargetState} can
 * compare without parsing Spring.
 */
export function wrapForHarness(configurationXml: string, users: readonly ReplicatedUser[]): string {
  const broker = parseXml(configurationXml.replace(/^<\?xml[^>]*\?>\s*/, ''), 'configuration');
  if (broker.name !== 'broker' || broker.ns !== NS.core) throw new ValidationError('configuration', '<broker> root', 'an Amazon MQ configuration is one <broker> element');
  // Network connectors point at on-premises brokers a local target cannot (and must not) reach.
  const children = broker.children.filter((c) => !['persistenceAdapter', 'transportConnectors', 'managementContext', 'networkConnectors'].includes(c.name));
  const el = (name: string, attrs: Record<string, string>, kids: XmlElement[] = []): XmlElement => ({ name, ns: NS.core, attrs, children: kids, text: '', path: '' });
  const pluginsIndex = children.findIndex((c) => c.name === 'plugins');
  const plugins = pluginsIndex >= 0 ? (children[pluginsIndex] as XmlElement) : el('plugins', {});
  const authUsers = [
    el('authenticationUser', { username: '${harness.adminUser}', password: '${harness.adminPassword}', groups: HARNESS_ADMIN_GROUP }),
    ...users.map((u) => el('authenticationUser', { username: u.username, password: u.password, groups: u.groups.join(',') })),
  ];
  const adminEntries = [
    el('authorizationEntry', { queue: '>', read: HARNESS_ADMIN_GROUP, write: HARNESS_ADMIN_GROUP, admin: HARNESS_ADMIN_GROUP }),
    el('authorizationEntry', { topic: '>', read: HARNESS_ADMIN_GROUP, write: HARNESS_ADMIN_GROUP, admin: HARNESS_ADMIN_GROUP }),
  ];
  const addAdmin = (element: XmlElement): XmlElement => {
    if (element.name === 'authorizationEntries') return { ...element, children: [...adminEntries, ...element.children.map(addAdmin)] };
    if (element.name === 'authorizationEntry' || element.name === 'tempDestinationAuthorizationEntry') {
      // ActiveMQ grants the union of matching entries' groups per wildcard level only; add the admin group everywhere.
      const attrs = { ...element.attrs };
      for (const key of ['read', 'write', 'admin']) if (attrs[key] !== undefined) attrs[key] = `${attrs[key]},${HARNESS_ADMIN_GROUP}`;
      return { ...element, attrs, children: element.children.map(addAdmin) };
    }
    return { ...element, children: element.children.map(addAdmin) };
  };
  const newPlugins: XmlElement = { ...plugins, children: [el('simpleAuthenticationPlugin', { anonymousAccessAllowed: 'false' }, [el('users', {}, authUsers)]), ...plugins.children.map(addAdmin)] };
  const rebuilt: XmlElement = {
    ...broker,
    attrs: { ...broker.attrs, brokerName: '${harness.brokerName}', dataDirectory: '${activemq.data}', useJmx: 'true' },
    children: [
      el('managementContext', {}, [el('managementContext', { createConnector: 'false' })]),
      el('persistenceAdapter', {}, [el('kahaDB', { directory: '${activemq.data}/kahadb' })]),
      ...(pluginsIndex >= 0 ? children.map((c, i) => (i === pluginsIndex ? newPlugins : c)) : [...children, newPlugins]),
      el('transportConnectors', {}, [el('transportConnector', { name: 'openwire', uri: 'tcp://127.0.0.1:${harness.openwirePort}' }), el('transportConnector', { name: 'stomp', uri: 'stomp://127.0.0.1:${harness.stompPort}' })]),
    ],
  };
  const state = JSON.stringify({ configurationXml, users: users.map((u) => ({ username: u.username, groups: u.groups, passwordDigest: digest(u.password) })) });
  return wrapBrokerXmlForHarness(
    serializeXml(rebuilt, { defaultNamespace: NS.core, indent: '    ' }),
    `Written by mq-migrate replicate (local target): an Amazon MQ configuration wrapped for the harness. -->\n<!-- mqmigrate-state:${Buffer.from(state).toString('base64')}`,
  );
}

/** Reads back what {@link wrapForHarness} recorded in a node's conf/activemq.xml. */
export async function readLocalTargetState(baseDir: string): Promise<Awaited<ReturnType<ActiveMqTargetPort['current']>>> {
  let text: string;
  try {
    text = await readFile(join(baseDir, 'conf', 'activemq.xml'), 'utf8');
  } catch {
    return undefined;
  }
  const match = /<!-- mqmigrate-state:([A-Za-z0-9+/=]+) -->/.exec(text);
  if (!match?.[1]) return undefined;
  return JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as Awaited<ReturnType<ActiveMqTargetPort['current']>>;
}

export { escapeXml as escapeXmlAttribute };
