import { jest } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../src/cli/main.js';

Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mq-migrate-migration';
const BUCKET = 'mq-migrate-documentsbucket-1x2y3z4w5v6u';
const STACK = ['--state-machine-arn', ARN, '--bucket', BUCKET];
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const input = JSON.parse(readFileSync(new URL('../../events/migration-input.json', import.meta.url), 'utf8')) as Record<string, unknown>;

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['node', 'mq-migrate', ...args], (text) => (out += text));
  process.exitCode = undefined;
  return { code, out };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqm-orch-'));
});
beforeEach(() => {
  sfn.reset();
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});

describe('mq-migrate start', () => {
  it('starts the execution named after the migration, with the validated input (defaults applied)', async () => {
    await writeFile(join(dir, 'in.json'), JSON.stringify(input));
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:orders-dc1-2025-06` });

    const { code, out } = await run('start', '--input', join(dir, 'in.json'), ...STACK);

    expect(code).toBe(0);
    expect(out).toContain('execution:mq-migrate-migration:orders-dc1-2025-06');
    const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({ stateMachineArn: ARN, name: 'orders-dc1-2025-06' });
    expect(JSON.parse(sent?.input ?? '{}')).toMatchObject({ migrationId: 'orders-dc1-2025-06', cutover: { strategy: 'ssm-parameter' }, rollback: { onFailure: 'offer' } });
  });

  it('uploads an ActiveMQ source\'s conf folder with the migration\'s documents and names it in the input; refuses it for RabbitMQ', async () => {
    const amqInput = JSON.parse(readFileSync(new URL('../../events/migration-input.activemq.json', import.meta.url), 'utf8')) as { source: Record<string, unknown> };
    const { configuration: _none, ...sourceWithout } = amqInput.source;
    await writeFile(join(dir, 'amq.json'), JSON.stringify({ ...amqInput, source: sourceWithout }));
    const conf = await mkdtemp(join(tmpdir(), 'mqm-conf-'));
    await writeFile(join(conf, 'activemq.xml'), '<beans><broker xmlns="http://activemq.apache.org/schema/core" brokerName="b1"/></beans>');
    await writeFile(join(conf, 'users.properties'), 'app=App-password-123\n');
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:billing-amq-2025-09` });

    const { code, out } = await run('start', '--input', join(dir, 'amq.json'), '--activemq-conf', conf, ...STACK);

    expect([code, out]).toEqual([0, expect.stringContaining('uploaded 2 file(s)')]);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: 'migrations/billing-amq-2025-09/source-activemq-conf.json' });
    expect(JSON.parse(String(put?.Body)).files['users.properties']).toBe('app=App-password-123\n');
    const sent = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input?.input ?? '{}') as { source: { configuration: unknown } };
    expect(sent.source.configuration).toEqual({ bucket: BUCKET, key: 'migrations/billing-amq-2025-09/source-activemq-conf.json' });

    await writeFile(join(dir, 'in.json'), JSON.stringify(input));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const refused = await run('start', '--input', join(dir, 'in.json'), '--activemq-conf', conf, ...STACK);
    expect(refused.code).not.toBe(0);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('--activemq-conf');
    stderr.mockRestore();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('refuses a second start of the same migration', async () => {
    await writeFile(join(dir, 'in.json'), JSON.stringify(input));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const { code } = await run('start', '--input', join(dir, 'in.json'), ...STACK);

    expect(code).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('MigrationExistsError');
    stderr.mockRestore();
  });

  it('rejects an input with a password in it, naming the field, before calling AWS', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...input, source: { ...(input.source as object), password: 'hunter2-hunter2' } }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const { code } = await run('start', '--input', join(dir, 'bad.json'), ...STACK);

    expect(code).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('input.source.password');
    expect(String(stderr.mock.calls[0]?.[0])).not.toContain('hunter2');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    stderr.mockRestore();
  });
});

describe('mq-migrate approve | reject | status', () => {
  const pending = { migrationId: 'orders-dc1-2025-06', kind: 'cutover', taskToken: 'AQCEAAAAKgAAAA-token', requestedAt: '2025-06-14T21:25:00.120Z' };
  const storeApproval = () =>
    s3.on(GetObjectCommand).callsFake((i: { Key: string }) => {
      if (!i.Key.endsWith('approvals/cutover.json')) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => JSON.stringify(pending) } as unknown as GetObjectCommandOutput['Body'] };
    });

  it('approve answers the pending task token with SendTaskSuccess and marks the approval answered', async () => {
    storeApproval();
    sfn.on(SendTaskSuccessCommand).resolves({});

    const { code, out } = await run('approve', 'orders-dc1-2025-06', ...STACK);

    expect(code).toBe(0);
    expect(out).toContain('cutover approved');
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(sent?.taskToken).toBe(pending.taskToken);
    expect(JSON.parse(sent?.output ?? '{}')).toMatchObject({ approved: true, requestedAt: pending.requestedAt });
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body))).toMatchObject({ answeredAt: expect.any(String), taskToken: 'answered' });
  });

  it('reject fails the task with ApprovalRejectedError and the reason', async () => {
    storeApproval();
    sfn.on(SendTaskFailureCommand).resolves({});

    await run('reject', 'orders-dc1-2025-06', '--reason', 'not during the sale', ...STACK);

    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({ taskToken: pending.taskToken, error: 'ApprovalRejectedError', cause: expect.stringContaining('not during the sale') });
  });

  it('status says where the execution is and which approval it waits for', async () => {
    storeApproval();
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date('2025-06-14T21:00:03Z') });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 90, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'RequestApproval' } }] });

    const { out } = await run('status', 'orders-dc1-2025-06', ...STACK);

    expect(out).toContain('RUNNING at RequestApproval');
    expect(out).toContain('waiting for the cutover approval');
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe('arn:aws:states:eu-west-1:123456789012:execution:mq-migrate-migration:orders-dc1-2025-06');
  });
});
