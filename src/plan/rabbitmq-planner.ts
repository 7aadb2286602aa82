import {
  AMAZON_MQ_DEFAULT_POLICIES,
  AMAZON_MQ_RABBITMQ_PLUGINS,
  chooseRabbitInstanceType,
  DEFAULT_RABBITMQ_ENGINE_VERSION,
  findRabbitInstanceType,
  isExchangeTypeSupported,
  isReservedPolicyName,
  RABBITMQ_PASSWORD_HASHING_MODULES,
  RABBITMQ_PROHIBITED_USERNAMES,
  RABBITMQ_QUEUE_FEATURES,
  RESERVED_OPERATOR_POLICY_NAMES,
  toOfferedRabbitEngineVersion,
  UNSUPPORTED_RABBITMQ_EXCHANGE_TYPES,
  type RabbitEngineVersion,
} from '../amazonmq/rabbitmq-rules.js';
import { ValidationError } from '../model/errors.js';
import { summarize, type RabbitInventory, type RabbitPolicy } from '../model/inventory.js';
import { PLAN_SCHEMA_VERSION, RabbitPlan, RabbitPlanOptions, type Finding, type ObjectRef, type PlanAction, type RabbitPlanOptionsInput } from '../model/plan.js';
import { parseOrThrow } from '../model/validate.js';
import { ARGUMENTS_NOT_FOR_QUORUM, effectivePolicy, mirroringKeys } from '../engines/rabbitmq/policies.js';
import { BROKER_IDENTITY_PARAMETERS, isBuiltInExchange, objectKey } from '../engines/rabbitmq/topology-objects.js';

/** Plugins that come with the ones Amazon MQ offers (their management UI tabs, agents), or are part of the server. */
const IMPLIED_PLUGINS = new Set(['rabbitmq_management_agent', 'rabbitmq_shovel_management', 'rabbitmq_federation_management', 'rabbitmq_web_dispatch', 'rabbitmq_prometheus', 'rabbitmq_amqp1_0', 'rabbitmq_stream']);

const ref = (type: string, key: string, label: string): ObjectRef => ({ type, key, label });
const inVhost = (vhost: string) => `in vhost "${vhost}"`;

/**
 * Checks an inventory against Amazon MQ for RabbitMQ's documented rules and proposes the target:
 * version, deployment, instance type, and the actions replication will apply. Nothing is created.
 */
