/**
 * The execution input of the fleet state machine: several source brokers and their targets in
 * one run. Each member becomes a migration of its own (a child execution of the migration state
 * machine, named by its migration id, with its own approval gate); the fleet adds what only
 * the whole can check: unique ids and cutover targets, members sharing a target broker (many
 * RabbitMQ sources to one broker) agreeing on how it is created, and ActiveMQ configurations
 * shared by name. Errors name the field (`members[2].target.brokerName`).
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { FLEET_TAG, MIGRATION_TAG } from '../amazonmq/provision-input.js';
import { forwardIssues } from '../model/validate.js';
import { CutoverInput, DrainSettings, MigrationIdSchema, MigrationInput, PlanOptionsInput, planOptionsSchema, SourceInput, TargetInput } from './input.js';

/** Members per fleet: an inline Map runs at most 40 iterations at once; more is several fleets. */
export const FLEET_MAX_MEMBERS = 40;

const Rollback = z.strictObject({ onFailure: z.enum(['offer', 'automatic', 'none']).default('offer') });

export const FleetMember = z.strictObject({
  /** The member's migration id: its execution name and its documents' prefix. */
  migrationId: MigrationIdSchema,
  source: SourceInput,
  target: TargetInput,
  options: PlanOptionsInput.default({}),
  /** Default: the fleet's. */
  cutover: CutoverInput.optional(),
  drain: DrainSettings.optional(),
  rollback: Rollback.optional(),
});
export type FleetMember = z.output<typeof FleetMember>;

/** Plan options that shape the broker: members sharing one must not ask for different ones. */
const BROKER_SHAPING_OPTIONS = ['engineVersion', 'deploymentMode', 'instanceType', 'storageType'] as const;
/** Target fields that CreateBroker takes: the first member's create the shared broker. */
const BROKER_CREATION_FIELDS = ['adminSecretId', 'network', 'encryption', 'maintenanceWindow', 'tags'] as const;

export const FleetInput = z
  .strictObject({
    fleetId: MigrationIdSchema,
    members: z.array(FleetMember).min(1).max(FLEET_MAX_MEMBERS, `at most ${FLEET_MAX_MEMBERS} members (split the fleet)`),
    /** The members' cutover unless they name their own (manual suits many; a parameter or record suits one). */
    cutover: CutoverInput.optional(),
    drain: DrainSettings.prefault({}),
    rollback: Rollback.prefault({}),
    dryRun: z.boolean().default(false),
    /** Target brokers migrated at once (members sharing a target go one after the other). */
    maxConcurrency: z.number().int().min(1).max(FLEET_MAX_MEMBERS).default(4),
  })
  .superRefine((fleet, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const firstIndex = new Map<string, number>();
    const cutoverKeys = new Map<string, number>();
    const byTarget = new Map<string, number>();
    const byConfiguration = new Map<string, number>();
    // Compared with their defaults: an option left out and the same option spelt out agree.
    const effective = fleet.members.map((m) => {
      const parsed = planOptionsSchema(m.source.engine).safeParse(m.options);
      return parsed.success ? parsed.data : m.options;
    });
    fleet.members.forEach((member, i) => {
      const at = (...rest: (string | number)[]) => ['members', i, ...rest];
      const seen = firstIndex.get(member.migrationId);
      if (seen !== undefined) issue(at('migrationId'), `must be unique in the fleet (members[${seen}] has it)`);
      else if (member.migrationId === fleet.fleetId) issue(at('migrationId'), 'must differ from the fleetId (both name executions and documents)');
      else firstIndex.set(member.migrationId, i);

      const options = planOptionsSchema(member.source.engine).safeParse(member.options);
      if (!options.success) {
        // forwardIssues under a prefix with the member's index as a number: named `members[2].options...`.
        const nested = new z.ZodError([]);
        forwardIssues(options.error, { addIssue: (raw) => void nested.issues.push(raw as never) } as z.RefinementCtx, []);
        for (const forwarded of nested.issues) issue(at('options', ...forwarded.path.map(String)), forwarded.message);
      }

      const cutover = member.cutover ?? fleet.cutover;
      if (cutover === undefined) issue(at('cutover'), 'required (or a cutover for the whole fleet)');
      const cutoverKey = cutover?.strategy === 'ssm-parameter' ? `ssm:${cutover.parameterName}` : cutover?.strategy === 'route53' ? `dns:${cutover.hostedZoneId}/${cutover.recordName.replace(/\.$/, '')}` : undefined;
      if (cutoverKey !== undefined) {
        const other = cutoverKeys.get(cutoverKey);
        const field = member.cutover ? at('cutover', cutover?.strategy === 'ssm-parameter' ? 'parameterName' : 'recordName') : ['cutover'];
        if (other !== undefined) issue(field, `members[${other}] switches the same ${cutover?.strategy === 'ssm-parameter' ? 'parameter' : 'record'}: each source's clients need their own`);
        else cutoverKeys.set(cutoverKey, i);
      }

      for (const tag of [FLEET_TAG, MIGRATION_TAG]) if (member.target.tags?.[tag] !== undefined) issue(at('target', 'tags', tag), 'is set by mq-migrate');
      if (member.target.configurationName !== undefined && member.source.engine !== 'ACTIVEMQ') issue(at('target', 'configurationName'), 'only for ActiveMQ targets (Amazon MQ configurations of RabbitMQ are not shared by mq-migrate)');
      if (member.target.configurationName !== undefined && member.source.engine === 'ACTIVEMQ') {
        // A configuration belongs to one engine version: brokers sharing it run that version.
        const sharer = byConfiguration.get(member.target.configurationName);
        if (sharer === undefined) byConfiguration.set(member.target.configurationName, i);
        else if (!isDeepStrictEqual(effective[i]?.engineVersion, effective[sharer]?.engineVersion)) issue(at('options', 'engineVersion'), `must be the same as members[${sharer}].options.engineVersion: they share configuration "${member.target.configurationName}"`);
      }

      const first = byTarget.get(member.target.brokerName);
      if (first === undefined) {
        byTarget.set(member.target.brokerName, i);
        return;
      }
      // Many to one: a second member on a broker another member creates.
      const owner = fleet.members[first];
      if (!owner) return;
      if (owner.source.engine !== member.source.engine) return issue(at('target', 'brokerName'), `members[${first}] migrates a ${owner.source.engine} source onto this broker`);
      if (member.source.engine === 'ACTIVEMQ') return issue(at('target', 'brokerName'), `members[${first}] has this broker: an ActiveMQ broker takes one source (brokers alike share a configuration: target.configurationName)`);
      for (const field of BROKER_CREATION_FIELDS) {
        if (!isDeepStrictEqual(member.target[field], owner.target[field])) issue(at('target', field), `must be the same as members[${first}].target.${field}: they share the broker`);
      }
      for (const option of BROKER_SHAPING_OPTIONS) {
        if (!isDeepStrictEqual(effective[i]?.[option], effective[first]?.[option])) issue(at('options', option), `must be the same as members[${first}].options.${option}: they share the broker`);
      }
    });
  });
