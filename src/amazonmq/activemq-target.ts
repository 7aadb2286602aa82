import {
  CreateUserCommand,
  DeleteUserCommand,
  DescribeBrokerCommand,
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  ListUsersCommand,
  RebootBrokerCommand,
  UpdateBrokerCommand,
  UpdateConfigurationCommand,
  UpdateUserCommand,
  type ConfigurationId,
  type DescribeBrokerCommandOutput,
  MqClient,
} from '@aws-sdk/client-mq';
import type { ActiveMqTargetPort, ReplicatedUser } from '../engines/activemq/replicate.js';
import { ValidationError } from '../model/errors.js';
import {
  AmazonMqRequestError,
  AmazonMqTransientError,
  BrokerCreationFailedError,
  BrokerCriticalActionRequiredError,
  BrokerDeletionInProgressError,
  BrokerNotFoundError,
} from './errors.js';
import { typedAwsError } from './provisioner.js';

/**
 * Replication's target on Amazon MQ for ActiveMQ ({@link ActiveMqTargetPort}), for one broker:
 *
 *  - `current()`: the configuration revision the broker runs (or will run: a pending one) and its
 *    users with their groups (a pending change's groups), read through the Amazon MQ API. Amazon
 *    MQ never reveals passwords, so users carry no digest; `pendingReboot` tells that changes wait
 *    for a reboot (an earlier apply stopped before RebootBroker).
 *  - `apply()`: a new configuration revision only when the XML differs (UpdateConfiguration, then
 *    UpdateBroker to that revision), CreateUser / UpdateUser (groups and password: a password
 *    cannot be compared, so every user gets it set) / DeleteUser, then RebootBroker: Amazon MQ
 *    for ActiveMQ applies configuration and user changes only at a reboot. The caller waits for
 *    RUNNING again (describeBrokerForWait); {@link AmazonMqActiveMqTarget.rebootStarted} says
 *    whether it has to.
 *
 * The administrator (the provisioner's user) and replication users (cross-region data
 * replication) belong to the target: never listed, changed or deleted. Errors are the
 * provisioner's typed AWS errors (AmazonMqRequestError, AmazonMqTransientError...).
 */

export interface AmazonMqActiveMqTargetOptions {
  brokerId: string;
  /** The broker's administrator, left alone by replication. */
  adminUsername: string;
  /** Default: one client with the standard configuration (AWS_ENDPOINT_URL_MQ redirects it). */
  mq?: MqClient;
  /** DescribeUser calls at once (one per user; a broker has up to 250). Default 4. */
  concurrency?: number;
}

export interface AmazonMqApplyResult {
  /** The configuration revision the broker was moved to, when the XML changed. */
  configurationRevision?: number;
  /** UpdateConfiguration's sanitization warnings (elements or attributes Amazon MQ removed). */
  warnings: string[];
  created: string[];
  updated: string[];
  deleted: string[];
  rebootStarted: boolean;
}

interface TargetUser {
  username: string;
  groups: string[];
  pending: boolean;
}

async function call<T>(operation: string, brokerId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException' && (operation === 'DescribeBroker' || operation === 'RebootBroker' || operation === 'UpdateBroker')) {
      throw new BrokerNotFoundError(brokerId, { cause: error });
    }
    throw typedAwsError(operation, error);
  }
}

let defaultMq: MqClient | undefined;

export class AmazonMqActiveMqTarget implements ActiveMqTargetPort {
  private last: AmazonMqApplyResult | undefined;
  private readonly options: Required<Omit<AmazonMqActiveMqTargetOptions, 'concurrency'>> & { concurrency: number };

  constructor(options: AmazonMqActiveMqTargetOptions) {
    this.options = { ...options, mq: options.mq ?? (defaultMq ??= new MqClient({})), concurrency: options.concurrency ?? 4 };
  }

  /** True once `apply` has sent RebootBroker: the broker is not RUNNING until the reboot is over. */
  get rebootStarted(): boolean {
    return this.last?.rebootStarted ?? false;
  }

