/**
 * Amazon MQ for RabbitMQ: the documented service rules a compatibility planner needs, as typed data.
 *
 * Everything here was read from stored copies of the Amazon MQ Developer Guide (and a few API/SDK
 * reference pages). Where AWS pages disagree, the comment says which one was followed and why.
 * Where a figure could not be found it is left `undefined` and the comment says so: nothing here is
 * extrapolated from neighbouring rows.
 *
 * Pages used (titles as AWS publishes them):
 *  [SIZING]   "Amazon MQ for RabbitMQ sizing guidelines"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-sizing-guidelines.html
 *             (the m7g + m5 revision, with "Sizing guidelines for m7g with quorum queues for single
 *             instance / cluster deployment" and "Sizing guidelines for m5 with CMQ single instance /
 *             cluster deployment"; an older revision with t3.micro rows was also read)
 *  [HARD]     "Amazon MQ for RabbitMQ maximum resource limit"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-resource-hard-limit.html
 *             (newest revision; adds Exchanges and "Message size in bytes" columns). Only the m7g
 *             single-instance table could be read, and only up to mq.m7g.12xlarge's first 3 columns.
 *  [DEFAULTS] "Default resource limits" (RabbitMQ 4.2)
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-resource-limits-configuration.html
 *  [CONFKEYS] "Resource Limit Configuration"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/configure-resource-limits.html
 *  [VERSIONS] "Managing Amazon MQ for RabbitMQ engine versions"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-version-management.html
 *  [RMQ4]     "RabbitMQ 4"  https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-4.html
 *  [RMQ43]    "RabbitMQ 4.3" https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-43.html
 *  [INPLACE]  "In-place upgrade from RabbitMQ 3 to 4"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/upgrading-rabbitmq-v3-to-v4-inplace.html
 *  [PLUGINS]  "Plugins" (Amazon MQ for RabbitMQ)
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-basic-elements-plugins.html
 *  [JMS]      "Amazon MQ for RabbitMQ JMS support"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-jms-support.html
 *  [PROM]     "Accessing Prometheus metrics"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-prometheus-metrics.html
 *  [BDEF]     "Amazon MQ for RabbitMQ broker defaults"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-defaults.html
 *  [APPLY]    "Applying policies to Amazon MQ for RabbitMQ"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-defaults-applying-policies.html
 *  [QQ]       "Quorum queues for RabbitMQ on Amazon MQ"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/quorum-queues.html
 *             and "Policy configurations for quorum queues for Amazon MQ for RabbitMQ"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/quorum-queues-policy-configurations.html
 *  [QUOTAS]   "Quotas in Amazon MQ"  https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-limits.html
 *  [BROKER]   "Using Amazon MQ for RabbitMQ" / "Amazon MQ for RabbitMQ brokers"
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/working-with-rabbitmq.html
 *  [API]      Amazon MQ API reference: BrokerStorageType ("EFS is not supported for RabbitMQ engine
 *             type"), CreateBroker brokerName, as mirrored in the AWS SDK docs
 *             (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/mq/aws.sdk.kotlin.services.mq.model/-create-broker-request/broker-name.html)
 *  [AMQTYPES] "Broker instance types" (ActiveMQ section; the only page found with vCPU/memory)
 *             https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/activemq-broker-instance-types.html
 *  [PASSWD]   RabbitMQ, "Credentials and Passwords" https://www.rabbitmq.com/docs/passwords (upstream)
 */

export * from './user-rules.js';

// ---------------------------------------------------------------------------------------------
// Engine versions
// ---------------------------------------------------------------------------------------------

export type RabbitDeployment = 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ';
export const RABBITMQ_DEPLOYMENT_MODES: readonly RabbitDeployment[] = ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'];

export type RabbitEngineVersion = '3.13' | '4.2' | '4.3';
export type InstanceFamily = 't3' | 'm5' | 'm7g';

export interface RabbitEngineVersionInfo {
  version: RabbitEngineVersion;
  major: 3 | 4;
  status: 'supported' | 'recommended';
  /** Instance families the version runs on [VERSIONS], [RMQ4]. */
  instanceFamilies: readonly InstanceFamily[];
  /** ISO date; undefined = no end-of-support date published in the pages read. */
  endOfSupport?: string;
  /** Versions an in-place upgrade to this one may start from [RMQ4], [RMQ43], [INPLACE]. */
  inPlaceUpgradeFrom: readonly RabbitEngineVersion[];
}

/**
 * Versions Amazon MQ currently offers for RabbitMQ, oldest first.
 * [VERSIONS]: "supports RabbitMQ 4.2 ... only on the mq.m7g instance type"; "RabbitMQ 3.13 ... on
 * mq.t3, mq.m5, and mq.m7g instance types"; "recommends all brokers use the latest supported version
 * RabbitMQ 4.2". [RMQ4] (newest revision): "supports RabbitMQ 4.3 and 4.2 ... only on the mq.m7g
 * instance type"; in-place upgrades 3.13 -> 4.2 and 4.2 -> 4.3. [RMQ43]: no direct 3.13 -> 4.3.
 * No end-of-support date is published for 3.13, 4.2 or 4.3 in the pages read.
 */
export const RABBITMQ_ENGINE_VERSIONS: readonly RabbitEngineVersionInfo[] = [
  { version: '3.13', major: 3, status: 'supported', instanceFamilies: ['t3', 'm5', 'm7g'], inPlaceUpgradeFrom: [] },
  { version: '4.2', major: 4, status: 'recommended', instanceFamilies: ['m7g'], inPlaceUpgradeFrom: ['3.13'] },
  { version: '4.3', major: 4, status: 'supported', instanceFamilies: ['m7g'], inPlaceUpgradeFrom: ['4.2'] },
];

