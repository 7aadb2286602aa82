/**
 * Errors of the migration workflow. As everywhere, `name` is the contract the state machine's
 * `ErrorEquals` matches (statemachines/migration.asl.json): never rename one without the ASL.
 */
import { MqMigrateError } from '../model/errors.js';

/** Someone rejected the cutover (or the rollback) at the approval gate. */
export class ApprovalRejectedError extends MqMigrateError {
  override readonly name = 'ApprovalRejectedError';
  constructor(readonly migrationId: string, readonly reason: string) {
    super(`migration ${migrationId}: the approval was rejected${reason ? `: ${reason}` : ''}`);
  }
}

/** The final drain ended its budget with messages still on the source. */
export class DrainIncompleteError extends MqMigrateError {
  override readonly name = 'DrainIncompleteError';
  constructor(readonly queues: readonly string[]) {
    super(`${queues.length} queue(s) not drained within the budget: ${queues.slice(0, 5).join(', ')}${queues.length > 5 ? ', ...' : ''}`);
  }
}

/** The cutover target (SSM parameter, Route 53 record) could not be switched; nothing was changed. */
export class CutoverError extends MqMigrateError {
  override readonly name = 'CutoverError';
  constructor(readonly strategy: string, detail: string, options?: { cause?: unknown }) {
    super(`cutover (${strategy}) failed: ${detail}`, options);
  }
}

/** An AWS service call failed transiently (throttling, 5xx, network) after the SDK's own retries. */
export class AwsTransientError extends MqMigrateError {
  override readonly name = 'AwsTransientError';
  constructor(readonly operation: string, detail: string, options?: { cause?: unknown }) {
    super(`${operation} failed transiently: ${detail}`, options);
  }
}

/** A migration with this id already ran or runs: execution names are migration ids. */
export class MigrationExistsError extends MqMigrateError {
  override readonly name = 'MigrationExistsError';
  constructor(readonly migrationId: string) {
    super(`a migration named ${migrationId} already exists; a second start is refused (use another migration id, or \`mq-migrate status ${migrationId}\`)`);
  }
}

/** The named migration does not exist (no execution, no documents). */
export class MigrationNotFoundError extends MqMigrateError {
  override readonly name = 'MigrationNotFoundError';
  constructor(readonly migrationId: string, detail = '') {
    super(`no migration named ${migrationId}${detail ? `: ${detail}` : ''}`);
  }
}

const TRANSIENT_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'ThrottledException', 'InternalServerError', 'InternalServerException', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalError', 'RequestTimeout', 'TimeoutError', 'PriorRequestNotComplete', 'SlowDown']);

/** Turns an SDK failure into AwsTransientError when it is worth retrying; otherwise returns it as is. */
export function classifyAwsError(operation: string, error: unknown): unknown {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };
  const status = e.$metadata?.httpStatusCode;
  const text = `${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`;
  if (TRANSIENT_NAMES.has(e.name ?? '') || e.$retryable !== undefined || (status !== undefined && (status >= 500 || status === 429)) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up/.test(text)) {
    return new AwsTransientError(operation, e.message ?? String(error), { cause: error });
  }
  return error;
}
