import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DrainLedgerEntry, type DrainLedgerStore } from '../engines/activemq/stomp-ledger.js';
import { ValidationError } from '../model/errors.js';
import { findDocument, migrationKey, s3 as defaultS3 } from './documents.js';

/**
 * The ActiveMQ drain's ledger in S3: one object per destination under
 * `migrations/{id}/ledgers/activemq/`, named by the encoded destination (`queue://a/b` and
 * `durable://client/sub@topic` hold `/` and `:`, so each is one encoded key segment). A later
 * invocation (the next loop of the state machine, a retry after a timeout) resumes from it, and
 * the verify step reads every entry back with {@link S3DrainLedgerStore.listEntries}.
 */
export class S3DrainLedgerStore implements DrainLedgerStore {
  constructor(
    private readonly bucket: string,
    private readonly migrationId: string,
    private readonly client: S3Client = defaultS3,
  ) {}

  /** The prefix every entry of this migration sits under. */
  get prefix(): string {
    return migrationKey(this.migrationId, 'ledgers/activemq/');
  }

  keyFor(destination: string): string {
    return `${this.prefix}${encodeURIComponent(destination)}.json`;
  }

  async load(destination: string): Promise<DrainLedgerEntry | undefined> {
    return this.read(this.keyFor(destination));
  }

  async save(entry: DrainLedgerEntry): Promise<void> {
    // The store only keeps this migration's entries: another id here is a caller's mix-up.
    if (entry.migrationId !== this.migrationId) throw new ValidationError('entry.migrationId', `must be "${this.migrationId}" (the store's migration)`);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.keyFor(entry.destination), Body: JSON.stringify(entry), ContentType: 'application/json', ServerSideEncryption: 'AES256' }),
    );
  }

  /** Every entry of the migration (all pages of ListObjectsV2), sorted by destination. */
  async listEntries(): Promise<DrainLedgerEntry[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.json')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const entries: DrainLedgerEntry[] = [];
    // A handful at a time: ledgers have one entry per queue, which can be hundreds.
    for (let i = 0; i < keys.length; i += 16) {
      const batch = await Promise.all(keys.slice(i, i + 16).map((key) => this.read(key)));
      for (const entry of batch) if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0));
  }

  /** Reads and validates one entry; missing is undefined (listed, then deleted: skipped too). */
  private async read(key: string): Promise<DrainLedgerEntry | undefined> {
    const where = `s3://${this.bucket}/${key}`;
    const entry = await findDocument({ bucket: this.bucket, key }, DrainLedgerEntry, this.client);
    if (entry === undefined) return undefined;
    // The key is derived from migration and destination: an entry that disagrees was copied by hand.
    if (entry.migrationId !== this.migrationId) throw new ValidationError(`${where}.migrationId`, `must be "${this.migrationId}"`, `${where}: holds an entry of migration ${entry.migrationId}`);
    if (this.keyFor(entry.destination) !== key) throw new ValidationError(`${where}.destination`, 'must match the object key', `${where}: holds the entry of ${entry.destination}`);
    return entry;
  }
}
