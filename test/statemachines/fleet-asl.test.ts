import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLocalExecution, type LocalFunction, type TaskTokenRequest } from '../../src/local/stepfunctions/runner.js';
import { parseOrThrow } from '../../src/model/validate.js';
import { FleetInput, planFleet, type FleetInputInput } from '../../src/orchestration/fleet-input.js';

/**
 * statemachines/fleet.asl.json run by the local runner with fake steps and a fake member state
 * machine: members grouped by target broker (one at a time per broker, brokers side by side),
 * each an execution of its own with its own approval, a failed member recorded while the others
 * go on, one report, and the fleet failing when a member did. (The real thing: fleet.int.test.ts.)
 */
const DEFINITION = new URL('../../statemachines/fleet.asl.json', import.meta.url);
let dir: string;
let memberDefinition: string;

const rabbit = (id: string, brokerName: string) => ({
  migrationId: id,
  source: { engine: 'RABBITMQ' as const, managementUrl: `https://${id}.example:15671`, amqpUrl: `amqps://${id}.example:5671`, credentialsSecretId: `s/${id}` },
  target: { brokerName, adminSecretId: 's/admin' },
  cutover: { strategy: 'ssm-parameter' as const, parameterName: `p/${id}` },
});
const fleet: FleetInputInput = { fleetId: 'fleet-1', members: [rabbit('a1', 'shared'), rabbit('a2', 'shared'), rabbit('b', 'alone'), rabbit('c', 'other')], maxConcurrency: 4 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-asl-'));
  memberDefinition = join(dir, 'member.asl.json');
  // A migration in miniature: its approval gate, its work, its report in the output.
  await writeFile(
    memberDefinition,
    JSON.stringify({
      StartAt: 'Approve',
      States: {
        Approve: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: '${ApprovalFunctionArn}', Payload: { 'migrationId.$': '$.migrationId', kind: 'cutover', 'taskToken.$': '$$.Task.Token' } }, ResultPath: '$.approval', Next: 'Work' },
        Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${WorkFunctionArn}', 'Payload.$': '$' }, ResultSelector: { 'outcome.$': '$.Payload.outcome' }, ResultPath: '$.report', End: true },
      },
    }),
  );
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function steps(failing: string[] = []) {
  const spans: { id: string; broker: string; start: number; end: number }[] = [];
  const reports: unknown[] = [];
  const functions: Record<string, LocalFunction> = {
    FleetPrepareFunction: async (event) => ({ ...planFleet(parseOrThrow(FleetInput, event, '')), manifest: { bucket: 'b', key: 'fleets/fleet-1/manifest.json' } }),
    ApprovalFunction: async () => ({}),
    WorkFunction: async (event) => {
      const input = event as { migrationId: string; target: { brokerName: string } };
      const start = Date.now();
      await sleep(150);
      spans.push({ id: input.migrationId, broker: input.target.brokerName, start, end: Date.now() });
      if (failing.includes(input.migrationId)) throw Object.assign(new Error(`${input.migrationId} cannot`), { name: 'ReplicationConflictError' });
      return { outcome: 'succeeded' };
    },
    FleetReportFunction: async (event) => {
      reports.push(event);
      const failed = (event as { members: { migrationId: string; status: string }[][] }).members.flat().filter((m) => m.status !== 'SUCCEEDED').map((m) => m.migrationId);
      return { outcome: failed.length > 0 ? 'partially-succeeded' : 'succeeded', report: { json: { bucket: 'b', key: 'fleets/fleet-1/report.json' }, markdown: { bucket: 'b', key: 'fleets/fleet-1/report.md' } }, totals: {}, failed };
    },
  };
  return { functions, spans, reports };
}

const run = (s: ReturnType<typeof steps>, decide: (r: TaskTokenRequest) => Promise<unknown>, input: unknown = fleet) =>
  runLocalExecution(DEFINITION, input, 'fleet-1', { functions: s.functions, decide, stateMachines: { MigrationStateMachine: memberDefinition }, waitMs: 1, retryMs: 1 });

