import {
  AMAZON_MQ_ACCEPTED_PASSWORD_HASHING_MODULES,
  AMAZON_MQ_DEFAULT_POLICIES,
  AMAZON_MQ_RABBITMQ_EXCHANGE_TYPES,
  AMAZON_MQ_RABBITMQ_PLUGINS,
  BROKER_NAME_PATTERN,
  DEFAULT_RABBITMQ_ENGINE_VERSION,
  DEFAULT_SIZING_HEADROOM,
  RABBITMQ_DEPLOYMENT_MODES,
  RABBITMQ_ENGINE_VERSIONS,
  RABBITMQ_INSTANCE_TYPES,
  RABBITMQ_QUEUE_FEATURES,
  RABBITMQ_STORAGE_TYPES,
  RESERVED_OPERATOR_POLICY_NAMES,
  chooseRabbitInstanceType,
  defaultPoliciesFor,
  findRabbitInstanceType,
  isExchangeTypeSupported,
  isReservedOperatorPolicyName,
  isReservedPolicyName,
  isValidBrokerName,
  rabbitExchangeTypesFor,
  rabbitPluginsFor,
  toOfferedRabbitEngineVersion,
  type RabbitCapacityNeed,
} from '../../src/amazonmq/rabbitmq-rules.js';

const tiny = { connections: 1, channels: 1, queues: 1, shovels: 0 };

describe('engine versions', () => {
  it('defaults to a version Amazon MQ offers and marks it recommended', () => {
    const info = RABBITMQ_ENGINE_VERSIONS.find((v) => v.version === DEFAULT_RABBITMQ_ENGINE_VERSION);
    expect(info?.status).toBe('recommended');
  });

  it('runs RabbitMQ 4.x only on m7g', () => {
    for (const v of RABBITMQ_ENGINE_VERSIONS.filter((x) => x.major === 4)) expect(v.instanceFamilies).toEqual(['m7g']);
  });

  it('maps patch versions to the offered major.minor and rejects retired ones', () => {
    expect(toOfferedRabbitEngineVersion('3.13.7')).toBe('3.13');
    expect(toOfferedRabbitEngineVersion('4.2')).toBe('4.2');
    expect(toOfferedRabbitEngineVersion('3.12.13')).toBeUndefined();
    expect(toOfferedRabbitEngineVersion('latest')).toBeUndefined();
  });
});

describe('instance type table', () => {
  it('is ordered small to large within each family and deployment', () => {
    for (const family of ['m5', 'm7g'] as const) {
      for (const deployment of RABBITMQ_DEPLOYMENT_MODES) {
        const conns = RABBITMQ_INSTANCE_TYPES.filter((t) => t.family === family).map((t) => t.limits[deployment]?.connections ?? 0);
        expect(conns).toEqual([...conns].sort((a, b) => a - b));
      }
    }
  });

  it('has limits exactly for the deployment modes each type supports', () => {
    for (const t of RABBITMQ_INSTANCE_TYPES) {
      expect(Object.keys(t.limits).sort()).toEqual([...t.supportedDeployments].sort());
    }
  });

  it('allows fewer queues per cluster broker than per single-instance broker of the same type', () => {
    const large = findRabbitInstanceType('mq.m7g.large');
    expect(large?.limits.CLUSTER_MULTI_AZ?.queues).toBeLessThan(large?.limits.SINGLE_INSTANCE?.queues ?? 0);
  });

  it('marks the 3.13-only families deprecated and m7g current', () => {
    expect(findRabbitInstanceType('mq.m5.large')?.deprecated).toBe(true);
    expect(findRabbitInstanceType('mq.t3.micro')?.deprecated).toBe(true);
    expect(RABBITMQ_INSTANCE_TYPES.filter((t) => t.family === 'm7g').every((t) => !t.deprecated)).toBe(true);
  });

  it('keeps t3.micro single-instance only', () => {
    expect(findRabbitInstanceType('mq.t3.micro')?.supportedDeployments).toEqual(['SINGLE_INSTANCE']);
  });

  it('never sets a default limit above the maximum', () => {
    for (const t of RABBITMQ_INSTANCE_TYPES) {
      for (const d of RABBITMQ_DEPLOYMENT_MODES) {
        const defaults = t.defaultLimits?.[d];
        const max = t.limits[d];
        if (!defaults || !max) continue;
        for (const [k, v] of Object.entries(defaults)) {
          const m = max[k as keyof typeof max];
          if (m !== undefined) expect(v).toBeLessThanOrEqual(m);
        }
      }
    }
  });
});