/**
 * Versions that have reached end of support on Amazon MQ (cannot be chosen for new brokers), with
 * the dates from the "Amazon MQ for RabbitMQ supported engine versions" table in [VERSIONS].
 * Brokers are upgraded automatically within 45 days after the date; at least 90 days notice is
 * given; new brokers cannot be created within 30 days of the date.
 */
export const RABBITMQ_END_OF_SUPPORT_VERSIONS: readonly { version: string; endOfSupport: string }[] = [
  { version: '3.12', endOfSupport: '2025-03-17' },
  { version: '3.11', endOfSupport: '2025-02-17' },
  { version: '3.10', endOfSupport: '2024-10-15' },
  { version: '3.9', endOfSupport: '2024-09-16' },
];

/**
 * The version the planner targets unless told otherwise: 4.2, the version [VERSIONS] names as the
 * one Amazon MQ recommends for all brokers, and the one every default/maximum resource-limit table
 * was written for. Note: when CreateBroker is called *without* an engine version Amazon MQ uses the
 * latest version ({@link LATEST_RABBITMQ_ENGINE_VERSION}, 4.3), which rejects some things 4.2
 * accepts (see {@link RABBITMQ_VERSION_BREAKING_CHANGES}), so the planner always states a version.
 */
export const DEFAULT_RABBITMQ_ENGINE_VERSION: RabbitEngineVersion = '4.2';
/** Newest version offered ([RMQ4] lists 4.3 and 4.2). */
export const LATEST_RABBITMQ_ENGINE_VERSION: RabbitEngineVersion = '4.3';

export function rabbitEngineVersionInfo(version: RabbitEngineVersion): RabbitEngineVersionInfo {
  const info = RABBITMQ_ENGINE_VERSIONS.find((v) => v.version === version);
  if (!info) throw new Error(`unknown Amazon MQ RabbitMQ engine version ${version}`);
  return info;
}

/** Accepts "3.13", "3.13.7", "4.2", "4.2.1"...; returns the offered major.minor, or undefined. */
export function toOfferedRabbitEngineVersion(version: string): RabbitEngineVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!m) return undefined;
  const mm = `${m[1]}.${m[2]}`;
  return RABBITMQ_ENGINE_VERSIONS.find((v) => v.version === mm)?.version;
}

// ---------------------------------------------------------------------------------------------
// Instance types and their limits
// ---------------------------------------------------------------------------------------------

/**
 * Maximum values for one deployment mode ([SIZING] / [HARD]). In cluster mode, connections and
 * channels are per node ([SIZING] m5 table: "The following connection and channel limits are applied
 * per node"; [QUOTAS]: "connection limits are applied per node"); queues, vhosts, shovels and
 * exchanges are broker-wide. The optional keys are undefined where the docs give no figure.
 */
export interface RabbitLimits {
  connections: number;
  channels: number;
  queues: number;
  shovels: number;
  consumersPerChannel?: number;
  vhosts?: number;
  exchanges?: number;
  maxMessageSizeBytes?: number;
}

export interface RabbitInstanceType {
  name: string;
  family: InstanceFamily;
  /** Undefined where no Amazon MQ page gives it (all m7g sizes). */
  vcpu?: number;
  memoryGiB?: number;
  supportedDeployments: readonly RabbitDeployment[];
  engineVersions: readonly RabbitEngineVersion[];
  /** Maximum (hard) limits per deployment mode; a key is present exactly when the mode is supported. */
  limits: Partial<Record<RabbitDeployment, RabbitLimits>>;
  /**
   * The limits Amazon MQ applies by default on RabbitMQ 4.2 brokers ([DEFAULTS]); they can be raised
   * up to {@link limits} with a configuration ([CONFKEYS]). RabbitMQ 3 brokers get the maximums.
   * Only single-instance defaults could be read; cluster defaults were not found.
   */
  defaultLimits?: Partial<Record<RabbitDeployment, Partial<RabbitLimits>>>;
  /**
   * True for families that cannot run the recommended 4.x line (t3, m5): the planner should not
   * pick them for new brokers. AWS does not publish an end-of-support date for the m5 family for
   * RabbitMQ in the pages read; "deprecated" here means "legacy, 3.13-only".
   */
  deprecated: boolean;
  deprecationNote?: string;
  /** [SIZING]: smaller types (m7g.medium, t3.micro) "are recommended only for testing". */
  recommendedForProduction: boolean;
}

/** Configuration keys for overriding limits on RabbitMQ 4 brokers ([CONFKEYS]). */
export const RABBITMQ_RESOURCE_LIMIT_CONFIG_KEYS = {
  connections: 'connection_max',
  channels: 'channel_max_per_node',
  queues: 'cluster_queue_limit',
  vhosts: 'vhost_max',
  shovels: 'runtime_parameters.limits.shovel',
  exchanges: 'cluster_exchange_limit',
  consumersPerChannel: 'consumer_max_per_channel',
  maxMessageSizeBytes: 'max_message_size',
} as const satisfies Record<keyof RabbitLimits, string>;

