/**
 * Amazon MQ for ActiveMQ: what a broker configuration may contain, engine versions, instance types,
 * storage and user quotas. Researched from stored copies of the AWS documentation; re-check before
 * relying on a rule when AWS updates these pages.
 *
 * Sources:
 *  - "Elements permitted in Amazon MQ for ActiveMQ configurations"
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/permitted-elements.html
 *  - "Elements, child collection elements, and their child elements permitted in Amazon MQ configurations"
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/permitted-collections.html
 *  - "Elements permitted in Amazon MQ configurations and their attributes"
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/permitted-attributes.html
 *  - "Amazon MQ child element attributes" (authorizationEntry, networkConnector, kahaDB, systemUsage)
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/child-element-details.html
 *  - "Managing Amazon MQ for ActiveMQ engine versions" (5.19 recommended, 5.18 supported, 5.17 end of
 *    support 2025-06-16; 5.18+ needs autoMinorVersionUpgrade)
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/activemq-version-management.html
 *  - "Amazon MQ for ActiveMQ storage types" (EFS by default; EBS only with the mq.m5 family, single AZ,
 *    not with active/standby; storage type cannot change after creation)
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/broker-storage.html
 *  - "Deployment options for Amazon MQ for ActiveMQ brokers" (single-instance: EBS or EFS;
 *    active/standby: EFS) https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-broker-architecture.html
 *  - "Amazon MQ broker architecture": "Amazon MQ uses Apache KahaDB as its data store. Other data
 *    stores, such as JDBC and LevelDB, aren't supported."
 *  - "Quotas in Amazon MQ", ActiveMQ users: 250 users per broker, 20 groups per user
 *    https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-limits.html
 *    (password rules: src/amazonmq/user-rules.ts).
 */

export const ACTIVEMQ_ENGINE_VERSIONS = ['5.19', '5.18'] as const;
export type ActiveMqEngineVersion = (typeof ACTIVEMQ_ENGINE_VERSIONS)[number];
export const DEFAULT_ACTIVEMQ_ENGINE_VERSION: ActiveMqEngineVersion = '5.19';

/** "5.18.4" -> "5.18"; undefined when Amazon MQ does not offer that minor version. */
export function toOfferedActiveMqVersion(version: string): ActiveMqEngineVersion | undefined {
  const minor = /^(\d+\.\d+)/.exec(version)?.[1];
  return ACTIVEMQ_ENGINE_VERSIONS.find((v) => v === minor);
}

export const ACTIVEMQ_DEPLOYMENT_MODES = ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ'] as const;
export type ActiveMqDeploymentMode = (typeof ACTIVEMQ_DEPLOYMENT_MODES)[number];

export interface ActiveMqInstanceType {
  name: string;
  /** mq.t3.micro is for evaluation: single-instance only. */
  activeStandby: boolean;
  /** EBS is offered on the mq.m5 family only. */
  ebs: boolean;
}

export const ACTIVEMQ_INSTANCE_TYPES: readonly ActiveMqInstanceType[] = [
  { name: 'mq.t3.micro', activeStandby: false, ebs: false },
  { name: 'mq.m5.large', activeStandby: true, ebs: true },
  { name: 'mq.m5.xlarge', activeStandby: true, ebs: true },
  { name: 'mq.m5.2xlarge', activeStandby: true, ebs: true },
  { name: 'mq.m5.4xlarge', activeStandby: true, ebs: true },
];

export function findActiveMqInstanceType(name: string): ActiveMqInstanceType | undefined {
  return ACTIVEMQ_INSTANCE_TYPES.find((t) => t.name === name);
}

export type StorageType = 'EFS' | 'EBS';