describe('chooseRabbitInstanceType', () => {
  const need = (n: Partial<RabbitCapacityNeed>): RabbitCapacityNeed => ({ ...tiny, deployment: 'SINGLE_INSTANCE', ...n });

  it('picks the smallest instance type that covers 1,000 queues for CLUSTER_MULTI_AZ', () => {
    const choice = chooseRabbitInstanceType(need({ queues: 1000, deployment: 'CLUSTER_MULTI_AZ' }));
    expect(choice.exceeded).toEqual([]);
    const cluster = choice.type.limits.CLUSTER_MULTI_AZ;
    expect(cluster?.queues).toBeGreaterThanOrEqual(1000 * DEFAULT_SIZING_HEADROOM);
    // every smaller current type fails on queues
    const index = RABBITMQ_INSTANCE_TYPES.indexOf(choice.type);
    for (const smaller of RABBITMQ_INSTANCE_TYPES.slice(0, index).filter((t) => !t.deprecated && t.limits.CLUSTER_MULTI_AZ)) {
      expect(smaller.limits.CLUSTER_MULTI_AZ?.queues ?? 0).toBeLessThan(1000 * DEFAULT_SIZING_HEADROOM);
    }
  });

  it('never picks a deprecated type unless asked', () => {
    for (const deployment of RABBITMQ_DEPLOYMENT_MODES) {
      expect(chooseRabbitInstanceType(need({ deployment })).type.deprecated).toBe(false);
      // 3.13 also runs on t3/m5, which must still be skipped by default
      expect(chooseRabbitInstanceType(need({ deployment, engineVersion: '3.13' })).type.family).toBe('m7g');
    }
    const legacy = chooseRabbitInstanceType(need({ includeDeprecated: true, engineVersion: '3.13' }));
    expect(legacy.type.name).toBe('mq.t3.micro');
  });

  it('applies the headroom before comparing', () => {
    const medium = findRabbitInstanceType('mq.m7g.medium');
    const limit = medium?.limits.SINGLE_INSTANCE?.connections ?? 0;
    expect(chooseRabbitInstanceType(need({ connections: limit, headroom: 1 })).type.name).toBe('mq.m7g.medium');
    expect(chooseRabbitInstanceType(need({ connections: limit })).type.name).not.toBe('mq.m7g.medium');
    expect(chooseRabbitInstanceType(need({ connections: 100, headroom: 2 })).required.connections).toBe(200);
  });

  it('compares cluster connections with the per-node figure, not three nodes worth', () => {
    const large = findRabbitInstanceType('mq.m7g.large');
    const perNode = large?.limits.CLUSTER_MULTI_AZ?.connections ?? 0;
    const choice = chooseRabbitInstanceType(need({ deployment: 'CLUSTER_MULTI_AZ', connections: perNode + 1, headroom: 1 }));
    expect(choice.type.name).not.toBe('mq.m7g.large');
    expect(choice.type.limits.CLUSTER_MULTI_AZ?.connections).toBeGreaterThan(perNode);
  });

  it('reports exceeded limits when nothing is large enough', () => {
    const choice = chooseRabbitInstanceType(need({ queues: 10_000_000, shovels: 1_000_000, connections: 10 }));
    const largest = RABBITMQ_INSTANCE_TYPES.filter((t) => !t.deprecated).at(-1);
    expect(choice.type).toBe(largest);
    expect(choice.exceeded).toEqual(['queues', 'shovels']);
  });

  it('skips test-only types when production sizing is requested', () => {
    expect(chooseRabbitInstanceType(need({})).type.recommendedForProduction).toBe(false);
    expect(chooseRabbitInstanceType(need({ productionOnly: true })).type.recommendedForProduction).toBe(true);
  });

  it('rejects nonsense input', () => {
    expect(() => chooseRabbitInstanceType(need({ headroom: 0 }))).toThrow(RangeError);
    expect(() => chooseRabbitInstanceType(need({ queues: -1 }))).toThrow(RangeError);
    expect(() => chooseRabbitInstanceType(need({ channels: Number.NaN }))).toThrow(RangeError);
  });

  it('considers only types that run the requested engine version', () => {
    const on42 = chooseRabbitInstanceType(need({ deployment: 'CLUSTER_MULTI_AZ', engineVersion: '4.2', includeDeprecated: true }));
    expect(on42.type.engineVersions).toContain('4.2');
    expect(on42.type.family).toBe('m7g');
    const on313 = chooseRabbitInstanceType(need({ deployment: 'CLUSTER_MULTI_AZ', engineVersion: '3.13', includeDeprecated: true }));
    expect(on313.type.family).toBe('m5');
  });
});