const M7G_VERSIONS: readonly RabbitEngineVersion[] = ['3.13', '4.2', '4.3'];
const LEGACY_VERSIONS: readonly RabbitEngineVersion[] = ['3.13'];
const BOTH: readonly RabbitDeployment[] = ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'];
const M5_NOTE = 'mq.m5 runs only RabbitMQ 3.13; RabbitMQ 4.x requires mq.m7g ([VERSIONS], [INPLACE])';
const MSG_128_MIB = 134217728;

/**
 * Instance types, ordered small -> large (t3, then m5, then m7g; within a family by size).
 *
 * m7g SINGLE_INSTANCE: [HARD] for medium..8xlarge (all 8 columns). [HARD] is newer than [SIZING]
 *   and disagrees on mq.m7g.medium (300 connections / 900 channels vs 100 / 500 in [SIZING]); [HARD]
 *   is followed. For 12xlarge and 16xlarge only [SIZING] rows were readable (12xlarge's connections,
 *   channels and consumers-per-channel agree with the visible part of [HARD]); their exchanges and
 *   message-size figures were not found.
 * m7g CLUSTER_MULTI_AZ: [SIZING] (the [HARD] cluster table could not be read, so exchanges and
 *   message size are undefined, and a newer revision may differ like the medium single row did).
 * m5: [SIZING] "m5 with CMQ" tables. The single-instance m5.4xlarge row reads "Consumers per channel
 *   1500 | ... | Vhosts 1,000", i.e. swapped against every other row; consumers per channel is taken
 *   as 1,000 (what the older revision of [SIZING] states for m5.4xlarge) and vhosts left undefined.
 *   The m5 cluster table gives no vhost figure.
 * t3.micro: only the older revision of [SIZING] lists it (single instance only). [VERSIONS] still
 *   lists mq.t3 for 3.13; [SIZING] says brokers cannot be downgraded from m5/m7g to t3.micro.
 * vCPU / memory: only [AMQTYPES] (ActiveMQ section) gives them, for t3.micro and m5.*; the same
 *   Amazon MQ instance types are assumed. No page read gives vCPU/memory for m7g.
 */
export const RABBITMQ_INSTANCE_TYPES: readonly RabbitInstanceType[] = [
  {
    name: 'mq.t3.micro', family: 't3', vcpu: 2, memoryGiB: 1,
    supportedDeployments: ['SINGLE_INSTANCE'], engineVersions: LEGACY_VERSIONS,
    limits: { SINGLE_INSTANCE: { connections: 500, channels: 1500, queues: 2500, consumersPerChannel: 1000, shovels: 150 } },
    deprecated: true,
    deprecationNote: 'mq.t3.micro runs only RabbitMQ 3.13 and is absent from the current sizing guidelines',
    recommendedForProduction: false,
  },
  {
    name: 'mq.m5.large', family: 'm5', vcpu: 2, memoryGiB: 8, supportedDeployments: BOTH, engineVersions: LEGACY_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 5000, channels: 15000, consumersPerChannel: 1000, queues: 30000, vhosts: 1500, shovels: 250 },
      CLUSTER_MULTI_AZ: { connections: 5000, channels: 15000, consumersPerChannel: 1000, queues: 10000, shovels: 150 },
    },
    deprecated: true, deprecationNote: M5_NOTE, recommendedForProduction: true,
  },
  {
    name: 'mq.m5.xlarge', family: 'm5', vcpu: 4, memoryGiB: 16, supportedDeployments: BOTH, engineVersions: LEGACY_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 10000, channels: 30000, consumersPerChannel: 1000, queues: 60000, vhosts: 1500, shovels: 500 },
      CLUSTER_MULTI_AZ: { connections: 10000, channels: 30000, consumersPerChannel: 1000, queues: 15000, shovels: 300 },
    },
    deprecated: true, deprecationNote: M5_NOTE, recommendedForProduction: true,
  },
  {
    name: 'mq.m5.2xlarge', family: 'm5', vcpu: 8, memoryGiB: 32, supportedDeployments: BOTH, engineVersions: LEGACY_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 20000, channels: 60000, consumersPerChannel: 1000, queues: 120000, vhosts: 1500, shovels: 1000 },
      CLUSTER_MULTI_AZ: { connections: 20000, channels: 60000, consumersPerChannel: 1000, queues: 20000, shovels: 600 },
    },
    deprecated: true, deprecationNote: M5_NOTE, recommendedForProduction: true,
  },
  {
    name: 'mq.m5.4xlarge', family: 'm5', vcpu: 16, memoryGiB: 64, supportedDeployments: BOTH, engineVersions: LEGACY_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 40000, channels: 120000, consumersPerChannel: 1000, queues: 240000, shovels: 2000 },
      CLUSTER_MULTI_AZ: { connections: 40000, channels: 120000, consumersPerChannel: 1000, queues: 30000, shovels: 1200 },
    },
    deprecated: true, deprecationNote: M5_NOTE, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.medium', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 300, channels: 900, consumersPerChannel: 1000, queues: 2500, vhosts: 10, shovels: 150, exchanges: 12500, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 100, channels: 500, consumersPerChannel: 1000, queues: 100, vhosts: 10, shovels: 50 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 100, channels: 500, consumersPerChannel: 10, queues: 500, vhosts: 10, shovels: 30, exchanges: 500, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: false,
  },
  {
    name: 'mq.m7g.large', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 5000, channels: 15000, consumersPerChannel: 1000, queues: 20000, vhosts: 1500, shovels: 250, exchanges: 100000, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 5000, channels: 15000, consumersPerChannel: 1000, queues: 10000, vhosts: 1500, shovels: 150 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 1500, channels: 4500, consumersPerChannel: 10, queues: 1000, vhosts: 50, shovels: 50, exchanges: 1000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 10000, channels: 30000, consumersPerChannel: 1000, queues: 30000, vhosts: 1500, shovels: 500, exchanges: 150000, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 10000, channels: 30000, consumersPerChannel: 1000, queues: 15000, vhosts: 1500, shovels: 300 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 3000, channels: 9000, consumersPerChannel: 10, queues: 2000, vhosts: 100, shovels: 100, exchanges: 2000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.2xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 20000, channels: 60000, consumersPerChannel: 1000, queues: 40000, vhosts: 1500, shovels: 1000, exchanges: 200000, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 20000, channels: 60000, consumersPerChannel: 1000, queues: 20000, vhosts: 1500, shovels: 600 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 6000, channels: 18000, consumersPerChannel: 10, queues: 4000, vhosts: 150, shovels: 200, exchanges: 4000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.4xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 40000, channels: 120000, consumersPerChannel: 1000, queues: 60000, vhosts: 1500, shovels: 2000, exchanges: 300000, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 40000, channels: 120000, consumersPerChannel: 1000, queues: 30000, vhosts: 1500, shovels: 1200 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 12000, channels: 36000, consumersPerChannel: 10, queues: 8000, vhosts: 200, shovels: 400, exchanges: 8000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.8xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 80000, channels: 240000, consumersPerChannel: 1000, queues: 80000, vhosts: 1500, shovels: 4000, exchanges: 400000, maxMessageSizeBytes: MSG_128_MIB },
      CLUSTER_MULTI_AZ: { connections: 80000, channels: 240000, consumersPerChannel: 1000, queues: 40000, vhosts: 1500, shovels: 2400 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 24000, channels: 72000, consumersPerChannel: 10, queues: 16000, vhosts: 250, shovels: 800, exchanges: 16000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.12xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 120000, channels: 360000, consumersPerChannel: 1000, queues: 100000, vhosts: 1500, shovels: 6000 },
      CLUSTER_MULTI_AZ: { connections: 120000, channels: 360000, consumersPerChannel: 1000, queues: 50000, vhosts: 1500, shovels: 3600 },
    },
    defaultLimits: { SINGLE_INSTANCE: { connections: 36000, channels: 108000, consumersPerChannel: 10, queues: 24000, vhosts: 300, shovels: 1200, exchanges: 24000, maxMessageSizeBytes: 524288 } },
    deprecated: false, recommendedForProduction: true,
  },
  {
    name: 'mq.m7g.16xlarge', family: 'm7g', supportedDeployments: BOTH, engineVersions: M7G_VERSIONS,
    limits: {
      SINGLE_INSTANCE: { connections: 160000, channels: 480000, consumersPerChannel: 1000, queues: 120000, vhosts: 1500, shovels: 8000 },
      CLUSTER_MULTI_AZ: { connections: 160000, channels: 480000, consumersPerChannel: 1000, queues: 60000, vhosts: 1500, shovels: 4800 },
    },
    // Only the first column of this [DEFAULTS] row was readable.
    defaultLimits: { SINGLE_INSTANCE: { connections: 48000 } },
    deprecated: false, recommendedForProduction: true,
  },
];