/** Why a storage choice is refused, or undefined when Amazon MQ allows it. */
export function storageRefusal(storage: StorageType, mode: ActiveMqDeploymentMode, instanceType: string): string | undefined {
  if (storage === 'EFS') return undefined;
  if (mode === 'ACTIVE_STANDBY_MULTI_AZ') return 'EBS replicates within one Availability Zone and is not available with ACTIVE_STANDBY_MULTI_AZ (use EFS)';
  if (!findActiveMqInstanceType(instanceType)?.ebs) return `EBS is only offered on the mq.m5 instance family, not ${instanceType}`;
  return undefined;
}

export const ACTIVEMQ_MAX_USERS = 250;
export const ACTIVEMQ_MAX_GROUPS_PER_USER = 20;
/** Amazon MQ's console group: admin on all destinations (child-element-details, authorizationEntry note). */
export const ACTIVEMQ_WEBCONSOLE_GROUP = 'activemq-webconsole';

/**
 * Allowed children of each element, by element name: for a collection element, the elements it may
 * hold; `broker`'s entries are its child collections. (permitted-collections.html)
 */
export const PERMITTED_CHILDREN: Readonly<Record<string, readonly string[]>> = {
  broker: ['destinationInterceptors', 'destinationPolicy', 'destinations', 'networkConnectors', 'persistenceAdapter', 'plugins', 'systemUsage', 'transportConnectors'],
  destinationInterceptors: ['mirroredQueue', 'virtualDestinationInterceptor'],
  destinationPolicy: ['policyMap'],
  destinations: ['queue', 'tempQueue', 'tempTopic', 'topic'],
  networkConnectors: ['networkConnector'],
  persistenceAdapter: ['kahaDB'],
  plugins: ['authorizationPlugin', 'discardingDLQBrokerPlugin', 'forcePersistencyModeBrokerPlugin', 'redeliveryPlugin', 'statisticsBrokerPlugin', 'timeStampingBrokerPlugin'],
  // <systemUsage> (collection) holds <systemUsage> (element) whose only permitted attributes are below.
  systemUsage: ['systemUsage'],
  transportConnectors: ['transportConnector'],
  authorizationPlugin: ['map'],
  map: ['authorizationMap'],
  authorizationMap: ['authorizationEntries', 'defaultEntry', 'tempDestinationAuthorizationEntry'],
  authorizationEntries: ['authorizationEntry', 'tempDestinationAuthorizationEntry'],
  defaultEntry: ['authorizationEntry', 'tempDestinationAuthorizationEntry', 'policyEntry', 'redeliveryPolicy'],
  tempDestinationAuthorizationEntry: ['tempDestinationAuthorizationEntry'],
  virtualDestinationInterceptor: ['virtualDestinations'],
  virtualDestinations: ['compositeQueue', 'compositeTopic', 'virtualTopic'],
  compositeQueue: ['forwardTo'],
  compositeTopic: ['forwardTo'],
  forwardTo: ['queue', 'tempQueue', 'tempTopic', 'topic', 'filteredDestination'],
  policyMap: ['defaultEntry', 'policyEntries'],
  policyEntries: ['policyEntry'],
  policyEntry: ['deadLetterStrategy', 'destination', 'dispatchPolicy', 'messageEvictionStrategy', 'messageGroupMapFactory', 'networkBridgeFilterFactory', 'pendingDurableSubscriberPolicy', 'pendingMessageLimitStrategy', 'pendingQueuePolicy', 'pendingSubscriberPolicy', 'slowConsumerStrategy', 'subscriptionRecoveryPolicy'],
  deadLetterStrategy: ['discarding', 'individualDeadLetterStrategy', 'sharedDeadLetterStrategy'],
  sharedDeadLetterStrategy: ['deadLetterQueue'],
  deadLetterQueue: ['queue', 'tempQueue', 'tempTopic', 'topic'],
  destination: ['queue', 'tempQueue', 'tempTopic', 'topic'],
  dispatchPolicy: ['priorityDispatchPolicy', 'priorityNetworkDispatchPolicy', 'roundRobinDispatchPolicy', 'simpleDispatchPolicy', 'strictOrderDispatchPolicy'],
  messageEvictionStrategy: ['oldestMessageEvictionStrategy', 'oldestMessageWithLowestPriorityEvictionStrategy', 'uniquePropertyMessageEvictionStrategy'],
  messageGroupMapFactory: ['cachedMessageGroupMapFactory', 'messageGroupHashBucketFactory', 'simpleMessageGroupMapFactory'],
  networkBridgeFilterFactory: ['conditionalNetworkBridgeFilterFactory'],
  pendingDurableSubscriberPolicy: ['fileDurableSubscriberCursor', 'storeDurableSubscriberCursor', 'vmDurableCursor'],
  pendingMessageLimitStrategy: ['constantPendingMessageLimitStrategy', 'prefetchRatePendingMessageLimitStrategy'],
  pendingQueuePolicy: ['fileQueueCursor', 'storeCursor', 'vmQueueCursor'],
  pendingSubscriberPolicy: ['fileCursor', 'vmCursor'],
  slowConsumerStrategy: ['abortSlowAckConsumerStrategy', 'abortSlowConsumerStrategy'],
  subscriptionRecoveryPolicy: ['fixedCountSubscriptionRecoveryPolicy', 'fixedSizedSubscriptionRecoveryPolicy', 'lastImageSubscriptionRecoveryPolicy', 'noSubscriptionRecoveryPolicy', 'queryBasedSubscriptionRecoveryPolicy', 'retainedMessageSubscriptionRecoveryPolicy', 'timedSubscriptionRecoveryPolicy'],
  retainedMessageSubscriptionRecoveryPolicy: ['wrapped'],
  wrapped: ['fixedCountSubscriptionRecoveryPolicy', 'fixedSizedSubscriptionRecoveryPolicy', 'lastImageSubscriptionRecoveryPolicy', 'noSubscriptionRecoveryPolicy', 'queryBasedSubscriptionRecoveryPolicy', 'timedSubscriptionRecoveryPolicy'],
  redeliveryPlugin: ['redeliveryPolicyMap'],
  redeliveryPolicyMap: ['redeliveryPolicyMap', 'defaultEntry', 'redeliveryPolicyEntries'],
  redeliveryPolicyEntries: ['redeliveryPolicy'],
};