describe('plugins and exchange types', () => {
  it('offers the management, shovel, federation and consistent-hash plugins', () => {
    for (const p of ['rabbitmq_management', 'rabbitmq_shovel', 'rabbitmq_federation', 'rabbitmq_consistent_hash_exchange']) {
      expect(AMAZON_MQ_RABBITMQ_PLUGINS).toContain(p);
    }
  });

  it('does not offer the delayed message exchange', () => {
    expect(AMAZON_MQ_RABBITMQ_PLUGINS).not.toContain('rabbitmq_delayed_message_exchange');
    expect(AMAZON_MQ_RABBITMQ_EXCHANGE_TYPES).not.toContain('x-delayed-message');
    expect(isExchangeTypeSupported('x-delayed-message')).toBe(false);
  });

  it('supports the four built-in types and x-consistent-hash on every offered version', () => {
    for (const { version } of RABBITMQ_ENGINE_VERSIONS) {
      for (const t of ['direct', 'fanout', 'topic', 'headers', 'x-consistent-hash']) expect(isExchangeTypeSupported(t, version)).toBe(true);
    }
  });

  it('enables the JMS topic exchange and Prometheus only from RabbitMQ 4', () => {
    expect(rabbitExchangeTypesFor('3.13')).not.toContain('x-jms-topic');
    expect(rabbitExchangeTypesFor('4.2')).toContain('x-jms-topic');
    expect(rabbitPluginsFor('3.13')).not.toContain('rabbitmq_prometheus');
    expect(rabbitPluginsFor('4.3')).toContain('rabbitmq_prometheus');
  });

  it('rejects local random exchanges', () => {
    expect(isExchangeTypeSupported('x-local-random', '4.2')).toBe(false);
  });
});

describe('reserved policy names', () => {
  it('flags every policy Amazon MQ creates', () => {
    for (const p of AMAZON_MQ_DEFAULT_POLICIES) expect(isReservedPolicyName(p.name)).toBe(true);
  });

  it('flags the AWS-managed operator policy and AWS-DEFAULT- names', () => {
    expect(RESERVED_OPERATOR_POLICY_NAMES).toContain('default_operator_policy_AWS_managed');
    expect(isReservedPolicyName('default_operator_policy_AWS_managed')).toBe(true);
    expect(isReservedPolicyName('AWS-DEFAULT-POLICY-SOMETHING-NEW')).toBe(true);
    expect(isReservedPolicyName('my-ha-AWS-OWNED-DO-NOT-DELETE')).toBe(true);
  });

  it('flags only Amazon MQ owned names as reserved operator policies', () => {
    expect(isReservedOperatorPolicyName('default_operator_policy_AWS_managed')).toBe(true);
    expect(isReservedOperatorPolicyName('max-length-limit')).toBe(false);
  });

  it('leaves ordinary user policies alone', () => {
    expect(isReservedPolicyName('ha-all')).toBe(false);
    expect(isReservedPolicyName('orders-ttl')).toBe(false);
    expect(isReservedPolicyName('my-AWS-DEFAULT-copy')).toBe(false);
  });
});

