import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { emptyLedgerEntry, type DrainLedgerEntry } from '../../src/engines/activemq/stomp-ledger.js';
import { startLocalS3, type LocalS3 } from '../../src/local/s3/server.js';

// The store against the local S3 service, configured only through AWS_ENDPOINT_URL_S3 (the
// production module is imported after it is set, as a Lambda would see it).
let server: LocalS3;
let dataDir: string;
let s3: S3Client;
let S3DrainLedgerStore: typeof import('../../src/aws/drain-ledger-store.js').S3DrainLedgerStore;
const saved = { ...process.env };
const BUCKET = 'mq-migrate-docs';
const AT = new Date('2026-12-01T20:00:00.000Z');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'drain-ledger-s3-'));
  server = await startLocalS3({ dataDir });
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: server.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  ({ S3DrainLedgerStore } = await import('../../src/aws/drain-ledger-store.js'));
});

afterAll(async () => {
  await server.close();
  process.env = saved;
  await rm(dataDir, { recursive: true, force: true });
});

const entry = (migrationId: string, destination: string, moved = 0): DrainLedgerEntry => ({ ...emptyLedgerEntry(migrationId, destination, destination.startsWith('durable://') ? 'durable-subscription' : 'queue', AT), moved, status: 'running', runs: 1 });

describe('S3DrainLedgerStore', () => {
  it('saves each destination under its encoded key and loads it back; a missing one is undefined', async () => {
    const store = new S3DrainLedgerStore(BUCKET, 'm-1');
    expect(await store.load('queue://orders')).toBeUndefined();

    const durable = entry('m-1', 'durable://billing-app/invoices@billing.events', 3);
    await store.save(entry('m-1', 'queue://orders/eu', 5));
    await store.save(durable);

    expect(store.keyFor('queue://orders/eu')).toBe('migrations/m-1/ledgers/activemq/queue%3A%2F%2Forders%2Feu.json');
    expect(await store.load('queue://orders/eu')).toEqual(entry('m-1', 'queue://orders/eu', 5));
    expect(await store.load(durable.destination)).toEqual(durable);
    // A resumed drain rewrites its entry.
    await store.save({ ...entry('m-1', 'queue://orders/eu', 12), runs: 2, status: 'done' });
    expect(await store.load('queue://orders/eu')).toMatchObject({ moved: 12, runs: 2, status: 'done' });
  });

  it('lists every entry of the migration across ListObjectsV2 pages, and only that migration\'s', async () => {
    const store = new S3DrainLedgerStore(BUCKET, 'm-many');
    const other = new S3DrainLedgerStore(BUCKET, 'm-many-2');
    // Over 1000 objects: S3 (and the local one) answer at most 1000 keys per page.
    const names = Array.from({ length: 1003 }, (_, i) => `queue://q.${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((name, j) => store.save(entry('m-many', name, i + j))));
    await other.save(entry('m-many-2', 'queue://q.0000'));

    const listed = await store.listEntries();

    expect(listed).toHaveLength(1003);
    expect(listed.map((e) => e.destination)).toEqual(names);
    expect(listed[1002]).toMatchObject({ migrationId: 'm-many', moved: 1002 });
    expect(await other.listEntries()).toEqual([entry('m-many-2', 'queue://q.0000')]);
    expect(await new S3DrainLedgerStore(BUCKET, 'm-none').listEntries()).toEqual([]);
  });

  it('refuses an entry that is not a ledger entry, names the object, and refuses another migration\'s entry', async () => {
    const store = new S3DrainLedgerStore(BUCKET, 'm-bad', s3);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.keyFor('queue://broken'), Body: JSON.stringify({ ...entry('m-bad', 'queue://broken'), moved: -1 }) }));
    await expect(store.load('queue://broken')).rejects.toMatchObject({ name: 'ValidationError', field: `s3://${BUCKET}/${store.keyFor('queue://broken')}.moved` });
    await expect(store.listEntries()).rejects.toMatchObject({ name: 'ValidationError' });

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.keyFor('queue://copied'), Body: JSON.stringify(entry('m-bad', 'queue://elsewhere')) }));
    await expect(store.load('queue://copied')).rejects.toMatchObject({ name: 'ValidationError', rule: 'must match the object key' });

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.keyFor('queue://text'), Body: 'not json' }));
    await expect(store.load('queue://text')).rejects.toMatchObject({ name: 'ValidationError', rule: 'must be a JSON document' });

    await expect(store.save(entry('m-other', 'queue://x'))).rejects.toMatchObject({ name: 'ValidationError', field: 'entry.migrationId' });
  });
});
