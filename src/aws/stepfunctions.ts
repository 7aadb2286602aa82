/**
 * What the CLI does against a deployed stack: start an execution named after the migration, look
 * at it, answer its approval gate (the task token the Approval function stored in S3), read its
 * report. The stack is found by its outputs (CloudFormation) or given explicitly.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { ValidationError } from '../model/errors.js';
import { MigrationExistsError, MigrationNotFoundError } from '../orchestration/errors.js';
import { findDocument, getText, migrationKey, s3 } from './documents.js';

export interface StackRefs {
  migrationStateMachineArn: string;
  driftStateMachineArn?: string;
  bucket: string;
}

export const sfn = new SFNClient({});

/** The stack's outputs: MigrationStateMachineArn, DriftStateMachineArn, DocumentsBucketName. */
export async function stackRefs(stackName: string, client = new CloudFormationClient({})): Promise<StackRefs> {
  const stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const output = (key: string) => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const migrationStateMachineArn = output('MigrationStateMachineArn');
  const bucket = output('DocumentsBucketName');
  if (!migrationStateMachineArn || !bucket) throw new ValidationError('--stack', `stack ${stackName} has no MigrationStateMachineArn/DocumentsBucketName outputs (is it the mq-migrate stack?)`);
  const drift = output('DriftStateMachineArn');
  return { migrationStateMachineArn, bucket, ...(drift ? { driftStateMachineArn: drift } : {}) };
}

export const executionArn = (stateMachineArn: string, name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** Starts the execution named `migrationId`; a second start with the same name is refused. */
export async function startMigration(refs: StackRefs, migrationId: string, input: unknown, client = sfn): Promise<string> {
  try {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: refs.migrationStateMachineArn, name: migrationId, input: JSON.stringify(input) }));
    return started.executionArn ?? executionArn(refs.migrationStateMachineArn, migrationId);
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as { name?: string }).name === 'ExecutionAlreadyExists') throw new MigrationExistsError(migrationId);
    throw error;
  }
}

export interface MigrationStatus {
  status: string;
  startedAt?: string;
  stoppedAt?: string;
  currentState?: string;
  error?: string;
  cause?: string;
}

export async function migrationStatus(refs: StackRefs, migrationId: string, client = sfn): Promise<MigrationStatus> {
  const arn = executionArn(refs.migrationStateMachineArn, migrationId);
  let described;
  try {
    described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') throw new MigrationNotFoundError(migrationId);
    throw error;
  }
  const history = await client.send(new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, maxResults: 20 }));
  const entered = history.events?.find((e) => e.stateEnteredEventDetails?.name)?.stateEnteredEventDetails?.name;
  return {
    status: described.status ?? 'UNKNOWN',
    ...(described.startDate ? { startedAt: described.startDate.toISOString() } : {}),
    ...(described.stopDate ? { stoppedAt: described.stopDate.toISOString() } : {}),
    ...(entered ? { currentState: entered } : {}),
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
  };
}

const PendingApproval = z.looseObject({ migrationId: z.string(), kind: z.enum(['cutover', 'rollback']), taskToken: z.string(), requestedAt: z.string(), answeredAt: z.string().optional() });

/** The approval the execution waits for (cutover or rollback), from what the Approval function stored. */
export async function pendingApproval(bucket: string, migrationId: string): Promise<z.infer<typeof PendingApproval> | undefined> {
  const found = await Promise.all((['rollback', 'cutover'] as const).map((kind) => findDocument({ bucket, key: migrationKey(migrationId, `approvals/${kind}.json`) }, PendingApproval)));
  return found.filter((a) => a !== undefined && a.answeredAt === undefined).sort((a, b) => (b?.requestedAt ?? '').localeCompare(a?.requestedAt ?? ''))[0];
}

export async function answerApproval(
  refs: StackRefs,
  migrationId: string,
  answer: { approved: boolean; by: string; reason?: string },
  client = sfn,
): Promise<'cutover' | 'rollback'> {
  const pending = await pendingApproval(refs.bucket, migrationId);
  if (!pending) throw new MigrationNotFoundError(migrationId, 'no approval is pending (see `mq-migrate status`)');
  const at = new Date().toISOString();
  if (answer.approved) {
    await client.send(new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: JSON.stringify({ approved: true, by: answer.by, at, requestedAt: pending.requestedAt, kind: pending.kind }) }));
  } else {
    await client.send(new SendTaskFailureCommand({ taskToken: pending.taskToken, error: 'ApprovalRejectedError', cause: `migration ${migrationId}: the approval was rejected by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}` }));
  }
  await s3.send(new PutObjectCommand({ Bucket: refs.bucket, Key: migrationKey(migrationId, `approvals/${pending.kind}.json`), Body: JSON.stringify({ ...pending, taskToken: 'answered', answeredAt: at, answeredBy: answer.by, approved: answer.approved }), ContentType: 'application/json', ServerSideEncryption: 'AES256' }));
  return pending.kind;
}

/** Lets the final drain start although clients are still on the source (the WaitForClients loop reads it). */
export async function goAnyway(bucket: string, migrationId: string, by: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: migrationKey(migrationId, 'approvals/go-anyway.json'), Body: JSON.stringify({ goAnyway: true, by, at: new Date().toISOString() }), ContentType: 'application/json', ServerSideEncryption: 'AES256' }));
}

export async function migrationReport(bucket: string, migrationId: string, format: 'md' | 'json'): Promise<string> {
  return getText({ bucket, key: migrationKey(migrationId, `report.${format}`) });
}

export async function startDrift(refs: StackRefs, name: string, input: unknown, client = sfn): Promise<string> {
  if (!refs.driftStateMachineArn) throw new ValidationError('--stack', 'the stack has no DriftStateMachineArn output');
  const started = await client.send(new StartExecutionCommand({ stateMachineArn: refs.driftStateMachineArn, name, input: JSON.stringify(input) }));
  return started.executionArn ?? executionArn(refs.driftStateMachineArn, name);
}
