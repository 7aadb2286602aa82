import type { RabbitDefinitionsInput } from '../../engines/rabbitmq/definitions.js';
import { apiPath, type ManagementClient } from '../../engines/rabbitmq/management-client.js';

/**
 * A realistic on-premises RabbitMQ estate for the demo, tests and benchmarks: several vhosts
 * (one whose name needs encoding), application users with known passwords, mirrored classic
 * queues, quorum and priority queues, dead-lettering, exchange-to-exchange bindings, a policy
 * with a name Amazon MQ reserves, limits, a shovel and a federation upstream.
 */
export const SAMPLE_PASSWORDS: Readonly<Record<string, string>> = {
  'orders-app': 'orders-app-Secret-2024',
  'billing-svc': 'billing-svc-Secret-2024',
  'ops-monitor': 'ops-monitor-Secret-2024',
  guest: 'guest-Secret-2024xx',
};

export const SAMPLE_VHOSTS = [
  { name: '/', description: 'Default virtual host', tags: [] as string[] },
  { name: 'orders', description: 'Order processing', tags: ['prod', 'orders'] },
  { name: 'team/billing', description: 'Billing team (a vhost name with a slash)', tags: ['prod'] },
];

export function sampleDefinitions(): RabbitDefinitionsInput {
  const all = { configure: '.*', write: '.*', read: '.*' };
  return {
    users: [],
    permissions: [
      { user: 'orders-app', vhost: 'orders', ...all },
      { user: 'billing-svc', vhost: 'team/billing', configure: '^billing\\.', write: '.*', read: '.*' },
      { user: 'ops-monitor', vhost: 'orders', configure: '', write: '', read: '.*' },
      { user: 'guest', vhost: '/', ...all },
    ],
    topic_permissions: [{ user: 'orders-app', vhost: 'orders', exchange: 'orders.events', write: '^orders\\.', read: '.*' }],
    exchanges: [
      { vhost: 'orders', name: 'orders.events', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} },
      { vhost: 'orders', name: 'orders.audit', type: 'fanout', durable: true, auto_delete: false, internal: true, arguments: {} },
      { vhost: 'orders', name: 'orders.dlx', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} },
      { vhost: 'orders', name: 'orders.by-header', type: 'headers', durable: true, auto_delete: false, internal: false, arguments: { 'alternate-exchange': 'orders.dlx' } },
      { vhost: 'team/billing', name: 'billing.invoices', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} },
    ],
    queues: [
      { vhost: 'orders', name: 'orders.created', durable: true, auto_delete: false, arguments: { 'x-dead-letter-exchange': 'orders.dlx', 'x-dead-letter-routing-key': 'dead' } },
      { vhost: 'orders', name: 'orders.shipped', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 20 } },
      { vhost: 'orders', name: 'orders.priority', durable: true, auto_delete: false, arguments: { 'x-max-priority': 10 } },
      { vhost: 'orders', name: 'orders.audit-log', durable: true, auto_delete: false, arguments: { 'x-queue-mode': 'lazy', 'x-message-ttl': 86400000 } },
      { vhost: 'orders', name: 'orders.dead', durable: true, auto_delete: false, arguments: {} },
      { vhost: 'orders', name: 'mirrored.payments', durable: true, auto_delete: false, arguments: { 'x-queue-mode': 'lazy' } },
      { vhost: 'team/billing', name: 'billing.invoices.eu', durable: true, auto_delete: false, arguments: {} },
      { vhost: 'team/billing', name: 'billing.invoices.us', durable: true, auto_delete: false, arguments: { 'x-max-length': 100000, 'x-overflow': 'reject-publish' } },
      { vhost: '/', name: 'legacy.jobs', durable: true, auto_delete: false, arguments: {} },
    ],
    bindings: [
      { vhost: 'orders', source: 'orders.events', destination: 'orders.created', destination_type: 'queue', routing_key: 'orders.created.*', arguments: {} },
      { vhost: 'orders', source: 'orders.events', destination: 'orders.shipped', destination_type: 'queue', routing_key: 'orders.shipped.#', arguments: {} },
      { vhost: 'orders', source: 'orders.events', destination: 'orders.audit', destination_type: 'exchange', routing_key: '#', arguments: {} },
      { vhost: 'orders', source: 'orders.audit', destination: 'orders.audit-log', destination_type: 'queue', routing_key: '', arguments: {} },
      { vhost: 'orders', source: 'orders.dlx', destination: 'orders.dead', destination_type: 'queue', routing_key: 'dead', arguments: {} },
      { vhost: 'orders', source: 'orders.by-header', destination: 'orders.priority', destination_type: 'queue', routing_key: '', arguments: { 'x-match': 'all', urgent: 'yes' } },
      { vhost: 'orders', source: 'orders.events', destination: 'mirrored.payments', destination_type: 'queue', routing_key: 'payments.#', arguments: {} },
      { vhost: 'team/billing', source: 'billing.invoices', destination: 'billing.invoices.eu', destination_type: 'queue', routing_key: 'eu', arguments: {} },
      { vhost: 'team/billing', source: 'billing.invoices', destination: 'billing.invoices.us', destination_type: 'queue', routing_key: 'us', arguments: {} },
    ],
    policies: [
      { vhost: 'orders', name: 'ha-mirrored', pattern: '^mirrored\\.', 'apply-to': 'queues', priority: 5, definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic', 'max-length': 500000 } },
      { vhost: 'orders', name: 'AWS-DEFAULT-POLICY-SINGLE-INSTANCE', pattern: '^legacy\\.', 'apply-to': 'queues', priority: 0, definition: { 'message-ttl': 3600000 } },
      { vhost: 'team/billing', name: 'billing-ttl', pattern: '^billing\\.', 'apply-to': 'queues', priority: 1, definition: { 'message-ttl': 604800000 } },
    ],
    parameters: [
      { vhost: 'orders', component: 'vhost-limits', name: 'limits', value: { 'max-queues': 5000, 'max-connections': 2000 } },
      {
        vhost: 'orders',
        component: 'federation-upstream',
        name: 'dc2-orders',
        value: { uri: 'amqp://federation:fed-Secret-2024@dc2.example.internal:5672/orders', 'ack-mode': 'on-confirm', expires: 3600000 },
      },
    ],
    global_parameters: [{ name: 'mq-migrate-sample', value: { owner: 'platform-team' } }],
  };
}

