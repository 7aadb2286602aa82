import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as amazonMqErrors from '../../src/amazonmq/errors.js';
import * as drainErrors from '../../src/engines/rabbitmq/drain/errors.js';
import * as modelErrors from '../../src/model/errors.js';
import * as workflowErrors from '../../src/orchestration/errors.js';
import * as fleetErrors from '../../src/orchestration/fleet-errors.js';

/** Every module whose error classes handlers throw: their names are what ErrorEquals may say. */
const errors = { ...modelErrors, ...amazonMqErrors, ...drainErrors, ...workflowErrors, ...fleetErrors };

/**
 * Every statemachines/*.asl.json: valid Amazon States Language (asl-validator), and the house
 * rules asl-validator does not know: each Task retries transient errors with backoff and jitter
 * and catches everything into a path that keeps its input; ErrorEquals and Fail names are error
 * classes' names (the contract) or States./Lambda. names; functions only through placeholders.
 */

interface AslValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
type AslValidator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => AslValidationResult;
// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

type State = Record<string, unknown> & { Type: string };
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const directory = new URL('../../statemachines/', import.meta.url);
const files = readdirSync(directory).filter((f) => f.endsWith('.asl.json'));
const load = (file: string) => JSON.parse(readFileSync(new URL(file, directory), 'utf8')) as Definition;

/** Names of the error classes in src/model/errors.ts, read from instances: `name` is an instance field. */
function errorClassNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [exported, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
    // Arrays satisfy every constructor's parameters (strings are interpolated, lists sliced).
    const instance = new (value as unknown as new (...args: unknown[]) => Error)([], [], [], []);
    names.set(exported, instance.name);
  }
  return names;
}
const ERROR_NAMES = new Set(errorClassNames().values());

/** Step Functions' own error names (States.*), from the developer guide's "Error names". */
const STATES_ERRORS = new Set(['States.ALL', 'States.DataLimitExceeded', 'States.ExceedToleratedFailureThreshold', 'States.HeartbeatTimeout', 'States.Http.Socket', 'States.IntrinsicFailure', 'States.ItemReaderFailed', 'States.NoChoiceMatched', 'States.ParameterPathFailure', 'States.Permissions', 'States.ResultPathMatchFailure', 'States.ResultWriterFailed', 'States.Runtime', 'States.TaskFailed', 'States.Timeout', 'States.QueryEvaluationError']);
const TRANSIENT_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/** A nested execution's task (the fleet's members): the child retries its own steps; the task retries Step Functions itself. */
const TRANSIENT_STEP_FUNCTIONS_ERRORS = ['StepFunctions.AWSStepFunctionsException', 'StepFunctions.SdkClientException'];
const isStartExecution = (state: State) => String(state.Resource).startsWith('arn:aws:states:::states:startExecution');
const RETRIER_FIELDS = new Set(['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment']);
const CATCHER_FIELDS = new Set(['ErrorEquals', 'Next', 'ResultPath', 'Comment', 'Output', 'Assign']);

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
  [key: string]: unknown;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  [key: string]: unknown;
}

/** Every state, including those nested in Parallel branches and Map processors. */
function allStates(definition: Definition): [string, State, Definition][] {
  return Object.entries(definition.States).flatMap(([name, state]): [string, State, Definition][] => {
    const nested = [...((state.Branches as Definition[] | undefined) ?? []), ...[state.ItemProcessor ?? state.Iterator].filter((d): d is Definition => d !== undefined)];
    return [[name, state, definition], ...nested.flatMap(allStates)];
  });
}

/** Names of the states every path from `start` can end in (Succeed, Fail, or End: true), following Next, Choices, Default and Catch. */
function terminalStates(scope: Definition, start: string): string[] {
  const seen = new Set<string>();
  const ends = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const state = scope.States[name];
    if (!state) return;
    const next = [state.Next, state.Default, ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next), ...((state.Catch as Catcher[] | undefined) ?? []).map((c) => c.Next)].filter((n): n is string => typeof n === 'string');
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true) ends.add(name);
    next.forEach(visit);
  };
  visit(start);
  return [...ends];
}

