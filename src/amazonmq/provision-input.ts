/**
 * What provisioning a broker needs: the plan's target (engine, version, deployment mode, instance
 * type, storage) plus everything a real deployment adds (network, encryption, logs, maintenance
 * window, tags) and where the credentials are (Secrets Manager ids, never passwords).
 */
import type { ActiveMqPlan } from '../plan/activemq-planner.js';
import { z } from 'zod';
import { DocumentRef } from '../aws/documents.js';
import type { RabbitPlan } from '../model/plan.js';
import { BROKER_NAME_PATTERN } from './rabbitmq-rules.js';

export const MIGRATION_TAG = 'mq-migrate:migration-id';
/**
 * Set by a fleet on its members' brokers and shared configurations: members of one fleet may
 * use a broker another member created (many sources to one target) and share configurations.
 */
export const FLEET_TAG = 'mq-migrate:fleet-id';

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

export const NetworkInput = z.strictObject({
  subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{1,17}$/, 'must be a subnet id')).default([]),
  securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{1,17}$/, 'must be a security group id')).max(5).default([]),
  /** Default false: a migrated broker is reached from inside the VPC. */
  publiclyAccessible: z.boolean().default(false),
});

export const EncryptionInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('aws-owned') }),
  z.strictObject({ kind: z.literal('kms'), kmsKeyId: z.string().min(1) }),
]);

export const LogsInput = z.strictObject({
  general: z.boolean().default(true),
  /** ActiveMQ only: Amazon MQ for RabbitMQ has no audit log. */
  audit: z.boolean().default(false),
});

export const MaintenanceWindowInput = z.strictObject({
  dayOfWeek: z.enum(DAYS),
  timeOfDay: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'),
  timeZone: z.string().min(1).default('UTC'),
});

export const ActiveMqUserInput = z.strictObject({
  /** Secret holding {"username","password"} of the user. */
  secretId: z.string().min(1),
  groups: z.array(z.string().regex(/^[A-Za-z0-9._~-]{2,100}$/)).max(20).default([]),
  consoleAccess: z.boolean().default(false),
});

export const ActiveMqInput = z
  .strictObject({
    /** The converted activemq.xml `<broker>` element, inline... */
    configurationXml: z.string().min(1).optional(),
    /** ...or in S3 when larger than a Step Functions payload (a JSON document holding the XML string). */
    configurationDocument: DocumentRef.optional(),
    users: z.array(ActiveMqUserInput).max(249).default([]),
    /**
     * A configuration shared with other brokers (found by this name and the fleet tag, else
     * created); without it the broker gets `<brokerName>-mq-migrate` of its own.
     */
    configurationName: z.string().regex(/^[A-Za-z0-9._~-]{1,150}$/, 'must be 1-150 letters, digits, dashes, periods, underscores or tildes').optional(),
  })
  .refine((a) => (a.configurationXml === undefined) !== (a.configurationDocument === undefined), {
    message: 'exactly one of configurationXml or configurationDocument is required',
  });