/** Creates the sample estate on a broker through its management API. */
export async function seedRabbitSample(client: ManagementClient): Promise<void> {
  for (const vhost of SAMPLE_VHOSTS) {
    await client.put(apiPath('vhosts', vhost.name), `vhost "${vhost.name}"`, { description: vhost.description, tags: vhost.tags.join(',') });
  }
  const adminPermissions = SAMPLE_VHOSTS.map((v) => ({ user: 'admin', vhost: v.name, configure: '.*', write: '.*', read: '.*' }));
  for (const permission of adminPermissions) {
    await client.put(apiPath('permissions', permission.vhost, permission.user), `permissions of admin in "${permission.vhost}"`, permission);
  }
  const tags: Record<string, string> = { 'orders-app': '', 'billing-svc': 'management', 'ops-monitor': 'monitoring', guest: 'administrator' };
  for (const [name, password] of Object.entries(SAMPLE_PASSWORDS)) {
    await client.put(apiPath('users', name), `user "${name}"`, { password, tags: tags[name] ?? '' });
  }
  await client.put(apiPath('user-limits', 'orders-app', 'max-connections'), 'user limit', { value: 200 });
  await client.post('/api/definitions', 'sample definitions', sampleDefinitions());
  await client.put(apiPath('operator-policies', 'orders', 'cap-length'), 'operator policy', { pattern: '.*', 'apply-to': 'queues', priority: 0, definition: { 'max-length': 1000000 } });
}
