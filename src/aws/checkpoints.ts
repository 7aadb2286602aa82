import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CheckpointStore } from '../engines/rabbitmq/drain/checkpoint.js';
import { s3 as defaultS3 } from './documents.js';
import { migrationKey } from './documents.js';

/**
 * The drain's checkpoints in S3, under `migrations/{id}/checkpoints/`: one object per queue,
 * rewritten (write-ahead) before every publish round. A later invocation (the next loop of the
 * state machine, or a retry after a crash) continues from it.
 */
export class S3CheckpointStore implements CheckpointStore {
  constructor(
    private readonly bucket: string,
    private readonly migrationId: string,
    private readonly client: S3Client = defaultS3,
  ) {}

  /** The relay's keys hold vhost and queue names ("/" included): one encoded key segment each. */
  keyFor(key: string): string {
    return migrationKey(this.migrationId, `checkpoints/${encodeURIComponent(key)}.json`);
  }

  async read(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyFor(key) }));
      return response.Body === undefined ? undefined : await response.Body.transformToString('utf-8');
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: unknown }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async write(key: string, body: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyFor(key), Body: body, ContentType: 'application/json', ServerSideEncryption: 'AES256' }));
  }
}
