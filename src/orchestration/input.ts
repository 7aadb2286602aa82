/**
 * The execution input of the migration state machine: validated by `mq-migrate start` before the
 * execution starts (errors name the field), and again, piece by piece, by each handler. Secrets
 * are Secrets Manager ids (ARNs, or names), never values.
 */
import { z } from 'zod';
import { EncryptionInput, MaintenanceWindowInput, NetworkInput } from '../amazonmq/provision-input.js';
import { BROKER_NAME_PATTERN } from '../amazonmq/rabbitmq-rules.js';
import { RabbitPlanOptions } from '../model/plan.js';
import { ActiveMqPlanOptions } from '../plan/activemq-planner.js';
import { forwardIssues } from '../model/validate.js';

/** Also the execution name (≤ 80) and the broker's migration tag (the provisioner's rule). */
export const MigrationIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be 1-64 letters, digits or dashes, starting with a letter or digit');

export const SecretId = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9/_+=.@:-]+$/, 'must be a Secrets Manager secret name or ARN (never the secret itself)');

const noCredentials = (url: string) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === '');

export const AmqpUrl = z
  .string()
  .regex(/^amqps?:\/\/[^\s]+$/, 'must be an amqp:// or amqps:// URL')
  .refine(noCredentials, 'must not embed credentials (put them in the secret)');

export const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
  .refine(noCredentials, 'must not embed credentials (put them in the secret)');

export const StompUrl = z
  .string()
  .regex(/^stomp(\+nio)?(\+ssl)?:\/\/[^\s/:]+:\d+\/?$/, 'must be a stomp://host:port or stomp+ssl://host:port URL')
  .refine(noCredentials, 'must not embed credentials (put them in the secret)');

export const RabbitEndpoint = z.strictObject({
  engine: z.literal('RABBITMQ'),
  managementUrl: HttpUrl,
  amqpUrl: AmqpUrl,
  credentialsSecretId: SecretId,
});
export type RabbitEndpoint = z.infer<typeof RabbitEndpoint>;

/**
 * An ActiveMQ broker: Jolokia (depths, connections, durable subscribers) and STOMP (messages);
 * on Amazon MQ, Jolokia is the web console's /api/jolokia and STOMP is stomp+ssl on 61614.
 */
export const ActiveMqEndpoint = z.strictObject({
  engine: z.literal('ACTIVEMQ'),
  jolokiaUrl: HttpUrl,
  stompUrl: StompUrl,
  credentialsSecretId: SecretId,
  /** The broker Jolokia serves, when it serves several. */
  brokerName: z.string().min(1).max(200).optional(),
  /**
   * The source's activemq.xml and JAAS files (users, groups, authorization, policies): a JSON
   * document in S3 ({ mainFile?, files: { name: text } }); `mq-migrate start --activemq-conf DIR`
   * uploads it. Without it the inventory has only what Jolokia shows (no users).
   */
  configuration: z.strictObject({ bucket: z.string().min(3), key: z.string().min(1) }).optional(),
});
export type ActiveMqEndpoint = z.infer<typeof ActiveMqEndpoint>;

/** A source or target broker as the workflow's steps reach it (`engine` says which fields). */
export const BrokerEndpoint = z.discriminatedUnion('engine', [RabbitEndpoint, ActiveMqEndpoint]);
export type BrokerEndpoint = z.infer<typeof BrokerEndpoint>;

export const SourceInput = BrokerEndpoint;

/** Amazon MQ's rule for configuration names. */
export const ConfigurationName = z.string().regex(/^[A-Za-z0-9._~-]{1,150}$/, 'must be 1-150 letters, digits, dashes, periods, underscores or tildes');

export const TargetInput = z.strictObject({
  brokerName: z.string().regex(BROKER_NAME_PATTERN, 'must be 1-50 letters, digits, dashes or underscores'),
  adminSecretId: SecretId,
  network: NetworkInput.optional(),
  encryption: EncryptionInput.optional(),
  maintenanceWindow: MaintenanceWindowInput.optional(),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  /**
   * ActiveMQ: the Amazon MQ configuration to use, by name, shared by every broker of the fleet
   * that names it (Amazon MQ's way for brokers alike); without it each broker gets its own.
   */
  configurationName: ConfigurationName.optional(),
});

export const CutoverInput = z.discriminatedUnion('strategy', [
  z.strictObject({ strategy: z.literal('manual'), instructions: z.string().max(2000).optional() }),
  z.strictObject({
    strategy: z.literal('ssm-parameter'),
    parameterName: z.string().regex(/^[A-Za-z0-9_.\-/]{1,1011}$/, 'must be an SSM parameter name'),
  }),
  z.strictObject({
    strategy: z.literal('route53'),
    hostedZoneId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id'),
    recordName: z.string().regex(/^([A-Za-z0-9_-]{1,63}\.)+[A-Za-z0-9-]{1,63}\.?$/, 'must be a DNS name'),
    ttl: z.number().int().min(0).max(86400).default(60),
  }),
]);
export type CutoverInput = z.infer<typeof CutoverInput>;