/** Problems with the house rules; empty when the definition keeps them. */
function houseRuleProblems(definition: Definition): string[] {
  const problems: string[] = [];
  const knownName = (name: string) => ERROR_NAMES.has(name) || STATES_ERRORS.has(name) || name.startsWith('Lambda.') || name.startsWith('StepFunctions.');
  for (const [name, state, scope] of allStates(definition)) {
    if (state.Type === 'Fail' && typeof state.Error === 'string' && !ERROR_NAMES.has(state.Error)) {
      problems.push(`${name}: Fail Error "${state.Error}" is not an error class's name`);
    }
    if (state.Type !== 'Task') continue;
    const retry = (state.Retry as Retrier[] | undefined) ?? [];
    const catchers = (state.Catch as Catcher[] | undefined) ?? [];
    if (retry.length === 0) problems.push(`${name}: Task without Retry`);
    if (catchers.length === 0) problems.push(`${name}: Task without Catch`);

    for (const [i, retrier] of retry.entries()) {
      for (const key of Object.keys(retrier)) if (!RETRIER_FIELDS.has(key)) problems.push(`${name}.Retry[${i}].${key}: not a retrier field`);
      if (retrier.JitterStrategy !== 'FULL') problems.push(`${name}.Retry[${i}]: JitterStrategy must be FULL`);
      if (!((retrier.BackoffRate ?? 2) > 1)) problems.push(`${name}.Retry[${i}]: BackoffRate must be above 1`);
      if (!((retrier.MaxAttempts ?? 3) >= 1)) problems.push(`${name}.Retry[${i}]: MaxAttempts must be at least 1`);
      if (retrier.ErrorEquals.includes('States.ALL')) problems.push(`${name}.Retry[${i}]: retries everything, including bad input`);
    }
    const retried = new Set(retry.flatMap((r) => r.ErrorEquals));
    // A child execution has retried BrokerUnreachableError itself; what fails the task then is States.TaskFailed.
    for (const transient of isStartExecution(state) ? TRANSIENT_STEP_FUNCTIONS_ERRORS : ['BrokerUnreachableError', ...(String(state.Resource).includes(':lambda:') ? TRANSIENT_LAMBDA_ERRORS : [])]) {
      if (!retried.has(transient)) problems.push(`${name}: does not retry ${transient}`);
    }

    for (const [i, catcher] of catchers.entries()) {
      for (const key of Object.keys(catcher)) if (!CATCHER_FIELDS.has(key)) problems.push(`${name}.Catch[${i}].${key}: not a catcher field`);
      if (typeof catcher.ResultPath !== 'string' || !catcher.ResultPath.startsWith('$.')) {
        problems.push(`${name}.Catch[${i}]: ResultPath ${JSON.stringify(catcher.ResultPath)} does not keep the input (use e.g. "$.error")`);
      }
      const ends = terminalStates(scope, catcher.Next);
      // A fleet member's failure is recorded and the others go on; the fleet fails at its end (fleet-asl.test.ts).
      if (!isStartExecution(state) && (ends.length === 0 || ends.some((end) => scope.States[end]?.Type !== 'Fail'))) problems.push(`${name}.Catch[${i}]: leads to ${catcher.Next}, from where not every path ends in a Fail state (${ends.join(', ')})`);
    }
    if (!catchers.some((c) => c.ErrorEquals.includes('States.ALL'))) problems.push(`${name}: Catch does not cover States.ALL`);

    for (const errorName of [...retry, ...catchers].flatMap((r) => r.ErrorEquals)) {
      if (!knownName(errorName)) problems.push(`${name}: ErrorEquals "${errorName}" is no error class's name nor a States./Lambda. error`);
    }

    // Lambda tasks: functions only by placeholder, and only references and summaries into the state.
    if (String(state.Resource).startsWith('arn:aws:states:::lambda:invoke')) {
      const parameters = state.Parameters as Record<string, unknown> | undefined;
      if (!/^\$\{[A-Za-z0-9]+\}$/.test(String(parameters?.FunctionName))) problems.push(`${name}: FunctionName must be a \${...} placeholder`);
      if (state.Resource === 'arn:aws:states:::lambda:invoke' && state.ResultSelector === undefined) problems.push(`${name}: no ResultSelector: the whole Lambda response would enter the state`);
      if (typeof state.ResultPath !== 'string' || !state.ResultPath.startsWith('$.')) problems.push(`${name}: ResultPath must put the result beside the input`);
    }
  }
  return problems;
}