export function findRabbitInstanceType(name: string): RabbitInstanceType | undefined {
  return RABBITMQ_INSTANCE_TYPES.find((t) => t.name === name);
}

export interface RabbitCapacityNeed {
  connections: number;
  channels: number;
  queues: number;
  shovels: number;
  deployment: RabbitDeployment;
  /** Multiplier applied to every need before comparing; default {@link DEFAULT_SIZING_HEADROOM}. */
  headroom?: number;
  /** Only types that run this version are considered; default {@link DEFAULT_RABBITMQ_ENGINE_VERSION}. */
  engineVersion?: RabbitEngineVersion;
  /** Also consider deprecated (t3/m5) types; default false. */
  includeDeprecated?: boolean;
  /** Skip types AWS recommends only for testing (m7g.medium, t3.micro); default false. */
  productionOnly?: boolean;
}

export type SizedLimit = 'connections' | 'channels' | 'queues' | 'shovels';
const SIZED_LIMITS: readonly SizedLimit[] = ['connections', 'channels', 'queues', 'shovels'];

/**
 * 25% headroom by default. Why: the tables are hard maximums (the broker refuses the next
 * connection/queue, it does not degrade gracefully); [SIZING] says the effective cluster limits "may
 * be lower than the indicated value depending on the number of available nodes and how RabbitMQ
 * distributes resources", and it asks for load testing before production. 1.25 leaves room for the
 * connection churn of a cut-over (old and new client connections overlap while shovels drain) and
 * for ordinary growth, without jumping a whole size for workloads already near a boundary.
 */
export const DEFAULT_SIZING_HEADROOM = 1.25;

export interface RabbitInstanceChoice {
  type: RabbitInstanceType;
  /** Limits (of {@link type}, in its deployment mode) the headroom-adjusted need exceeds; empty when it fits. */
  exceeded: SizedLimit[];
  /** The headroom-adjusted need that was compared (rounded up). */
  required: Record<SizedLimit, number>;
}

/**
 * Picks the smallest non-deprecated type whose maximum limits in `need.deployment` cover
 * need x headroom for connections, channels, queues and shovels; when none does, returns the largest
 * candidate with the list of limits still exceeded. In cluster mode the need is compared with the
 * per-node connection/channel figure (not 3x): AWS only guarantees the figure per node and says the
 * effective cluster value may be lower, so a planner must not count on the NLB spreading clients.
 */
