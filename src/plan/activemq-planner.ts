import { z } from 'zod';
import {
  ACTIVEMQ_DEPLOYMENT_MODES,
  ACTIVEMQ_INSTANCE_TYPES,
  ACTIVEMQ_MAX_GROUPS_PER_USER,
  ACTIVEMQ_MAX_USERS,
  ACTIVEMQ_WEBCONSOLE_GROUP,
  DEFAULT_ACTIVEMQ_ENGINE_VERSION,
  findActiveMqInstanceType,
  isPermittedAttribute,
  isPermittedChild,
  PERMITTED_PLUGINS,
  storageRefusal,
  toOfferedActiveMqVersion,
  UNSUPPORTED_PERSISTENCE,
  ACTIVEMQ_ADMIN_GROUP,
} from '../amazonmq/activemq-rules.js';
import { validateAmazonMqPassword, validateAmazonMqUsername } from '../amazonmq/user-rules.js';
import type { ActiveMqInventory } from '../model/activemq-inventory.js';
import { ValidationError } from '../model/errors.js';
import { Finding, PLAN_SCHEMA_VERSION, type ObjectRef } from '../model/plan.js';
import { parseOrThrow } from '../model/validate.js';
import { NS, parseXml, rebasePaths, serializeXml, type XmlElement } from '../engines/activemq/xml-tree.js';

export const ActiveMqPlanOptions = z.strictObject({
  engineVersion: z.string().optional(),
  deploymentMode: z.enum(ACTIVEMQ_DEPLOYMENT_MODES).default('ACTIVE_STANDBY_MULTI_AZ'),
  instanceType: z.string().default('mq.m5.large'),
  storageType: z.enum(['EFS', 'EBS']).default('EFS'),
  /** Generated passwords go to Secrets Manager as `<prefix>/<username>`. */
  secretPrefix: z.string().min(1).default('mq-migrate/activemq-users'),
  /** Finding codes the user accepts: blockers with these codes no longer stop the migration. */
  acceptFindings: z.array(z.string()).default([]),
});
export type ActiveMqPlanOptions = z.infer<typeof ActiveMqPlanOptions>;
export type ActiveMqPlanOptionsInput = z.input<typeof ActiveMqPlanOptions>;

export const ActiveMqPlannedUser = z.strictObject({
  username: z.string(),
  groups: z.array(z.string()),
  /** kept: the source password meets Amazon MQ's rules; generated: a new one goes to `secretName`. */
  password: z.discriminatedUnion('source', [
    z.strictObject({ source: z.literal('kept') }),
    z.strictObject({ source: z.literal('generated'), secretName: z.string(), reason: z.string() }),
  ]),
});
export type ActiveMqPlannedUser = z.infer<typeof ActiveMqPlannedUser>;

export const DurableTreatment = z.strictObject({
  clientId: z.string(),
  subscriptionName: z.string(),
  topic: z.string(),
  selector: z.string().optional(),
  noLocal: z.boolean(),
  pending: z.number().int().nonnegative(),
  /** recreate: created on the target before cutover; deliver: its pending messages are published on the target while it is the topic's only subscription. */
  treatment: z.enum(['recreate', 'recreate-and-deliver', 'blocked']),
});
export type DurableTreatment = z.infer<typeof DurableTreatment>;

export const ActiveMqPlan = z.strictObject({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  engine: z.literal('ACTIVEMQ'),
  createdAt: z.iso.datetime(),
  source: z.strictObject({ endpoint: z.string(), engineVersion: z.string().optional() }),
  target: z.strictObject({
    engineType: z.literal('ACTIVEMQ'),
    engineVersion: z.string(),
    deploymentMode: z.enum(ACTIVEMQ_DEPLOYMENT_MODES),
    instanceType: z.string(),
    storageType: z.enum(['EFS', 'EBS']),
  }),
  options: ActiveMqPlanOptions,
  /** The Amazon MQ configuration (a `<broker>` document) converted from the source's activemq.xml. */
  configuration: z.strictObject({ xml: z.string(), droppedElements: z.number().int(), droppedAttributes: z.number().int() }),
  users: z.array(ActiveMqPlannedUser),
  messages: z.strictObject({
    queues: z.array(z.strictObject({ name: z.string(), messages: z.number().int().nonnegative().optional() })),
    durableSubscriptions: z.array(DurableTreatment),
    scheduled: z.strictObject({ count: z.number().int().nonnegative(), treatment: z.enum(['none', 'drain-when-due', 'blocked']) }),
  }),
  findings: z.array(Finding),
});
export type ActiveMqPlan = z.infer<typeof ActiveMqPlan>;

