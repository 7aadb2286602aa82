/**
 * Runs a statemachines/*.asl.json definition on this machine with aws-local-stepfunctions: the
 * real ASL (Choice, Map, Wait, Retry, Catch, intrinsics), with every Lambda task invoking the
 * handler in-process. The `${XFunctionArn}` placeholders are filled with fake local ARNs, and the
 * ARN picks the handler, as DefinitionSubstitutions and Lambda do in AWS.
 *
 * Task tokens: aws-local-stepfunctions has none, so a `.waitForTaskToken` task runs its handler
 * (which stores the token and notifies) and then waits for `decide`: the terminal's prompt,
 * `--yes`, or a test. Its resolution is the task's output (SendTaskSuccess); its rejection, an
 * error whose name the Catch matches (SendTaskFailure).
 *
 * Nested executions: aws-local-stepfunctions has none either, so a
 * `states:startExecution.sync` / `.sync:2` task runs the child definition named by its
 * StateMachineArn (`${XStateMachineArn}`, filled like the functions') through this same runner,
 * with the same functions and `decide`: its result is DescribeExecution's, as Step Functions
 * returns it (Output parsed for `:2`, a string for `.sync`), and a failed child fails the task
 * with States.TaskFailed and that description as the Cause.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';

/** The library's event log entries (its type is not exported): what progress output needs. */
export interface EventLog {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  index?: number;
  parentState?: { name: string };
  Error?: string;
  Cause?: unknown;
  /** Set on the events of a nested execution: its name (the parent's own events have none). */
  execution?: string;
}

export type LocalFunction = (event: unknown, context: Context) => Promise<unknown>;

export interface TaskTokenRequest {
  /** The Task state's name, e.g. RequestApproval. */
  state: string;
  taskToken: string;
  payload: Record<string, unknown>;
}

export interface LocalRunOptions {
  /** By logical name as in the template: `InventoryFunction` for `${InventoryFunctionArn}`. */
  functions: Record<string, LocalFunction>;
  /** Answers a `.waitForTaskToken` task: resolves with its output or rejects with a named error. */
  decide: (request: TaskTokenRequest) => Promise<unknown>;
  /** Wait states last this long instead of their Seconds (default 250 ms). */
  waitMs?: number;
  /** Retry intervals (default 200 ms). */
  retryMs?: number;
  /** The Lambda time limit given to each invocation (default 900 s, the Lambda maximum). */
  timeoutMs?: number;
  onEvent?: (event: EventLog) => void;
  /** Child definitions by logical name: `MigrationStateMachine` for `${MigrationStateMachineArn}`. */
  stateMachines?: Record<string, string | URL>;
  /**
   * Runs a child execution instead of the runner (the local workflow: to record it as a
   * migration of its own). Default: runLocalExecution with these options.
   */
  runChild?: (child: { logicalName: string; definition: string | URL; input: unknown; name: string }) => Promise<LocalExecutionResult>;
}

export interface LocalExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  startedAt: string;
  stoppedAt: string;
}