export function planRabbitMigration(inventory: RabbitInventory, optionsInput: RabbitPlanOptionsInput = {}, now: () => Date = () => new Date()): RabbitPlan {
  const options = parseOrThrow(RabbitPlanOptions, optionsInput, 'options');
  const version = targetVersion(options.engineVersion);
  const features = RABBITMQ_QUEUE_FEATURES[version];
  const findings: Finding[] = [];
  const actions: PlanAction[] = [];
  const t = inventory.rabbitmq;
  const exclude = (object: ObjectRef, code: string) => actions.push({ kind: 'exclude', object, code });

  // Queues: streams, exclusive queues, mirrored classic queues.
  for (const q of t.queues) {
    const object = ref('queue', objectKey('queue', q.vhost, q.name), `queue "${q.name}" ${inVhost(q.vhost)}`);
    if (q.exclusive) {
      findings.push({ code: 'RMQ-EXCLUSIVE-QUEUE', severity: 'info', object, message: `${object.label} is exclusive to one connection; it is not replicated or drained`, fix: 'Its owner re-declares it on the target when it reconnects.' });
      exclude(object, 'RMQ-EXCLUSIVE-QUEUE');
      continue;
    }
    if (q.type === 'stream') {
      findings.push({ code: 'RMQ-STREAM-QUEUE', severity: 'blocker', object, message: `${object.label} is a stream; Amazon MQ does not support streams ("Creating a stream will result in data loss")`, fix: 'Move the stream to a quorum queue or another service (e.g. Kinesis or MSK), or accept RMQ-STREAM-QUEUE to leave it out.' });
      exclude(object, 'RMQ-STREAM-QUEUE');
      continue;
    }
    if (version.startsWith('4.3') && !q.durable) {
      findings.push({ code: 'RMQ-TRANSIENT-QUEUE', severity: 'blocker', object, message: `${object.label} is non-durable; RabbitMQ 4.3 on Amazon MQ rejects transient non-exclusive queues`, fix: 'Declare it durable, or target 4.2, or accept RMQ-TRANSIENT-QUEUE to leave it out.' });
      exclude(object, 'RMQ-TRANSIENT-QUEUE');
      continue;
    }
    if (q.autoDelete) {
      findings.push({ code: 'RMQ-AUTO-DELETE-QUEUE', severity: 'info', object, message: `${object.label} is auto-delete: it is replicated but its messages are not drained, since the broker deletes it (and what it holds) when the drain's consumer leaves`, fix: 'Let its consumers empty it before cutover; they re-create it on the target.' });
    }
    const policy = q.type === 'classic' ? effectivePolicy(q, t.policies) : undefined;
    if (policy && mirroringKeys(policy).length > 0) planMirroredQueue(q, policy, object);
  }

  function planMirroredQueue(q: RabbitInventory['rabbitmq']['queues'][number], policy: RabbitPolicy, object: ObjectRef) {
    if (options.mirroredQueues === 'keep-classic') {
      findings.push({
        code: 'RMQ-MIRRORED-QUEUE-KEPT-CLASSIC',
        severity: 'warning',
        object,
        message: `${object.label} relies on mirroring (policy "${policy.name}") and stays a classic queue${features.classicMirroring === 'unsupported' ? `; RabbitMQ ${version} has no mirroring, so it will have no replicas` : '; Amazon MQ mirrors classic queues on 3.13 clusters itself'}`,
        fix: 'Choose mirroredQueues: convert-to-quorum in the plan options for replicated queues.',
      });
      return;
    }
    const blockers: string[] = [];
    if (!q.durable) blockers.push('non-durable');
    if (q.autoDelete) blockers.push('auto-delete');
    if (q.arguments['x-max-priority'] !== undefined) blockers.push('a priority queue (x-max-priority)');
    if (blockers.length > 0) {
      findings.push({ code: 'RMQ-MIRRORED-QUEUE-NOT-CONVERTIBLE', severity: 'warning', object, message: `${object.label} relies on mirroring but is ${blockers.join(' and ')}, which a quorum queue cannot be; it stays classic`, fix: 'Redesign the queue as a durable quorum queue, or accept that it has no replicas on the target.' });
      return;
    }
    const removeArguments = ARGUMENTS_NOT_FOR_QUORUM.filter((name) => q.arguments[name] !== undefined);
    findings.push({ code: 'RMQ-MIRRORED-QUEUE-CONVERTED', severity: 'info', object, message: `${object.label} relies on mirroring (policy "${policy.name}") and becomes a quorum queue${removeArguments.length ? `; arguments ${removeArguments.join(', ')} are dropped` : ''}`, fix: 'Clients that declare it must pass x-queue-type: quorum (or omit arguments) after cutover.' });
    actions.push({ kind: 'convert-to-quorum', object, code: 'RMQ-MIRRORED-QUEUE-CONVERTED', removeArguments });
  }

  // Policies: mirroring keys, reserved names, Amazon MQ defaults shadowed.
  const defaultKeys = defaultPolicyDefinition(version, options.deploymentMode);
  for (const p of t.policies) {
    const object = ref('policy', objectKey('policy', p.vhost, p.name), `policy "${p.name}" ${inVhost(p.vhost)}`);
    const haKeys = mirroringKeys(p);
    if (haKeys.length > 0) {
      findings.push({ code: 'RMQ-CLASSIC-MIRRORING-POLICY', severity: 'warning', object, message: `${object.label} sets classic mirroring (${haKeys.join(', ')}), which Amazon MQ ${features.classicMirroring === 'unsupported' ? `RabbitMQ ${version} does not support` : 'manages itself'}; the keys are removed`, fix: 'Use quorum queues for replication (the plan converts the queues this policy mirrored).' });
      actions.push({ kind: 'strip-policy-keys', object, code: 'RMQ-CLASSIC-MIRRORING-POLICY', keys: haKeys });
    }
    if (isReservedPolicyName(p.name)) {
      const to = `${options.renamePrefix}${p.name}`;
      findings.push({ code: 'RMQ-RESERVED-POLICY-NAME', severity: 'warning', object, message: `${object.label} uses a name Amazon MQ reserves for its own policies`, fix: options.reservedPolicyNames === 'rename' ? `It is created as "${to}" (option reservedPolicyNames: rename).` : 'It is left out (option reservedPolicyNames: skip).' });
      if (options.reservedPolicyNames === 'rename') actions.push({ kind: 'rename-policy', object, code: 'RMQ-RESERVED-POLICY-NAME', to });
      else exclude(object, 'RMQ-RESERVED-POLICY-NAME');
    } else if (options.keepAmazonMqDefaultPolicies && Object.keys(defaultKeys).length > 0 && ['all', 'queues', 'classic_queues'].includes(p.applyTo)) {
      const missing = Object.fromEntries(Object.entries(defaultKeys).filter(([key]) => !(key in p.definition) && !haKeys.includes(key)));
      if (Object.keys(missing).length > 0) {
        findings.push({ code: 'RMQ-DEFAULT-POLICY-SHADOWED', severity: 'info', object, message: `${object.label} would take precedence over Amazon MQ's default policy on the queues it matches; the default's keys ${Object.keys(missing).join(', ')} are merged into it`, fix: 'Set keepAmazonMqDefaultPolicies: false to replicate the policy unchanged.' });
        actions.push({ kind: 'merge-policy-keys', object, code: 'RMQ-DEFAULT-POLICY-SHADOWED', definition: missing });
      }
    }
  }
  for (const p of t.operatorPolicies) {
    if (!RESERVED_OPERATOR_POLICY_NAMES.includes(p.name)) continue;
    const object = ref('operatorPolicy', objectKey('operatorPolicy', p.vhost, p.name), `operator policy "${p.name}" ${inVhost(p.vhost)}`);
    findings.push({ code: 'RMQ-RESERVED-OPERATOR-POLICY', severity: 'warning', object, message: `${object.label} has the name of Amazon MQ's managed operator policy; it is left out`, fix: 'Rename it on the source if its settings matter, then plan again.' });
    exclude(object, 'RMQ-RESERVED-OPERATOR-POLICY');
  }

  // Users: guest, password hashes, users without a password.
  for (const u of t.users) {
    const object = ref('user', objectKey('user', u.name), `user "${u.name}"`);
    if ((RABBITMQ_PROHIBITED_USERNAMES as readonly string[]).includes(u.name)) {
      findings.push({ code: 'RMQ-GUEST-USER', severity: 'warning', object, message: `${object.label} cannot exist on Amazon MQ; it and its permissions are left out`, fix: 'Give the clients that log in as guest their own user before cutover.' });
      exclude(object, 'RMQ-GUEST-USER');
    } else if (!(RABBITMQ_PASSWORD_HASHING_MODULES as readonly string[]).includes(u.hashingAlgorithm)) {
      findings.push({ code: 'RMQ-USER-HASH-ALGORITHM', severity: 'blocker', object, message: `${object.label} uses password hashing "${u.hashingAlgorithm}", which a target broker cannot verify`, fix: 'Reset the password on the source with a standard algorithm, or accept RMQ-USER-HASH-ALGORITHM to leave the user out.' });
      exclude(object, 'RMQ-USER-HASH-ALGORITHM');
    } else if (u.passwordHash === '') {
      findings.push({ code: 'RMQ-USER-NO-PASSWORD', severity: 'warning', object, message: `${object.label} has no password (it authenticates another way); on Amazon MQ it cannot log in with a password`, fix: 'Give it a password after replication, or configure the authentication backend Amazon MQ offers.' });
    }
  }

  // Exchanges: types Amazon MQ does not offer.
  for (const e of t.exchanges) {
    if (isBuiltInExchange(e.name) || isExchangeTypeSupported(e.type, version)) continue;
    const object = ref('exchange', objectKey('exchange', e.vhost, e.name), `exchange "${e.name}" ${inVhost(e.vhost)}`);
    const why = UNSUPPORTED_RABBITMQ_EXCHANGE_TYPES[e.type];
    findings.push({ code: 'RMQ-UNSUPPORTED-EXCHANGE-TYPE', severity: 'blocker', object, message: `${object.label} has type "${e.type}", which Amazon MQ for RabbitMQ ${version} does not offer${why ? ` (${why})` : ''}`, fix: 'Replace it with a supported type, or accept RMQ-UNSUPPORTED-EXCHANGE-TYPE to leave it and its bindings out.' });
    exclude(object, 'RMQ-UNSUPPORTED-EXCHANGE-TYPE');
  }

  for (const plugin of inventory.broker.plugins) {
    if (AMAZON_MQ_RABBITMQ_PLUGINS.includes(plugin) || IMPLIED_PLUGINS.has(plugin)) continue;
    findings.push({ code: 'RMQ-UNSUPPORTED-PLUGIN', severity: 'warning', object: ref('plugin', `plugin\u0000${plugin}`, `plugin "${plugin}"`), message: `plugin "${plugin}" is enabled on the source; Amazon MQ does not offer it`, fix: 'Check that no client depends on it before cutover.' });
  }

  // Parameters: shovels and federation run on the target and must reach their URIs.
  for (const p of t.parameters) {
    if (p.component !== 'shovel' && p.component !== 'federation-upstream') continue;
    const object = ref('parameter', objectKey('parameter', p.vhost, p.component, p.name), `${p.component} "${p.name}" ${inVhost(p.vhost)}`);
    findings.push({ code: p.component === 'shovel' ? 'RMQ-SHOVEL' : 'RMQ-FEDERATION-UPSTREAM', severity: 'warning', object, message: `${object.label} is replicated and will run on the target: its URIs must be reachable from Amazon MQ, and URIs that name the source broker must be changed`, fix: 'Review the URIs (credentials in them are not shown in reports) before cutover.' });
  }
  for (const p of t.globalParameters) {
    if (!BROKER_IDENTITY_PARAMETERS.has(p.name)) continue;
    findings.push({ code: 'RMQ-BROKER-IDENTITY', severity: 'info', object: ref('globalParameter', objectKey('globalParameter', p.name), `global parameter "${p.name}"`), message: `global parameter "${p.name}" identifies the source broker and is not copied`, fix: 'Nothing to do.' });
  }

  for (const c of inventory.clients) {
    findings.push({ code: 'RMQ-CONNECTED-CLIENTS', severity: 'info', object: ref('clients', `clients\u0000${c.vhost}\u0000${c.user}`, `clients of user "${c.user}" ${inVhost(c.vhost)}`), message: `${c.connections} connection(s) with ${c.channels} channel(s) as user "${c.user}" ${inVhost(c.vhost)} must be moved at cutover`, fix: 'Point these clients at the target endpoint during the cutover window.' });
  }

  // Sizing from what the source carries now.
  const counts = summarize(inventory);
  const needs = { connections: counts.connections, channels: counts.channels, queues: t.queues.filter((q) => !q.exclusive).length, shovels: counts.shovels };
  if (inventory.source.origin === 'definitions-file') {
    findings.push({ code: 'RMQ-SIZING-WITHOUT-CLIENTS', severity: 'info', message: 'the inventory came from a definitions file: connection and channel counts are unknown and sized as zero', fix: 'Plan from the live broker (management API) to size for its clients.' });
  }
  const sizing = sizeInstance(needs, version, options);
  if (sizing.exceeded.length > 0) {
    findings.push({ code: 'RMQ-LIMIT-EXCEEDED', severity: 'blocker', message: `${sizing.instanceType} cannot hold this broker in ${options.deploymentMode}: ${sizing.exceeded.join(', ')} exceed its documented limits (with headroom)`, fix: 'Split the broker across several Amazon MQ brokers, or reduce the named objects.' });
  }
  const sourceMajor = inventory.broker.engineVersion?.split('.')[0];
  if (sourceMajor === '3' && version.startsWith('4')) {
    findings.push({ code: 'RMQ-MAJOR-VERSION-UPGRADE', severity: 'info', message: `the source runs RabbitMQ ${inventory.broker.engineVersion}; the target runs ${version}, where queues declared without x-queue-type are ${features.defaultQueueType ?? 'of the broker default type'} and classic mirroring is gone`, fix: 'Test clients against RabbitMQ 4 before cutover.' });
  }

  return RabbitPlan.parse({
    schemaVersion: PLAN_SCHEMA_VERSION,
    engine: 'RABBITMQ',
    createdAt: now().toISOString(),
    source: { endpoint: inventory.source.endpoint, engineVersion: inventory.broker.engineVersion },
    target: { engineType: 'RABBITMQ', engineVersion: version, deploymentMode: options.deploymentMode, instanceType: sizing.instanceType, storageType: 'EBS' },
    sizing,
    options,
    findings,
    actions,
  });
}