describe.each(files)('statemachines/%s', (file) => {
  const definition = load(file);

  it('is valid Amazon States Language', () => {
    // The validator annotates the object it checks: hand it a copy.
    const result = aslValidator(structuredClone(definition));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('keeps the house rules: Retry with backoff and jitter, Catch keeping the input, known error names', () => {
    expect(houseRuleProblems(definition)).toEqual([]);
  });

  it('has no hard-coded ARNs of the stack\'s resources: only ${...} placeholders', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/arn:aws:(lambda|s3|sns|sqs|events):/);
    expect(text).not.toMatch(/\d{12}/);
  });
});

describe('statemachines/migration.asl.json', () => {
  const definition = load('migration.asl.json');
  const { States } = definition;
  const nextOf = (name: string) => States[name]?.Next;

  it('runs inventory, plan, provision, replicate, pre-drain, approval, cutover, final drain, verify and report, in that order', () => {
    const path: string[] = [];
    let at: string | undefined = States.ApplyDefaults?.Next as string | undefined;
    const choiceDefaults: Record<string, string> = {};
    while (at && !path.includes(at)) {
      path.push(at);
      const state = States[at];
      at = state?.Type === 'Choice' ? (choiceDefaults[at] ?? (state.Default as string | undefined)) : (state?.Next as string | undefined);
      if (at === 'WaitForBroker' && path.includes('DescribeBroker')) at = 'UseTarget';
      if (at === 'WaitForClients') at = 'FinalDrainStarted';
    }
    expect(path).toEqual(['ApplyDrainDefaults', 'UseDrainDefaults', 'Inventory', 'Plan', 'HasBlockers', 'Provision', 'WaitForBroker', 'DescribeBroker', 'BrokerReady', 'UseTarget', 'Replicate', 'IsDryRun', 'RebootNeeded', 'PrepareDrain', 'PreDrainStarted', 'PreDrain', 'PreDrainFinished', 'RequestApproval', 'Cutover', 'CheckClients', 'ClientsGone', 'FinalDrainStarted', 'FinalDrain', 'FinalDrainFinished', 'Verify', 'ReportSucceeded', 'Migrated']);
    expect(States.Migrated?.Type).toBe('Succeed');
  });

  it('stops on unaccepted blockers with the report, failing with PlanBlockedError that names the plan and the report', () => {
    expect(States.HasBlockers).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.plan.blockers[0]', IsPresent: true, Next: 'ReportBlocked' }], Default: 'Provision' });
    expect(nextOf('ReportBlocked')).toBe('DescribeBlockers');
    expect(nextOf('DescribeBlockers')).toBe('PlanBlocked');
    expect(States.PlanBlocked).toMatchObject({ Type: 'Fail', Error: 'PlanBlockedError', CausePath: '$.blocked.cause' });
    const cause = JSON.stringify(States.DescribeBlockers?.Parameters);
    for (const path of ['$.plan.blockers', '$.plan.document.bucket', '$.plan.document.key', '$.report.report.markdown.key']) expect(cause).toContain(path);
  });

  it('after an ActiveMQ replication, waits in its own loop until the rebooted broker runs again', () => {
    expect(States.IsDryRun?.Default).toBe('RebootNeeded');
    expect(States.RebootNeeded).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.replication.rebooting', BooleanEquals: true, Next: 'WaitForReboot' }], Default: 'PrepareDrain' });
    expect(States.WaitForReboot).toMatchObject({ Type: 'Wait', Next: 'DescribeRebootingBroker' });
    expect(States.DescribeRebootingBroker).toMatchObject({ Type: 'Task', ResultPath: '$.rebootStatus', Next: 'RebootDone' });
    expect(States.RebootDone).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.rebootStatus.ready', BooleanEquals: true, Next: 'UseRebootedTarget' }], Default: 'WaitForReboot' });
    expect(States.UseRebootedTarget).toMatchObject({ Type: 'Pass', InputPath: '$.rebootStatus.target', ResultPath: '$.targetEndpoint', Next: 'PrepareDrain' });
    expect(States.Replicate?.ResultSelector).toMatchObject({ 'rebooting.$': '$.Payload.rebooting' });
  });

  it('waits for the broker in a Wait loop until DescribeBroker says ready', () => {
    expect(States.BrokerReady).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.brokerStatus.ready', BooleanEquals: true, Next: 'UseTarget' }], Default: 'WaitForBroker' });
    expect(States.WaitForBroker).toMatchObject({ Type: 'Wait', Next: 'DescribeBroker' });
  });

  it.each(['PreDrain', 'FinalDrain'])('%s is a Map over the stored batches whose items loop the Drain function until done', (name) => {
    const map = States[name] as State & { ItemProcessor: Definition; ItemsPath: string; ItemSelector: Record<string, string> };
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.drainQueues.batches' });
    expect(map.ItemSelector['phase']).toBe(name === 'PreDrain' ? 'pre' : 'final');
    const inner = map.ItemProcessor.States;
    const drain = inner[`${name}DrainBatch`] as State & { Parameters: { FunctionName: string; Payload: Record<string, string> } };
    expect(drain.Parameters.FunctionName).toBe('${DrainFunctionArn}');
    expect(drain.Parameters.Payload['budgetEndsAt.$']).toBe('$.result.budgetEndsAt');
    expect(inner[`${name}BatchDone`]).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.result.done', BooleanEquals: true }], Default: `${name}DrainBatch` });
  });

  it.each(['PreDrain', 'FinalDrain'])('%s runs its batches as child executions and keeps the state small whatever the number of batches', (name) => {
    const map = States[name] as State & { ItemProcessor: Definition & { ProcessorConfig: unknown } };
    // Distributed: each batch's rounds are events of its own child execution, not of the parent's history.
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map).toMatchObject({ MaxConcurrencyPath: '$.drain.parallelBatches', ResultPath: null, Next: `${name}Finished` });
    expect(map.MaxConcurrency).toBeUndefined();
    // A batch's output is three small numbers; details live in S3.
    expect(map.ItemProcessor.States[`${name}BatchDrained`]).toMatchObject({ Type: 'Pass', Parameters: { 'batch.$': '$.batch.index', 'drained.$': '$.result.drained', 'queues.$': '$.result.queues' }, End: true });
    const timing = name === 'PreDrain' ? '$.preDrainTiming' : '$.finalDrainTiming';
    expect(States[`${name}Started`]).toMatchObject({ Type: 'Pass', Parameters: { 'startedAt.$': '$$.State.EnteredTime' }, ResultPath: timing, Next: name });
    expect(States[`${name}Finished`]).toMatchObject({ Type: 'Pass', Parameters: { 'startedAt.$': `${timing}.startedAt`, 'finishedAt.$': '$$.State.EnteredTime' }, ResultPath: timing });
    // The input may leave parallelBatches out: a Pass fills it before anything reads it.
    expect(JSON.stringify(States.ApplyDrainDefaults)).toContain('parallelBatches');
  });

  it('gates the cutover on an approval that waits for a task token, with a timeout; a rejection goes to the report', () => {
    const gate = States.RequestApproval as State & { Parameters: { Payload: Record<string, unknown> }; Catch: Catcher[] };
    expect(gate.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(gate.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(gate.TimeoutSeconds).toEqual(expect.any(Number));
    expect(gate.Catch[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['ApprovalRejectedError', 'States.Timeout']), ResultPath: '$.error', Next: 'ReportFailure' });
    expect(gate.Next).toBe('Cutover');
    expect(States.ClientsGone).toMatchObject({ Choices: [{ Variable: '$.clients.proceed', BooleanEquals: true, Next: 'FinalDrainStarted' }], Default: 'WaitForClients' });
  });

  it('ends a failed verify or a rejected approval in Failed with the report, offering the reverse drain', () => {
    expect((States.Verify?.Catch as Catcher[])[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['VerificationError']), Next: 'ReportFailure' });
    expect(nextOf('ReportFailure')).toBe('CanRollBack');
    const rules = JSON.stringify(States.CanRollBack);
    for (const error of ['ApprovalRejectedError', 'VerificationError']) expect(rules).toContain(error);
    expect(States.CanRollBack?.Default).toBe('Failed');
    expect(States.OfferRollback?.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(nextOf('ReverseDrain')).toBe('ReportRolledBack');
    expect(nextOf('ReportRolledBack')).toBe('Failed');
    expect(States.Failed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('sends every step failure before the approval through the report', () => {
    for (const name of ['Inventory', 'Plan', 'Provision', 'DescribeBroker', 'Replicate', 'PrepareDrain', 'PreDrain', 'Cutover', 'CheckClients', 'FinalDrain', 'Verify']) {
      expect([name, (States[name]?.Catch as Catcher[])[0]]).toEqual([name, expect.objectContaining({ ErrorEquals: expect.arrayContaining(['States.ALL']), ResultPath: '$.error', Next: 'ReportFailure' })]);
    }
  });
});

describe('statemachines/migration.asl.json and the handlers it invokes', () => {
  const definition = load('migration.asl.json');
  const tasks = allStates(definition).filter(([, state]) => String(state.Resource).startsWith('arn:aws:states:::lambda:invoke'));

  // `${DescribeBrokerFunctionArn}` runs functions/describe-broker/handler.ts, whose input schema is DescribeBrokerInput.
  it.each(tasks.map(([name, state]) => [name, state] as const))('%s sends exactly the fields its handler accepts, and every field it requires', async (_name, state) => {
    Object.assign(process.env, { DOCUMENTS_BUCKET: 'mq-migrate-documentsbucket-1x2y3z4w5v6u', APPROVAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:approvals', EVENT_BUS_NAME: 'default', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' });
    const parameters = state.Parameters as { FunctionName: string; Payload: Record<string, unknown> };
    const step = /^\$\{(\w+)FunctionArn\}$/.exec(parameters.FunctionName)?.[1] ?? '';
    const folder = step.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    const module = (await import(`../../functions/${folder}/handler.js`)) as Record<string, unknown>;
    const schema = module[`${step}Input`] as { shape: Record<string, { safeParse: (v: unknown) => { success: boolean } }> };

    const sent = Object.keys(parameters.Payload).map((key) => key.replace(/\.\$$/, ''));
    const accepted = Object.keys(schema.shape);
    const required = accepted.filter((key) => !schema.shape[key]?.safeParse(undefined).success);
    expect(accepted).toEqual(expect.arrayContaining(sent));
    expect(sent).toEqual(expect.arrayContaining(required));
  });
});

describe('statemachines/drift-check.asl.json and the drift handler', () => {
  const definition = load('drift-check.asl.json');
  const env = { DOCUMENTS_BUCKET: 'mq-migrate-documentsbucket-1x2y3z4w5v6u', EVENT_BUS_NAME: 'default', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' };
  type Schema = { shape: Record<string, { safeParse: (v: unknown) => { success: boolean } }>; safeParse: (v: unknown) => { success: boolean; error?: unknown } };
  const driftInput = async () => (Object.assign(process.env, env), ((await import('../../functions/drift/handler.js')) as unknown as { DriftInput: Schema }).DriftInput);

  it('CheckDrift sends every field the handler accepts (brokerId too), and ApplyDefaults gives each optional one a value', async () => {
    const schema = await driftInput();
    const payload = (definition.States.CheckDrift as State & { Parameters: { Payload: Record<string, unknown> } }).Parameters.Payload;
    const sent = Object.keys(payload).map((key) => key.replace(/\.\$$/, ''));
    const accepted = Object.keys(schema.shape);
    // The drift handler has no field the state machine could leave out: a field not sent never arrives (brokerId did not).
    expect([...sent].sort()).toEqual([...accepted].sort());
    const merge = String((definition.States.ApplyDefaults as State & { Parameters: Record<string, string> }).Parameters['input.$']);
    const defaults = JSON.parse(/StringToJson\('(.*)'\)/.exec(merge)?.[1] ?? '{}') as Record<string, unknown>;
    const optional = accepted.filter((key) => schema.shape[key]?.safeParse(undefined).success);
    expect(Object.keys(defaults).sort()).toEqual(optional.sort());
    // Each default is a value the handler takes.
    for (const [key, value] of Object.entries(defaults)) expect([key, schema.shape[key]?.safeParse(value).success]).toEqual([key, true]);
  });

  it.each(['drift', 'drift.activemq'])('events/%s.json, as a schedule input without its optional fields, reaches the handler as that event', async (sample) => {
    const schema = await driftInput();
    const { runLocalExecution } = await import('../../src/local/stepfunctions/runner.js');
    const event = JSON.parse(readFileSync(new URL(`../../events/${sample}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
    // What a schedule gives: no reconcile, and brokerId only for ActiveMQ.
    const scheduled = Object.fromEntries(Object.entries(event).filter(([key, value]) => key !== 'reconcile' && value !== null));
    const payloads: unknown[] = [];
    const DriftFunction = async (payload: unknown) => (payloads.push(payload), { differences: 0, byType: {}, reconciled: null, document: { bucket: 'b', key: 'k' }, at: '2025-06-14T22:00:00.000Z' });

    const result = await runLocalExecution(new URL('../../statemachines/drift-check.asl.json', import.meta.url), scheduled, `asl-${sample.replace('.', '-')}`, { functions: { DriftFunction }, decide: async () => ({}) });

    expect(result.status).toBe('SUCCEEDED');
    expect(payloads).toEqual([event]);
    expect(schema.safeParse(payloads[0])).toMatchObject({ success: true });
    if (event.source && (event.source as { engine?: string }).engine === 'ACTIVEMQ') expect(payloads[0]).toMatchObject({ brokerId: expect.stringMatching(/^b-/) });
  });
});

describe('the error-name contract', () => {
  it('every error class is named as it is called', () => {
    const classes = errorClassNames();
    expect(classes.size).toBeGreaterThan(5);
    for (const [exported, name] of classes) expect(name).toBe(exported);
  });

  describe('catches the mistakes it is there for', () => {
    const definition = load('migration.asl.json');
    const broken = (mutate: (d: Definition) => void) => {
      const copy = structuredClone(definition);
      mutate(copy);
      return houseRuleProblems(copy);
    };
    const task = (d: Definition, name: string) => d.States[name] as State & { Retry: Retrier[]; Catch: Catcher[] };

    it('a misspelt error name, a Task without Retry, a Catch that overwrites the input', () => {
      const problems = broken((d) => {
        task(d, 'Inventory').Retry[0]!.ErrorEquals = ['BrokerUnreachable'];
        delete (d.States.Plan as Partial<State>).Retry;
        task(d, 'Replicate').Catch[0]!.ResultPath = '$';
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('ErrorEquals "BrokerUnreachable"'),
          expect.stringContaining('Inventory: does not retry BrokerUnreachableError'),
          expect.stringContaining('Plan: Task without Retry'),
          expect.stringContaining('Replicate.Catch[0]: ResultPath "$"'),
        ]),
      );
    });

    it('a retrier without jitter or with a misspelt field, and a hard-coded function', () => {
      const problems = broken((d) => {
        delete task(d, 'Plan').Retry[1]!.JitterStrategy;
        task(d, 'Plan').Retry[1]!.MaxDelaySecond = 30;
        (task(d, 'Replicate').Parameters as Record<string, unknown>).FunctionName = 'arn:aws:lambda:eu-west-1:123456789012:function:replicate';
      });
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringContaining('Plan.Retry[1]: JitterStrategy'), expect.stringContaining('Plan.Retry[1].MaxDelaySecond'), expect.stringContaining('Replicate: FunctionName')]),
      );
    });

    it('a nested execution (the fleet\'s members) that does not retry Step Functions\' transient errors', () => {
      const fleet = structuredClone(load('fleet.asl.json'));
      const member = allStates(fleet).find(([name]) => name === 'RunMember')?.[1] as (State & { Retry: Retrier[] }) | undefined;
      if (member) member.Retry = [{ ErrorEquals: ['BrokerUnreachableError'], MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' }];
      expect(houseRuleProblems(fleet)).toEqual([expect.stringContaining('RunMember: does not retry StepFunctions.AWSStepFunctionsException'), expect.stringContaining('RunMember: does not retry StepFunctions.SdkClientException')]);
    });

    it('invalid ASL (a transition to a state that does not exist)', () => {
      const copy = structuredClone(definition);
      copy.States.Plan!.Next = 'Nowhere';
      expect(aslValidator(copy).isValid).toBe(false);
    });
  });
});