export const ProvisionInput = z
  .strictObject({
    migrationId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be 1-64 letters, digits or dashes'),
    brokerName: z.string().regex(BROKER_NAME_PATTERN, 'must be 1-50 letters, digits, dashes or underscores'),
    engineType: z.enum(['RABBITMQ', 'ACTIVEMQ']),
    engineVersion: z.string().min(1),
    deploymentMode: z.enum(['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ', 'CLUSTER_MULTI_AZ']),
    instanceType: z.string().regex(/^mq\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an Amazon MQ instance type such as mq.m7g.large'),
    /** Default: EBS for RabbitMQ (its only storage), EFS for ActiveMQ (Amazon MQ's default, durable across AZs). */
    storageType: z.enum(['EBS', 'EFS']).optional(),
    /** Secret with {"username","password"} of the broker's administrator. */
    adminSecretId: z.string().min(1),
    network: NetworkInput.prefault({}),
    encryption: EncryptionInput.default({ kind: 'aws-owned' }),
    logs: LogsInput.prefault({}),
    maintenanceWindow: MaintenanceWindowInput.optional(),
    autoMinorVersionUpgrade: z.boolean().default(true),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    activemq: ActiveMqInput.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.engineType === 'RABBITMQ') {
      if (input.activemq !== undefined) ctx.addIssue({ code: 'custom', path: ['activemq'], message: 'only for ACTIVEMQ brokers' });
      if (input.storageType === 'EFS') ctx.addIssue({ code: 'custom', path: ['storageType'], message: 'RabbitMQ brokers use EBS' });
      if (input.deploymentMode === 'ACTIVE_STANDBY_MULTI_AZ') ctx.addIssue({ code: 'custom', path: ['deploymentMode'], message: 'RabbitMQ brokers are SINGLE_INSTANCE or CLUSTER_MULTI_AZ' });
      if (input.logs.audit) ctx.addIssue({ code: 'custom', path: ['logs', 'audit'], message: 'Amazon MQ for RabbitMQ has no audit log' });
    } else {
      if (input.activemq === undefined) ctx.addIssue({ code: 'custom', path: ['activemq'], message: 'ACTIVEMQ brokers need the converted configuration' });
      if (input.deploymentMode === 'CLUSTER_MULTI_AZ') ctx.addIssue({ code: 'custom', path: ['deploymentMode'], message: 'ActiveMQ brokers are SINGLE_INSTANCE or ACTIVE_STANDBY_MULTI_AZ' });
    }
    // Amazon MQ manages the patch versions of RabbitMQ 3.13+ and ActiveMQ 5.18+ (every version it
    // offers) itself, which needs automatic minor version upgrades on.
    if (!input.autoMinorVersionUpgrade) ctx.addIssue({ code: 'custom', path: ['autoMinorVersionUpgrade'], message: 'must be true for RabbitMQ 3.13+ and ActiveMQ 5.18+' });
    if (MIGRATION_TAG in input.tags) ctx.addIssue({ code: 'custom', path: ['tags', MIGRATION_TAG], message: 'is set by the provisioner' });
    if (input.activemq?.configurationName !== undefined && input.tags[FLEET_TAG] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['activemq', 'configurationName'], message: `needs the ${FLEET_TAG} tag: configurations are shared within a fleet` });
    }
    if (Object.keys(input.tags).some((k) => k.startsWith('aws:'))) ctx.addIssue({ code: 'custom', path: ['tags'], message: 'keys must not start with "aws:"' });
  });
export type ProvisionInput = z.infer<typeof ProvisionInput>;
export type ProvisionInputInput = z.input<typeof ProvisionInput>;

/** The provision input for a RabbitMQ plan's target, with the deployment details the plan does not hold. */
export function provisionInputFromRabbitPlan(
  plan: Pick<RabbitPlan, 'target'>,
  rest: Omit<ProvisionInputInput, 'engineType' | 'engineVersion' | 'deploymentMode' | 'instanceType' | 'storageType' | 'activemq'>,
): ProvisionInputInput {
  return {
    ...rest,
    engineType: plan.target.engineType,
    engineVersion: plan.target.engineVersion,
    deploymentMode: plan.target.deploymentMode,
    instanceType: plan.target.instanceType,
    storageType: plan.target.storageType,
  };
}

/**
 * The provision input for an ActiveMQ plan's target: the broker starts with the converted
 * configuration and only its administrator; replication adds the planned users (and reboots,
 * since ActiveMQ user changes apply at a reboot).
 */
export function provisionInputFromActiveMqPlan(
  plan: Pick<ActiveMqPlan, 'target' | 'configuration'>,
  rest: Omit<ProvisionInputInput, 'engineType' | 'engineVersion' | 'deploymentMode' | 'instanceType' | 'storageType' | 'activemq'>,
  configurationName?: string,
): ProvisionInputInput {
  return {
    ...rest,
    engineType: 'ACTIVEMQ',
    engineVersion: plan.target.engineVersion,
    deploymentMode: plan.target.deploymentMode,
    instanceType: plan.target.instanceType,
    storageType: plan.target.storageType,
    activemq: { configurationXml: plan.configuration.xml, users: [], ...(configurationName !== undefined ? { configurationName } : {}) },
  };
}
