import type { AmqpEndpoint } from '../engines/rabbitmq/drain/amqp-endpoint.js';
import { parseStompUrl } from '../engines/activemq/stomp-client.js';
import type { BrokerCredentials } from '../aws/secrets.js';

/** An AMQP endpoint from a credential-free URL (amqp://host:5672, amqps://host:5671) and the secret's credentials. */
export function amqpEndpoint(amqpUrl: string, credentials: BrokerCredentials): AmqpEndpoint {
  const url = new URL(amqpUrl);
  const tls = url.protocol === 'amqps:';
  return { host: url.hostname, port: url.port === '' ? (tls ? 5671 : 5672) : Number(url.port), username: credentials.username, password: credentials.password, tls };
}

/** Of a broker's wire endpoints, the AMQP one (amqps preferred). */
export function pickAmqpEndpoint(endpoints: readonly string[]): string | undefined {
  return endpoints.find((e) => e.startsWith('amqps://')) ?? endpoints.find((e) => e.startsWith('amqp://'));
}

/** Of a broker's wire endpoints, the STOMP one (stomp+ssl preferred, as Amazon MQ lists it). */
export function pickStompEndpoint(endpoints: readonly string[]): string | undefined {
  return endpoints.find((e) => /^stomp(\+nio)?\+ssl:\/\//.test(e)) ?? endpoints.find((e) => e.startsWith('stomp://') || e.startsWith('stomp+nio://'));
}

/**
 * Jolokia of an Amazon MQ for ActiveMQ broker: its web console (ConsoleURL) serves /api/jolokia,
 * as upstream's does.
 */
export function jolokiaUrlOfConsole(consoleUrl: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/api/jolokia`;
}

/** STOMP connection settings from a credential-free stomp:// or stomp+ssl:// URL (the inputs' schema checked it) and the secret's credentials. */
export function stompEndpoint(stompUrl: string, credentials: BrokerCredentials): { host: string; port: number; login: string; passcode: string; tls: boolean } {
  return { ...parseStompUrl(stompUrl), login: credentials.username, passcode: credentials.password };
}

export function jolokiaOptions(jolokiaUrl: string, credentials: BrokerCredentials): { url: string; username: string; password: string } {
  return { url: jolokiaUrl, username: credentials.username, password: credentials.password };
}
