import { readFileSync } from 'node:fs';
import { BrokerUnreachableError, ValidationError } from '../../../src/model/errors.js';
import { ApprovalRejectedError } from '../../../src/orchestration/errors.js';
import { runLocalExecution, type LocalFunction, type TaskTokenRequest } from '../../../src/local/stepfunctions/runner.js';

/**
 * The migration state machine's paths, run by aws-local-stepfunctions with fake steps: what the
 * ASL does on blockers, transient and permanent errors, the broker wait loop, the drain loops,
 * the approval gate, the client wait and the rollback choices. (The real steps against real
 * brokers: test/orchestration/migration.int.test.ts.)
 */
const DEFINITION = new URL('../../../statemachines/migration.asl.json', import.meta.url);
const input = JSON.parse(readFileSync(new URL('../../../events/migration-input.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ref = (name: string) => ({ bucket: 'b', key: `migrations/orders-dc1-2025-06/${name}` });
const target = { managementUrl: 'https://b-1.mq.eu-west-1.amazonaws.com', amqpUrl: 'amqps://b-1.mq.eu-west-1.amazonaws.com:5671', credentialsSecretId: 'mq-migrate/t' };

type Calls = { name: string; event: Record<string, unknown> }[];

function fakeSteps(overrides: Partial<Record<string, (event: Record<string, unknown>, n: number) => unknown>> = {}) {
  const calls: Calls = [];
  const count = new Map<string, number>();
  const defaults: Record<string, (event: Record<string, unknown>, n: number) => unknown> = {
    Inventory: () => ({ inventory: ref('source-inventory.json'), summary: { queues: 3 } }),
    Plan: () => ({ plan: ref('plan.json'), blockers: [], target: { engineVersion: '4.2' } }),
    Provision: () => ({ broker: { brokerId: 'b-1', state: 'CREATION_IN_PROGRESS' } }),
    DescribeBroker: (_e, n) => ({ ready: n >= 3, state: n >= 3 ? 'RUNNING' : 'CREATION_IN_PROGRESS', target: n >= 3 ? target : null }),
    Replicate: () => ({ replication: ref('replication.json'), dryRun: false, applied: true, verified: true, rebooting: false, counts: {}, summary: 'applied' }),
    PrepareDrain: () => ({ queues: ref('drain-queues.json'), batches: [{ index: 0 }, { index: 1 }, { index: 2 }], total: 60 }),
    Drain: (e) => ({ done: e.budgetEndsAt !== null, budgetEndsAt: '2025-06-14T21:10:00.000Z', queues: 25, drained: 25, moved: 10, movedThisRound: 10, ratePerSecond: 100, startedAt: '2025-06-14T21:00:00.000Z', finishedAt: '2025-06-14T21:00:01.000Z' }),
    Approval: () => ({}),
    Cutover: () => ({ strategy: 'ssm-parameter', action: 'switch', previous: 'amqps://old:5671', current: target.amqpUrl, instructions: 'switched', at: '2025-06-14T22:00:00.000Z' }),
    WaitForClients: () => ({ connected: 0, clients: [], goAnyway: false, proceed: true, at: '2025-06-14T22:00:01.000Z' }),
    Verify: () => ({ ok: true, queues: 60, verified: 60, document: ref('verify.json'), at: '2025-06-14T22:05:00.000Z' }),
    Report: (e) => ({ outcome: e.outcome, report: { json: ref('report.json'), markdown: ref('report.md') }, totals: {} }),
    Rollback: () => ({ moved: 30, queues: 60, at: '2025-06-14T22:06:00.000Z' }),
  };
  const functions: Record<string, LocalFunction> = {};
  for (const [name, fn] of Object.entries({ ...defaults, ...overrides })) {
    functions[`${name}Function`] = async (event) => {
      const n = (count.get(name) ?? 0) + 1;
      count.set(name, n);
      calls.push({ name, event: event as Record<string, unknown> });
      return fn?.(event as Record<string, unknown>, n);
    };
  }
  return { functions, calls, names: () => calls.map((c) => c.name) };
}

const approveAll = async (r: TaskTokenRequest) => ({ approved: true, by: 'jane', at: '2025-06-14T22:00:00.000Z', kind: r.payload.kind });
const run = (steps: ReturnType<typeof fakeSteps>, decide: (r: TaskTokenRequest) => Promise<unknown> = approveAll, execInput: unknown = input) =>
  runLocalExecution(DEFINITION, execInput, 'orders-dc1-2025-06', { functions: steps.functions, decide, waitMs: 1, retryMs: 1 });

describe('the migration state machine, step by step', () => {
  it('runs every step in order, waiting for the broker and looping each batch of both drains until done', async () => {
    const steps = fakeSteps();
    const approvals: TaskTokenRequest[] = [];

    const result = await run(steps, (r) => (approvals.push(r), approveAll(r)));

    expect(result.status).toBe('SUCCEEDED');
    const names = steps.names();
    expect(names.filter((n) => n === 'DescribeBroker')).toHaveLength(3);
    expect(names.filter((n) => n === 'Drain')).toHaveLength(12); // 3 batches x 2 rounds x 2 phases
    expect(names.filter((n) => !['DescribeBroker', 'Drain'].includes(n))).toEqual(['Inventory', 'Plan', 'Provision', 'Replicate', 'PrepareDrain', 'Approval', 'Cutover', 'WaitForClients', 'Verify', 'Report']);
    expect(approvals).toHaveLength(1);
    expect(approvals[0]?.payload).toMatchObject({ kind: 'cutover', migrationId: 'orders-dc1-2025-06', taskToken: expect.stringContaining('orders-dc1-2025-06') });
    const report = steps.calls.find((c) => c.name === 'Report')?.event as { outcome: string; state: Record<string, unknown> };
    expect(report.outcome).toBe('succeeded');
    expect(report.state).toMatchObject({ approval: { approved: true, by: 'jane' }, cutoverResult: { previous: 'amqps://old:5671' }, verify: { ok: true } });
    const drains = steps.calls.filter((c) => c.name === 'Drain').map((c) => c.event);
    expect(drains[0]).toMatchObject({ phase: 'pre', batch: { index: 0 }, budgetEndsAt: null, target, source: { managementUrl: expect.any(String), amqpUrl: expect.any(String) } });
    expect(drains.some((d) => d.phase === 'final' && d.budgetEndsAt === '2025-06-14T21:10:00.000Z')).toBe(true);
  });

  it('stops on unaccepted blockers after writing the report: PlanBlockedError naming the blockers and the plan', async () => {
    const steps = fakeSteps({ Plan: () => ({ plan: ref('plan.json'), blockers: ['RMQ-STREAM-QUEUE'], target: {} }) });

    const result = await run(steps);

    expect(result).toMatchObject({ status: 'FAILED', error: 'PlanBlockedError' });
    expect(result.cause).toContain('RMQ-STREAM-QUEUE');
    expect(result.cause).toContain('migrations/orders-dc1-2025-06/plan.json');
    expect(steps.names()).toEqual(['Inventory', 'Plan', 'Report']);
    expect(steps.calls[2]?.event.outcome).toBe('blocked');
  });

  it('with an ActiveMQ source, waits after replication until the rebooted broker runs again, and hands every step the whole engine-tagged endpoints', async () => {
    const amqInput = JSON.parse(readFileSync(new URL('../../../events/migration-input.activemq.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const amqTarget = { engine: 'ACTIVEMQ', jolokiaUrl: 'https://b-2-1.mq.eu-west-1.amazonaws.com:8162/api/jolokia', stompUrl: 'stomp+ssl://b-2-1.mq.eu-west-1.amazonaws.com:61614', credentialsSecretId: 'mq-migrate/t' };
    // Calls 1-3: creation; 4-5: the reboot (REBOOT_IN_PROGRESS, then RUNNING).
    const steps = fakeSteps({
      DescribeBroker: (_e, n) => ({ ready: n === 3 || n >= 5, state: n === 3 || n >= 5 ? 'RUNNING' : 'REBOOT_IN_PROGRESS', target: n === 3 || n >= 5 ? amqTarget : null }),
      Replicate: () => ({ replication: ref('replication.json'), dryRun: false, applied: true, verified: false, rebooting: true, counts: {}, summary: 'applied, broker rebooting' }),
    });

    const result = await run(steps, approveAll, amqInput);

    expect(result.status).toBe('SUCCEEDED');
    const names = steps.names();
    expect(names.filter((n) => n === 'DescribeBroker')).toHaveLength(5);
    expect(names.indexOf('PrepareDrain')).toBeGreaterThan(names.lastIndexOf('DescribeBroker'));
    const eventOf = (name: string) => steps.calls.find((c) => c.name === name)?.event ?? {};
    expect(eventOf('Inventory')['source']).toEqual(amqInput['source']);
    expect(eventOf('Plan')['engine']).toBe('ACTIVEMQ');
    expect(eventOf('DescribeBroker')['engine']).toBe('ACTIVEMQ');
    expect(eventOf('Replicate')).toMatchObject({ target: amqTarget, broker: { brokerId: 'b-1' } });
    for (const name of ['Drain', 'Verify', 'WaitForClients']) expect(eventOf(name)['source']).toEqual(amqInput['source']);
    for (const name of ['Drain', 'Verify', 'Cutover']) expect(eventOf(name)['target']).toEqual(amqTarget);
  });

  it('retries an unreachable broker, and does not retry bad input: that goes to the report and ends Failed with its name', async () => {
    const flaky = fakeSteps({ Inventory: (_e, n) => { if (n < 3) throw new BrokerUnreachableError('https://rabbit:15671'); return { inventory: ref('i.json'), summary: {} }; } });
    expect((await run(flaky)).status).toBe('SUCCEEDED');
    expect(flaky.names().filter((n) => n === 'Inventory')).toHaveLength(3);

    const bad = fakeSteps({ Inventory: () => { throw new ValidationError('source.managementUrl', 'must be an absolute http(s) URL'); } });
    const result = await run(bad);
    expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationError', cause: 'source.managementUrl: must be an absolute http(s) URL' });
    expect(bad.names()).toEqual(['Inventory', 'Report']);
    expect(bad.calls[1]?.event).toMatchObject({ outcome: 'auto', state: { error: { Error: 'ValidationError' } } });
  });

  it('holds the final drain while clients are on the source', async () => {
    const steps = fakeSteps({ WaitForClients: (_e, n) => ({ connected: 3 - n, clients: [], goAnyway: false, proceed: n === 3, at: 'x' }) });
    expect((await run(steps)).status).toBe('SUCCEEDED');
    const names = steps.names();
    expect(names.filter((n) => n === 'WaitForClients')).toHaveLength(3);
    expect(names.indexOf('Verify')).toBeGreaterThan(names.lastIndexOf('WaitForClients'));
  });

  it('after a rejected cutover writes the report, offers the rollback and, approved, drains back without touching the cutover', async () => {
    const steps = fakeSteps();
    const asked: string[] = [];

    const result = await run(steps, async (r) => {
      asked.push(String(r.payload.kind));
      if (r.payload.kind === 'cutover') throw new ApprovalRejectedError('orders-dc1-2025-06', 'not tonight');
      return approveAll(r);
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
    expect(asked).toEqual(['cutover', 'rollback']);
    const after = steps.names().slice(steps.names().indexOf('Approval'));
    expect(after).toEqual(['Approval', 'Report', 'Approval', 'Rollback', 'Report']);
  });

  it('after a failed verify, a declined rollback ends Failed with VerificationError; an automatic one reverts the cutover and drains back', async () => {
    const failing = { Verify: () => { throw Object.assign(new Error('target differs after replication in 1 object(s)'), { name: 'VerificationError' }); } };
    const declined = fakeSteps(failing);
    const result = await run(declined, async (r) => (r.payload.kind === 'rollback' ? Promise.reject(new ApprovalRejectedError('x', 'keep it')) : approveAll(r)));
    expect(result).toMatchObject({ status: 'FAILED', error: 'VerificationError' });
    expect(declined.names().slice(-2)).toEqual(['Report', 'Approval']);

    const automatic = fakeSteps(failing);
    const auto = await run(automatic, approveAll, { ...input, rollback: { onFailure: 'automatic' } });
    expect(auto).toMatchObject({ status: 'FAILED', error: 'VerificationError' });
    expect(automatic.names().slice(-4)).toEqual(['Report', 'Cutover', 'Rollback', 'Report']);
    expect(automatic.calls.filter((c) => c.name === 'Cutover')[1]?.event).toMatchObject({ action: 'revert', previous: 'amqps://old:5671' });
  });

  it('with rollback "none" a rejection ends Failed without offering anything; a dry run ends after replication', async () => {
    const none = fakeSteps();
    const result = await run(none, (r) => Promise.reject(new ApprovalRejectedError('x', String(r.payload.kind))), { ...input, rollback: { onFailure: 'none' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
    expect(none.names().slice(-2)).toEqual(['Approval', 'Report']);

    const dry = fakeSteps();
    expect((await run(dry, approveAll, { ...input, dryRun: true })).status).toBe('SUCCEEDED');
    expect(dry.names().slice(-2)).toEqual(['Replicate', 'Report']);
    expect(dry.calls.at(-1)?.event.outcome).toBe('dry-run');
  });
});
