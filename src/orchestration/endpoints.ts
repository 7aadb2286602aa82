import type { AmqpEndpoint } from '../engines/rabbitmq/drain/amqp-endpoint.js';
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
