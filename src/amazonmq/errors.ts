/**
 * Typed errors of Amazon MQ provisioning. Names are a contract (Step Functions `ErrorEquals`, CLI
 * exit codes): never rename one without updating the state machine.
 *
 * Retry guidance for the state machine: AmazonMqTransientError (throttling, 5xx, network) is worth
 * retrying with backoff; BrokerDeletionInProgressError after a while; every other error here is
 * final until a person acts.
 */
import { MqMigrateError } from '../model/errors.js';

/** The plan asks for an engine version, instance type, storage or deployment mode Amazon MQ does not offer (checked before anything is created). */
export class AmazonMqOfferingError extends MqMigrateError {
  override readonly name = 'AmazonMqOfferingError';
  constructor(readonly field: string, readonly requested: string, readonly offered: readonly string[], detail: string) {
    super(`${field} ${requested} is not offered by Amazon MQ: ${detail}${offered.length > 0 ? ` (offered: ${offered.join(', ')})` : ''}`);
  }
}

/** Amazon MQ refused a request (BadRequest, Forbidden, Conflict, NotFound...): not retryable as is. */
export class AmazonMqRequestError extends MqMigrateError {
  override readonly name = 'AmazonMqRequestError';
  constructor(readonly operation: string, readonly errorType: string, readonly errorAttribute: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(`Amazon MQ ${operation} failed with ${errorType}${errorAttribute ? ` (${errorAttribute})` : ''}: ${detail}`, options);
  }
}

/** Throttling, a 5xx or a network failure that outlasted the SDK's own retries: retry later. */
export class AmazonMqTransientError extends MqMigrateError {
  override readonly name = 'AmazonMqTransientError';
  constructor(readonly operation: string, readonly errorType: string, detail: string, options?: { cause?: unknown }) {
    super(`Amazon MQ ${operation} failed transiently with ${errorType}: ${detail}`, options);
  }
}

/** Another broker (not created for this migration) already has the name. */
export class BrokerNameConflictError extends MqMigrateError {
  override readonly name = 'BrokerNameConflictError';
  constructor(readonly brokerName: string, readonly brokerId: string, detail: string) {
    super(`broker name ${brokerName} is taken by ${brokerId}: ${detail}`);
  }
}

/** The broker of this migration is being deleted; a new one can be created once it is gone. */
export class BrokerDeletionInProgressError extends MqMigrateError {
  override readonly name = 'BrokerDeletionInProgressError';
  constructor(readonly brokerId: string) {
    super(`broker ${brokerId} is being deleted`);
  }
}

/** Amazon MQ could not create the broker (state CREATION_FAILED). */
export class BrokerCreationFailedError extends MqMigrateError {
  override readonly name = 'BrokerCreationFailedError';
  constructor(readonly brokerId: string, readonly reason: string) {
    super(`Amazon MQ could not create broker ${brokerId}: ${reason}`);
  }
}

/** The broker needs an action from its owner (state CRITICAL_ACTION_REQUIRED). */
export class BrokerCriticalActionRequiredError extends MqMigrateError {
  override readonly name = 'BrokerCriticalActionRequiredError';
  constructor(readonly brokerId: string, readonly actions: readonly { code: string; info: string }[]) {
    super(
      `broker ${brokerId} requires action: ` +
        (actions.length > 0 ? actions.map((a) => `${a.code}${a.info ? ` (${a.info})` : ''}`).join('; ') : 'Amazon MQ gave no action code'),
    );
  }
}

/** The broker does not exist (deleted, or a wrong id). */
export class BrokerNotFoundError extends MqMigrateError {
  override readonly name = 'BrokerNotFoundError';
  constructor(readonly brokerId: string, options?: { cause?: unknown }) {
    super(`broker ${brokerId} does not exist`, options);
  }
}
