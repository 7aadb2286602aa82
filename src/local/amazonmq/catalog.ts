/**
 * What the local Amazon MQ offers: the answers of DescribeBrokerEngineTypes and
 * DescribeBrokerInstanceOptions, built from the rules encoded in src/amazonmq (RabbitMQ) and the
 * ActiveMQ rows below.
 *
 * ActiveMQ rows come from src/amazonmq/activemq-rules.ts: mq.t3.micro runs single-instance brokers
 * on EFS only; mq.m5.* run single-instance and active/standby brokers on EFS, and single-instance
 * brokers on EBS. Versions 5.18 and 5.19 (the local broker itself is Debian's ActiveMQ 5.17.2
 * whatever is asked for).
 */
import { ACTIVEMQ_ENGINE_VERSIONS as OFFERED_ACTIVEMQ_VERSIONS, ACTIVEMQ_INSTANCE_TYPES } from '../../amazonmq/activemq-rules.js';
import { RABBITMQ_ENGINE_VERSIONS, RABBITMQ_INSTANCE_TYPES } from '../../amazonmq/rabbitmq-rules.js';

export type EngineType = 'RABBITMQ' | 'ACTIVEMQ';
export type DeploymentMode = 'SINGLE_INSTANCE' | 'ACTIVE_STANDBY_MULTI_AZ' | 'CLUSTER_MULTI_AZ';
export type StorageType = 'EBS' | 'EFS';

export interface InstanceOption {
  engineType: EngineType;
  hostInstanceType: string;
  storageType: StorageType;
  supportedDeploymentModes: DeploymentMode[];
  supportedEngineVersions: string[];
}

const byVersion = (a: string, b: string): number => {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
};

/** Oldest first. */
export const ACTIVEMQ_ENGINE_VERSIONS: readonly string[] = [...OFFERED_ACTIVEMQ_VERSIONS].sort(byVersion);

export const ENGINE_VERSIONS: Record<EngineType, readonly string[]> = {
  ACTIVEMQ: ACTIVEMQ_ENGINE_VERSIONS,
  RABBITMQ: RABBITMQ_ENGINE_VERSIONS.map((v) => v.version),
};

export const DEFAULT_STORAGE: Record<EngineType, StorageType> = { ACTIVEMQ: 'EFS', RABBITMQ: 'EBS' };
export const DEPLOYMENT_MODES: Record<EngineType, readonly DeploymentMode[]> = {
  ACTIVEMQ: ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'],
  RABBITMQ: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
};

export const INSTANCE_OPTIONS: readonly InstanceOption[] = [
  ...ACTIVEMQ_INSTANCE_TYPES.flatMap((type): InstanceOption[] => [
    {
      engineType: 'ACTIVEMQ',
      hostInstanceType: type.name,
      storageType: 'EFS',
      supportedDeploymentModes: type.activeStandby ? ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'] : ['SINGLE_INSTANCE'],
      supportedEngineVersions: [...ACTIVEMQ_ENGINE_VERSIONS],
    },
    ...(type.ebs
      ? [{ engineType: 'ACTIVEMQ' as const, hostInstanceType: type.name, storageType: 'EBS' as const, supportedDeploymentModes: ['SINGLE_INSTANCE' as const], supportedEngineVersions: [...ACTIVEMQ_ENGINE_VERSIONS] }]
      : []),
  ]),
  ...RABBITMQ_INSTANCE_TYPES.map((type): InstanceOption => ({
    engineType: 'RABBITMQ',
    hostInstanceType: type.name,
    storageType: 'EBS',
    supportedDeploymentModes: [...type.supportedDeployments],
    supportedEngineVersions: [...type.engineVersions],
  })),
];

export const AVAILABILITY_ZONES = ['a', 'b', 'c', 'd', 'e', 'f'];

export function latestEngineVersion(engine: EngineType): string {
  const versions = ENGINE_VERSIONS[engine];
  return versions[versions.length - 1] ?? '';
}
