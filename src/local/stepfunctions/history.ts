/**
 * How long the execution histories of a local run would be in Step Functions, from
 * aws-local-stepfunctions' event log: the standard 25,000-event limit per execution is what a
 * migration of thousands of queues must stay under. The library logs states, not Step Functions'
 * history events, so each logged event is counted as the history events Step Functions records
 * for it (Step Functions developer guide, "Execution event history"):
 *
 * - every state: its StateEntered and StateExited;
 * - a Task (lambda:invoke): TaskScheduled, TaskStarted, then TaskSucceeded or TaskFailed, again
 *   for every retry; `.waitForTaskToken` adds TaskSubmitted;
 * - an inline Map: MapStateStarted and MapStateSucceeded, and per iteration MapIterationStarted
 *   and MapIterationSucceeded, with the iteration's states in the same history;
 * - a Distributed Map: MapRunStarted and MapRunSucceeded in the parent; each iteration is a child
 *   execution with its own history (ExecutionStarted, its states, ExecutionSucceeded);
 * - the execution: ExecutionStarted and ExecutionSucceeded (or Failed).
 */
import type { EventLog } from './runner.js';

type State = Record<string, unknown> & { Type: string; Resource?: string; ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, State> } };

export interface HistoryEstimate {
  /** The execution the run started. */
  parent: number;
  /** Child executions (Distributed Map iterations): how many, and the longest one's history. */
  children: number;
  largestChild: number;
  /** Step Functions' limit for a standard execution. */
  limit: 25_000;
}

/** Every state by name, with the Map whose iterations run it (names are unique in our definitions). */
function statesOf(states: Record<string, State>, owner?: string, into = new Map<string, { state: State; owner: string | undefined }>()): Map<string, { state: State; owner: string | undefined }> {
  for (const [name, state] of Object.entries(states)) {
    into.set(name, { state, owner });
    if (state.ItemProcessor) statesOf(state.ItemProcessor.States, name, into);
  }
  return into;
}

export class HistoryCounter {
  private readonly states: Map<string, { state: State; owner: string | undefined }>;
  private parent = 2;
  private readonly children = new Map<string, number>();

  constructor(definition: { States: Record<string, State> }) {
    this.states = statesOf(definition.States);
  }

  private distributed(name: string | undefined): boolean {
    return name !== undefined && this.states.get(name)?.state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
  }

  private add(event: EventLog, count: number): void {
    // The library tags an iteration's events with its index only: the state's name says which Map runs it.
    const map = event.state?.name ? this.states.get(event.state.name)?.owner : undefined;
    if (this.distributed(map) && event.index !== undefined) {
      const key = `${map}#${event.index}`;
      // A child's history starts with ExecutionStarted and ends with ExecutionSucceeded.
      this.children.set(key, (this.children.get(key) ?? 2) + count);
    } else {
      this.parent += count;
    }
  }

  /** Feed it every event of the run (LocalRunHooks.onEvent). */
  readonly record = (event: EventLog): void => {
    const state = event.state?.name ? this.states.get(event.state.name)?.state : undefined;
    switch (event.type) {
      case 'StateEntered': {
        let count = 1;
        if (state?.Type === 'Task') count += 3 + (String(state.Resource).endsWith('.waitForTaskToken') ? 1 : 0);
        if (state?.Type === 'Map') count += 2;
        this.add(event, count);
        break;
      }
      case 'StateExited':
        this.add(event, 1);
        break;
      case 'StateRetried':
        this.add(event, 3);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        // Inline iterations are events of the parent; distributed ones are child executions.
        if (!this.distributed(event.parentState?.name)) this.parent += 1;
        break;
      default:
        break;
    }
  };

  estimate(): HistoryEstimate {
    const sizes = [...this.children.values()];
    return { parent: this.parent, children: sizes.length, largestChild: sizes.length > 0 ? Math.max(...sizes) : 0, limit: 25_000 };
  }
}
