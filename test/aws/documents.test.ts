import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { assertMigrationDocument, DocumentRef, getDocument, migrationKey, putDocument } from '../../src/aws/documents.js';
import { ValidationError } from '../../src/model/errors.js';

const s3Mock = mockClient(S3Client);
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';

/** A GetObject body as the SDK hands it out: only the method the adapter uses. */
function body(text: string): GetObjectCommandOutput['Body'] {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

const Doc = z.strictObject({ name: z.string(), count: z.number().int().default(0) });

beforeEach(() => s3Mock.reset());

describe('putDocument', () => {
  it('stores the body as JSON with server-side encryption and reports its size', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const document = { name: 'orders', note: 'ünïcode' };

    // Act
    const stored = await putDocument(BUCKET, 'migrations/m-1/plan.json', document);

    // Assess
    const calls = s3Mock.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({ Bucket: BUCKET, Key: 'migrations/m-1/plan.json', ContentType: 'application/json', ServerSideEncryption: 'AES256' });
    expect(JSON.parse(String(input?.Body))).toEqual(document);
    expect(stored).toEqual({ bucket: BUCKET, key: 'migrations/m-1/plan.json', bytes: Buffer.byteLength(JSON.stringify(document)) });
  });

  it('lets an S3 failure through with its name (the state machine decides about retries)', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(putDocument(BUCKET, 'migrations/m-1/plan.json', {})).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('getDocument', () => {
  it('reads and validates a document, applying the schema defaults', async () => {
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: 'migrations/m-1/a.json' }).resolves({ Body: body('{"name":"orders"}') });

    const doc = await getDocument({ bucket: BUCKET, key: 'migrations/m-1/a.json' }, Doc);

    expect(doc).toEqual({ name: 'orders', count: 0 });
  });

  it('rejects a document of another shape with a ValidationError naming the document and the field', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body('{"name":"orders","count":"three"}') });

    const error = await getDocument({ bucket: BUCKET, key: 'migrations/m-1/a.json' }, Doc).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', field: `s3://${BUCKET}/migrations/m-1/a.json.count` });
  });

  it('reports a missing document as a ValidationError, not an S3 error', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    await expect(getDocument({ bucket: BUCKET, key: 'migrations/m-1/gone.json' }, Doc)).rejects.toMatchObject({
      name: 'ValidationError',
      rule: 'document does not exist',
    });
  });

  it('reports broken JSON without quoting the document (it may hold password hashes)', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body('{"passwordHash":"c2VjcmV0LWhhc2g=", truncated') });

    const error = await getDocument({ bucket: BUCKET, key: 'migrations/m-1/a.json' }, Doc).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ValidationError', rule: 'must be a JSON document' });
    expect(String((error as Error).message)).not.toContain('c2VjcmV0');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('DocumentRef and migration keys', () => {
  it('accepts a bucket and key and refuses unknown fields or a non-bucket name', () => {
    expect(DocumentRef.safeParse({ bucket: BUCKET, key: 'migrations/m-1/plan.json' }).success).toBe(true);
    expect(DocumentRef.safeParse({ bucket: BUCKET, key: 'k', bytes: 3 }).success).toBe(false);
    expect(DocumentRef.safeParse({ bucket: 'Not_A_Bucket', key: 'k' }).success).toBe(false);
    expect(DocumentRef.safeParse({ bucket: BUCKET, key: '' }).success).toBe(false);
  });

  it('puts every document of a migration under migrations/{migrationId}/', () => {
    expect(migrationKey('orders-dc1', 'plan.json')).toBe('migrations/orders-dc1/plan.json');
  });

  it('refuses a reference to another bucket or another migration, naming the input field', () => {
    const expected = { bucket: BUCKET, migrationId: 'm-1' };
    expect(() => assertMigrationDocument({ bucket: BUCKET, key: 'migrations/m-1/plan.json' }, expected, 'plan')).not.toThrow();
    expect(() => assertMigrationDocument({ bucket: 'someone-elses-bucket', key: 'migrations/m-1/plan.json' }, expected, 'plan')).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'plan.bucket' }),
    );
    expect(() => assertMigrationDocument({ bucket: BUCKET, key: 'migrations/m-10/plan.json' }, expected, 'plan')).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'plan.key' }),
    );
  });
});
