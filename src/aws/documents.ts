import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ValidationError } from '../model/errors.js';
import { parseOrThrow } from '../model/validate.js';

/**
 * Documents (inventories, plans, replication results) live in S3, encrypted; the state machine
 * only carries references to them. Inventories hold password hashes: never put one in a payload.
 */

/** S3 bucket naming rules (general purpose buckets), and a key S3 accepts. */
export const DocumentRef = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  key: z.string().min(1).max(1024),
});
export type DocumentRef = z.infer<typeof DocumentRef>;

export interface StoredDocument extends DocumentRef {
  bytes: number;
}

/** One client per module with the default configuration: AWS_ENDPOINT_URL_S3 redirects it. */
export const s3 = new S3Client({});

/** `migrations/{migrationId}/{name}`: every document of a migration sits under its prefix. */
export function migrationKey(migrationId: string, name: string): string {
  return `migrations/${migrationId}/${name}`;
}

/**
 * Checks that a reference from an input points at a document of this migration in our bucket,
 * so one execution cannot read another migration's (or anyone else's) documents.
 */
export function assertMigrationDocument(ref: DocumentRef, expected: { bucket: string; migrationId: string }, field: string): void {
  if (ref.bucket !== expected.bucket) {
    throw new ValidationError(`${field}.bucket`, `must be the documents bucket "${expected.bucket}"`);
  }
  const prefix = migrationKey(expected.migrationId, '');
  if (!ref.key.startsWith(prefix)) {
    throw new ValidationError(`${field}.key`, `must be a document of this migration (under ${prefix})`);
  }
}

/** Stores `body` as JSON, encrypted at rest (SSE-S3), and returns where it went. */
export async function putDocument(bucket: string, key: string, body: unknown): Promise<StoredDocument> {
  const text = JSON.stringify(body);
  if (text === undefined) throw new ValidationError(key, 'must be a JSON value');
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: text,
      ContentType: 'application/json',
      ServerSideEncryption: 'AES256',
    }),
  );
  return { bucket, key, bytes: Buffer.byteLength(text) };
}

/**
 * Reads a JSON document and validates it: a missing document, broken JSON or a document of
 * another shape is a ValidationError naming the document (and the offending field).
 */
export async function getDocument<T>(ref: DocumentRef, schema: z.ZodType<T>, client: S3Client = s3): Promise<T> {
  const where = `s3://${ref.bucket}/${ref.key}`;
  let text: string;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    if (response.Body === undefined) throw new ValidationError(where, 'must not be empty');
    text = await response.Body.transformToString('utf-8');
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: unknown }).name === 'NoSuchKey') {
      throw new ValidationError(where, 'document does not exist', `${where}: document does not exist`, { cause: error });
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No cause: JSON.parse quotes a piece of the text, and documents can hold password hashes.
    throw new ValidationError(where, 'must be a JSON document', `${where}: not valid JSON`);
  }
  return parseOrThrow(schema, value, where) as T;
}

/** Like getDocument, but a missing document is `undefined` rather than an error. */
export async function findDocument<T>(ref: DocumentRef, schema: z.ZodType<T>, client: S3Client = s3): Promise<T | undefined> {
  try {
    return await getDocument(ref, schema, client);
  } catch (error) {
    if (error instanceof ValidationError && error.rule === 'document does not exist') return undefined;
    throw error;
  }
}

/** Stores a text document (the Markdown report), encrypted at rest like the JSON ones. */
export async function putText(bucket: string, key: string, text: string, contentType = 'text/markdown; charset=utf-8'): Promise<StoredDocument> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType, ServerSideEncryption: 'AES256' }));
  return { bucket, key, bytes: Buffer.byteLength(text) };
}

/** Reads a text document; a missing one is a ValidationError naming it. */
export async function getText(ref: DocumentRef): Promise<string> {
  const where = `s3://${ref.bucket}/${ref.key}`;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: unknown }).name === 'NoSuchKey') throw new ValidationError(where, 'document does not exist', `${where}: document does not exist`, { cause: error });
    throw error;
  }
}