/** Amazon MQ's transport connector names (the ones its broker opens). */
const AMAZON_MQ_TRANSPORT_NAMES = new Set(['openwire', 'amqp', 'stomp', 'mqtt', 'wss']);
const AUTH_PLUGINS = new Set(['simpleAuthenticationPlugin', 'jaasAuthenticationPlugin', 'jaasCertificateAuthenticationPlugin', 'jaasDualAuthenticationPlugin', 'cachedLDAPAuthorizationMap']);
/** Broker attributes Amazon MQ manages itself: dropping them is expected. */
const MANAGED_BROKER_ATTRIBUTES = new Set(['brokerName', 'dataDirectory', 'useJmx', 'tmpDataDirectory', 'start', 'brokerId']);

const xmlRef = (path: string, label?: string): ObjectRef => ({ type: 'xml', key: path, label: label ?? path });

export interface ConvertedConfiguration {
  xml: string;
  droppedElements: number;
  droppedAttributes: number;
  findings: Finding[];
}

/**
 * Converts an on-premises `<broker>` (from the inventory's resolved XML) into an Amazon MQ
 * configuration: only permitted elements and attributes stay, everything else is dropped with a
 * finding that names its XML path. Authentication plugins are replaced by Amazon MQ users.
 */
export function convertActiveMqConfiguration(brokerXml: string, options: { brokerPath?: string } = {}): ConvertedConfiguration {
  const broker = parseXml(brokerXml, 'broker');
  if (options.brokerPath) rebasePaths(broker, options.brokerPath);
  if (broker.name !== 'broker' || broker.ns !== NS.core) throw new ValidationError('broker', '<broker> element', 'the configuration to convert must be an ActiveMQ <broker> element');
  const findings: Finding[] = [];
  let droppedElements = 0;
  let droppedAttributes = 0;
  const dropElement = (element: XmlElement, code: string, severity: Finding['severity'], message: string, fix: string) => {
    droppedElements++;
    findings.push({ code, severity, object: xmlRef(element.path, `<${element.name}> at ${element.path}`), message, fix });
  };

  function keepAttributes(element: XmlElement): Record<string, string> {
    const kept: Record<string, string> = {};
    const droppedHere: string[] = [];
    for (const [key, value] of Object.entries(element.attrs)) {
      if (isPermittedAttribute(element.name, key)) kept[key] = value;
      else droppedHere.push(key);
    }
    if (element.name === 'networkConnector' && droppedHere.includes('password')) {
      droppedAttributes++;
      findings.push({
        code: 'AMQ-NETWORK-CONNECTOR-CREDENTIALS',
        severity: 'warning',
        object: xmlRef(`${element.path}/@password`),
        message: `network connector "${element.attrs.name ?? ''}" carries a password; Amazon MQ does not accept one in the configuration (it takes the password of the broker user named by userName)`,
        fix: `Create the user "${element.attrs.userName ?? '(userName)'}" on the target with the remote broker's credentials; the password attribute is dropped.`,
      });
      droppedHere.splice(droppedHere.indexOf('password'), 1);
    }
    if (droppedHere.length > 0) {
      droppedAttributes += droppedHere.length;
      const managed = element.name === 'broker' && droppedHere.every((a) => MANAGED_BROKER_ATTRIBUTES.has(a));
      findings.push({
        code: 'AMQ-ATTRIBUTE-NOT-PERMITTED',
        severity: managed ? 'info' : 'warning',
        object: xmlRef(element.path, `<${element.name}> at ${element.path}`),
        message: `attribute(s) ${droppedHere.join(', ')} of <${element.name}> are not permitted in Amazon MQ configurations and are dropped${managed ? ' (Amazon MQ sets them itself)' : ''}`,
        fix: managed ? 'Nothing to do.' : 'Check that the broker behaves as needed without them; see "Elements permitted in Amazon MQ configurations and their attributes".',
      });
    }
    return kept;
  }

  function convertChildren(parent: XmlElement): XmlElement[] {
    const out: XmlElement[] = [];
    for (const child of parent.children) {
      const converted = convertChild(parent, child);
      if (converted) out.push(converted);
    }
    return out;
  }

  function convertChild(parent: XmlElement, child: XmlElement): XmlElement | undefined {
    if (child.ns !== NS.core) {
      dropElement(child, 'AMQ-SPRING-BEAN', 'warning', `a Spring <${child.name}>${child.attrs.class ? ` (${child.attrs.class})` : ''} inside <${parent.name}>: Amazon MQ configurations hold only ActiveMQ elements`, 'Move the behaviour to the clients or leave it out; custom classes cannot run on Amazon MQ.');
      return undefined;
    }
    if (parent.name === 'persistenceAdapter' && child.name !== 'kahaDB') {
      dropElement(child, 'AMQ-PERSISTENCE-NOT-KAHADB', UNSUPPORTED_PERSISTENCE.includes(child.name) ? 'warning' : 'warning', `persistence adapter <${child.name}> is not supported: Amazon MQ stores messages in KahaDB only`, 'Nothing to configure: the target uses KahaDB on EFS or EBS; messages are moved by the drain, not by copying the store.');
      return undefined;
    }
    if (parent.name === 'plugins' && !PERMITTED_PLUGINS.includes(child.name)) {
      if (AUTH_PLUGINS.has(child.name)) {
        droppedElements++;
        findings.push({ code: 'AMQ-AUTH-PLUGIN-REPLACED', severity: 'info', object: xmlRef(child.path), message: `<${child.name}> is replaced by Amazon MQ's own authentication: its users and groups become Amazon MQ broker users`, fix: 'Nothing to do: users are created through the Amazon MQ API (see the users in this plan).' });
      } else {
        dropElement(child, 'AMQ-PLUGIN-NOT-PERMITTED', 'warning', `plugin <${child.name}> is not among the plugins Amazon MQ permits (${PERMITTED_PLUGINS.join(', ')})`, 'Move what it does into the clients or accept running without it.');
      }
      return undefined;
    }
    if (parent.name === 'transportConnectors' && child.name === 'transportConnector') {
      findings.push({ code: 'AMQ-TRANSPORT-CONNECTOR-URI', severity: 'info', object: xmlRef(child.path, `transport connector "${child.attrs.name ?? ''}"`), message: `transport connector "${child.attrs.name ?? ''}" (${child.attrs.uri ?? 'no uri'}): Amazon MQ opens its own TLS endpoints (ssl, amqp+ssl, stomp+ssl, mqtt+ssl, wss); the URI is dropped`, fix: 'Point clients at the broker endpoints Amazon MQ reports (TLS); plain tcp:// is not offered.' });
      const keepsClusterOptions = ['updateClusterClients', 'rebalanceClusterClients', 'updateClusterClientsOnRemove'].some((a) => child.attrs[a] !== undefined);
      const name = child.attrs.name === 'ssl' || child.attrs.name === 'nio' ? 'openwire' : child.attrs.name;
      if (!keepsClusterOptions || !name || !AMAZON_MQ_TRANSPORT_NAMES.has(name)) {
        droppedElements++;
        return undefined;
      }
      const attrs = keepAttributes({ ...child, attrs: Object.fromEntries(Object.entries(child.attrs).filter(([k]) => k !== 'uri')) });
      return { ...child, attrs: { ...attrs, name }, children: [] };
    }
    if (parent.name === 'networkConnectors' && child.name === 'networkConnector') {
      const uri = child.attrs.uri ?? '';
      if (!/ssl:\/\//.test(uri)) {
        findings.push({ code: 'AMQ-NETWORK-CONNECTOR-URI', severity: 'warning', object: xmlRef(`${child.path}/@uri`), message: `network connector "${child.attrs.name ?? ''}" uses ${uri}; Amazon MQ network connectors connect over TLS (ssl://) and the remote broker must be reachable from the broker's VPC`, fix: 'Change the URI to the remote broker\'s ssl:// endpoint (the plan keeps it as is), or drop the network connector once every broker has moved.' });
      }
    }
    if (!isPermittedChild(parent.name, child.name)) {
      const severity: Finding['severity'] = parent.name === 'systemUsage' || child.name === 'managementContext' || child.name === 'shutdownHooks' ? 'info' : 'warning';
      dropElement(child, 'AMQ-ELEMENT-NOT-PERMITTED', severity, `<${child.name}> inside <${parent.name}> is not permitted in Amazon MQ configurations and is dropped`, severity === 'info' ? 'Nothing to do: Amazon MQ manages this itself (JMX, limits sized by instance type, shutdown).' : 'Check that the broker behaves as needed without it; see "Elements, child collection elements, and their child elements permitted in Amazon MQ configurations".');
      return undefined;
    }
    const children = convertChildren(child);
    const attrs = keepAttributes(child);
    // Entries only: the outer <tempDestinationAuthorizationEntry> is Spring's property element.
    const isEntry = (child.name === 'authorizationEntry' && parent.name === 'authorizationEntries') || (child.name === 'tempDestinationAuthorizationEntry' && parent.name === 'tempDestinationAuthorizationEntry');
    if (isEntry && grantAdmin(attrs)) grantedAdmin++;
    // A collection emptied by the conversion carries nothing.
    if (children.length === 0 && child.children.length > 0 && Object.keys(attrs).length === 0) return undefined;
    return { ...child, attrs, children };
  }

  // The migration's administrator (the broker user the provisioner creates, in group "admin")
  // drains and verifies every destination: an authorization map that does not name it would
  // refuse it everything, so every entry grants the group read, write and admin.
  let grantedAdmin = 0;
  const grantAdmin = (attrs: Record<string, string>): boolean => {
    let changed = false;
    for (const right of ['read', 'write', 'admin']) {
      const groups = (attrs[right] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
      if (!groups.includes(ACTIVEMQ_ADMIN_GROUP) && !groups.includes('*')) {
        attrs[right] = [...groups, ACTIVEMQ_ADMIN_GROUP].join(',');
        changed = true;
      }
    }
    return changed;
  };
  const converted: XmlElement = { ...broker, attrs: keepAttributes(broker), children: convertChildren(broker) };
  if (grantedAdmin > 0) {
    findings.push({
      code: 'AMQ-ADMIN-GROUP-GRANTED',
      severity: 'info',
      message: `${grantedAdmin} authorization entr${grantedAdmin === 1 ? 'y' : 'ies'} now also grant the "${ACTIVEMQ_ADMIN_GROUP}" group read, write and admin: the migration's administrator moves and verifies the messages`,
      fix: `Remove "${ACTIVEMQ_ADMIN_GROUP}" from the entries after the migration if no administrator should reach those destinations.`,
    });
  }
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${serializeXml(converted, { defaultNamespace: NS.core })}\n`;
  return { xml, droppedElements, droppedAttributes, findings };
}

function targetVersion(requested: string | undefined): string {
  if (requested === undefined) return DEFAULT_ACTIVEMQ_ENGINE_VERSION;
  const offered = toOfferedActiveMqVersion(requested);
  if (!offered) throw new ValidationError('options.engineVersion', `one of ${['5.19', '5.18'].join(', ')}`, `options.engineVersion: Amazon MQ for ActiveMQ offers 5.19 and 5.18, not ${requested}`);
  return offered;
}

/** Topic names a virtual topic or composite topic on the target would also route to (simple wildcard match). */
function destinationMatches(pattern: string, name: string): boolean {
  const p = pattern.split('.');
  const n = name.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return true;
    if (i >= n.length) return false;
    if (p[i] !== '*' && p[i] !== n[i]) return false;
  }
  return p.length === n.length;
}

/**
 * Checks an ActiveMQ inventory against Amazon MQ for ActiveMQ's rules and proposes the target:
 * version, deployment mode, storage, instance type, the converted configuration, the users (with
 * passwords kept or generated) and how each kind of pending message is moved. Nothing is created.
 */
export function planActiveMqMigration(inventory: ActiveMqInventory, optionsInput: ActiveMqPlanOptionsInput = {}, now: () => Date = () => new Date()): ActiveMqPlan {
  const options = parseOrThrow(ActiveMqPlanOptions, optionsInput, 'options');
  const engineVersion = targetVersion(options.engineVersion);
  const findings: Finding[] = [];
  const t = inventory.activemq;

  if (!findActiveMqInstanceType(options.instanceType)) {
    findings.push({ code: 'AMQ-INSTANCE-TYPE-UNKNOWN', severity: 'blocker', message: `instance type ${options.instanceType} is not offered for ActiveMQ`, fix: `Choose one of ${ACTIVEMQ_INSTANCE_TYPES.map((i) => i.name).join(', ')}.` });
  } else if (options.deploymentMode === 'ACTIVE_STANDBY_MULTI_AZ' && !findActiveMqInstanceType(options.instanceType)?.activeStandby) {
    findings.push({ code: 'AMQ-INSTANCE-TYPE-SINGLE-ONLY', severity: 'blocker', message: `${options.instanceType} is for evaluation and runs SINGLE_INSTANCE only`, fix: 'Choose an mq.m5 instance type or deploymentMode SINGLE_INSTANCE.' });
  }
  const refusal = storageRefusal(options.storageType, options.deploymentMode, options.instanceType);
  if (refusal) findings.push({ code: 'AMQ-STORAGE-NOT-ALLOWED', severity: 'blocker', message: refusal, fix: 'Use EFS, or SINGLE_INSTANCE on an mq.m5 instance type for EBS.' });

  // Configuration.
  const config = t.configuration;
  let converted: ConvertedConfiguration = { xml: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<broker xmlns="${NS.core}"/>\n`, droppedElements: 0, droppedAttributes: 0, findings: [] };
  if (config) {
    converted = convertActiveMqConfiguration(config.brokerXml, { brokerPath: config.brokerPath });
    findings.push(...converted.findings);
    for (const bean of config.springBeans) {
      findings.push({ code: 'AMQ-SPRING-BEAN', severity: 'warning', object: xmlRef(bean.path, `bean ${bean.id ?? bean.className}`), message: `Spring bean ${bean.className}${bean.id ? ` ("${bean.id}")` : ''} outside <broker> is not migrated: Amazon MQ configurations hold only the <broker> element`, fix: 'Run what it does elsewhere (a data source for JDBC persistence is not needed: the target uses KahaDB).' });
    }
    const webconsole = config.authorization.some((a) => [...a.read, ...a.write, ...a.admin].includes(ACTIVEMQ_WEBCONSOLE_GROUP));
    if (config.authorization.length > 0 && !webconsole) {
      findings.push({ code: 'AMQ-NO-WEBCONSOLE-GROUP', severity: 'info', message: `the authorization map does not name the "${ACTIVEMQ_WEBCONSOLE_GROUP}" group, so the ActiveMQ Web Console on Amazon MQ cannot read or send messages`, fix: `Add ${ACTIVEMQ_WEBCONSOLE_GROUP} to the entries the console needs, if you use it.` });
    }
  } else {
    findings.push({ code: 'AMQ-CONFIGURATION-UNKNOWN', severity: 'warning', message: 'the inventory has no activemq.xml: the target gets Amazon MQ\'s default configuration and no users from the source', fix: 'Collect the inventory with the on-premises activemq.xml (and JAAS files) to carry policies, authorization and users across.' });
  }

  // Users and groups.
  const users: ActiveMqPlannedUser[] = [];
  if (t.users.length > ACTIVEMQ_MAX_USERS) {
    findings.push({ code: 'AMQ-TOO-MANY-USERS', severity: 'blocker', message: `${t.users.length} users; Amazon MQ for ActiveMQ allows ${ACTIVEMQ_MAX_USERS} per broker`, fix: 'Merge service accounts, or split the estate over several brokers.' });
  }
  for (const user of t.users) {
    const object: ObjectRef = { type: 'user', key: `user:${user.username}`, label: `user "${user.username}"` };
    const name = validateAmazonMqUsername(user.username, 'ACTIVEMQ');
    if (!name.ok) {
      findings.push({ code: 'AMQ-USERNAME-INVALID', severity: 'blocker', object, message: `${object.label}: ${name.message}`, fix: 'Rename the user (and its clients) or accept AMQ-USERNAME-INVALID to leave it out.' });
      continue;
    }
    if (user.groups.length > ACTIVEMQ_MAX_GROUPS_PER_USER) {
      findings.push({ code: 'AMQ-USER-TOO-MANY-GROUPS', severity: 'blocker', object, message: `${object.label} is in ${user.groups.length} groups; Amazon MQ allows ${ACTIVEMQ_MAX_GROUPS_PER_USER} per user`, fix: 'Merge groups in the authorization map.' });
      continue;
    }
    let reason: string | undefined;
    if (user.passwordState !== 'plain' || user.password === undefined) reason = user.passwordState === 'encrypted' ? 'the source password is encrypted (ENC(...)) and cannot be read' : 'the source password is not known';
    else {
      const check = validateAmazonMqPassword(user.password, { engine: 'ACTIVEMQ' });
      if (!check.ok) reason = `the source ${check.message} (rule ${check.rule})`;
    }
    if (reason) {
      const secretName = `${options.secretPrefix}/${user.username}`;
      users.push({ username: user.username, groups: user.groups, password: { source: 'generated', secretName, reason } });
      findings.push({ code: 'AMQ-USER-PASSWORD-GENERATED', severity: 'warning', object, message: `${object.label}: ${reason}; a generated password will be stored in Secrets Manager as "${secretName}"`, fix: `Give the clients of "${user.username}" the password from secret "${secretName}" before cutover.` });
    } else users.push({ username: user.username, groups: user.groups, password: { source: 'kept' } });
  }
  if (config && t.users.length === 0 && config.authentication !== 'none') {
    findings.push({ code: 'AMQ-USERS-UNKNOWN', severity: 'warning', message: `the source authenticates through ${config.authentication} but no users could be read from it`, fix: 'Hand over the JAAS users/groups files, or create the users on the target by hand.' });
  }

  // Messages: queues, durable subscriptions, scheduled messages, groups, virtual topics.
  const queues = t.queues.filter((q) => !q.name.startsWith('ActiveMQ.')).map((q) => ({ name: q.name, ...(q.queueSize !== undefined ? { messages: q.queueSize } : {}) }));
  const forwardingPatterns = (config?.virtualDestinations ?? []).flatMap((v) => (v.kind === 'virtualTopic' ? [v.name ?? '>'] : v.kind === 'compositeTopic' && v.name ? [v.name] : []));
  const durableSubscriptions: DurableTreatment[] = [];
  for (const sub of t.durableSubscriptions) {
    const object: ObjectRef = { type: 'durable-subscription', key: `durable:${sub.clientId}:${sub.subscriptionName}`, label: `durable subscription "${sub.subscriptionName}" of client "${sub.clientId}" on topic "${sub.topic}"` };
    const base = { clientId: sub.clientId, subscriptionName: sub.subscriptionName, topic: sub.topic, ...(sub.selector ? { selector: sub.selector } : {}), noLocal: sub.noLocal, pending: sub.pendingQueueSize };
    if (sub.active) {
      findings.push({ code: 'AMQ-DURABLE-ACTIVE', severity: 'info', object, message: `${object.label} is online; it is recreated on the target before cutover and its consumer keeps reading the source until it moves`, fix: 'Move this consumer after its producers, once it has read its backlog on the source.' });
      durableSubscriptions.push({ ...base, treatment: 'recreate' });
      continue;
    }
    if (sub.pendingQueueSize === 0) {
      durableSubscriptions.push({ ...base, treatment: 'recreate' });
      continue;
    }
    const siblings = t.durableSubscriptions.filter((s) => s.topic === sub.topic);
    const forwarded = forwardingPatterns.filter((p) => destinationMatches(p, sub.topic));
    if (siblings.length > 1 || forwarded.length > 0) {
      const why = siblings.length > 1 ? `topic "${sub.topic}" has ${siblings.length} durable subscriptions, so publishing the backlog on the target would reach the others too` : `topic "${sub.topic}" is also routed by ${forwarded.join(', ')} on the target`;
      findings.push({ code: 'AMQ-DURABLE-PENDING-SHARED', severity: 'blocker', object, message: `${object.label} is offline with ${sub.pendingQueueSize} pending message(s) and ${why}: they cannot be delivered to this subscriber only`, fix: `Let the subscriber read its backlog on the source before cutover, or accept AMQ-DURABLE-PENDING-SHARED to leave the ${sub.pendingQueueSize} message(s) on the source.` });
      durableSubscriptions.push({ ...base, treatment: 'blocked' });
      continue;
    }
    findings.push({ code: 'AMQ-DURABLE-OFFLINE-PENDING', severity: 'info', object, message: `${object.label} is offline with ${sub.pendingQueueSize} pending message(s): it is recreated on the target (same client id, name and selector) and its backlog is published to "${sub.topic}" on the target while it is that topic's only subscription, so it alone receives them`, fix: 'Keep producers of this topic on the source until the drain reports the subscription done.' });
    durableSubscriptions.push({ ...base, treatment: 'recreate-and-deliver' });
  }
  const scheduledCount = t.scheduler.scheduledMessageCount ?? 0;
  let scheduledTreatment: 'none' | 'drain-when-due' | 'blocked' = scheduledCount > 0 ? 'drain-when-due' : 'none';
  if ((t.scheduler.repeatingJobs ?? 0) > 0) {
    scheduledTreatment = 'blocked';
    findings.push({ code: 'AMQ-SCHEDULED-REPEATING', severity: 'blocker', message: `${t.scheduler.repeatingJobs} scheduled job(s) repeat or run on a cron entry`, fix: 'Have the producer re-create repeating schedules on the target, or accept AMQ-SCHEDULED-REPEATING (they stay on the source).' });
  } else if (scheduledCount > 0) {
    findings.push({ code: 'AMQ-SCHEDULED-MESSAGES', severity: 'warning', message: `${scheduledCount} scheduled (delayed) message(s) wait in the source's job scheduler; they are not in any queue yet`, fix: 'They stay in the source scheduler until due (STOMP cannot take them out: a browse through ActiveMQ.Scheduler.Management delivers copies STOMP cannot render without XStream on the broker, and removing them first would risk losing them). Keep the source running until the last one is due, then re-run the drain, which moves them from their queues; verify reports them until then.' });
    if (config && config.brokerAttributes.schedulerSupport !== 'true') {
      findings.push({ code: 'AMQ-SCHEDULER-OFF-ON-TARGET', severity: 'warning', message: 'the source configuration does not turn schedulerSupport on, so the converted configuration would not either', fix: 'Set schedulerSupport="true" on <broker> in the converted configuration.' });
    }
  }
  const grouped = t.queues.filter((q) => q.messageGroupType !== undefined && (q.queueSize ?? 0) > 0);
  if (config?.policyEntries.some((p) => p.children.includes('messageGroupMapFactory')) || grouped.length > 0) {
    findings.push({ code: 'AMQ-MESSAGE-GROUPS', severity: 'info', message: 'queues may carry message groups (JMSXGroupID): ActiveMQ\'s STOMP does not deliver JMSXGroupID, so the drain reads each group with a selector and sets JMSXGroupID on the target; JMSXGroupSeq is not carried', fix: 'Move group consumers together; a group\'s order is kept, its sequence numbers are not.' });
  }
  for (const v of config?.virtualDestinations ?? []) {
    if (v.kind !== 'virtualTopic') continue;
    findings.push({ code: 'AMQ-VIRTUAL-TOPIC', severity: 'info', object: xmlRef(v.path), message: `virtual topic ${v.name ?? '>'} (consumer queues ${v.prefix ?? 'Consumer.*.'}<topic>) is kept in the configuration; its messages live in the consumer queues, which are drained like any queue`, fix: 'Nothing to do; create the consumer queues on the target before producers move (the drain does when they hold messages).' });
  }
  findings.push({ code: 'AMQ-STOMP-PROPERTY-TYPES', severity: 'info', message: 'messages move over STOMP: custom properties arrive on the target as strings; JMSMessageID, JMSTimestamp and JMSXGroupSeq are renewed (the original id and timestamp ride along as mqmigrate-id and mqmigrate-timestamp); Map, Object and Stream messages are not carried', fix: 'Make consumers read numeric and boolean properties tolerantly (e.g. Integer.parseInt of getStringProperty).' });

  const plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    engine: 'ACTIVEMQ' as const,
    createdAt: now().toISOString(),
    source: { endpoint: inventory.source.endpoint, ...(inventory.broker.engineVersion ? { engineVersion: inventory.broker.engineVersion } : {}) },
    target: { engineType: 'ACTIVEMQ' as const, engineVersion, deploymentMode: options.deploymentMode, instanceType: options.instanceType, storageType: options.storageType },
    options,
    configuration: { xml: converted.xml, droppedElements: converted.droppedElements, droppedAttributes: converted.droppedAttributes },
    users,
    messages: { queues, durableSubscriptions, scheduled: { count: scheduledCount, treatment: scheduledTreatment } },
    findings,
  };
  return parseOrThrow(ActiveMqPlan, plan, 'plan');
}
