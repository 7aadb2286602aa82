import { createHash } from 'node:crypto';
import type { MessageProperties } from 'amqplib';
import { canonicalJson } from '../canonical-json.js';

export const MIGRATION_ID_HEADER = 'x-mq-migrate-id';
export const DUPLICATE_HEADER = 'x-mq-migrate-duplicate';
export const ORIGINAL_USER_ID_HEADER = 'x-mq-migrate-original-user-id';

/**
 * A stable id for a message: the same message gets the same id in every run, so a consumer can
 * drop the copy a crash may have caused. It hashes where the message lives and all it carries;
 * two byte-identical messages in one queue share an id (a consumer deduplicating only messages
 * marked x-mq-migrate-duplicate keeps both). An id the message already carries is kept.
 */
export function stableMessageId(vhost: string, queue: string, properties: MessageProperties, body: Buffer): string {
  const existing = properties.headers?.[MIGRATION_ID_HEADER];
  if (typeof existing === 'string') return existing;
  const hash = createHash('sha256');
  hash.update(vhost).update('\u0000').update(queue).update('\u0000');
  hash.update(canonicalJson({ ...properties, headers: properties.headers ?? {} }, true)).update('\u0000');
  hash.update(body);
  return hash.digest('base64url').slice(0, 27);
}
