/**
 * Creates (or finds again) the Amazon MQ broker of a migration.
 *
 * 1. The target is checked against what Amazon MQ offers in this account and region
 *    (DescribeBrokerEngineTypes, DescribeBrokerInstanceOptions) before anything is created.
 * 2. A broker with the name and this migration's tag is found again (re-runs create nothing);
 *    one without the tag is someone else's and stops us (BrokerNameConflictError).
 * 3. ActiveMQ: the converted XML becomes a configuration (created once, a new revision when it
 *    changed), then CreateBroker with it and the users. RabbitMQ: CreateBroker with the one
 *    administrator; other users go through the management API later.
 * 4. CreateBroker carries a creatorRequestId derived from the migration id, so a retried call that
 *    already succeeded returns the same broker.
 * 5. Fleets (the `mq-migrate:fleet-id` tag): a member finds the broker another member of its
 *    fleet created (many sources, one target; the creatorRequestId is the fleet's and the
 *    broker's, so two members cannot create two), and ActiveMQ members naming one
 *    configuration share it: one revision serves all while their converted XML is the same, and
 *    a member whose XML differs stops (SharedConfigurationConflictError) rather than revise it
 *    under the other brokers.
 *
 * Waiting for RUNNING is the state machine's job (describeBrokerForWait + a Wait state loop).
 * Passwords come from Secrets Manager and never appear in results or errors.
 */
import { createHash } from 'node:crypto';
import {
  CreateBrokerCommand,
  CreateConfigurationCommand,
  DeleteConfigurationCommand,
  DescribeBrokerCommand,
  DescribeBrokerEngineTypesCommand,
  DescribeBrokerInstanceOptionsCommand,
  DescribeConfigurationRevisionCommand,
  ListBrokersCommand,
  ListConfigurationsCommand,
  MqClient,
  UpdateConfigurationCommand,
  type BrokerInstanceOption,
  type BrokerState,
  type CreateBrokerCommandInput,
  type DescribeBrokerCommandOutput,
  type User,
} from '@aws-sdk/client-mq';
import { z } from 'zod';
import { getDocument, type DocumentRef } from '../aws/documents.js';
import { getBrokerCredentials, type BrokerCredentials } from '../aws/secrets.js';
import { ValidationError } from '../model/errors.js';
import { parseOrThrow } from '../model/validate.js';
import {
  AmazonMqOfferingError,
  AmazonMqRequestError,
  AmazonMqTransientError,
  BrokerCreationFailedError,
  BrokerCriticalActionRequiredError,
  BrokerDeletionInProgressError,
  BrokerNameConflictError,
  BrokerNotFoundError,
} from './errors.js';
import { ACTIVEMQ_ADMIN_GROUP } from './activemq-rules.js';
import { SharedConfigurationConflictError } from '../orchestration/fleet-errors.js';
import { FLEET_TAG, MIGRATION_TAG, ProvisionInput, type ProvisionInputInput } from './provision-input.js';
import { validateAmazonMqPassword, validateAmazonMqUsername } from './user-rules.js';

export interface ProvisionerDeps {
  mq: MqClient;
  /** Reads {"username","password"} from a secret. */
  getCredentials: (secretId: string) => Promise<BrokerCredentials>;
  /** Reads the converted ActiveMQ XML from S3 (a JSON document holding a string). */
  readDocument: (ref: DocumentRef) => Promise<string>;
}

let defaults: ProvisionerDeps | undefined;
/** Standard SDK configuration: AWS_ENDPOINT_URL_MQ / _SECRETS_MANAGER / _S3 redirect the clients. */
export function defaultProvisionerDeps(): ProvisionerDeps {
  defaults ??= { mq: new MqClient({}), getCredentials: getBrokerCredentials, readDocument: (ref) => getDocument(ref, z.string()) };
  return defaults;
}

export interface ProvisionResult {
  brokerId: string;
  brokerArn: string;
  state: BrokerState | string;
  /** False when the broker already existed (a re-run). */
  created: boolean;
  configuration?: { id: string; revision: number; warnings: string[]; shared?: boolean };
  /** The fleet member whose migration created the broker, when it is not this one (many to one). */
  sharedWith?: string;
}

