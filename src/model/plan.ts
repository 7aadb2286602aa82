import { z } from 'zod';

export const PLAN_SCHEMA_VERSION = 1;

export const Severity = z.enum(['blocker', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

export const ObjectRef = z.strictObject({
  type: z.string(),
  /** Stable key of the object (see topology-objects), used by actions. */
  key: z.string(),
  label: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const Finding = z.strictObject({
  /** Stable code, e.g. RMQ-STREAM-QUEUE; documented in docs/findings.md. */
  code: z.string().regex(/^[A-Z]+(-[A-Z0-9]+)+$/),
  severity: Severity,
  object: ObjectRef.optional(),
  message: z.string(),
  fix: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export const DeploymentMode = z.enum(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ', 'ACTIVE_STANDBY_MULTI_AZ']);

/** Choices a user makes in the plan; replication applies them. */
export const RabbitPlanOptions = z.strictObject({
  engineVersion: z.string().optional(),
  deploymentMode: z.enum(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ']).default('CLUSTER_MULTI_AZ'),
  instanceType: z.string().optional(),
  /** Classic queues whose policy mirrors them: convert to quorum (default) or keep classic. */
  mirroredQueues: z.enum(['convert-to-quorum', 'keep-classic']).default('convert-to-quorum'),
  /** Source policies whose names Amazon MQ reserves: rename with a prefix, or leave out. */
  reservedPolicyNames: z.enum(['rename', 'skip']).default('rename'),
  renamePrefix: z.string().min(1).default('migrated-'),
  /** Merge Amazon MQ's default policy keys into source policies that would otherwise shadow them. */
  keepAmazonMqDefaultPolicies: z.boolean().default(true),
  /** Finding codes the user accepts: blockers with these codes no longer stop the migration. */
  acceptFindings: z.array(z.string()).default([]),
});
export type RabbitPlanOptions = z.infer<typeof RabbitPlanOptions>;
export type RabbitPlanOptionsInput = z.input<typeof RabbitPlanOptions>;

export const PlanAction = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('exclude'), object: ObjectRef, code: z.string() }),
  z.strictObject({ kind: z.literal('convert-to-quorum'), object: ObjectRef, code: z.string(), removeArguments: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('strip-policy-keys'), object: ObjectRef, code: z.string(), keys: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('rename-policy'), object: ObjectRef, code: z.string(), to: z.string() }),
  z.strictObject({ kind: z.literal('merge-policy-keys'), object: ObjectRef, code: z.string(), definition: z.record(z.string(), z.unknown()) }),
]);
export type PlanAction = z.infer<typeof PlanAction>;

export const Sizing = z.strictObject({
  needs: z.strictObject({ connections: z.number(), channels: z.number(), queues: z.number(), shovels: z.number() }),
  instanceType: z.string(),
  exceeded: z.array(z.string()),
});

export const RabbitPlan = z.strictObject({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  engine: z.literal('RABBITMQ'),
  createdAt: z.iso.datetime(),
  source: z.strictObject({ endpoint: z.string(), engineVersion: z.string().optional() }),
  target: z.strictObject({
    engineType: z.literal('RABBITMQ'),
    engineVersion: z.string(),
    deploymentMode: z.enum(['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ']),
    instanceType: z.string(),
    storageType: z.literal('EBS'),
  }),
  sizing: Sizing,
  options: RabbitPlanOptions,
  findings: z.array(Finding),
  actions: z.array(PlanAction),
});
export type RabbitPlan = z.infer<typeof RabbitPlan>;

export function unacceptedBlockers(plan: { findings: readonly Finding[]; options: { acceptFindings: readonly string[] } }): Finding[] {
  return plan.findings.filter((f) => f.severity === 'blocker' && !plan.options.acceptFindings.includes(f.code));
}