export const DrainSettings = z.strictObject({
  /** Queues per Map item (one Lambda drains that many, `concurrency` at a time). */
  batchSize: z.number().int().min(1).max(200).default(25),
  concurrency: z.number().int().min(1).max(16).default(4),
  /**
   * Batches drained at once (the drain Maps' concurrency). With `concurrency`, it bounds the
   * queues drained at once: parallelBatches x concurrency, each with its own source connection.
   */
  parallelBatches: z.number().int().min(1).max(40).default(4),
  /**
   * Limits that keep the drain from overloading the source production still uses, for the whole
   * migration: every batch in flight gets an equal share (throttleShare).
   */
  throttle: z
    .strictObject({
      /** Messages per second taken from the source, all batches together. */
      messagesPerSecond: z.number().int().min(1).max(1_000_000).optional(),
      /** AMQP/STOMP connections to the source at once, all batches together. */
      maxSourceConnections: z.number().int().min(1).max(10_000).optional(),
      /** Connections to the target at once, all batches together. */
      maxTargetConnections: z.number().int().min(1).max(10_000).optional(),
    })
    .prefault({}),
  /** Pre-drain: each batch loops until its queues are empty or this budget ends. */
  preDrainBudgetSeconds: z.number().int().min(1).max(86400).default(600),
  /** Final drain (producers stopped): until empty; running out of it fails the migration. */
  finalDrainBudgetSeconds: z.number().int().min(1).max(86400).default(3600),
});

/** Plan options are the engine's (RabbitPlanOptions or ActiveMqPlanOptions), checked against the source's engine. */
export const PlanOptionsInput = z.record(z.string(), z.unknown());

export function planOptionsSchema(engine: BrokerEndpoint['engine']): z.ZodType<Record<string, unknown>> {
  return engine === 'ACTIVEMQ' ? ActiveMqPlanOptions : RabbitPlanOptions;
}

export type DrainSettings = z.output<typeof DrainSettings>;

/**
 * One batch's share of the migration's limits: the Map runs `parallelBatches` batches at once, each
 * a Lambda with its own connections, so each gets 1/parallelBatches of every limit (at least 1).
 */
export function throttleShare(drain: Pick<DrainSettings, 'parallelBatches' | 'throttle'>): { messagesPerSecond?: number; maxSourceConnections?: number; maxTargetConnections?: number } {
  const share = (total: number | undefined) => (total === undefined ? undefined : Math.max(1, Math.floor(total / drain.parallelBatches)));
  const limits = { messagesPerSecond: share(drain.throttle.messagesPerSecond), maxSourceConnections: share(drain.throttle.maxSourceConnections), maxTargetConnections: share(drain.throttle.maxTargetConnections) };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

export const MigrationInput = z
  .strictObject({
    migrationId: MigrationIdSchema,
    source: SourceInput,
    target: TargetInput,
    cutover: CutoverInput,
    options: PlanOptionsInput.default({}),
    drain: DrainSettings.prefault({}),
    rollback: z.strictObject({ onFailure: z.enum(['offer', 'automatic', 'none']).default('offer') }).prefault({}),
    /** Stop after replication's dry run: nothing is written, nothing moves. */
    dryRun: z.boolean().default(false),
  })
  .superRefine((input, ctx) => {
    if (input.target.configurationName !== undefined && input.source.engine !== 'ACTIVEMQ') {
      ctx.addIssue({ code: 'custom', path: ['target', 'configurationName'], message: 'only for ActiveMQ targets (Amazon MQ configurations are ActiveMQ documents)' });
    }
    // Each batch in flight needs a connection of its own on either side.
    for (const side of ['maxSourceConnections', 'maxTargetConnections'] as const) {
      const limit = input.drain.throttle[side];
      if (limit !== undefined && limit < input.drain.parallelBatches) {
        ctx.addIssue({ code: 'custom', path: ['drain', 'throttle', side], message: `must be at least drain.parallelBatches (${input.drain.parallelBatches}): every batch in flight holds a connection` });
      }
    }
    const parsed = planOptionsSchema(input.source.engine).safeParse(input.options);
    if (!parsed.success) forwardIssues(parsed.error, ctx, ['options']);
  });
export type MigrationInput = z.output<typeof MigrationInput>;
export type MigrationInputInput = z.input<typeof MigrationInput>;
