import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as errors from '../../src/model/errors.js';

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

/** Problems with the house rules; empty when the definition keeps them. */
function houseRuleProblems(definition: Definition): string[] {
  const problems: string[] = [];
  const knownName = (name: string) => ERROR_NAMES.has(name) || STATES_ERRORS.has(name) || name.startsWith('Lambda.');
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
    for (const transient of ['BrokerUnreachableError', ...(String(state.Resource).includes(':lambda:') ? TRANSIENT_LAMBDA_ERRORS : [])]) {
      if (!retried.has(transient)) problems.push(`${name}: does not retry ${transient}`);
    }

    for (const [i, catcher] of catchers.entries()) {
      for (const key of Object.keys(catcher)) if (!CATCHER_FIELDS.has(key)) problems.push(`${name}.Catch[${i}].${key}: not a catcher field`);
      if (typeof catcher.ResultPath !== 'string' || !catcher.ResultPath.startsWith('$.')) {
        problems.push(`${name}.Catch[${i}]: ResultPath ${JSON.stringify(catcher.ResultPath)} does not keep the input (use e.g. "$.error")`);
      }
      if (scope.States[catcher.Next]?.Type !== 'Fail') problems.push(`${name}.Catch[${i}]: leads to ${catcher.Next}, not a Fail state`);
    }
    if (!catchers.some((c) => c.ErrorEquals.includes('States.ALL'))) problems.push(`${name}: Catch does not cover States.ALL`);

    for (const errorName of [...retry, ...catchers].flatMap((r) => r.ErrorEquals)) {
      if (!knownName(errorName)) problems.push(`${name}: ErrorEquals "${errorName}" is no error class's name nor a States./Lambda. error`);
    }

    // Lambda tasks: functions only by placeholder, and only references and summaries into the state.
    if (state.Resource === 'arn:aws:states:::lambda:invoke') {
      const parameters = state.Parameters as Record<string, unknown> | undefined;
      if (!/^\$\{[A-Za-z0-9]+\}$/.test(String(parameters?.FunctionName))) problems.push(`${name}: FunctionName must be a \${...} placeholder`);
      if (state.ResultSelector === undefined) problems.push(`${name}: no ResultSelector: the whole Lambda response would enter the state`);
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

  it('runs Inventory, then Plan, then stops on blockers or goes on to Replicate', () => {
    const { States } = definition;
    expect(States[States[definition.StartAt]?.Next as string]?.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(States.Inventory?.Next).toBe('Plan');
    expect(States.Plan?.Next).toBe('HasBlockers');
    expect(States.HasBlockers).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.plan.blockers[0]', IsPresent: true, Next: 'PlanBlocked' }], Default: 'Replicate' });
    expect(States.Replicate?.Next).toBe('Replicated');
    expect(States.Replicated?.Type).toBe('Succeed');
  });

  it('fails with PlanBlockedError and names the plan document in the cause', () => {
    const blocked = definition.States.PlanBlocked;
    expect(blocked).toMatchObject({ Type: 'Fail', Error: 'PlanBlockedError' });
    expect(String(blocked?.CausePath)).toContain('$.plan.document.bucket');
    expect(String(blocked?.CausePath)).toContain('$.plan.document.key');
  });
});

describe('statemachines/migration.asl.json and the handlers it invokes', () => {
  const definition = load('migration.asl.json');
  const tasks = Object.entries(definition.States).filter(([, state]) => state.Resource === 'arn:aws:states:::lambda:invoke');

  // `${InventoryFunctionArn}` runs functions/inventory/handler.ts, whose input schema is InventoryInput.
  it.each(tasks)('%s sends exactly the fields its handler accepts, and every field it requires', async (_name, state) => {
    Object.assign(process.env, { DOCUMENTS_BUCKET: 'mq-migrate-documentsbucket-1x2y3z4w5v6u', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-1' });
    const parameters = state.Parameters as { FunctionName: string; Payload: Record<string, unknown> };
    const step = /^\$\{(\w+)FunctionArn\}$/.exec(parameters.FunctionName)?.[1] ?? '';
    const module = (await import(`../../functions/${step.toLowerCase()}/handler.js`)) as Record<string, unknown>;
    const schema = module[`${step}Input`] as { shape: Record<string, { safeParse: (v: unknown) => { success: boolean } }> };

    const sent = Object.keys(parameters.Payload).map((key) => key.replace(/\.\$$/, ''));
    const accepted = Object.keys(schema.shape);
    const required = accepted.filter((key) => !schema.shape[key]?.safeParse(undefined).success);
    expect(accepted).toEqual(expect.arrayContaining(sent));
    expect(sent).toEqual(expect.arrayContaining(required));
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

    it('invalid ASL (a transition to a state that does not exist)', () => {
      const copy = structuredClone(definition);
      copy.States.Plan!.Next = 'Nowhere';
      expect(aslValidator(copy).isValid).toBe(false);
    });
  });
});