export type FleetInput = z.output<typeof FleetInput>;
export type FleetInputInput = z.input<typeof FleetInput>;

/** One target broker and the members migrating onto it, in input order (they run one after the other). */
export interface FleetGroup {
  brokerName: string;
  engine: 'RABBITMQ' | 'ACTIVEMQ';
  members: { migrationId: string; input: MigrationInput }[];
}

export interface FleetPlan {
  fleetId: string;
  maxConcurrency: number;
  groups: FleetGroup[];
  /** ActiveMQ configurations by name, and the members using each (one only: not shared). */
  configurations: Record<string, string[]>;
}

/** The members' migration inputs, grouped by target broker, each tagged with the fleet. */
export function planFleet(fleet: FleetInput): FleetPlan {
  const groups = new Map<string, FleetGroup>();
  const configurations: Record<string, string[]> = {};
  for (const member of fleet.members) {
    const input = MigrationInput.parse({
      migrationId: member.migrationId,
      source: member.source,
      target: { ...member.target, tags: { ...member.target.tags, [FLEET_TAG]: fleet.fleetId } },
      cutover: member.cutover ?? fleet.cutover,
      options: member.options,
      drain: member.drain ?? fleet.drain,
      rollback: member.rollback ?? fleet.rollback,
      dryRun: fleet.dryRun,
    });
    const group = groups.get(member.target.brokerName) ?? { brokerName: member.target.brokerName, engine: member.source.engine, members: [] };
    group.members.push({ migrationId: member.migrationId, input });
    groups.set(member.target.brokerName, group);
    if (member.target.configurationName !== undefined) (configurations[member.target.configurationName] ??= []).push(member.migrationId);
  }
  return { fleetId: fleet.fleetId, maxConcurrency: fleet.maxConcurrency, groups: [...groups.values()], configurations };
}

/** `fleets/{fleetId}/{name}`: the fleet's own documents (its manifest and report). */
export function fleetKey(fleetId: string, name: string): string {
  return `fleets/${fleetId}/${name}`;
}

/** What members read of their fleet (fleets/{fleetId}/manifest.json): who shares which broker. */
export const FleetManifest = z.strictObject({
  fleetId: z.string(),
  createdAt: z.string(),
  members: z.array(z.strictObject({ migrationId: z.string(), engine: z.enum(['RABBITMQ', 'ACTIVEMQ']), brokerName: z.string(), configurationName: z.string().optional() })),
});
export type FleetManifest = z.infer<typeof FleetManifest>;

export function fleetManifest(plan: FleetPlan, createdAt = new Date().toISOString()): FleetManifest {
  return {
    fleetId: plan.fleetId,
    createdAt,
    members: plan.groups.flatMap((g) =>
      g.members.map((m) => ({ migrationId: m.migrationId, engine: g.engine, brokerName: g.brokerName, ...(m.input.target.configurationName !== undefined ? { configurationName: m.input.target.configurationName } : {}) })),
    ),
  };
}
