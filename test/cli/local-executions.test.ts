import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localExecutionReport, localExecutionStatus } from '../../src/cli/local-executions.js';
import { ValidationError } from '../../src/model/errors.js';

describe('local executions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mqm-local-exec-'));
    await mkdir(join(dir, 'executions'));
    await writeFile(join(dir, 'executions', 'm-1.json'), JSON.stringify({ status: 'FAILED', startedAt: 'T0', stoppedAt: 'T1', error: 'States.TaskFailed', cause: 'boom' }));
    await writeFile(join(dir, 'executions', 'm-2.json'), JSON.stringify({ status: 'RUNNING', startedAt: 'T2' }));
    await writeFile(join(dir, 'executions', 'm-1.report.md'), '# Migration m-1\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the status line, with the error of a failed execution', async () => {
    expect(await localExecutionStatus(dir, 'm-1', 'migration')).toBe('m-1: FAILED (started T0, stopped T1)\nStates.TaskFailed: boom\n');
    expect(await localExecutionStatus(dir, 'm-2', 'fleet')).toBe('m-2: RUNNING (started T2)\n');
  });

  it('prints the Markdown report', async () => {
    expect(await localExecutionReport(dir, 'm-1', 'migration')).toBe('# Migration m-1\n');
  });

  it('names the id field and what is missing when there is no such execution', async () => {
    await expect(localExecutionStatus(dir, 'nope', 'fleet')).rejects.toThrow(ValidationError);
    await expect(localExecutionStatus(dir, 'nope', 'fleet')).rejects.toThrow(/id: no local fleet nope/);
    await expect(localExecutionReport(dir, 'm-2', 'migration')).rejects.toThrow(/id: no local report for m-2/);
  });
});
