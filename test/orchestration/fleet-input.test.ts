import { readFileSync } from 'node:fs';
import { FLEET_TAG } from '../../src/amazonmq/provision-input.js';
import { ValidationError } from '../../src/model/errors.js';
import { parseOrThrow } from '../../src/model/validate.js';
import { FLEET_MAX_MEMBERS, FleetInput, fleetManifest, planFleet, type FleetInputInput } from '../../src/orchestration/fleet-input.js';

/** The fleet's input: one run, several sources and their targets; errors name the member's field. */
const example = JSON.parse(readFileSync(new URL('../../events/fleet-input.json', import.meta.url), 'utf8')) as FleetInputInput;
const rabbit = (id: string, brokerName: string, parameterName = `apps/${id}/broker-url`) => ({
  migrationId: id,
  source: { engine: 'RABBITMQ' as const, managementUrl: `https://${id}.corp.example:15671`, amqpUrl: `amqps://${id}.corp.example:5671`, credentialsSecretId: `mq-migrate/${id}/source` },
  target: { brokerName, adminSecretId: 'mq-migrate/shared/target-admin' },
  cutover: { strategy: 'ssm-parameter' as const, parameterName },
});
const activemq = (id: string, configurationName?: string) => ({
  migrationId: id,
  source: { engine: 'ACTIVEMQ' as const, jolokiaUrl: `https://${id}.corp.example:8162/api/jolokia`, stompUrl: `stomp+ssl://${id}.corp.example:61614`, credentialsSecretId: `mq-migrate/${id}/source` },
  target: { brokerName: id, adminSecretId: `mq-migrate/${id}/target-admin`, ...(configurationName ? { configurationName } : {}) },
  cutover: { strategy: 'ssm-parameter' as const, parameterName: `apps/${id}/broker-url` },
});
const fleet = (members: unknown[], rest: Record<string, unknown> = {}) => ({ fleetId: 'dc1-2025-06', members, ...rest });
const failure = (input: unknown) => {
  try {
    parseOrThrow(FleetInput, input, '');
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, rule: error.rule };
    throw error;
  }
  throw new Error('the input was accepted');
};

it('accepts the example fleet: many RabbitMQ sources to one broker, ActiveMQ brokers sharing a configuration', () => {
  const parsed = FleetInput.parse(example);

  const plan = planFleet(parsed);

  expect(plan.groups.map((g) => [g.brokerName, g.members.map((m) => m.migrationId)])).toEqual([
    ['dc1-rabbitmq', ['dc1-orders', 'dc1-billing']],
    ['dc1-activemq-a', ['dc1-legacy-a']],
    ['dc1-activemq-b', ['dc1-legacy-b']],
  ]);
  expect(plan.configurations).toEqual({ 'dc1-activemq': ['dc1-legacy-a', 'dc1-legacy-b'] });
  // Every member's input is a complete migration input, tagged with the fleet, defaults from the fleet.
  const first = plan.groups[0]?.members[0]?.input;
  expect(first?.target.tags).toMatchObject({ [FLEET_TAG]: 'dc1-2025-06', team: 'platform' });
  expect(first?.drain).toMatchObject(parsed.drain);
  expect(plan.maxConcurrency).toBe(parsed.maxConcurrency);
  expect(fleetManifest(plan, '2025-06-14T00:00:00.000Z').members).toContainEqual({ migrationId: 'dc1-legacy-b', engine: 'ACTIVEMQ', brokerName: 'dc1-activemq-b', configurationName: 'dc1-activemq' });
});

it('takes the fleet cutover for members without their own, but one parameter is not for several sources', () => {
  const manual = { strategy: 'manual', instructions: 'switch the clients' };
  const withFleetCutover = fleet([{ ...rabbit('a', 'x'), cutover: undefined }, { ...rabbit('b', 'y'), cutover: undefined }], { cutover: manual });

  expect(planFleet(FleetInput.parse(withFleetCutover)).groups.map((g) => g.members[0]?.input.cutover)).toEqual([manual, manual]);
  expect(failure(fleet([{ ...rabbit('a', 'x'), cutover: undefined }, { ...rabbit('b', 'y'), cutover: undefined }], { cutover: { strategy: 'ssm-parameter', parameterName: 'one' } }))).toEqual({ field: 'cutover', rule: expect.stringContaining('members[0] switches the same parameter') });
  expect(failure(fleet([{ ...rabbit('a', 'x'), cutover: undefined }]))).toEqual({ field: 'members[0].cutover', rule: expect.stringContaining('required') });
});

it.each([
  ['a migration id twice', fleet([rabbit('a', 'x'), rabbit('a', 'y', 'p2')]), 'members[1].migrationId', 'unique'],
  ['a member named as the fleet', fleet([rabbit('dc1-2025-06', 'x')]), 'members[0].migrationId', 'differ from the fleetId'],
  ['two members switching one parameter', fleet([rabbit('a', 'x', 'same'), rabbit('b', 'y', 'same')]), 'members[1].cutover.parameterName', 'members[0] switches the same parameter'],
  ['an ActiveMQ broker for two sources', fleet([activemq('a'), { ...activemq('b'), target: { ...activemq('b').target, brokerName: 'a' } }]), 'members[1].target.brokerName', 'an ActiveMQ broker takes one source'],
  ['engines mixed on one broker', fleet([rabbit('a', 'shared'), { ...activemq('b'), target: { ...activemq('b').target, brokerName: 'shared' } }]), 'members[1].target.brokerName', 'members[0] migrates a RABBITMQ source'],
  ['another admin for a shared broker', fleet([rabbit('a', 'shared'), { ...rabbit('b', 'shared'), target: { brokerName: 'shared', adminSecretId: 'mq-migrate/b/admin' } }]), 'members[1].target.adminSecretId', 'must be the same as members[0].target.adminSecretId'],
  ['another size for a shared broker', fleet([{ ...rabbit('a', 'shared'), options: { deploymentMode: 'SINGLE_INSTANCE' } }, rabbit('b', 'shared')]), 'members[1].options.deploymentMode', 'must be the same as members[0].options.deploymentMode'],
  ['a configuration name on a RabbitMQ target', fleet([{ ...rabbit('a', 'x'), target: { ...rabbit('a', 'x').target, configurationName: 'c' } }]), 'members[0].target.configurationName', 'only for ActiveMQ'],
  ['another engine version on a shared configuration', fleet([activemq('a', 'c'), { ...activemq('b', 'c'), options: { engineVersion: '5.19' } }]), 'members[1].options.engineVersion', 'they share configuration "c"'],
  ['a bad configuration name', fleet([activemq('a', 'has space')]), 'members[0].target.configurationName', 'must be 1-150'],
  ['the fleet tag set by hand', fleet([{ ...rabbit('a', 'x'), target: { ...rabbit('a', 'x').target, tags: { [FLEET_TAG]: 'other' } } }]), `members[0].target.tags.${FLEET_TAG}`, 'is set by mq-migrate'],
  ['options of the other engine', fleet([{ ...activemq('a'), options: { mirroredQueues: 'keep-classic' } }]), 'members[0].options.mirroredQueues', 'unknown field'],
  ['too many members', fleet(Array.from({ length: FLEET_MAX_MEMBERS + 1 }, (_, i) => rabbit(`m${i}`, `b${i}`))), 'members', `at most ${FLEET_MAX_MEMBERS} members`],
  ['no member', fleet([]), 'members', expect.any(String)],
])('refuses %s, naming the field', (_what, input, field, rule) => {
  expect(failure(input)).toEqual({ field, rule: typeof rule === 'string' ? expect.stringContaining(rule) : rule });
});
