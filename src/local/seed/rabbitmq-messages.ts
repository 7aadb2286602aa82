import { connectAmqp, type AmqpEndpoint } from '../../engines/rabbitmq/drain/amqp-endpoint.js';

/** How many messages the demo puts on each sample queue (10,000 in all). */
export const SAMPLE_MESSAGE_COUNTS: readonly { vhost: string; queue: string; count: number }[] = [
  { vhost: 'orders', queue: 'orders.created', count: 3000 },
  { vhost: 'orders', queue: 'orders.shipped', count: 2000 },
  { vhost: 'orders', queue: 'orders.priority', count: 1000 },
  { vhost: 'orders', queue: 'mirrored.payments', count: 1500 },
  { vhost: 'orders', queue: 'orders.audit-log', count: 500 },
  { vhost: 'team/billing', queue: 'billing.invoices.eu', count: 1000 },
  { vhost: 'team/billing', queue: 'billing.invoices.us', count: 700 },
  { vhost: '/', queue: 'legacy.jobs', count: 300 },
];

/** Scales the sample counts so that they add up to `total` (at least one message per queue). */
export function scaledCounts(total: number): { vhost: string; queue: string; count: number }[] {
  const all = SAMPLE_MESSAGE_COUNTS.reduce((s, q) => s + q.count, 0);
  return SAMPLE_MESSAGE_COUNTS.map((q) => ({ ...q, count: Math.max(1, Math.round((q.count * total) / all)) }));
}

/**
 * Publishes realistic messages (JSON bodies, persistent, headers of several types, priorities,
 * correlation ids) onto the sample queues through the default exchange, with publisher confirms.
 */
export async function publishSampleMessages(endpoint: AmqpEndpoint, counts = SAMPLE_MESSAGE_COUNTS): Promise<number> {
  let total = 0;
  for (const { vhost, queue, count } of counts) {
    const connection = await connectAmqp(endpoint, vhost, 'sample producer');
    try {
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < count; i++) {
        const body = Buffer.from(JSON.stringify({ id: `${queue}-${i}`, amount: (i * 7.31) % 1000, currency: i % 3 === 0 ? 'EUR' : 'USD', createdAt: new Date(Date.UTC(2025, 5, 1, 0, 0, i)).toISOString() }));
        channel.sendToQueue(queue, body, {
          persistent: true,
          contentType: 'application/json',
          messageId: `${queue}-${i}`,
          correlationId: `order-${Math.floor(i / 3)}`,
          timestamp: 1748736000 + i,
          headers: { 'x-tenant': i % 2 === 0 ? 'acme' : 'globex', attempt: i % 4, urgent: i % 10 === 0 },
          ...(queue === 'orders.priority' ? { priority: i % 10 } : {}),
        });
        if (i % 500 === 499) await channel.waitForConfirms();
      }
      await channel.waitForConfirms();
      total += count;
      await channel.close();
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  return total;
}
