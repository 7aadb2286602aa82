import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Where a drain keeps what must survive a crash: per queue, the ids of messages published to
 * the target but not yet acknowledged on the source (the write-ahead "in doubt" set), and the
 * ledger figures. Local runs use files; Lambda runs use S3 (src/aws).
 */
export interface CheckpointStore {
  read(key: string): Promise<string | undefined>;
  write(key: string, body: string): Promise<void>;
}

/** A folder of files, each written atomically (write, then rename). */
export class FileCheckpointStore implements CheckpointStore {
  /** Folders this store created: a drain writes each checkpoint several times. */
  private readonly made = new Set<string>();

  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }

  async read(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(key: string, body: string): Promise<void> {
    const path = this.path(key);
    const folder = dirname(path);
    if (!this.made.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.made.add(folder);
    }
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  readonly entries = new Map<string, string>();
  async read(key: string) {
    return this.entries.get(key);
  }
  async write(key: string, body: string) {
    this.entries.set(key, body);
  }
}