function targetVersion(requested: string | undefined): RabbitEngineVersion {
  if (requested === undefined) return DEFAULT_RABBITMQ_ENGINE_VERSION;
  const offered = toOfferedRabbitEngineVersion(requested);
  if (!offered) throw new ValidationError('options.engineVersion', 'must be a RabbitMQ version Amazon MQ offers (3.13, 4.2, 4.3)', `options.engineVersion: "${requested}" is not offered by Amazon MQ for RabbitMQ`);
  return offered;
}

function sizeInstance(needs: { connections: number; channels: number; queues: number; shovels: number }, version: RabbitEngineVersion, options: RabbitPlanOptions) {
  if (options.instanceType !== undefined) {
    const type = findRabbitInstanceType(options.instanceType);
    if (!type) throw new ValidationError('options.instanceType', 'must be an Amazon MQ for RabbitMQ instance type', `options.instanceType: "${options.instanceType}" is not an Amazon MQ for RabbitMQ instance type`);
    const limits = type.limits[options.deploymentMode];
    if (!limits || !type.engineVersions.includes(version)) {
      throw new ValidationError('options.instanceType', `must support ${options.deploymentMode} on RabbitMQ ${version}`, `options.instanceType: ${type.name} does not run ${options.deploymentMode} on RabbitMQ ${version}`);
    }
    const exceeded = (['connections', 'channels', 'queues', 'shovels'] as const).filter((key) => needs[key] > limits[key]);
    return { needs, instanceType: type.name, exceeded };
  }
  const choice = chooseRabbitInstanceType({ ...needs, deployment: options.deploymentMode, engineVersion: version, productionOnly: options.deploymentMode === 'CLUSTER_MULTI_AZ' });
  return { needs, instanceType: choice.type.name, exceeded: choice.exceeded };
}

/** The definition of Amazon MQ's default policy where the docs give it (RabbitMQ 3 single: queue-mode lazy). */
function defaultPolicyDefinition(version: RabbitEngineVersion, deployment: RabbitPlanOptions['deploymentMode']): Record<string, unknown> {
  const major = Number(version.split('.')[0]);
  const policy = AMAZON_MQ_DEFAULT_POLICIES.find((p) => p.kind === 'policy' && p.deployment === deployment && p.engineMajors.includes(major as 3 | 4) && p.definition !== undefined);
  return { ...(policy?.definition ?? {}) };
}