it('runs every member as an execution of its own with its own approval; members of one broker one after the other, brokers side by side', async () => {
  const s = steps();
  const approvals: string[] = [];

  const result = await run(s, async (r) => (approvals.push(String(r.payload.migrationId)), { approved: true }));

  expect(result.status).toBe('SUCCEEDED');
  expect(approvals.sort()).toEqual(['a1', 'a2', 'b', 'c']);
  const span = (id: string) => s.spans.find((x) => x.id === id);
  // Many to one: the second member starts once the first ended (it finds the broker the first created).
  expect(span('a2')?.start).toBeGreaterThanOrEqual(span('a1')?.end ?? Infinity);
  // Other brokers do not wait for them.
  expect(span('b')?.start).toBeLessThan(span('a1')?.end ?? 0);
  expect(s.reports).toEqual([
    {
      fleetId: 'fleet-1',
      startedAt: expect.any(String),
      members: [
        [expect.objectContaining({ migrationId: 'a1', status: 'SUCCEEDED' }), expect.objectContaining({ migrationId: 'a2', status: 'SUCCEEDED' })],
        [expect.objectContaining({ migrationId: 'b', status: 'SUCCEEDED' })],
        [expect.objectContaining({ migrationId: 'c', status: 'SUCCEEDED', executionArn: expect.stringContaining(':execution:mq-migrate-local-MigrationStateMachine:c') })],
      ],
    },
  ]);
});

it('records a failed member and goes on with the others (its broker-mate too), reports all, then fails the fleet', async () => {
  const s = steps(['a1']);

  const result = await run(s, async () => ({ approved: true }));

  expect(result).toMatchObject({ status: 'FAILED', error: 'FleetMemberFailedError' });
  expect(result.cause).toContain('1 member(s) not migrated: ["a1"]');
  expect(result.cause).toContain('s3://b/fleets/fleet-1/report.md');
  expect(s.spans.map((x) => x.id).sort()).toEqual(['a1', 'a2', 'b', 'c']);
  const members = (s.reports[0] as { members: { migrationId: string; status: string; error?: { Error: string; Cause: string } }[][] }).members.flat();
  const failed = members.find((m) => m.migrationId === 'a1');
  expect(failed).toMatchObject({ status: 'FAILED', error: { Error: 'States.TaskFailed' } });
  expect(JSON.parse(failed?.error?.Cause ?? '{}')).toMatchObject({ Name: 'a1', Status: 'FAILED', Error: 'ReplicationConflictError' });
  // A rejection is one member's too.
  const rejected = steps();
  const partly = await run(rejected, async (r) => (r.payload.migrationId === 'c' ? Promise.reject(Object.assign(new Error('no'), { name: 'ApprovalRejectedError' })) : { approved: true }));
  expect(partly).toMatchObject({ status: 'FAILED', error: 'FleetMemberFailedError' });
  expect(rejected.spans.map((x) => x.id).sort()).toEqual(['a1', 'a2', 'b']);
});

it('stops before any member on an invalid fleet, with the field in the error', async () => {
  const s = steps();

  const result = await run(s, async () => ({}), { ...fleet, members: [rabbit('a', 'x'), rabbit('a', 'y')] });

  expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
  expect(result.cause).toContain('members[1].migrationId: must be unique in the fleet');
  expect(s.spans).toEqual([]);
});

describe('statemachines/fleet.asl.json and the handlers it invokes', () => {
  it('sends the fleet prepare step the whole input, and the fleet report exactly the fields its handler takes', async () => {
    Object.assign(process.env, { DOCUMENTS_BUCKET: 'mq-migrate-documentsbucket-1x2y3z4w5v6u', APPROVAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:approvals', EVENT_BUS_NAME: 'default', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' });
    const definition = JSON.parse(await readFile(DEFINITION, 'utf8')) as { States: Record<string, { Parameters: { FunctionName: string; Payload?: Record<string, unknown>; 'Payload.$'?: string } }> };
    const prepare = await import('../../functions/fleet-prepare/handler.js');
    const report = await import('../../functions/fleet-report/handler.js');

    expect(definition.States.PrepareFleet?.Parameters).toEqual({ FunctionName: '${FleetPrepareFunctionArn}', 'Payload.$': '$' });
    expect(prepare.FleetPrepareInput).toBe(FleetInput);
    const sent = Object.keys(definition.States.FleetReport?.Parameters.Payload ?? {}).map((k) => k.replace(/\.\$$/, ''));
    expect(sent.sort()).toEqual(Object.keys(report.FleetReportInput.shape).sort());
    expect(definition.States.FleetReport?.Parameters.FunctionName).toBe('${FleetReportFunctionArn}');
  });
});
