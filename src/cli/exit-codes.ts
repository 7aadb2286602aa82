import { MqMigrateError } from '../model/errors.js';

/** Exit codes by error name, so scripts can tell bad input from an unreachable broker. */
const EXIT_CODES: Record<string, number> = {
  ValidationError: 2,
  BrokerUnreachableError: 3,
  BrokerAuthError: 3,
  BrokerApiError: 3,
  ReplicationConflictError: 4,
  VerificationError: 4,
  PlanBlockedError: 5,
  HarnessError: 6,
  MigrationExistsError: 2,
  MigrationNotFoundError: 2,
  ApprovalRejectedError: 4,
};

export function exitCodeFor(error: unknown): number {
  return error instanceof MqMigrateError ? (EXIT_CODES[error.name] ?? 1) : 1;
}
