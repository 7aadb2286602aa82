import { ACTIVEMQ_INVENTORY_SCHEMA_VERSION, ActiveMqInventory, type ActiveMqClientSession, type ActiveMqDurableSubscription, type ActiveMqQueue, type ActiveMqScheduler, type ActiveMqTopic } from '../../model/activemq-inventory.js';
import { BrokerApiError } from '../../model/errors.js';
import { parseOrThrow } from '../../model/validate.js';
import { parseActiveMqConfig, type ActiveMqConfigBundle } from './activemq-config.js';
import { brokerMBean, JolokiaClient, type JolokiaOptions } from './jolokia-client.js';

/** Selector text as the subscriber wrote it: JMX shows STOMP-created selectors with this prefix. */
export const STOMP_SELECTOR_PREFIX = 'convert_string_expressions:';

export function stripSelectorPrefix(selector: string | null | undefined): string | undefined {
  if (selector === null || selector === undefined || selector === '') return undefined;
  return selector.startsWith(STOMP_SELECTOR_PREFIX) ? selector.slice(STOMP_SELECTOR_PREFIX.length) : selector;
}

export interface CollectActiveMqOptions {
  jolokia?: JolokiaOptions;
  /** The broker to read when Jolokia serves several (default: the only one). */
  brokerName?: string;
  config?: ActiveMqConfigBundle;
  /** Leave out ActiveMQ.Advisory.* topics (default true). */
  skipAdvisoryTopics?: boolean;
  now?: () => Date;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Collects an ActiveMQ inventory from the live broker (Jolokia), the on-premises configuration
 * (activemq.xml + JAAS files), or both. The configuration gives users, groups, authorization,
 * policies and connectors; Jolokia gives version, destinations with depths and counters,
 * durable subscriptions, connections and scheduler figures. Nothing is changed on the broker.
 */
export async function collectActiveMqInventory(options: CollectActiveMqOptions): Promise<ActiveMqInventory> {
  if (!options.jolokia && !options.config) throw new BrokerApiError('-', 'inventory', 0, 'give Jolokia credentials, an activemq.xml bundle, or both');
  const parsed = options.config ? parseActiveMqConfig(options.config) : undefined;
  const collectedAt = (options.now ?? (() => new Date()))().toISOString();
  const live = options.jolokia ? await readLive(new JolokiaClient(options.jolokia), options.brokerName ?? parsed?.configuration.brokerAttributes.brokerName, options.skipAdvisoryTopics ?? true) : undefined;

  const queues: ActiveMqQueue[] = live?.queues ?? [];
  const topics: ActiveMqTopic[] = live?.topics ?? [];
  // Pre-created destinations the broker does not (yet) report still belong to the inventory.
  for (const d of parsed?.configuration.destinations ?? []) {
    if (d.type === 'queue' && !queues.some((q) => q.name === d.name)) queues.push({ name: d.name });
    if (d.type === 'topic' && !topics.some((t) => t.name === d.name)) topics.push({ name: d.name });
  }
  const schedulerInConfig = parsed ? parsed.configuration.brokerAttributes.schedulerSupport === 'true' : false;
  const document = {
    schemaVersion: ACTIVEMQ_INVENTORY_SCHEMA_VERSION,
    engine: 'ACTIVEMQ' as const,
    source: {
      endpoint: options.jolokia?.url ?? `file:${parsed?.configuration.file ?? 'activemq.xml'}`,
      origin: live && parsed ? ('jolokia+activemq-xml' as const) : live ? ('jolokia' as const) : ('activemq-xml' as const),
      collectedAt,
    },
    broker: live?.broker ?? { ...(parsed?.configuration.brokerAttributes.brokerName ? { brokerName: parsed.configuration.brokerAttributes.brokerName } : {}), transportConnectors: Object.fromEntries((parsed?.configuration.connectors ?? []).filter((c) => c.kind === 'transport').map((c, i) => [c.name ?? `connector${i + 1}`, c.uri])) },
    clients: live?.clients ?? [],
    activemq: {
      ...(parsed ? { configuration: parsed.configuration } : {}),
      users: parsed?.users ?? [],
      groups: parsed?.groups ?? [],
      queues: queues.sort((a, b) => a.name.localeCompare(b.name)),
      topics: topics.sort((a, b) => a.name.localeCompare(b.name)),
      durableSubscriptions: live?.durableSubscriptions ?? [],
      scheduler: live?.scheduler ?? { enabled: schedulerInConfig },
    },
  };
  return parseOrThrow(ActiveMqInventory, document, 'inventory');
}

interface LiveFigures {
  broker: ActiveMqInventory['broker'];
  clients: ActiveMqClientSession[];
  queues: ActiveMqQueue[];
  topics: ActiveMqTopic[];
  durableSubscriptions: ActiveMqDurableSubscription[];
  scheduler: ActiveMqScheduler;
}

/** Which broker Jolokia serves (the only one, or the named one). */
async function resolveBrokerName(client: JolokiaClient, wanted: string | undefined): Promise<string> {
  const names = ((await client.request({ type: 'search', mbean: 'org.apache.activemq:type=Broker,brokerName=*' })) as string[])
    .map((name) => /brokerName=([^,]+)/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined);
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw new BrokerApiError(client.endpoint, brokerMBean(wanted), 404, `no broker "${wanted}" behind Jolokia (found: ${names.join(', ') || 'none'})`);
    return wanted;
  }
  if (names.length !== 1 || names[0] === undefined) throw new BrokerApiError(client.endpoint, 'org.apache.activemq:type=Broker', 404, `expected one broker behind Jolokia, found ${names.length}: name one with brokerName`);
  return names[0];
}

