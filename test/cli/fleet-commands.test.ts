import { jest } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../src/cli/main.js';

/** `mq-migrate fleet start | status | report` against a deployed stack (SDK mocked). */
Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mq-migrate-fleet';
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
const STACK = ['--fleet-state-machine-arn', ARN, '--bucket', BUCKET];
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const fleet = JSON.parse(readFileSync(new URL('../../events/fleet-input.json', import.meta.url), 'utf8')) as { members: Record<string, unknown>[] };

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['node', 'mq-migrate', ...args], (text) => (out += text));
  process.exitCode = undefined;
  return { code, out };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqm-fleet-'));
});
beforeEach(() => {
  sfn.reset();
  s3.reset();
});

it('fleet start validates the whole fleet and starts the execution named after the fleet', async () => {
  await writeFile(join(dir, 'fleet.json'), JSON.stringify(fleet));
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:dc1-2025-06` });

  const { code, out } = await run('fleet', 'start', '--input', join(dir, 'fleet.json'), ...STACK);

  expect(code).toBe(0);
  expect(out).toContain('execution:mq-migrate-fleet:dc1-2025-06: 4 member(s)');
  const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
  expect(sent).toMatchObject({ stateMachineArn: ARN, name: 'dc1-2025-06' });
  expect(JSON.parse(sent?.input ?? '{}')).toMatchObject({ fleetId: 'dc1-2025-06', maxConcurrency: 4, drain: { batchSize: 25 } });
});

it('fleet start refuses an invalid fleet before starting anything, naming the member field (exit code 2)', async () => {
  const members = [...fleet.members, { ...fleet.members[0] }];
  await writeFile(join(dir, 'dup.json'), JSON.stringify({ ...fleet, members }));

  const errors: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((text) => (errors.push(String(text)), true));

  const { code } = await run('fleet', 'start', '--input', join(dir, 'dup.json'), ...STACK).finally(() => stderr.mockRestore());

  expect(code).toBe(2);
  expect(errors.join('')).toContain('input.members[4].migrationId: must be unique in the fleet');
  expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
});

it('fleet status and fleet report read the execution and fleets/<id>/report.md', async () => {
  sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', startDate: new Date('2025-06-14T21:00:00Z'), error: 'FleetMemberFailedError', cause: '1 member(s) not migrated: ["dc1-legacy-b"]' } as never);
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'fleets/dc1-2025-06/report.md' }).resolves({ Body: { transformToString: async () => '# Fleet dc1-2025-06: partially-succeeded\n' } as unknown as GetObjectCommandOutput['Body'] });

  const status = await run('fleet', 'status', 'dc1-2025-06', ...STACK);
  const report = await run('fleet', 'report', 'dc1-2025-06', ...STACK);

  expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(`${ARN.replace(':stateMachine:', ':execution:')}:dc1-2025-06`);
  expect(status.out).toContain('dc1-2025-06: FAILED');
  expect(status.out).toContain('FleetMemberFailedError: 1 member(s) not migrated');
  expect(report.out).toBe('# Fleet dc1-2025-06: partially-succeeded\n');
});
