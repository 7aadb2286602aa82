import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStateMachineArn, runLocalExecution, type EventLog, type LocalFunction } from '../../../src/local/stepfunctions/runner.js';

/**
 * Nested executions in the local runner: a `states:startExecution.sync(:2)` task runs the child
 * definition its `${XStateMachineArn}` names, with the parent's functions and `decide`, and
 * answers as Step Functions does (DescribeExecution; Output parsed for :2; States.TaskFailed
 * with the child's description as the Cause when it fails).
 */
let dir: string;
let child: string;

const retry = [{ ErrorEquals: ['StepFunctions.SdkClientException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' }];
const parent = (resource: string) => ({
  StartAt: 'RunChild',
  States: {
    RunChild: {
      Type: 'Task',
      Resource: resource,
      Parameters: { StateMachineArn: '${ChildStateMachineArn}', 'Name.$': '$.name', 'Input.$': '$.input' },
      ResultPath: '$.child',
      Retry: retry,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ChildFailed' }],
      End: true,
    },
    ChildFailed: { Type: 'Pass', End: true },
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nested-exec-'));
  child = join(dir, 'child.asl.json');
  await writeFile(
    child,
    JSON.stringify({
      StartAt: 'Work',
      States: {
        Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { 'value.$': '$.value', 'taskToken.$': '$$.Task.Token' } }, ResultPath: '$.approval', Next: 'Check' },
        Check: { Type: 'Choice', Choices: [{ Variable: '$.value', NumericGreaterThan: 10, Next: 'TooBig' }], Default: 'Done' },
        TooBig: { Type: 'Fail', Error: 'ValidationError', Cause: 'value above 10' },
        Done: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.value, $.value)', 'approval.$': '$.approval', 'name.$': '$$.Execution.Name' }, End: true },
      },
    }),
  );
  for (const resource of ['sync2', 'sync', 'plain']) {
    const arn = { sync2: 'arn:aws:states:::states:startExecution.sync:2', sync: 'arn:aws:states:::states:startExecution.sync', plain: 'arn:aws:states:::states:startExecution' }[resource] ?? '';
    await writeFile(join(dir, `${resource}.asl.json`), JSON.stringify(parent(arn)));
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function options(calls: unknown[] = []) {
  const functions: Record<string, LocalFunction> = { WorkFunction: async (event) => void calls.push(event) };
  return { functions, decide: async () => ({ approvedBy: 'test' }), stateMachines: { ChildStateMachine: child }, waitMs: 1, retryMs: 1 };
}

it('.sync:2 runs the child with the functions and decide of the parent, and returns its description with the output as JSON', async () => {
  const calls: unknown[] = [];
  const events: EventLog[] = [];

  const result = await runLocalExecution(join(dir, 'sync2.asl.json'), { name: 'child-1', input: { value: 4 } }, 'parent-1', { ...options(calls), onEvent: (e) => void events.push(e) });

  expect(result.status).toBe('SUCCEEDED');
  const output = result.output as { child: Record<string, unknown> };
  expect(output.child).toMatchObject({
    Name: 'child-1',
    Status: 'SUCCEEDED',
    StateMachineArn: localStateMachineArn('ChildStateMachine'),
    ExecutionArn: expect.stringContaining(':execution:mq-migrate-local-ChildStateMachine:child-1'),
    Input: { value: 4 },
    Output: { doubled: 8, approval: { approvedBy: 'test' }, name: 'child-1' },
  });
  expect(calls).toEqual([expect.objectContaining({ value: 4 })]);
  // The child's events reach the parent's listener, told apart by the child's name.
  expect(events.some((e) => e.execution === 'child-1' && e.state?.name === 'Work')).toBe(true);
  expect(events.some((e) => e.execution === undefined && e.state?.name === 'RunChild')).toBe(true);
});

it('.sync returns the output as a string, as the first version of the integration does', async () => {
  const result = await runLocalExecution(join(dir, 'sync.asl.json'), { name: 'child-2', input: { value: 1 } }, 'parent-2', options());

  const output = result.output as { child: { Output: unknown; Input: unknown } };
  expect(typeof output.child.Output).toBe('string');
  expect(JSON.parse(output.child.Output as string)).toMatchObject({ doubled: 2 });
  expect(output.child.Input).toBe('{"value":1}');
});

it('a failed child fails the task with States.TaskFailed, the child error and cause in its description', async () => {
  const result = await runLocalExecution(join(dir, 'sync2.asl.json'), { name: 'child-3', input: { value: 11 } }, 'parent-3', options());

  expect(result.status).toBe('SUCCEEDED');
  const error = (result.output as { error: { Error: string; Cause: string } }).error;
  expect(error.Error).toBe('States.TaskFailed');
  expect(JSON.parse(error.Cause)).toMatchObject({ Name: 'child-3', Status: 'FAILED', Error: 'ValidationError', Cause: 'value above 10' });
});

it('refuses what it does not run: an unknown state machine, and startExecution without .sync', async () => {
  const unknown = await runLocalExecution(join(dir, 'sync2.asl.json'), { name: 'child-4', input: { value: 1 } }, 'parent-4', { ...options(), stateMachines: {} });
  const plain = await runLocalExecution(join(dir, 'plain.asl.json'), { name: 'child-5', input: { value: 1 } }, 'parent-5', options());

  expect((unknown.output as { error: { Error: string } }).error.Error).toBe('StepFunctions.StateMachineDoesNotExistException');
  expect((plain.output as { error: { Error: string } }).error.Error).toBe('States.Runtime');
});

it('runChild takes over the child run (the local workflow records members as migrations of their own)', async () => {
  const children: string[] = [];

  const result = await runLocalExecution(join(dir, 'sync2.asl.json'), { name: 'child-6', input: { value: 2 } }, 'parent-6', {
    ...options(),
    runChild: async ({ logicalName, name, input }) => (children.push(`${logicalName}/${name}`), { status: 'SUCCEEDED', output: { echoed: input }, startedAt: 'a', stoppedAt: 'b' }),
  });

  expect(children).toEqual(['ChildStateMachine/child-6']);
  expect((result.output as { child: { Output: unknown } }).child.Output).toEqual({ echoed: { value: 2 } });
});