  /** What the last `apply` did (undefined before one). */
  get lastApply(): AmazonMqApplyResult | undefined {
    return this.last;
  }

  async current(): Promise<Awaited<ReturnType<ActiveMqTargetPort['current']>>> {
    const broker = await this.describe();
    const configuration = broker.Configurations?.Pending ?? broker.Configurations?.Current;
    if (!configuration) return undefined;
    const { users, pendingDeletes } = await this.users();
    return {
      configurationXml: await this.revisionXml(configuration),
      users: users.map((u) => ({ username: u.username, groups: u.groups })),
      pendingReboot: broker.Configurations?.Pending !== undefined || pendingDeletes > 0 || users.some((u) => u.pending),
    };
  }

  async apply(configurationXml: string, users: ReplicatedUser[]): Promise<void> {
    const { brokerId, mq, adminUsername: adminUser } = this.options;
    const admin = users.find((u) => u.username === adminUser);
    if (admin) throw new ValidationError(`users.${adminUser}`, 'not the target administrator', `user "${adminUser}" is the target broker's administrator: replication does not change it (rename the source user, or provision another administrator)`);
    const result: AmazonMqApplyResult = { warnings: [], created: [], updated: [], deleted: [], rebootStarted: false };
    this.last = result;

    const broker = await this.describe();
    this.assertRunning(broker);
    const running = broker.Configurations?.Pending ?? broker.Configurations?.Current;
    if (!running?.Id) throw new AmazonMqRequestError('DescribeBroker', 'MissingConfiguration', 'Configurations', `broker ${brokerId} has no configuration (not an ActiveMQ broker?)`);
    const configurationId = running.Id;
    if ((await this.revisionXml(running)).trim() !== configurationXml.trim()) {
      const updated = await call('UpdateConfiguration', brokerId, () =>
        mq.send(new UpdateConfigurationCommand({ ConfigurationId: configurationId, Data: Buffer.from(configurationXml, 'utf8').toString('base64'), Description: 'mq-migrate replication' })),
      );
      const revision = updated.LatestRevision?.Revision;
      if (revision === undefined) throw new AmazonMqRequestError('UpdateConfiguration', 'MissingRevision', undefined, 'the response names no revision');
      result.warnings = (updated.Warnings ?? []).map((w) => `${w.Reason ?? 'WARNING'}: ${[w.ElementName, w.AttributeName].filter(Boolean).join('/')}`);
      await call('UpdateBroker', brokerId, () => mq.send(new UpdateBrokerCommand({ BrokerId: brokerId, Configuration: { Id: configurationId, Revision: revision } })));
      result.configurationRevision = revision;
    }

    const existing = new Set((await this.users()).users.map((u) => u.username));
    for (const user of users) {
      if (existing.has(user.username)) {
        await this.updateUser(user);
        result.updated.push(user.username);
        continue;
      }
      try {
        await call('CreateUser', brokerId, () => mq.send(new CreateUserCommand({ BrokerId: brokerId, Username: user.username, Password: user.password, Groups: user.groups, ConsoleAccess: false })));
        result.created.push(user.username);
      } catch (error) {
        // A user deleted but not yet rebooted away can still be there for CreateUser: update it.
        if (!(error instanceof AmazonMqRequestError && error.errorType === 'ConflictException')) throw error;
        await this.updateUser(user);
        result.updated.push(user.username);
      }
    }
    const wanted = new Set(users.map((u) => u.username));
    for (const name of existing) {
      if (wanted.has(name)) continue;
      await call('DeleteUser', brokerId, () => mq.send(new DeleteUserCommand({ BrokerId: brokerId, Username: name })));
      result.deleted.push(name);
    }

    await call('RebootBroker', brokerId, () => mq.send(new RebootBrokerCommand({ BrokerId: brokerId })));
    result.rebootStarted = true;
  }