export function chooseRabbitInstanceType(need: RabbitCapacityNeed): RabbitInstanceChoice {
  const headroom = need.headroom ?? DEFAULT_SIZING_HEADROOM;
  if (!Number.isFinite(headroom) || headroom <= 0) throw new RangeError(`headroom must be a positive number, got ${headroom}`);
  for (const key of SIZED_LIMITS) {
    const v = need[key];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${key} must be a non-negative number, got ${v}`);
  }
  const version = need.engineVersion ?? DEFAULT_RABBITMQ_ENGINE_VERSION;
  const required = Object.fromEntries(SIZED_LIMITS.map((k) => [k, Math.ceil(need[k] * headroom)])) as Record<SizedLimit, number>;

  const candidates = RABBITMQ_INSTANCE_TYPES.filter(
    (t) =>
      t.supportedDeployments.includes(need.deployment) &&
      t.limits[need.deployment] !== undefined &&
      t.engineVersions.includes(version) &&
      (need.includeDeprecated === true || !t.deprecated) &&
      (need.productionOnly !== true || t.recommendedForProduction),
  );
  const exceededBy = (t: RabbitInstanceType): SizedLimit[] => {
    const limits = t.limits[need.deployment];
    return limits === undefined ? [...SIZED_LIMITS] : SIZED_LIMITS.filter((k) => required[k] > limits[k]);
  };
  for (const t of candidates) {
    if (exceededBy(t).length === 0) return { type: t, exceeded: [], required };
  }
  const largest = candidates[candidates.length - 1];
  if (largest === undefined) {
    throw new Error(`no Amazon MQ RabbitMQ instance type supports ${need.deployment} on engine ${version} with the given filters`);
  }
  return { type: largest, exceeded: exceededBy(largest), required };
}

// ---------------------------------------------------------------------------------------------
// Plugins and exchange types
// ---------------------------------------------------------------------------------------------

export interface RabbitPluginInfo {
  /** RabbitMQ's plugin name. */
  name: string;
  /** Undefined = [PLUGINS] lists it with no version restriction. */
  minEngineVersion?: RabbitEngineVersion;
  note?: string;
}

/**
 * Plugins [PLUGINS] lists for Amazon MQ for RabbitMQ (the newest revision lists: management, shovel,
 * federation, consistent hash exchange, OAuth 2, LDAP, HTTP, SSL certificate, aws, JMS Topic
 * Exchange, Prometheus). Custom/third-party plugins cannot be installed.
 */
export const AMAZON_MQ_RABBITMQ_PLUGIN_DETAILS: readonly RabbitPluginInfo[] = [
  { name: 'rabbitmq_management', note: 'management HTTP API and web console' },
  { name: 'rabbitmq_shovel', note: 'dynamic shovels only; static shovels are not supported; the destination cannot be a private broker' },
  { name: 'rabbitmq_federation', note: 'the upstream cannot be in a private broker' },
  { name: 'rabbitmq_consistent_hash_exchange' },
  { name: 'rabbitmq_auth_backend_oauth2' },
  { name: 'rabbitmq_auth_backend_ldap', note: 'LDAP server must be reachable over the public internet' },
  { name: 'rabbitmq_auth_backend_http' },
  { name: 'rabbitmq_auth_mechanism_ssl' },
  { name: 'rabbitmq_aws', note: 'resolves AWS ARNs in broker configuration' },
  // [JMS]: "From Amazon MQ for RabbitMQ 4 onward, the plugin jms-topic-exchange is always enabled."
  { name: 'rabbitmq_jms_topic_exchange', minEngineVersion: '4.2' },
  // [PROM]: "Prometheus metrics are only available for RabbitMQ 4.2 and later."
  { name: 'rabbitmq_prometheus', minEngineVersion: '4.2' },
];
export const AMAZON_MQ_RABBITMQ_PLUGINS: readonly string[] = AMAZON_MQ_RABBITMQ_PLUGIN_DETAILS.map((p) => p.name);

export interface RabbitExchangeTypeInfo {
  type: string;
  source: 'built-in' | 'plugin';
  plugin?: string;
  minEngineVersion?: RabbitEngineVersion;
}

/**
 * Exchange types usable on Amazon MQ for RabbitMQ. The four AMQP 0-9-1 built-ins, plus those of the
 * exchange plugins in [PLUGINS]: `x-consistent-hash` (consistent hash exchange plugin, no version
 * restriction) and `x-jms-topic` (JMS topic exchange plugin, always enabled from RabbitMQ 4, [JMS]).
 * [RMQ43] says 4.3 "introduces ... new exchange types" but the list of them could not be read, so
 * none are added for 4.3.
 */
export const AMAZON_MQ_RABBITMQ_EXCHANGE_TYPE_DETAILS: readonly RabbitExchangeTypeInfo[] = [
  { type: 'direct', source: 'built-in' },
  { type: 'fanout', source: 'built-in' },
  { type: 'topic', source: 'built-in' },
  { type: 'headers', source: 'built-in' },
  { type: 'x-consistent-hash', source: 'plugin', plugin: 'rabbitmq_consistent_hash_exchange' },
  { type: 'x-jms-topic', source: 'plugin', plugin: 'rabbitmq_jms_topic_exchange', minEngineVersion: '4.2' },
];
export const AMAZON_MQ_RABBITMQ_EXCHANGE_TYPES: readonly string[] = AMAZON_MQ_RABBITMQ_EXCHANGE_TYPE_DETAILS.map((e) => e.type);

/** Exchange types a source broker may use that Amazon MQ does not offer, with the reason. */
export const UNSUPPORTED_RABBITMQ_EXCHANGE_TYPES: Readonly<Record<string, string>> = {
  'x-delayed-message': 'rabbitmq_delayed_message_exchange is not among the plugins Amazon MQ offers, and custom plugins cannot be installed',
  'x-local-random': '[RMQ4]: local random exchanges are not supported because Amazon MQ nodes are behind a network load balancer',
  'x-modulus-hash': 'rabbitmq_sharding is not among the plugins Amazon MQ offers',
  'x-recent-history': 'rabbitmq_recent_history_exchange is not among the plugins Amazon MQ offers',
};

function versionAtLeast(version: RabbitEngineVersion, min: RabbitEngineVersion | undefined): boolean {
  if (min === undefined) return true;
  const [a1 = 0, a2 = 0] = version.split('.').map(Number);
  const [b1 = 0, b2 = 0] = min.split('.').map(Number);
  return a1 !== b1 ? a1 > b1 : a2 >= b2;
}

export function rabbitPluginsFor(version: RabbitEngineVersion): string[] {
  return AMAZON_MQ_RABBITMQ_PLUGIN_DETAILS.filter((p) => versionAtLeast(version, p.minEngineVersion)).map((p) => p.name);
}

export function rabbitExchangeTypesFor(version: RabbitEngineVersion): string[] {
  return AMAZON_MQ_RABBITMQ_EXCHANGE_TYPE_DETAILS.filter((e) => versionAtLeast(version, e.minEngineVersion)).map((e) => e.type);
}

export function isExchangeTypeSupported(type: string, version: RabbitEngineVersion = DEFAULT_RABBITMQ_ENGINE_VERSION): boolean {
  return rabbitExchangeTypesFor(version).includes(type);
}

// ---------------------------------------------------------------------------------------------
// Policies Amazon MQ owns
// ---------------------------------------------------------------------------------------------

/** Policy-name prefix Amazon MQ uses for the policies it creates ([BDEF]). */
export const RESERVED_POLICY_PREFIXES: readonly string[] = ['AWS-DEFAULT-'];
/** Suffix Amazon MQ uses for objects it owns (policy `ha-all-AWS-OWNED-DO-NOT-DELETE`, user `monitoring-AWS-OWNED-DO-NOT-DELETE`). */
export const RESERVED_NAME_SUFFIXES: readonly string[] = ['-AWS-OWNED-DO-NOT-DELETE'];
/** Operator policies Amazon MQ manages ([APPLY]). */
export const RESERVED_OPERATOR_POLICY_NAMES: readonly string[] = ['default_operator_policy_AWS_managed'];

/**
 * True when a (user or operator) policy of this name would collide with, or be mistaken for, one
 * Amazon MQ creates. Names are compared exactly, as RabbitMQ does.
 */
export function isReservedPolicyName(name: string): boolean {
  return (
    RESERVED_POLICY_PREFIXES.some((p) => name.startsWith(p)) ||
    RESERVED_NAME_SUFFIXES.some((s) => name.endsWith(s)) ||
    RESERVED_OPERATOR_POLICY_NAMES.includes(name)
  );
}

/** True when an operator policy of this name is (or looks like) one Amazon MQ manages. */
export function isReservedOperatorPolicyName(name: string): boolean {
  return RESERVED_OPERATOR_POLICY_NAMES.includes(name) || RESERVED_NAME_SUFFIXES.some((s) => name.endsWith(s));
}

export type PolicyApplyTo = 'all' | 'queues' | 'exchanges' | 'classic_queues' | 'quorum_queues' | 'streams';

export interface AmazonMqDefaultPolicy {
  name: string;
  kind: 'policy' | 'operator-policy';
  engineMajors: readonly (3 | 4)[];
  /** Undefined = applies regardless of deployment mode. */
  deployment?: RabbitDeployment;
  /** Undefined where the docs do not state it for the policy Amazon MQ creates. */
  pattern?: string;
  applyTo?: PolicyApplyTo;
  priority: number;
  /** Definition keys the docs say the policy carries; undefined when not documented. */
  definitionKeys?: readonly string[];
  /** The full definition, only where the docs print it. */
  definition?: Readonly<Record<string, unknown>>;
  note?: string;
}

/**
 * What Amazon MQ creates on a new broker ([BDEF], [APPLY], [QQ]). Applied to the default vhost `/`
 * only; new vhosts get no default policies. Priorities: 0 for single-instance, 1 for cluster
 * defaults ("To create your own custom policy for clusters, assign a priority value greater than 1").
 * [BDEF] describes the definition keys for RabbitMQ 3 brokers: `queue-mode: lazy` (single and
 * cluster), `max-length` and `overflow: reject-publish` (cluster). Which keys the RabbitMQ 4 policy
 * `AWS-DEFAULT-POLICY-CLUSTER` and the quorum-queues policy carry could not be read: left undefined.
 * The default policies' pattern and apply-to are not printed either (the manual re-creation recipe
 * uses pattern `.*` and "Exchanges and queues"), so they are left undefined too.
 */
export const AMAZON_MQ_DEFAULT_POLICIES: readonly AmazonMqDefaultPolicy[] = [
  {
    name: 'AWS-DEFAULT-POLICY-SINGLE-INSTANCE', kind: 'policy', engineMajors: [3, 4], deployment: 'SINGLE_INSTANCE', priority: 0,
    definitionKeys: ['queue-mode'],
    note: 'queue-mode: lazy per [BDEF] ("Settings for RabbitMQ 3 and RabbitMQ 4 brokers")',
  },
  {
    name: 'AWS-DEFAULT-POLICY-CLUSTER-MULTI-AZ', kind: 'policy', engineMajors: [3], deployment: 'CLUSTER_MULTI_AZ', priority: 1,
    definitionKeys: ['queue-mode', 'max-length', 'overflow', 'ha-mode', 'ha-sync-mode'],
    note: 'overflow: reject-publish; max-length varies by instance type; Amazon MQ appends ha-mode/ha-sync-mode to cluster policies on RabbitMQ 3',
  },
  {
    name: 'AWS-DEFAULT-POLICY-CLUSTER', kind: 'policy', engineMajors: [4], deployment: 'CLUSTER_MULTI_AZ', priority: 1,
    note: 'RabbitMQ 4 cluster default; definition keys not found in the pages read',
  },
  {
    name: 'AWS-DEFAULT-QUORUM-QUEUES-POLICY-CLUSTER-MULTI-AZ', kind: 'policy', engineMajors: [3, 4], deployment: 'CLUSTER_MULTI_AZ', priority: 1,
    note: 'quorum-queue default for clusters; definition keys and apply-to not found in the pages read',
  },
  {
    name: 'ha-all-AWS-OWNED-DO-NOT-DELETE', kind: 'policy', engineMajors: [3], deployment: 'CLUSTER_MULTI_AZ', priority: 0,
    definitionKeys: ['ha-mode', 'ha-sync-mode'],
    note: 'used when AWS-DEFAULT-POLICY-CLUSTER-MULTI-AZ is deleted, so ha-mode and ha-sync-mode stay in effect',
  },
  {
    name: 'default_operator_policy_AWS_managed', kind: 'operator-policy', engineMajors: [3], pattern: '.*', applyTo: 'classic_queues', priority: 0,
    definitionKeys: ['ha-mode', 'ha-sync-mode', 'queue-version'],
    definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic', 'queue-version': 2 },
    note: '[APPLY]: "On Amazon MQ for RabbitMQ engine versions 3.13 and below"',
  },
  {
    name: 'default_operator_policy_AWS_managed', kind: 'operator-policy', engineMajors: [4], pattern: '.*', applyTo: 'classic_queues', priority: 0,
    definitionKeys: ['queue-version'],
    definition: { 'queue-version': 2 },
    note: '[APPLY]: "On versions 4.0 and above ... classic queue mirroring and HA policy settings are not supported in RabbitMQ 4"',
  },
];

export function defaultPoliciesFor(version: RabbitEngineVersion, deployment: RabbitDeployment): AmazonMqDefaultPolicy[] {
  const { major } = rabbitEngineVersionInfo(version);
  return AMAZON_MQ_DEFAULT_POLICIES.filter(
    (p) => p.engineMajors.includes(major) && (p.deployment === undefined || p.deployment === deployment),
  );
}

/**
 * Default vhost limits (`max-queues`, `max-connections`) and the cluster policy's `max-length`
 * Amazon MQ applies to `/`, from the "Recommended default values" table of an earlier revision of
 * [BDEF] (RabbitMQ 3 era, t3/m5 only). The m7g values were not found. `maxLength` is undefined
 * where the table says N/A (single instance).
 */
export const AMAZON_MQ_RABBITMQ3_DEFAULT_VHOST_LIMITS: readonly {
  instanceType: string; deployment: RabbitDeployment; maxLength?: number; maxQueues: number; maxConnections: number;
}[] = [
  { instanceType: 'mq.t3.micro', deployment: 'SINGLE_INSTANCE', maxQueues: 500, maxConnections: 500 },
  { instanceType: 'mq.m5.large', deployment: 'SINGLE_INSTANCE', maxQueues: 20000, maxConnections: 4000 },
  { instanceType: 'mq.m5.large', deployment: 'CLUSTER_MULTI_AZ', maxLength: 8000000, maxQueues: 10000, maxConnections: 15000 },
  { instanceType: 'mq.m5.xlarge', deployment: 'SINGLE_INSTANCE', maxQueues: 30000, maxConnections: 8000 },
  { instanceType: 'mq.m5.xlarge', deployment: 'CLUSTER_MULTI_AZ', maxLength: 9000000, maxQueues: 10000, maxConnections: 20000 },
  { instanceType: 'mq.m5.2xlarge', deployment: 'SINGLE_INSTANCE', maxQueues: 60000, maxConnections: 15000 },
  { instanceType: 'mq.m5.2xlarge', deployment: 'CLUSTER_MULTI_AZ', maxLength: 10000000, maxQueues: 10000, maxConnections: 40000 },
  { instanceType: 'mq.m5.4xlarge', deployment: 'SINGLE_INSTANCE', maxQueues: 150000, maxConnections: 30000 },
  { instanceType: 'mq.m5.4xlarge', deployment: 'CLUSTER_MULTI_AZ', maxLength: 12000000, maxQueues: 10000, maxConnections: 100000 },
];

// ---------------------------------------------------------------------------------------------
// Storage, queue types, mirroring, breaking changes
// ---------------------------------------------------------------------------------------------

/**
 * [API] BrokerStorageType: "EFS is not supported for RabbitMQ engine type"; [BROKER]: a RabbitMQ
 * broker "communicates with ... an Amazon EBS storage volume". Storage size per m7g type: not found.
 */
export const RABBITMQ_STORAGE_TYPES = ['EBS'] as const;
export type RabbitStorageType = (typeof RABBITMQ_STORAGE_TYPES)[number];

/** Classic-queue-mirroring policy keys (RabbitMQ's `ha-*` family), as listed in [QQ]. */
export const CLASSIC_MIRRORING_POLICY_KEYS: readonly string[] = [
  'ha-mode', 'ha-params', 'ha-sync-mode', 'ha-sync-batch-size', 'ha-promote-on-shutdown', 'ha-promote-on-failure',
];

export interface RabbitQueueFeatures {
  quorumQueues: boolean;
  /** [VERSIONS]: "Amazon MQ does not support streams. Creating a stream will result in data loss." */
  streams: false;
  /**
   * 'amazon-managed': on 3.13 cluster brokers Amazon MQ itself mirrors classic queues (operator
   * policy ha-mode all / ha-sync-mode automatic, appended to custom cluster policies), so ha-* keys
   * from a source policy are redundant. 'unsupported': RabbitMQ 4 removed mirroring; [INPLACE]:
   * "RabbitMQ 4 does not support classic mirrored queues" and Amazon MQ blocks an in-place upgrade
   * of a broker that has them.
   */
  classicMirroring: 'amazon-managed' | 'unsupported';
  /** Queue type created when `x-queue-type` is absent; undefined where AWS does not say. */
  defaultQueueType?: 'classic' | 'quorum';
  /** Quorum queue replication factor on cluster brokers ([QQ] best practices: defaults to 3, and reverts to 3 if x-quorum-initial-group-size is changed). */
  quorumReplicationFactor: 3;
}

export const RABBITMQ_QUEUE_FEATURES: Readonly<Record<RabbitEngineVersion, RabbitQueueFeatures>> = {
  // [QQ]: "Quorum queues are only available for brokers on Amazon MQ for RabbitMQ version 3.13 and above."
  // 3.13 default queue type: AWS does not state one; upstream RabbitMQ 3.13 creates classic queues.
  '3.13': { quorumQueues: true, streams: false, classicMirroring: 'amazon-managed', defaultQueueType: 'classic', quorumReplicationFactor: 3 },
  // [RMQ4]: "The default queue type on Amazon MQ for RabbitMQ 4.2 brokers is quorum."
  '4.2': { quorumQueues: true, streams: false, classicMirroring: 'unsupported', defaultQueueType: 'quorum', quorumReplicationFactor: 3 },
  // 4.3: AWS states the quorum default for 4.2 only; not assumed for 4.3.
  '4.3': { quorumQueues: true, streams: false, classicMirroring: 'unsupported', quorumReplicationFactor: 3 },
};

/** Things a broker on this version rejects or no longer does, relevant when moving workloads onto it. */
export const RABBITMQ_VERSION_BREAKING_CHANGES: Readonly<Record<RabbitEngineVersion, readonly string[]>> = {
  '3.13': [],
  '4.2': [
    'classic queue mirroring (ha-* policy keys) is not supported; brokers with classic mirrored queues cannot be upgraded in place from 3.13',
    'queues declared without x-queue-type are quorum queues',
    'local random exchanges (x-local-random) are not supported',
    'message interceptors are not supported',
    'no per-queue CloudWatch metrics (broker-level only)',
  ],
  '4.3': [
    'transient (non-durable) non-exclusive queues are rejected',
    'basic.qos with global=true is rejected (channel error)',
    'x-queue-version=1 (classic queue v1 storage) is rejected',
    'consumer timeouts no longer apply to classic queues',
    'only reachable in place from 4.2 (no direct 3.13 -> 4.3)',
  ],
};

// ---------------------------------------------------------------------------------------------
// Imported user password hashes
// ---------------------------------------------------------------------------------------------

/** Hashing modules RabbitMQ itself ships ([PASSWD]); sha256 is RabbitMQ's default. */
export const RABBITMQ_PASSWORD_HASHING_MODULES = [
  'rabbit_password_hashing_sha256',
  'rabbit_password_hashing_sha512',
  'rabbit_password_hashing_md5',
] as const;
export const RABBITMQ_DEFAULT_PASSWORD_HASHING_MODULE = 'rabbit_password_hashing_sha256';
/**
 * Which of these Amazon MQ accepts for users created with a pre-computed `password_hash` (e.g. via
 * definitions import or PUT /api/users): NOT DOCUMENTED in any Amazon MQ page found, so undefined.
 * The planner must treat migrated hashes as unverified and be ready to reset passwords.
 */
export const AMAZON_MQ_ACCEPTED_PASSWORD_HASHING_MODULES: readonly string[] | undefined = undefined;

// ---------------------------------------------------------------------------------------------
// Broker name
// ---------------------------------------------------------------------------------------------

export const BROKER_NAME_MAX_LENGTH = 50;
/**
 * [API] CreateBroker brokerName: "1-50 characters long, must contain only letters, numbers, dashes,
 * and underscores, and must not contain white spaces, brackets, wildcard characters, or special
 * characters". [QUOTAS] is looser (also periods and tildes); the stricter API wording is followed.
 * Uniqueness within the account is not checkable here.
 */
export const BROKER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,50}$/;
/** The looser [QUOTAS] wording, kept for reference. */
export const BROKER_NAME_PATTERN_QUOTAS_PAGE = /^[A-Za-z0-9._~-]{1,50}$/;

export function isValidBrokerName(name: string): boolean {
  return BROKER_NAME_PATTERN.test(name);
}