describe('default policies', () => {
  it('gives single-instance brokers priority 0 and cluster defaults priority 1', () => {
    expect(defaultPoliciesFor('4.2', 'SINGLE_INSTANCE').filter((p) => p.kind === 'policy').map((p) => p.priority)).toEqual([0]);
    const clusterDefaults = defaultPoliciesFor('4.2', 'CLUSTER_MULTI_AZ').filter((p) => p.name.startsWith('AWS-DEFAULT-'));
    expect(clusterDefaults.length).toBeGreaterThan(0);
    for (const p of clusterDefaults) expect(p.priority).toBe(1);
  });

  it('names the cluster default differently on RabbitMQ 3 and 4', () => {
    const names = (v: '3.13' | '4.2') => defaultPoliciesFor(v, 'CLUSTER_MULTI_AZ').map((p) => p.name);
    expect(names('3.13')).toContain('AWS-DEFAULT-POLICY-CLUSTER-MULTI-AZ');
    expect(names('4.2')).toContain('AWS-DEFAULT-POLICY-CLUSTER');
    expect(names('4.2')).not.toContain('AWS-DEFAULT-POLICY-CLUSTER-MULTI-AZ');
  });

  it('drops classic mirroring from the operator policy on RabbitMQ 4', () => {
    const op = (v: '3.13' | '4.2') => defaultPoliciesFor(v, 'CLUSTER_MULTI_AZ').find((p) => p.kind === 'operator-policy');
    expect(op('3.13')?.definition).toHaveProperty('ha-mode', 'all');
    expect(op('4.2')?.definition).not.toHaveProperty('ha-mode');
    expect(op('4.2')?.definition).toHaveProperty('queue-version', 2);
  });
});

describe('queues, storage and hashes', () => {
  it('offers quorum queues but never streams on any version', () => {
    for (const { version } of RABBITMQ_ENGINE_VERSIONS) {
      expect(RABBITMQ_QUEUE_FEATURES[version].quorumQueues).toBe(true);
      expect(RABBITMQ_QUEUE_FEATURES[version].streams).toBe(false);
    }
  });

  it('treats classic mirroring as unsupported on 4.x', () => {
    expect(RABBITMQ_QUEUE_FEATURES['3.13'].classicMirroring).toBe('amazon-managed');
    expect(RABBITMQ_QUEUE_FEATURES['4.2'].classicMirroring).toBe('unsupported');
    expect(RABBITMQ_QUEUE_FEATURES['4.3'].classicMirroring).toBe('unsupported');
  });

  it('uses EBS storage only', () => {
    expect(RABBITMQ_STORAGE_TYPES).toEqual(['EBS']);
  });

  it('does not claim to know which password hashes Amazon MQ accepts', () => {
    expect(AMAZON_MQ_ACCEPTED_PASSWORD_HASHING_MODULES).toBeUndefined();
  });
});

describe('broker name', () => {
  it('accepts letters, digits, dashes and underscores up to 50 characters', () => {
    expect(isValidBrokerName('orders_broker-01')).toBe(true);
    expect(isValidBrokerName('a'.repeat(50))).toBe(true);
  });

  it('rejects empty, over-long, spaced and punctuated names', () => {
    for (const name of ['', 'a'.repeat(51), 'my broker', 'broker*', 'broker[1]', 'broker.prod']) expect(BROKER_NAME_PATTERN.test(name)).toBe(false);
  });
});