async function readLive(client: JolokiaClient, wantedName: string | undefined, skipAdvisory: boolean): Promise<LiveFigures> {
  // A configured name can be a placeholder value that differs from the live one: only insist when given explicitly.
  let brokerName: string;
  try {
    brokerName = await resolveBrokerName(client, wantedName);
  } catch (error) {
    if (wantedName === undefined) throw error;
    brokerName = await resolveBrokerName(client, undefined);
  }
  const broker = brokerMBean(brokerName);
  const [info, queues, topics, connections] = await client.bulk([
    { type: 'read', mbean: broker, attribute: ['BrokerVersion', 'BrokerId', 'BrokerName', 'UptimeMillis', 'Persistent', 'TransportConnectors', 'DurableTopicSubscribers', 'InactiveDurableTopicSubscribers', 'JMSJobScheduler'] },
    { type: 'read', mbean: `${broker},destinationType=Queue,destinationName=*`, attribute: ['Name', 'QueueSize', 'EnqueueCount', 'DequeueCount', 'ConsumerCount', 'ProducerCount', 'MessageGroupType'] },
    { type: 'read', mbean: `${broker},destinationType=Topic,destinationName=*`, attribute: ['Name', 'EnqueueCount', 'DequeueCount', 'ConsumerCount', 'ProducerCount'] },
    { type: 'read', mbean: `${broker},connector=clientConnectors,connectionViewType=clientId,*`, attribute: ['UserName', 'ClientId', 'RemoteAddress'] },
  ]);
  if (!info || info.status !== 200) throw new BrokerApiError(client.endpoint, broker, info?.status ?? 0, info?.error ?? 'no answer');
  const b = info.value as Record<string, unknown>;
  const rows = (response: { status: number; value?: unknown } | undefined) =>
    response?.status === 200 ? Object.entries((response.value ?? {}) as Record<string, Record<string, unknown>>) : [];

  const subscriptionNames = [...((b.DurableTopicSubscribers ?? []) as { objectName: string }[]), ...((b.InactiveDurableTopicSubscribers ?? []) as { objectName: string }[])].map((o) => o.objectName);
  const subscriptionReads = await client.bulk(
    subscriptionNames.map((mbean) => ({ type: 'read' as const, mbean, attribute: ['ClientId', 'SubscriptionName', 'DestinationName', 'Selector', 'NoLocal', 'Active', 'PendingQueueSize', 'EnqueueCounter', 'DequeueCounter'] })),
  );
  const durableSubscriptions: ActiveMqDurableSubscription[] = subscriptionReads
    .filter((r) => r.status === 200)
    .map((r) => {
      const v = r.value as Record<string, unknown>;
      const selector = stripSelectorPrefix(str(v.Selector));
      return {
        clientId: str(v.ClientId) ?? '',
        subscriptionName: str(v.SubscriptionName) ?? '',
        topic: str(v.DestinationName) ?? '',
        ...(selector ? { selector } : {}),
        noLocal: v.NoLocal === true,
        active: v.Active === true,
        pendingQueueSize: num(v.PendingQueueSize) ?? 0,
        ...(num(v.EnqueueCounter) !== undefined ? { enqueueCounter: num(v.EnqueueCounter) } : {}),
        ...(num(v.DequeueCounter) !== undefined ? { dequeueCounter: num(v.DequeueCounter) } : {}),
      };
    })
    .sort((x, y) => `${x.clientId}:${x.subscriptionName}`.localeCompare(`${y.clientId}:${y.subscriptionName}`));

  let scheduler: ActiveMqScheduler = { enabled: false };
  const schedulerName = (b.JMSJobScheduler as { objectName?: string } | null | undefined)?.objectName;
  if (schedulerName) {
    const [jobs] = await client.bulk([{ type: 'read', mbean: schedulerName, attribute: ['ScheduledMessageCount', 'DelayedMessageCount', 'AllJobs'] }]);
    const v = (jobs?.status === 200 ? jobs.value : {}) as Record<string, unknown>;
    const all = Object.values((v.AllJobs ?? {}) as Record<string, { repeat?: number; cronEntry?: string; period?: number }>);
    scheduler = {
      enabled: true,
      ...(num(v.ScheduledMessageCount) !== undefined ? { scheduledMessageCount: num(v.ScheduledMessageCount) } : {}),
      ...(num(v.DelayedMessageCount) !== undefined ? { delayedMessageCount: num(v.DelayedMessageCount) } : {}),
      repeatingJobs: all.filter((job) => (job.repeat ?? 0) !== 0 || (job.cronEntry ?? '') !== '').length,
    };
  }

  const clientsByKey = new Map<string, ActiveMqClientSession>();
  for (const [name, v] of rows(connections)) {
    // ActiveMQ 5.17 reports an empty UserName for STOMP connections: keep them by client id and address.
    const user = str(v.UserName) || '(not reported)';
    const connector = /connectorName=([^,]+)/.exec(name)?.[1];
    const clientId = str(v.ClientId);
    const key = `${user}\u0000${clientId ?? ''}\u0000${connector ?? ''}`;
    const existing = clientsByKey.get(key);
    if (existing) existing.connections++;
    else clientsByKey.set(key, { user, connections: 1, ...(clientId ? { clientId } : {}), ...(connector ? { connector } : {}), ...(str(v.RemoteAddress) ? { remoteAddress: str(v.RemoteAddress) } : {}) });
  }

  return {
    broker: {
      ...(str(b.BrokerVersion) ? { engineVersion: str(b.BrokerVersion) } : {}),
      brokerName: str(b.BrokerName) ?? brokerName,
      ...(str(b.BrokerId) ? { brokerId: str(b.BrokerId) } : {}),
      ...(num(b.UptimeMillis) !== undefined ? { uptimeMillis: num(b.UptimeMillis) } : {}),
      ...(typeof b.Persistent === 'boolean' ? { persistent: b.Persistent } : {}),
      transportConnectors: (b.TransportConnectors ?? {}) as Record<string, string>,
    },
    clients: [...clientsByKey.values()],
    queues: rows(queues).map(([, v]) => ({
      name: str(v.Name) ?? '',
      ...(num(v.QueueSize) !== undefined ? { queueSize: num(v.QueueSize) } : {}),
      ...(num(v.EnqueueCount) !== undefined ? { enqueueCount: num(v.EnqueueCount) } : {}),
      ...(num(v.DequeueCount) !== undefined ? { dequeueCount: num(v.DequeueCount) } : {}),
      ...(num(v.ConsumerCount) !== undefined ? { consumerCount: num(v.ConsumerCount) } : {}),
      ...(num(v.ProducerCount) !== undefined ? { producerCount: num(v.ProducerCount) } : {}),
      ...(str(v.MessageGroupType) ? { messageGroupType: str(v.MessageGroupType) } : {}),
    })),
    topics: rows(topics)
      .map(([, v]) => ({
        name: str(v.Name) ?? '',
        ...(num(v.EnqueueCount) !== undefined ? { enqueueCount: num(v.EnqueueCount) } : {}),
        ...(num(v.DequeueCount) !== undefined ? { dequeueCount: num(v.DequeueCount) } : {}),
        ...(num(v.ConsumerCount) !== undefined ? { consumerCount: num(v.ConsumerCount) } : {}),
        ...(num(v.ProducerCount) !== undefined ? { producerCount: num(v.ProducerCount) } : {}),
      }))
      .filter((t) => !(skipAdvisory && t.name.startsWith('ActiveMQ.Advisory.'))),
    durableSubscriptions,
    scheduler,
  };
}
