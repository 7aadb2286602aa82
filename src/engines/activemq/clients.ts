import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BrokerApiError } from '../../model/errors.js';
import { brokerMBean, JolokiaClient, type JolokiaOptions } from './jolokia-client.js';

/**
 * Who is still connected to an ActiveMQ 5.x broker: the cutover waits for the source's clients
 * to move, and a target's clients show they arrived. ActiveMQ 5.17 registers one Connection MBean
 * per client connection and view, under its transport connector:
 *
 *   org.apache.activemq:type=Broker,brokerName=B,connector=clientConnectors,connectorName=stomp,
 *     connectionViewType=clientId,connectionName=<client id, ':' as '_'>
 *
 * (and the same connection again with `connectionViewType=remoteAddress`, which is skipped so
 * each connection counts once). Network connectors live under `connector=networkConnectors` and
 * are not clients. `UserName` is null unless the broker sets `populateUserNameInMBeans="true"`
 * (off by default, and not among the attributes Amazon MQ permits), so `user` is often absent.
 */

/** Every STOMP connection mq-migrate opens carries a client id starting with this. */
export const TOOL_CLIENT_ID_PREFIX = 'mq-migrate-';

/**
 * A client id for one of the tool's own connections: the prefix, the role and a random part
 * (ActiveMQ refuses a second connection with a client id already in use).
 */
export function toolClientId(role: string): string {
  return `${TOOL_CLIENT_ID_PREFIX}${role}-${randomUUID().slice(0, 8)}`;
}

export interface ClientConnection {
  clientId: string;
  user?: string;
  remoteAddress?: string;
  /** The transport connector it came in through (openwire, stomp, amqp...). */
  connector: string;
}

/** What Jolokia answers per Connection MBean (only the attributes read). */
const ConnectionAttributes = z.looseObject({
  ClientId: z.string().nullable().optional(),
  UserName: z.string().nullable().optional(),
  RemoteAddress: z.string().nullable().optional(),
});

async function onlyBrokerName(client: JolokiaClient): Promise<string> {
  const names = (await client.request({ type: 'search', mbean: 'org.apache.activemq:type=Broker,brokerName=*' })) as string[];
  const name = /brokerName=([^,]+)/.exec(names[0] ?? '')?.[1];
  if (!name) throw new BrokerApiError(client.endpoint, 'org.apache.activemq:type=Broker', 404, 'no broker MBean (is JMX on?)');
  return name;
}

/**
 * The broker's client connections, without the tool's own (client ids starting with
 * {@link TOOL_CLIENT_ID_PREFIX}) and without `ownClientIds`: a drain of a durable subscription
 * must connect with the subscriber's own client id, so a caller that knows one is running names it.
 */
export async function activeMqClientConnections(jolokia: JolokiaOptions, brokerName?: string, options: { ownClientIds?: readonly string[] } = {}): Promise<ClientConnection[]> {
  const client = new JolokiaClient(jolokia);
  const broker = brokerName ?? (await onlyBrokerName(client));
  const pattern = `${brokerMBean(broker)},connector=clientConnectors,connectorName=*,connectionViewType=clientId,connectionName=*`;
  const [response] = await client.bulk([{ type: 'read', mbean: pattern, attribute: ['ClientId', 'UserName', 'RemoteAddress'] }]);
  // A pattern that matches nothing is a 404 (InstanceNotFoundException): no client is connected.
  if (response?.status === 404) return [];
  if (response?.status !== 200) throw new BrokerApiError(client.endpoint, pattern, response?.status ?? 0, response?.error ?? 'no answer');
  const views = z.record(z.string(), ConnectionAttributes).safeParse(response.value ?? {});
  if (!views.success) throw new BrokerApiError(client.endpoint, pattern, 200, 'connection views are not an object of attribute maps');
  const own = new Set(options.ownClientIds ?? []);
  const connections: ClientConnection[] = [];
  for (const [mbean, attributes] of Object.entries(views.data)) {
    // ':' is not allowed in an ObjectName value, so ActiveMQ writes it '_': take the attribute.
    const clientId = attributes.ClientId ?? /connectionName=([^,]+)/.exec(mbean)?.[1] ?? '';
    if (clientId.startsWith(TOOL_CLIENT_ID_PREFIX) || own.has(clientId)) continue;
    connections.push({
      clientId,
      ...(attributes.UserName ? { user: attributes.UserName } : {}),
      ...(attributes.RemoteAddress ? { remoteAddress: attributes.RemoteAddress } : {}),
      connector: /connectorName=([^,]+)/.exec(mbean)?.[1] ?? '',
    });
  }
  return connections.sort((a, b) => a.clientId.localeCompare(b.clientId));
}
