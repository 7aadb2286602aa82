import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { startLocalS3, type LocalS3 } from '../../../src/local/s3/server.js';

let server: LocalS3;
let dataDir: string;
let s3: S3Client;
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-s3-'));
  server = await startLocalS3({ dataDir });
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: 'mq-migrate-docs' }));
});

afterAll(async () => {
  await server.close();
  process.env = saved;
  await rm(dataDir, { recursive: true, force: true });
});

it('stores and reads a document larger than a Step Functions payload through the production adapter', async () => {
  const { putDocument, getDocument } = await import('../../../src/aws/documents.js');
  const big = { items: Array.from({ length: 20000 }, (_, i) => `queue-${i}-${'x'.repeat(20)}`) };
  const stored = await putDocument('mq-migrate-docs', 'migrations/m-1/inventory.json', big);
  expect(stored.bytes).toBeGreaterThan(256 * 1024);
  expect(await getDocument({ bucket: 'mq-migrate-docs', key: 'migrations/m-1/inventory.json' }, z.object({ items: z.array(z.string()) }))).toEqual(big);
  await expect(getDocument({ bucket: 'mq-migrate-docs', key: 'migrations/m-1/missing.json' }, z.unknown())).rejects.toMatchObject({ name: 'ValidationError' });
});

it('handles streamed (aws-chunked) uploads, head, list with prefix and delete', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/one.txt', Body: Readable.from([Buffer.from('hello '), Buffer.from('world')]), ContentLength: 11, Metadata: { kind: 'greeting' } }));
  await s3.send(new PutObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/two.txt', Body: 'two', ContentType: 'text/plain' }));
  await s3.send(new PutObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'b/three.txt', Body: 'three' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/one.txt' }));
  expect(await got.Body?.transformToString()).toBe('hello world');
  expect(got.Metadata).toEqual({ kind: 'greeting' });
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/two.txt' }))).ContentLength).toBe(3);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'mq-migrate-docs', Prefix: 'a/' }));
  expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/one.txt', 'a/two.txt']);
  const paged = await s3.send(new ListObjectsV2Command({ Bucket: 'mq-migrate-docs', Prefix: 'a/', MaxKeys: 1 }));
  expect(paged.IsTruncated).toBe(true);
  const rest = await s3.send(new ListObjectsV2Command({ Bucket: 'mq-migrate-docs', Prefix: 'a/', ContinuationToken: paged.NextContinuationToken }));
  expect(rest.Contents?.map((c) => c.Key)).toEqual(['a/two.txt']);
  await s3.send(new DeleteObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/two.txt' }));
  await expect(s3.send(new HeadObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/two.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  await expect(s3.send(new GetObjectCommand({ Bucket: 'mq-migrate-docs', Key: 'a/two.txt' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  await expect(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
});
