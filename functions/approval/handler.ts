import { z } from 'zod';
import { migrationKey, putDocument } from '../../src/aws/documents.js';
import { snsNotifier } from '../../src/aws/notifications.js';
import { config, workflowConfig } from '../../src/config.js';
import type { Notifier } from '../../src/orchestration/ports.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger } from '../shared/powertools.js';
import { MigrationIdField } from '../shared/workflow.js';

export const ApprovalInput = z.strictObject({
  migrationId: MigrationIdField,
  /** cutover: switch clients to the target; rollback: move what reached the target back. */
  kind: z.enum(['cutover', 'rollback']),
  taskToken: z.string().min(1).max(8192),
  /** What will happen, in a few words and counts (pre-drain result, cutover strategy, the error). */
  context: z.looseObject({}).default({}),
});
export type ApprovalInput = z.infer<typeof ApprovalInput>;

/** Where the pending approval's task token is kept: `mq-migrate approve|reject ID` read it there. */
export const approvalKey = (migrationId: string, kind: 'cutover' | 'rollback') => migrationKey(migrationId, `approvals/${kind}.json`);

export interface ApprovalDeps {
  bucket: string;
  notifier: Notifier;
}

export function approvalMessage({ migrationId, kind, context }: Pick<ApprovalInput, 'migrationId' | 'kind' | 'context'>): { subject: string; message: string } {
  const facts = Object.entries(context)
    .map(([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
  const what =
    kind === 'cutover'
      ? 'Approving switches the clients to the Amazon MQ broker (the cutover strategy below), waits until no client is left on the source (or until you say go anyway), drains the rest, verifies every queue and writes the report.'
      : 'Approving moves the messages that reached the Amazon MQ broker back to the source (reverse drain) and reverts the cutover, if one was made. Rejecting leaves everything as it is.';
  return {
    subject: `mq-migrate ${migrationId}: ${kind} waits for your approval`,
    message: [
      `Migration ${migrationId} waits for approval of the ${kind}.`,
      '',
      what,
      '',
      facts ? `Facts:\n${facts}\n` : '',
      `Approve: mq-migrate approve ${migrationId}${kind === 'cutover' ? '   (add --go-anyway to not wait for clients still on the source)' : ''}`,
      `Reject:  mq-migrate reject ${migrationId} --reason "..."`,
      `Status:  mq-migrate status ${migrationId}`,
    ].join('\n'),
  };
}

/**
 * The approval gate's notification (the state waits for its task token): keeps the token where the
 * CLI finds it, and tells the approvers what will happen and how to approve or reject.
 */
export const makeHandler = (deps: ApprovalDeps) =>
  lambdaHandler(ApprovalInput, async (input) => {
    const { migrationId, kind, taskToken } = input;
    logger.appendKeys({ migrationId, kind });
    const requestedAt = new Date().toISOString();
    const stored = await putDocument(deps.bucket, approvalKey(migrationId, kind), { migrationId, kind, taskToken, requestedAt, context: input.context });
    const { subject, message } = approvalMessage(input);
    await deps.notifier.notify(subject, message, { migrationId, kind });
    // The token is a credential for the execution: it is stored, never logged.
    logger.info('approval requested', { key: stored.key });
    return { migrationId, kind, requestedAt };
  });

export const handler = makeHandler({ bucket: config().documentsBucket, notifier: snsNotifier(workflowConfig().approvalTopicArn) });