/** Elements allowed without attributes. */
const NO_ATTRIBUTES: readonly string[] = [];

/** Attributes allowed on each element (permitted-attributes.html, child-element-details.html). */
export const PERMITTED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  abortSlowAckConsumerStrategy: ['abortConnection', 'checkPeriod', 'ignoreIdleConsumers', 'ignoreNetworkConsumers', 'maxSlowCount', 'maxSlowDuration', 'maxTimeSinceLastAck', 'name'],
  abortSlowConsumerStrategy: ['abortConnection', 'checkPeriod', 'ignoreNetworkConsumers', 'maxSlowCount', 'maxSlowDuration', 'name'],
  authorizationEntry: ['admin', 'queue', 'read', 'tempQueue', 'tempTopic', 'topic', 'write'],
  tempDestinationAuthorizationEntry: ['admin', 'read', 'write'],
  broker: [
    'advisorySupport', 'allowTempAutoCreationOnSend', 'cacheTempDestinations', 'consumerSystemUsagePortion', 'dedicatedTaskRunner', 'deleteAllMessagesOnStartup',
    'keepDurableSubsActive', 'enableMessageExpirationOnActiveDurableSubs', 'maxPurgedDestinationsPerSweep', 'maxSchedulerRepeatAllowed', 'monitorConnectionSplits',
    'networkConnectorStartAsync', 'offlineDurableSubscriberTaskSchedule', 'offlineDurableSubscriberTimeout', 'persistenceThreadPriority', 'persistent',
    'populateJMSXUserID', 'producerSystemUsagePortion', 'rejectDurableConsumers', 'rollbackOnlyOnAsyncException', 'schedulePeriodForDestinationPurge',
    'schedulerSupport', 'splitSystemUsageForProducersConsumers', 'taskRunnerPriority', 'timeBeforePurgeTempDestinations', 'useAuthenticatedPrincipalForJMSXUserID',
    'useMirroredQueues', 'useTempMirroredQueues', 'useVirtualDestSubs', 'useVirtualDestSubsOnCreation', 'useVirtualTopics',
  ],
  cachedMessageGroupMapFactory: ['cacheSize'],
  compositeQueue: ['concurrentSend', 'copyMessage', 'forwardOnly', 'name', 'sendWhenNotMatched'],
  compositeTopic: ['concurrentSend', 'copyMessage', 'forwardOnly', 'name', 'sendWhenNotMatched'],
  conditionalNetworkBridgeFilterFactory: ['rateDuration', 'rateLimit', 'replayDelay', 'replayWhenNoConsumers', 'selectorAware'],
  constantPendingMessageLimitStrategy: ['limit'],
  discarding: ['deadLetterQueue', 'enableAudit', 'expiration', 'maxAuditDepth', 'maxProducersToAudit', 'processExpired', 'processNonPersistent'],
  discardingDLQBrokerPlugin: ['dropAll', 'dropOnly', 'dropTemporaryQueues', 'dropTemporaryTopics', 'reportInterval'],
  filteredDestination: ['queue', 'selector', 'topic'],
  fixedCountSubscriptionRecoveryPolicy: ['maximumSize'],
  fixedSizedSubscriptionRecoveryPolicy: ['maximumSize', 'useSharedBuffer'],
  forcePersistencyModeBrokerPlugin: ['persistenceFlag'],
  individualDeadLetterStrategy: ['destinationPerDurableSubscriber', 'enableAudit', 'expiration', 'maxAuditDepth', 'maxProducersToAudit', 'processExpired', 'processNonPersistent', 'queuePrefix', 'queueSuffix', 'topicPrefix', 'topicSuffix', 'useQueueForQueueMessages', 'useQueueForTopicMessages'],
  kahaDB: ['concurrentStoreAndDispatchQueues', 'cleanupOnStop', 'journalDiskSyncInterval', 'journalDiskSyncStrategy', 'preallocationStrategy'],
  messageGroupHashBucketFactory: ['bucketCount', 'cacheSize'],
  mirroredQueue: ['copyMessage', 'postfix', 'prefix'],
  networkConnector: [
    'conduitSubscriptions', 'consumerTTL', 'decreaseNetworkConsumerPriority', 'duplex', 'dynamicOnly', 'messageTTL', 'name', 'networkTTL', 'uri', 'userName',
    'alwaysSyncSend', 'bridgeTempDestinations', 'checkDuplicateMessagesOnDuplex', 'consumerPriorityBase', 'dispatchAsync', 'prefetchSize', 'suppressDuplicateQueueSubscriptions', 'suppressDuplicateTopicSubscriptions',
  ],
  oldestMessageEvictionStrategy: ['evictExpiredMessagesHighWatermark'],
  oldestMessageWithLowestPriorityEvictionStrategy: ['evictExpiredMessagesHighWatermark'],
  policyEntry: [
    'advisoryForConsumed', 'advisoryForDelivery', 'advisoryForDiscardingMessages', 'advisoryForFastProducers', 'advisoryForSlowConsumers', 'advisoryWhenFull',
    'allConsumersExclusiveByDefault', 'alwaysRetroactive', 'blockedProducerWarningInterval', 'consumersBeforeDispatchStarts', 'cursorMemoryHighWaterMark',
    'doOptimzeMessageStorage', 'durableTopicPrefetch', 'enableAudit', 'expireMessagesPeriod', 'gcInactiveDestinations', 'gcWithNetworkConsumers',
    'inactiveTimeoutBeforeGC', 'inactiveTimoutBeforeGC', 'includeBodyForAdvisory', 'lazyDispatch', 'maxAuditDepth', 'maxBrowsePageSize', 'maxDestinations',
    'maxExpirePageSize', 'maxPageSize', 'maxProducersToAudit', 'maxQueueAuditDepth', 'memoryLimit', 'messageGroupMapFactoryType', 'minimumMessageSize',
    'optimizedDispatch', 'optimizeMessageStoreInFlightLimit', 'persistJMSRedelivered', 'prioritizedMessages', 'producerFlowControl', 'queue', 'queueBrowserPrefetch',
    'queuePrefetch', 'reduceMemoryFootprint', 'sendAdvisoryIfNoConsumers', 'sendDuplicateFromStoreToDLQ', 'storeUsageHighWaterMark', 'strictOrderDispatch',
    'tempQueue', 'tempTopic', 'timeBeforeDispatchStarts', 'topic', 'topicPrefetch', 'useCache', 'useConsumerPriority', 'usePrefetchExtension',
  ],
  prefetchRatePendingMessageLimitStrategy: ['multiplier'],
  queryBasedSubscriptionRecoveryPolicy: ['query'],
  queue: ['DLQ', 'physicalName'],
  topic: ['physicalName'],
  tempQueue: ['DLQ', 'physicalName'],
  tempTopic: ['physicalName'],
  redeliveryPlugin: ['fallbackToDeadLetter', 'sendToDlqIfMaxRetriesExceeded'],
  redeliveryPolicy: ['backOffMultiplier', 'initialRedeliveryDelay', 'maximumRedeliveries', 'maximumRedeliveryDelay', 'preDispatchCheck', 'queue', 'redeliveryDelay', 'tempQueue', 'tempTopic', 'topic', 'useCollisionAvoidance', 'useExponentialBackOff'],
  sharedDeadLetterStrategy: ['enableAudit', 'expiration', 'maxAuditDepth', 'maxProducersToAudit', 'processExpired', 'processNonPersistent'],
  statisticsBrokerPlugin: NO_ATTRIBUTES,
  systemUsage: ['sendFailIfNoSpace', 'sendFailIfNoSpaceAfterTimeout'],
  timedSubscriptionRecoveryPolicy: ['recoverDuration'],
  timeStampingBrokerPlugin: ['futureOnly', 'processNetworkMessages', 'ttlCeiling', 'zeroExpirationOverride'],
  transportConnector: ['name', 'updateClusterClients', 'rebalanceClusterClients', 'updateClusterClientsOnRemove'],
  virtualTopic: ['concurrentSend', 'local', 'name', 'postfix', 'prefix', 'selectorAware', 'transactedSend', 'dropOnResourceLimit', 'setOriginalDestination'],
  uniquePropertyMessageEvictionStrategy: ['evictExpiredMessagesHighWatermark', 'propertyName'],
};

/** Plugins Amazon MQ accepts inside `<plugins>` (authentication is Amazon MQ's own: users via the API). */
export const PERMITTED_PLUGINS = PERMITTED_CHILDREN.plugins ?? [];

/** Persistence adapters other than kahaDB: not supported ("Other data stores ... aren't supported"). */
export const UNSUPPORTED_PERSISTENCE = ['jdbcPersistenceAdapter', 'journalPersistenceAdapter', 'levelDB', 'replicatedLevelDB', 'mKahaDB', 'memoryPersistenceAdapter'];

/** Whether `child` may appear inside `parent` in an Amazon MQ configuration. */
export function isPermittedChild(parent: string, child: string): boolean {
  return PERMITTED_CHILDREN[parent]?.includes(child) ?? false;
}

/** Whether `attribute` may appear on `element`; elements without a list take no attributes. */
export function isPermittedAttribute(element: string, attribute: string): boolean {
  return PERMITTED_ATTRIBUTES[element]?.includes(attribute) ?? false;
}

/**
 * The group of the broker administrator the provisioner creates (with console access); converted
 * authorization maps grant it every destination, since the migration drains and verifies them all.
 */
export const ACTIVEMQ_ADMIN_GROUP = 'admin';