  private describe(): Promise<DescribeBrokerCommandOutput> {
    const { brokerId, mq } = this.options;
    return call('DescribeBroker', brokerId, () => mq.send(new DescribeBrokerCommand({ BrokerId: brokerId })));
  }

  /** UpdateBroker needs a RUNNING broker: anything else is a typed error before any change. */
  private assertRunning(broker: DescribeBrokerCommandOutput): void {
    const { brokerId } = this.options;
    const state = broker.BrokerState ?? 'UNKNOWN';
    if (state === 'RUNNING') return;
    if (state === 'CREATION_FAILED') throw new BrokerCreationFailedError(brokerId, (broker.ActionsRequired ?? []).map((a) => `${a.ActionRequiredCode ?? 'UNKNOWN'}: ${a.ActionRequiredInfo ?? ''}`).join('; ') || 'Amazon MQ gave no reason');
    if (state === 'CRITICAL_ACTION_REQUIRED') throw new BrokerCriticalActionRequiredError(brokerId, (broker.ActionsRequired ?? []).map((a) => ({ code: a.ActionRequiredCode ?? 'UNKNOWN', info: a.ActionRequiredInfo ?? '' })));
    if (state === 'DELETION_IN_PROGRESS') throw new BrokerDeletionInProgressError(brokerId);
    // CREATION_IN_PROGRESS, REBOOT_IN_PROGRESS: it will be RUNNING again; try later.
    throw new AmazonMqTransientError('apply', 'BrokerNotRunning', `broker ${brokerId} is ${state}; replication applies changes to a RUNNING broker`);
  }

  private async revisionXml(configuration: ConfigurationId): Promise<string> {
    const { brokerId, mq } = this.options;
    const revision = await call('DescribeConfigurationRevision', brokerId, () =>
      mq.send(new DescribeConfigurationRevisionCommand({ ConfigurationId: configuration.Id, ConfigurationRevision: String(configuration.Revision ?? 1) })),
    );
    return Buffer.from(revision.Data ?? '', 'base64').toString('utf8');
  }

  /** Every user summary of the broker (all ListUsers pages), the target's own left out. */
  private async summaries(): Promise<{ Username?: string; PendingChange?: string }[]> {
    const { brokerId, mq, adminUsername } = this.options;
    const out: { Username?: string; PendingChange?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await call('ListUsers', brokerId, () => mq.send(new ListUsersCommand({ BrokerId: brokerId, MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
      out.push(...(page.Users ?? []).filter((u) => u.Username !== undefined && u.Username !== adminUsername));
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** Groups and password: a password cannot be compared, so it is always set. */
  private async updateUser(user: ReplicatedUser): Promise<void> {
    const { brokerId, mq } = this.options;
    await call('UpdateUser', brokerId, () => mq.send(new UpdateUserCommand({ BrokerId: brokerId, Username: user.username, Password: user.password, Groups: user.groups })));
  }

  /** The users as they are after the next reboot: pending deletions gone, pending groups shown. */
  private async users(): Promise<{ users: TargetUser[]; pendingDeletes: number }> {
    const { brokerId, mq } = this.options;
    const summaries = await this.summaries();
    const live = summaries.filter((s) => s.PendingChange !== 'DELETE');
    const users: TargetUser[] = [];
    let next = 0;
    const worker = async () => {
      while (next < live.length) {
        const summary = live[next++];
        if (!summary?.Username) continue;
        const username = summary.Username;
        const user = await call('DescribeUser', brokerId, () => mq.send(new DescribeUserCommand({ BrokerId: brokerId, Username: username })));
        // Cross-region replication's user is Amazon MQ's, like the administrator.
        if (user.ReplicationUser) continue;
        users.push({ username, groups: [...(user.Pending?.Groups ?? user.Groups ?? [])], pending: summary.PendingChange !== undefined || user.Pending !== undefined });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, Math.max(live.length, 1)) }, worker));
    users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    return { users, pendingDeletes: summaries.length - live.length };
  }
}