export const localFunctionArn = (logicalName: string) => `arn:aws:lambda:us-east-1:000000000000:function:mq-migrate-local-${logicalName}`;
export const localStateMachineArn = (logicalName: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:mq-migrate-local-${logicalName}`;
const localExecutionArn = (stateMachineArn: string, name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** The Step Functions integrations the runner plays itself; other `arn:aws:states:::` resources are refused. */
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/;

type AnyState = Record<string, unknown> & { Type: string };
interface AnyDefinition {
  StartAt: string;
  States: Record<string, AnyState>;
}

export function loadDefinition(path: string | URL): AnyDefinition {
  return JSON.parse(readFileSync(path, 'utf8')) as AnyDefinition;
}

/** The definition with `${XArn}` placeholders replaced as DefinitionSubstitutions would. */
export function substitute(definition: AnyDefinition): AnyDefinition {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)Arn\}/g, (_m, name: string) => (name.endsWith('StateMachine') ? localStateMachineArn(name) : localFunctionArn(name)));
  return JSON.parse(text) as AnyDefinition;
}

function taskStates(definition: AnyDefinition): [string, AnyState][] {
  return Object.entries(definition.States).flatMap(([name, state]): [string, AnyState][] => {
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as AnyDefinition[] | undefined) ?? [])].filter((d): d is AnyDefinition => typeof d === 'object' && d !== null);
    return [...(state.Type === 'Task' ? [[name, state] as [string, AnyState]] : []), ...nested.flatMap(taskStates)];
  });
}

function stateNames(definition: AnyDefinition, type: string): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as AnyDefinition[] | undefined) ?? [])].filter((d): d is AnyDefinition => typeof d === 'object' && d !== null);
    return [...(state.Type === type ? [name] : []), ...nested.flatMap((d) => stateNames(d, type))];
  });
}

function fakeContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs one execution named `name` (the migration id) to its end. */
export async function runLocalExecution(definitionPath: string | URL, input: unknown, name: string, options: LocalRunOptions): Promise<LocalExecutionResult> {
  const definition = substitute(loadDefinition(definitionPath));
  const byArn = new Map(Object.entries(options.functions).map(([logical, fn]) => [localFunctionArn(logical), { logical, fn }]));
  const timeoutMs = options.timeoutMs ?? 900_000;
  const startedAt = new Date().toISOString();
  const taskToken = `local:${name}:${randomUUID()}`;

  const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<never>> = {};
  for (const [stateName, state] of taskStates(definition)) {
    const resource = String(state.Resource);
    if (resource.startsWith('arn:aws:states:::states:')) {
      taskResourceLocalHandlers[stateName] = ((parameters: unknown) => startChild(resource, parameters, options)) as never;
      continue;
    }
    taskResourceLocalHandlers[stateName] = (async (parameters: unknown) => {
      const { FunctionName, Payload } = parameters as { FunctionName: string; Payload: Record<string, unknown> };
      const target = byArn.get(FunctionName);
      if (!target) throw Object.assign(new Error(`no local function for ${FunctionName}`), { name: 'Lambda.ResourceNotFoundException' });
      const result = await target.fn(Payload, fakeContext(target.logical, timeoutMs));
      if (resource.endsWith('.waitForTaskToken')) return options.decide({ state: stateName, taskToken: String(Payload.taskToken ?? taskToken), payload: Payload });
      // lambda:invoke returns {Payload, StatusCode, ...}: ResultSelector reads $.Payload.
      return { Payload: result, StatusCode: 200, ExecutedVersion: '$LATEST' };
    }) as never;
  }
  const waitTimeOverrides = Object.fromEntries(stateNames(definition, 'Wait').map((n) => [n, options.waitMs ?? 250]));
  const retryIntervalOverrides = Object.fromEntries(taskStates(definition).map(([n]) => [n, options.retryMs ?? 200]));

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: `arn:aws:states:us-east-1:000000000000:execution:mq-migrate-local:${name}`, Name: name, Input: input as never, StartTime: startedAt },
      Task: { Token: taskToken },
      // The library's Context Object is static: a getter gives $$.State.EnteredTime the time it is read, which is when the state runs.
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    },
  });
  const events = (async () => {
    for await (const event of execution.eventLogs) options.onEvent?.(event as unknown as EventLog);
  })();
  try {
    const output = await execution.result;
    await events.catch(() => undefined);
    return { status: 'SUCCEEDED', output, startedAt, stoppedAt: new Date().toISOString() };
  } catch (error) {
    await events.catch(() => undefined);
    // ExecutionError wraps what ended the execution (a Fail state's Error and Cause, or an uncaught error).
    const outer = error as { name?: string; message?: string; cause?: unknown };
    const e = (outer.name === 'ExecutionError' && outer.cause instanceof Error ? outer.cause : outer) as { name?: string; message?: string; cause?: unknown };
    return { status: 'FAILED', error: e.name ?? 'Error', cause: typeof e.cause === 'string' ? e.cause : (e.message ?? String(error)), startedAt, stoppedAt: new Date().toISOString() };
  }
}

/** The error a Task state fails with, as the library reports it to Catch: its name and message. */
const taskError = (name: string, cause: string) => Object.assign(new Error(cause), { name });

/**
 * A `states:startExecution.sync(:2)` task: the child runs to its end before the task returns,
 * as with Step Functions' "Run a Job" integration pattern.
 */
async function startChild(resource: string, parameters: unknown, options: LocalRunOptions): Promise<unknown> {
  const match = START_EXECUTION.exec(resource);
  if (!match?.[1]) throw taskError('States.Runtime', `${resource}: the local runner runs nested executions with .sync or .sync:2 only`);
  const v2 = match[2] !== undefined;
  const { StateMachineArn, Name, Input } = (parameters ?? {}) as { StateMachineArn?: unknown; Name?: unknown; Input?: unknown };
  const stateMachineArn = String(StateMachineArn);
  const logicalName = Object.keys(options.stateMachines ?? {}).find((n) => localStateMachineArn(n) === stateMachineArn);
  const definition = logicalName === undefined ? undefined : options.stateMachines?.[logicalName];
  if (logicalName === undefined || definition === undefined) throw taskError('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${stateMachineArn}'`);
  // StartExecution takes the input as a string; an object in Parameters is serialized for it.
  const input: unknown = typeof Input === 'string' ? JSON.parse(Input) : (Input ?? {});
  const name = typeof Name === 'string' && Name !== '' ? Name : randomUUID();
  const onEvent = options.onEvent;
  const childOptions: LocalRunOptions = { ...options, ...(onEvent ? { onEvent: (event: EventLog) => onEvent({ ...event, execution: event.execution ?? name }) } : {}) };
  const result = options.runChild ? await options.runChild({ logicalName, definition, input, name }) : await runLocalExecution(definition, input, name, childOptions);
  const description = {
    ExecutionArn: localExecutionArn(stateMachineArn, name),
    StateMachineArn: stateMachineArn,
    Name: name,
    Status: result.status,
    StartDate: result.startedAt,
    StopDate: result.stoppedAt,
    Input: v2 ? input : JSON.stringify(input),
    InputDetails: { Included: true },
    ...(result.status === 'SUCCEEDED' ? { Output: v2 ? result.output : JSON.stringify(result.output ?? null), OutputDetails: { Included: true } } : { Error: result.error, Cause: result.cause }),
  };
  if (result.status !== 'SUCCEEDED') throw taskError('States.TaskFailed', JSON.stringify(description));
  return description;
}
