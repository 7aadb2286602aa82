import { MqMigrateError } from '../../../model/errors.js';

/** A queue the drain needs is missing (on the source: it vanished; on the target: not replicated). */
export class QueueMissingError extends MqMigrateError {
  override readonly name = 'QueueMissingError';
  constructor(readonly side: 'source' | 'target', readonly vhost: string, readonly queue: string) {
    super(`queue "${queue}" in vhost "${vhost}" does not exist on the ${side}${side === 'target' ? ' (replicate the topology first)' : ' (it was deleted during the drain)'}; nothing was lost`);
  }
}

/** The target queue is not of the type the plan expects. */
export class QueueTypeMismatchError extends MqMigrateError {
  override readonly name = 'QueueTypeMismatchError';
  constructor(readonly vhost: string, readonly queue: string, readonly expected: string, readonly actual: string) {
    super(`queue "${queue}" in vhost "${vhost}" is ${actual} on the target but the plan expects ${expected}; nothing was moved`);
  }
}

/** The target refused (nacked or returned) a message: the drain of that queue stops, the source keeps it. */
export class TargetRefusedError extends MqMigrateError {
  override readonly name = 'TargetRefusedError';
  constructor(readonly vhost: string, readonly queue: string, detail: string) {
    super(`the target refused a message of queue "${queue}" in vhost "${vhost}": ${detail}; it stays on the source`);
  }
}
