/**
 * Typed errors. The `name` of each class is a contract: Step Functions matches it in
 * `ErrorEquals`, and the CLI maps it to an exit code. Never rename one without updating the ASL.
 */
export class MqMigrateError extends Error {
  override readonly name: string = 'MqMigrateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input: a field broke a rule. Nothing was created. */
export class ValidationError extends MqMigrateError {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly rule: string,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? `${field}: ${rule}`, options);
  }
}

/** The broker could not be reached at all (DNS, refused, timeout). Transient: retry. */
export class BrokerUnreachableError extends MqMigrateError {
  override readonly name = 'BrokerUnreachableError';
  constructor(readonly endpoint: string, options?: { cause?: unknown; hint?: string }) {
    super(`broker at ${endpoint} is unreachable${causeText(options?.cause)}${options?.hint ? ` (${options.hint})` : ''}`, options);
  }
}

/** The broker refused our credentials or the user lacks the rights the step needs. */
export class BrokerAuthError extends MqMigrateError {
  override readonly name = 'BrokerAuthError';
  constructor(readonly endpoint: string, readonly status: number, detail: string) {
    super(`broker at ${endpoint} refused the credentials (HTTP ${status}): ${detail}`);
  }
}

/** The broker answered but not as the API promises (plugin missing, 5xx, bad body). */
export class BrokerApiError extends MqMigrateError {
  override readonly name = 'BrokerApiError';
  constructor(
    readonly endpoint: string,
    readonly object: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${object}: broker at ${endpoint} answered HTTP ${status}: ${detail}`);
  }
}

/** Objects on the target differ from what replication would write; nothing was applied. */
export class ReplicationConflictError extends MqMigrateError {
  override readonly name = 'ReplicationConflictError';
  constructor(readonly conflicts: readonly { object: string; reason: string }[]) {
    super(
      `${conflicts.length} conflict(s) on the target, nothing applied: ` +
        conflicts.slice(0, 5).map((c) => `${c.object} (${c.reason})`).join('; ') +
        (conflicts.length > 5 ? `; and ${conflicts.length - 5} more` : ''),
    );
  }
}

/** After applying, the re-read target still differs from the source beyond planned exclusions. */
export class VerificationError extends MqMigrateError {
  override readonly name = 'VerificationError';
  constructor(readonly differences: readonly { object: string; reason: string }[]) {
    super(
      `target differs from source after replication in ${differences.length} object(s): ` +
        differences.slice(0, 5).map((d) => `${d.object} (${d.reason})`).join('; '),
    );
  }
}

/** A local harness could not install or start a broker. */
export class HarnessError extends MqMigrateError {
  override readonly name = 'HarnessError';
}

/** The most telling part of a low-level cause: its errno code (ECONNREFUSED, ENOTFOUND...) or message. */
function causeText(cause: unknown): string {
  // Duck-typed: errors from Node's internals can come from another realm (instanceof fails).
  const inner = (cause as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code ?? inner?.code;
  if (typeof code === 'string') return `: ${code}`;
  const message = (cause as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? `: ${message}` : '';
}

/** The plan has blockers the user did not accept: nothing is created until they are resolved. */
export class PlanBlockedError extends MqMigrateError {
  override readonly name = 'PlanBlockedError';
  constructor(readonly codes: readonly string[]) {
    super(`the plan has unaccepted blockers: ${[...new Set(codes)].join(', ')}; fix them or accept them by code in the plan options`);
  }
}
