import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../model/errors.js';

/** What the local runner records of an execution (src/local/stepfunctions/local-workflow.ts). */
interface LocalExecutionRecord {
  status: string;
  startedAt: string;
  stoppedAt?: string;
  error?: string;
  cause?: string;
}

const executionFile = (dataDir: string, id: string, suffix: string) => join(resolve(dataDir), 'executions', `${id}${suffix}`);

/** `status` of a local migration or fleet: one line, and the error where it failed. */
export async function localExecutionStatus(dataDir: string, id: string, kind: 'migration' | 'fleet'): Promise<string> {
  const record = JSON.parse(await readFile(executionFile(dataDir, id, '.json'), 'utf8').catch(() => {
    throw new ValidationError('id', `no local ${kind} ${id} under ${dataDir}`);
  })) as LocalExecutionRecord;
  return `${id}: ${record.status} (started ${record.startedAt}${record.stoppedAt ? `, stopped ${record.stoppedAt}` : ''})${record.error ? `\n${record.error}: ${record.cause ?? ''}` : ''}\n`;
}

/** The Markdown report a local migration or fleet wrote. */
export async function localExecutionReport(dataDir: string, id: string, kind: 'migration' | 'fleet'): Promise<string> {
  return readFile(executionFile(dataDir, id, '.report.md'), 'utf8').catch(() => {
    throw new ValidationError('id', `no local ${kind === 'fleet' ? 'fleet ' : ''}report for ${id} under ${dataDir}`);
  });
}
