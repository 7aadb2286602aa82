import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryCounter } from '../../../src/local/stepfunctions/history.js';
import { runLocalExecution, type EventLog } from '../../../src/local/stepfunctions/runner.js';

/** A Map over `items` whose iterations run one Lambda task twice (a loop), inline or distributed. */
function definition(mode: 'INLINE' | 'DISTRIBUTED') {
  return {
    StartAt: 'Batches',
    States: {
      Batches: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'n.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: mode === 'DISTRIBUTED' ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } : { Mode: 'INLINE' },
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { 'n.$': '$.n' } }, ResultSelector: { 'done.$': '$.Payload.done' }, ResultPath: '$.r', Next: 'Done' },
            Done: { Type: 'Choice', Choices: [{ Variable: '$.r.done', BooleanEquals: true, Next: 'End' }], Default: 'Work' },
            End: { Type: 'Pass', End: true },
          },
        },
        ResultPath: null,
        End: true,
      },
    },
  };
}

async function run(mode: 'INLINE' | 'DISTRIBUTED', items: number) {
  const dir = await mkdtemp(join(tmpdir(), 'history-'));
  const path = join(dir, 'def.json');
  const def = definition(mode);
  await writeFile(path, JSON.stringify(def));
  const counter = new HistoryCounter(def as never);
  const seen = new Map<number, number>();
  const work = async (event: unknown) => {
    const n = Number((event as { n: number }).n);
    seen.set(n, (seen.get(n) ?? 0) + 1);
    return { done: (seen.get(n) ?? 0) >= 2 };
  };
  const result = await runLocalExecution(path, { items: Array.from({ length: items }, (_, i) => i) }, 'x', { functions: { WorkFunction: work }, decide: async () => ({}), onEvent: (e: EventLog) => counter.record(e) });
  expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  return counter.estimate();
}

describe('HistoryCounter', () => {
  it('counts an inline Map\'s iterations in the parent, growing with the items', async () => {
    const three = await run('INLINE', 3);
    const thirty = await run('INLINE', 30);
    // Per iteration: 2 iteration events + Work twice (5 each) + Choice twice (2 each) + Pass (2) = 18.
    expect(thirty.parent - three.parent).toBe(27 * 18);
    expect(thirty).toMatchObject({ children: 0, largestChild: 0 });
  });

  it('keeps a Distributed Map\'s iterations out of the parent: one child history per item', async () => {
    const three = await run('DISTRIBUTED', 3);
    const thirty = await run('DISTRIBUTED', 30);
    expect(thirty.parent).toBe(three.parent);
    // ExecutionStarted/Succeeded + Work twice (5 each) + Choice twice (2 each) + Pass (2) = 18.
    expect(thirty).toMatchObject({ children: 30, largestChild: 18, limit: 25_000 });
  });
});