export interface BrokerEndpoints {
  /** Wire endpoints of every instance (amqps://..., ssl://..., stomp+ssl://...). */
  endpoints: string[];
  /** Web console / management API URLs, one per instance. */
  consoleUrls: string[];
}

export interface WaitStatus {
  state: BrokerState | string;
  ready: boolean;
  endpoints: BrokerEndpoints;
}

// ---------------------------------------------------------------------------------------------
// AWS errors -> typed errors
// ---------------------------------------------------------------------------------------------

const TRANSIENT = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded', 'InternalServerErrorException', 'ServiceUnavailableException', 'RequestTimeout', 'TimeoutError']);

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw typedAwsError(operation, error);
  }
}

export function typedAwsError(operation: string, error: unknown): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; ErrorAttribute?: string; errorAttribute?: string };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  if (TRANSIENT.has(name) || e.$retryable !== undefined || (status !== undefined && status >= 500) || status === 429 || (status === undefined && /ECONN|ETIMEDOUT|EPIPE|socket|network/i.test(`${name} ${message}`))) {
    return new AmazonMqTransientError(operation, name, message, { cause: error });
  }
  return new AmazonMqRequestError(operation, name, e.ErrorAttribute ?? e.errorAttribute, message, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Offerings
// ---------------------------------------------------------------------------------------------

const minorOf = (version: string): string => /^(\d+\.\d+)/.exec(version)?.[1] ?? version;

async function checkOffering(input: ProvisionInput, mq: MqClient): Promise<'EBS' | 'EFS'> {
  const versions: string[] = [];
  let token: string | undefined;
  do {
    const page = await call('DescribeBrokerEngineTypes', () => mq.send(new DescribeBrokerEngineTypesCommand({ EngineType: input.engineType, ...(token ? { NextToken: token } : {}) })));
    for (const type of page.BrokerEngineTypes ?? []) for (const v of type.EngineVersions ?? []) if (v.Name) versions.push(v.Name);
    token = page.NextToken;
  } while (token);
  const offeredVersion = versions.find((v) => v === input.engineVersion || v === minorOf(input.engineVersion));
  if (offeredVersion === undefined) throw new AmazonMqOfferingError('engineVersion', `${input.engineType} ${input.engineVersion}`, versions, 'not among the engine versions Amazon MQ offers');

  const options: BrokerInstanceOption[] = [];
  token = undefined;
  do {
    const page = await call('DescribeBrokerInstanceOptions', () =>
      mq.send(new DescribeBrokerInstanceOptionsCommand({ EngineType: input.engineType, HostInstanceType: input.instanceType, ...(token ? { NextToken: token } : {}) })),
    );
    options.push(...(page.BrokerInstanceOptions ?? []));
    token = page.NextToken;
  } while (token);
  const forType = options.filter((o) => o.HostInstanceType === input.instanceType && o.EngineType === input.engineType);
  if (forType.length === 0) throw new AmazonMqOfferingError('instanceType', input.instanceType, [], `not offered for ${input.engineType} in this region`);
  const storage = input.storageType ?? (input.engineType === 'RABBITMQ' ? 'EBS' : 'EFS');
  const option = forType.find((o) => o.StorageType === storage);
  if (option === undefined) throw new AmazonMqOfferingError('storageType', storage, forType.map((o) => o.StorageType ?? '?'), `not offered for ${input.instanceType}`);
  const modes = option.SupportedDeploymentModes ?? [];
  if (!modes.includes(input.deploymentMode)) throw new AmazonMqOfferingError('deploymentMode', input.deploymentMode, modes, `not offered for ${input.instanceType} with ${storage}`);
  const typeVersions = option.SupportedEngineVersions ?? [];
  if (!typeVersions.some((v) => v === input.engineVersion || v === minorOf(input.engineVersion))) {
    throw new AmazonMqOfferingError('engineVersion', input.engineVersion, typeVersions, `not offered on ${input.instanceType}`);
  }
  return storage;
}

// ---------------------------------------------------------------------------------------------
// Find again
// ---------------------------------------------------------------------------------------------

async function findBroker(input: ProvisionInput, mq: MqClient): Promise<DescribeBrokerCommandOutput | undefined> {
  let token: string | undefined;
  do {
    const page = await call('ListBrokers', () => mq.send(new ListBrokersCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
    const summary = (page.BrokerSummaries ?? []).find((b) => b.BrokerName === input.brokerName);
    if (summary?.BrokerId) {
      const brokerId = summary.BrokerId;
      const broker = await call('DescribeBroker', () => mq.send(new DescribeBrokerCommand({ BrokerId: brokerId })));
      const fleetId = input.tags[FLEET_TAG];
      const ours = broker.Tags?.[MIGRATION_TAG] === input.migrationId || (fleetId !== undefined && broker.Tags?.[FLEET_TAG] === fleetId && broker.EngineType === input.engineType);
      if (!ours) {
        throw new BrokerNameConflictError(input.brokerName, brokerId, `it is not tagged ${MIGRATION_TAG}=${input.migrationId}${fleetId !== undefined ? ` nor ${FLEET_TAG}=${fleetId} (with engine ${input.engineType})` : ''}`);
      }
      return broker;
    }
    token = page.NextToken;
  } while (token);
  return undefined;
}

function resultOf(broker: DescribeBrokerCommandOutput, input: Pick<ProvisionInput, 'migrationId'>): ProvisionResult {
  const brokerId = broker.BrokerId ?? '';
  const state = broker.BrokerState ?? 'CREATION_IN_PROGRESS';
  if (state === 'CREATION_FAILED') throw new BrokerCreationFailedError(brokerId, reasonOf(broker));
  if (state === 'DELETION_IN_PROGRESS') throw new BrokerDeletionInProgressError(brokerId);
  const creator = broker.Tags?.[MIGRATION_TAG];
  return { brokerId, brokerArn: broker.BrokerArn ?? '', state, created: false, ...(creator !== undefined && creator !== input.migrationId ? { sharedWith: creator } : {}) };
}

function reasonOf(broker: Pick<DescribeBrokerCommandOutput, 'ActionsRequired'>): string {
  const actions = broker.ActionsRequired ?? [];
  return actions.length > 0 ? actions.map((a) => `${a.ActionRequiredCode ?? 'UNKNOWN'}: ${a.ActionRequiredInfo ?? ''}`.trim()).join('; ') : 'Amazon MQ gave no reason';
}

// ---------------------------------------------------------------------------------------------
// Users and configuration
// ---------------------------------------------------------------------------------------------

async function brokerUser(secretId: string, engine: 'RABBITMQ' | 'ACTIVEMQ', deps: ProvisionerDeps, extra: Omit<User, 'Username' | 'Password'> = {}): Promise<User> {
  const { username, password } = await deps.getCredentials(secretId);
  const name = validateAmazonMqUsername(username, engine);
  if (!name.ok) throw new ValidationError(`secret ${secretId}: username`, name.rule, `secret ${secretId}: ${name.message}`);
  const pw = validateAmazonMqPassword(password, { engine });
  if (!pw.ok) throw new ValidationError(`secret ${secretId}: password`, pw.rule, `secret ${secretId}: ${pw.message}`);
  return { Username: username, Password: password, ...extra };
}

type ConfigurationResult = NonNullable<ProvisionResult['configuration']>;

async function ensureConfiguration(input: ProvisionInput, xml: string, mq: MqClient): Promise<ConfigurationResult> {
  const sharedName = input.activemq?.configurationName;
  const fleetId = input.tags[FLEET_TAG];
  if (sharedName !== undefined && fleetId !== undefined) return ensureSharedConfiguration(input, sharedName, fleetId, xml, mq);
  const name = `${input.brokerName}-mq-migrate`;
  let existing: { id: string; latest: number } | undefined;
  let token: string | undefined;
  do {
    const page = await call('ListConfigurations', () => mq.send(new ListConfigurationsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
    const found = (page.Configurations ?? []).find((c) => c.Name === name && c.EngineType === 'ACTIVEMQ' && c.Tags?.[MIGRATION_TAG] === input.migrationId);
    if (found?.Id) existing = { id: found.Id, latest: found.LatestRevision?.Revision ?? 1 };
    token = existing ? undefined : page.NextToken;
  } while (token);

  if (existing) {
    const { id, latest } = existing;
    const revision = await call('DescribeConfigurationRevision', () => mq.send(new DescribeConfigurationRevisionCommand({ ConfigurationId: id, ConfigurationRevision: String(latest) })));
    if (Buffer.from(revision.Data ?? '', 'base64').toString('utf8') === xml) return { id, revision: latest, warnings: [] };
  } else {
    const created = await call('CreateConfiguration', () =>
      mq.send(new CreateConfigurationCommand({ Name: name, EngineType: 'ACTIVEMQ', EngineVersion: input.engineVersion, AuthenticationStrategy: 'SIMPLE', Tags: { ...input.tags, [MIGRATION_TAG]: input.migrationId } })),
    );
    if (!created.Id) throw new AmazonMqRequestError('CreateConfiguration', 'MissingId', undefined, 'the response has no configuration id');
    existing = { id: created.Id, latest: created.LatestRevision?.Revision ?? 1 };
  }
  const id = existing.id;
  const updated = await call('UpdateConfiguration', () =>
    mq.send(new UpdateConfigurationCommand({ ConfigurationId: id, Data: Buffer.from(xml, 'utf8').toString('base64'), Description: `mq-migrate ${input.migrationId}` })),
  );
  const warnings = (updated.Warnings ?? []).map((w) => `${w.Reason ?? 'WARNING'}: ${[w.ElementName, w.AttributeName].filter(Boolean).join('/')}`);
  return { id, revision: updated.LatestRevision?.Revision ?? existing.latest + 1, warnings };
}

/** Who wrote a revision and what: in its description, since Amazon MQ may rewrite (sanitize) the data it stores. */
const sha256 = (text: string) => createHash('sha256').update(text.trim(), 'utf8').digest('hex');
const revisionDescription = (migrationId: string, xml: string) => `mq-migrate ${migrationId} sha256:${sha256(xml)}`;
const parseDescription = (description: string | undefined) => {
  const match = /^mq-migrate (\S+) sha256:([0-9a-f]{64})$/.exec(description ?? '');
  return match ? { migrationId: match[1] ?? '', hash: match[2] ?? '' } : undefined;
};

interface ConfigurationSummary {
  id: string;
  created: number;
  latest: number;
}

async function listSharedConfigurations(name: string, fleetId: string, mq: MqClient): Promise<ConfigurationSummary[]> {
  const out: ConfigurationSummary[] = [];
  let token: string | undefined;
  do {
    const page = await call('ListConfigurations', () => mq.send(new ListConfigurationsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
    for (const c of page.Configurations ?? []) {
      if (c.Id && c.Name === name && c.EngineType === 'ACTIVEMQ' && c.Tags?.[FLEET_TAG] === fleetId) out.push({ id: c.Id, created: c.Created ? new Date(c.Created).getTime() : 0, latest: c.LatestRevision?.Revision ?? 1 });
    }
    token = page.NextToken;
  } while (token);
  // The oldest is the fleet's: members that raced to create it all settle on the same one.
  return out.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

/**
 * The fleet's configuration `name`: found (or created, once for the fleet), then revised only
 * when its latest revision is not this XML. A latest revision another migration wrote with other
 * XML is theirs: revising it would change their broker at its next reboot, so that is an error.
 */
async function ensureSharedConfiguration(input: ProvisionInput, name: string, fleetId: string, xml: string, mq: MqClient): Promise<ConfigurationResult> {
  let found = (await listSharedConfigurations(name, fleetId, mq))[0];
  if (!found) {
    const created = await call('CreateConfiguration', () =>
      mq.send(new CreateConfigurationCommand({ Name: name, EngineType: 'ACTIVEMQ', EngineVersion: input.engineVersion, AuthenticationStrategy: 'SIMPLE', Tags: { ...input.tags, [FLEET_TAG]: fleetId } })),
    );
    if (!created.Id) throw new AmazonMqRequestError('CreateConfiguration', 'MissingId', undefined, 'the response has no configuration id');
    const ownId = created.Id;
    found = (await listSharedConfigurations(name, fleetId, mq))[0] ?? { id: ownId, created: 0, latest: created.LatestRevision?.Revision ?? 1 };
    // Another member created one first: ours goes (best effort: an unused configuration costs nothing).
    if (found.id !== ownId) {
      try {
        await mq.send(new DeleteConfigurationCommand({ ConfigurationId: ownId }));
      } catch {
        // Left over: Amazon MQ charges nothing for it, and no broker uses it.
      }
    }
  }
  const { id, latest } = found;
  const revision = await call('DescribeConfigurationRevision', () => mq.send(new DescribeConfigurationRevisionCommand({ ConfigurationId: id, ConfigurationRevision: String(latest) })));
  const writer = parseDescription(revision.Description);
  const same = writer ? writer.hash === sha256(xml) : Buffer.from(revision.Data ?? '', 'base64').toString('utf8').trim() === xml.trim();
  if (same) return { id, revision: latest, warnings: [], shared: true };
  // Revision 1 is Amazon MQ's default (no writer); a revision this migration wrote may be replaced.
  if (latest > 1 && writer?.migrationId !== input.migrationId) {
    throw new SharedConfigurationConflictError('target.configurationName', name, id, writer ? `migration ${writer.migrationId}` : `revision ${latest} (${revision.Description ?? 'no description'})`);
  }
  const updated = await call('UpdateConfiguration', () => mq.send(new UpdateConfigurationCommand({ ConfigurationId: id, Data: Buffer.from(xml, 'utf8').toString('base64'), Description: revisionDescription(input.migrationId, xml) })));
  const warnings = (updated.Warnings ?? []).map((w) => `${w.Reason ?? 'WARNING'}: ${[w.ElementName, w.AttributeName].filter(Boolean).join('/')}`);
  return { id, revision: updated.LatestRevision?.Revision ?? latest + 1, warnings, shared: true };
}

// ---------------------------------------------------------------------------------------------
// Provision
// ---------------------------------------------------------------------------------------------

export function creatorRequestIdFor(migrationId: string, fleet?: { fleetId: string; brokerName: string }): string {
  // A fleet's broker is the fleet's, whichever member asks first: the same id makes Amazon MQ
  // return the one broker to two members that both found none.
  if (fleet) return `mq-migrate-fleet-${createHash('sha256').update(`${fleet.fleetId}\u0000${fleet.brokerName}`).digest('hex').slice(0, 40)}`;
  return `mq-migrate-${migrationId}`;
}

/** Validates, then finds or creates the migration's broker; returns as soon as Amazon MQ accepted it. */
export async function provisionBroker(rawInput: ProvisionInputInput | unknown, deps: ProvisionerDeps = defaultProvisionerDeps()): Promise<ProvisionResult> {
  const input = parseOrThrow(ProvisionInput, rawInput, 'input');
  const storage = await checkOffering(input, deps.mq);
  const found = await findBroker(input, deps.mq);
  if (found) return resultOf(found, input);

  let configuration: ProvisionResult['configuration'];
  const users: User[] = [];
  if (input.engineType === 'RABBITMQ') {
    users.push(await brokerUser(input.adminSecretId, 'RABBITMQ', deps));
  } else {
    const activemq = input.activemq;
    if (!activemq) throw new ValidationError('input.activemq', 'required for ACTIVEMQ');
    const xml = activemq.configurationXml ?? (activemq.configurationDocument ? await deps.readDocument(activemq.configurationDocument) : '');
    configuration = await ensureConfiguration(input, xml, deps.mq);
    users.push(await brokerUser(input.adminSecretId, 'ACTIVEMQ', deps, { ConsoleAccess: true, Groups: [ACTIVEMQ_ADMIN_GROUP] }));
    for (const user of activemq.users) users.push(await brokerUser(user.secretId, 'ACTIVEMQ', deps, { ConsoleAccess: user.consoleAccess, Groups: user.groups }));
    const names = users.map((u) => u.Username);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new ValidationError('input.activemq.users', 'usernames must be unique', `user ${duplicate} appears twice (admin secret and users)`);
  }

  const request: CreateBrokerCommandInput = {
    BrokerName: input.brokerName,
    CreatorRequestId: creatorRequestIdFor(input.migrationId, input.tags[FLEET_TAG] !== undefined ? { fleetId: input.tags[FLEET_TAG], brokerName: input.brokerName } : undefined),
    EngineType: input.engineType,
    EngineVersion: input.engineVersion,
    DeploymentMode: input.deploymentMode,
    HostInstanceType: input.instanceType,
    StorageType: storage,
    AuthenticationStrategy: 'SIMPLE',
    PubliclyAccessible: input.network.publiclyAccessible,
    ...(input.network.subnetIds.length > 0 ? { SubnetIds: input.network.subnetIds } : {}),
    ...(input.network.securityGroupIds.length > 0 ? { SecurityGroups: input.network.securityGroupIds } : {}),
    EncryptionOptions: input.encryption.kind === 'kms' ? { UseAwsOwnedKey: false, KmsKeyId: input.encryption.kmsKeyId } : { UseAwsOwnedKey: true },
    Logs: input.engineType === 'RABBITMQ' ? { General: input.logs.general } : { General: input.logs.general, Audit: input.logs.audit },
    ...(input.maintenanceWindow
      ? { MaintenanceWindowStartTime: { DayOfWeek: input.maintenanceWindow.dayOfWeek, TimeOfDay: input.maintenanceWindow.timeOfDay, TimeZone: input.maintenanceWindow.timeZone } }
      : {}),
    AutoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
    ...(configuration ? { Configuration: { Id: configuration.id, Revision: configuration.revision } } : {}),
    Users: users,
    Tags: { ...input.tags, [MIGRATION_TAG]: input.migrationId },
  };
  let created;
  try {
    created = await call('CreateBroker', () => deps.mq.send(new CreateBrokerCommand(request)));
  } catch (error) {
    // A concurrent run created it between our lookup and our call: find it again.
    if (error instanceof AmazonMqRequestError && error.errorType === 'ConflictException') {
      const again = await findBroker(input, deps.mq);
      if (again) return { ...resultOf(again, input), ...(configuration ? { configuration } : {}) };
    }
    throw error;
  }
  if (!created.BrokerId || !created.BrokerArn) throw new AmazonMqRequestError('CreateBroker', 'MissingId', undefined, 'the response has no broker id');
  return { brokerId: created.BrokerId, brokerArn: created.BrokerArn, state: 'CREATION_IN_PROGRESS', created: true, ...(configuration ? { configuration } : {}) };
}

/**
 * One look at the broker for the state machine's wait loop: `ready` once RUNNING (with its
 * endpoints); CREATION_FAILED and CRITICAL_ACTION_REQUIRED throw typed errors with Amazon MQ's reason.
 */
export async function describeBrokerForWait(brokerId: string, deps: Pick<ProvisionerDeps, 'mq'> = defaultProvisionerDeps()): Promise<WaitStatus> {
  let broker: DescribeBrokerCommandOutput;
  try {
    broker = await deps.mq.send(new DescribeBrokerCommand({ BrokerId: brokerId }));
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException') throw new BrokerNotFoundError(brokerId, { cause: error });
    throw typedAwsError('DescribeBroker', error);
  }
  const state = broker.BrokerState ?? 'CREATION_IN_PROGRESS';
  if (state === 'CREATION_FAILED') throw new BrokerCreationFailedError(brokerId, reasonOf(broker));
  if (state === 'CRITICAL_ACTION_REQUIRED') {
    throw new BrokerCriticalActionRequiredError(brokerId, (broker.ActionsRequired ?? []).map((a) => ({ code: a.ActionRequiredCode ?? 'UNKNOWN', info: a.ActionRequiredInfo ?? '' })));
  }
  if (state === 'DELETION_IN_PROGRESS') throw new BrokerDeletionInProgressError(brokerId);
  const instances = broker.BrokerInstances ?? [];
  return {
    state,
    ready: state === 'RUNNING',
    endpoints: { endpoints: instances.flatMap((i) => i.Endpoints ?? []), consoleUrls: instances.flatMap((i) => (i.ConsoleURL ? [i.ConsoleURL] : [])) },
  };
}
