/**
 * The local Amazon MQ's operations over the store and the real brokers. Each method takes the
 * request as Amazon MQ's REST-JSON carries it (path parameters, query, JSON body with the
 * service's camelCase member names) and returns the response body; failures are MqApiError.
 *
 * CLUSTER_MULTI_AZ RabbitMQ brokers are three clustered nodes on loopback (no load balancer: the
 * broker's one instance lists the three AMQP endpoints).
 *
 * Local limits (documented refusals): ACTIVE_STANDBY_MULTI_AZ is refused with BadRequestException
 * (no shared-storage pair locally), only SIMPLE authentication, configurations of RabbitMQ
 * brokers are stored but not applied, and a broker's local ports change when it is rebooted or
 * restarted (Amazon MQ keeps its host names).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AVAILABILITY_ZONES, DEPLOYMENT_MODES, ENGINE_VERSIONS, INSTANCE_OPTIONS, type EngineType } from './catalog.js';
import { sanitizeActiveMqConfiguration } from './activemq-xml.js';
import { freePort } from '../brokers/ports.js';
import { CLUSTER_SIZE, isBrokerAlive, removeBrokerFiles, startActiveMqBroker, startRabbitBroker, startRabbitCluster, stopBroker } from './runners.js';
import { Store, type BrokerState, type ConfigurationIdRef, type StoredBroker, type StoredConfiguration, type StoredUser } from './store.js';
import {
  DEFAULT_ACTIVEMQ_CONFIGURATION,
  DEFAULT_RABBITMQ_CONFIGURATION,
  MqApiError,
  badRequest,
  bool,
  checkActiveMqXml,
  checkBrokerName,
  checkEncryption,
  checkGroups,
  checkInstanceCombination,
  checkLogs,
  checkMaintenanceWindow,
  checkMaxResults,
  checkRabbitConf,
  checkSecurityGroups,
  checkSubnets,
  checkTags,
  checkUser,
  conflict,
  decodeConfigurationData,
  deploymentMode,
  engineType,
  engineVersion,
  notFound,
  obj,
  storageType,
  str,
  strList,
  type Json,
} from './validation.js';

export interface MqServiceOptions {
  dataDir: string;
  region?: string;
  accountId?: string;
  /** Logs what the service does with brokers (boot failures, restarts). */
  log?: (line: string) => void;
}

const MAX_USERS = 250;

/**
 * Every version Amazon MQ offers today (RabbitMQ 3.13+, ActiveMQ 5.18+) has its patch versions
 * managed by Amazon MQ, which requires automatic minor version upgrades: false is refused.
 */
function checkAutoMinor(version: string, value: boolean | undefined): void {
  if (value === false) throw badRequest('autoMinorVersionUpgrade', `Broker engine version [${version}] requires autoMinorVersionUpgrade to be true.`);
}

function page<T>(items: readonly T[], query: URLSearchParams, min: number, max: number): { items: T[]; nextToken?: string } {
  const size = checkMaxResults(query.get('maxResults'), min, max);
  const token = query.get('nextToken');
  let start = 0;
  if (token !== null) {
    start = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw badRequest('nextToken', 'The nextToken is invalid.');
  }
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, nextToken: Buffer.from(String(start + size)).toString('base64') } : { items: slice };
}

export class MqService {
  readonly region: string;
  readonly accountId: string;
  private readonly tasks = new Map<string, Promise<void>>();
  private readonly log: (line: string) => void;

  private constructor(private readonly store: Store, private readonly options: MqServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.log = options.log ?? (() => undefined);
  }

  /** Opens the state in `dataDir` and brings every broker back (found running, or restarted). */
  static async open(options: MqServiceOptions): Promise<MqService> {
    const service = new MqService(await Store.open(join(options.dataDir, 'amazonmq', 'state.json')), options);
    service.recover();
    return service;
  }

  private recover(): void {
    for (const broker of this.store.brokers) {
      if (broker.brokerState === 'DELETION_IN_PROGRESS') {
        this.enqueue(broker.brokerId, () => this.finishDeletion(broker));
      } else if (broker.brokerState === 'CREATION_IN_PROGRESS' || broker.brokerState === 'REBOOT_IN_PROGRESS') {
        this.enqueue(broker.brokerId, () => this.boot(broker, broker.brokerState === 'CREATION_IN_PROGRESS' ? 'CREATION_FAILED' : 'CRITICAL_ACTION_REQUIRED'));
      } else if (broker.brokerState === 'RUNNING' && broker.runtime) {
        const runtime = broker.runtime;
        this.enqueue(broker.brokerId, async () => {
          if (await isBrokerAlive(runtime)) {
            this.log(`broker ${broker.brokerId}: found running (pid ${runtime.pid})`);
            return;
          }
          this.log(`broker ${broker.brokerId}: not running, restarting`);
          broker.brokerState = 'REBOOT_IN_PROGRESS';
          await this.store.save();
          await this.boot(broker, 'CRITICAL_ACTION_REQUIRED');
        });
      }
    }
  }

  /** Stops the HTTP-side work; with `stopBrokers` also stops every broker process (data kept). */
  async close({ stopBrokers = true }: { stopBrokers?: boolean } = {}): Promise<void> {
    await Promise.allSettled([...this.tasks.values()]);
    if (stopBrokers) {
      await Promise.all(this.store.brokers.map(async (b) => (b.runtime ? stopBroker(b.runtime) : undefined)));
    }
    await this.store.save();
  }

  /** Waits for every background broker operation (tests). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks.values()]);
  }

  private enqueue(brokerId: string, work: () => Promise<void>): void {
    const previous = this.tasks.get(brokerId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) => this.log(`broker ${brokerId}: ${(error as Error).message}`))
      .finally(() => {
        if (this.tasks.get(brokerId) === next) this.tasks.delete(brokerId);
      });
    this.tasks.set(brokerId, next);
  }

  // -------------------------------------------------------------------------------------------
  // Brokers
  // -------------------------------------------------------------------------------------------

  private brokerArn(name: string, id: string): string {
    return `arn:aws:mq:${this.region}:${this.accountId}:broker:${name}:${id}`;
  }

  private findBroker(brokerId: string): StoredBroker {
    const broker = this.store.brokers.find((b) => b.brokerId === brokerId);
    if (!broker) throw notFound('broker-id', `Can't find requested broker [${brokerId}]. Make sure your broker exists.`);
    return broker;
  }

  private resolveConfiguration(engine: EngineType, ref: Json | undefined): ConfigurationIdRef | undefined {
    if (ref === undefined) return undefined;
    const id = str(ref, 'id', true);
    const configuration = this.store.configurations.find((c) => c.id === id);
    if (!configuration) throw badRequest('configuration', `Configuration [${id}] does not exist.`);
    if (configuration.engineType !== engine) {
      throw badRequest('configuration', `Configuration [${id}] is for engine type ${configuration.engineType}, not ${engine}.`);
    }
    const raw = ref['revision'];
    const latest = configuration.revisions[configuration.revisions.length - 1]?.revision ?? 1;
    if (raw === undefined || raw === null) return { id, revision: latest };
    if (typeof raw !== 'number' || !configuration.revisions.some((r) => r.revision === raw)) {
      throw badRequest('configuration', `Revision [${String(raw)}] of configuration [${id}] does not exist.`);
    }
    return { id, revision: raw };
  }

  private readUsers(engine: EngineType, body: Json): StoredUser[] {
    const raw = body['users'];
    if (raw === undefined || raw === null) throw badRequest('users', 'The request must include at least one user.');
    if (!Array.isArray(raw)) throw badRequest('users', 'users must be a list.');
    const users = raw.map((item, index): StoredUser => {
      if (typeof item !== 'object' || item === null) throw badRequest('users', `users[${index}] must be an object.`);
      const u = item as Json;
      const username = str(u, 'username', true);
      const password = str(u, 'password', true);
      checkUser(engine, username, password);
      const groups = strList(u, 'groups') ?? [];
      checkGroups(groups);
      if (engine === 'RABBITMQ' && groups.length > 0) throw badRequest('groups', 'Groups are not supported for RabbitMQ brokers.');
      const replicationUser = bool(u, 'replicationUser');
      return { username, password, groups, consoleAccess: bool(u, 'consoleAccess') ?? false, ...(replicationUser !== undefined ? { replicationUser } : {}) };
    });
    if (users.length === 0) throw badRequest('users', 'The request must include at least one user.');
    if (engine === 'RABBITMQ' && users.length !== 1) throw badRequest('users', 'A RabbitMQ broker is created with exactly one user; add more through the RabbitMQ management API.');
    if (users.length > MAX_USERS) throw badRequest('users', `A broker can have at most ${MAX_USERS} users.`);
    const names = new Set<string>();
    for (const u of users) {
      if (names.has(u.username)) throw badRequest('users', `User [${u.username}] appears more than once.`);
      names.add(u.username);
    }
    return users;
  }

  async createBroker(body: Json): Promise<Json> {
    const brokerName = str(body, 'brokerName', true);
    checkBrokerName(brokerName);
    const engine = engineType(str(body, 'engineType'));
    const version = engineVersion(engine, str(body, 'engineVersion'));
    const mode = deploymentMode(engine, str(body, 'deploymentMode'));
    const hostInstanceType = str(body, 'hostInstanceType', true);
    const storage = storageType(engine, str(body, 'storageType'));
    checkInstanceCombination(engine, hostInstanceType, storage, mode, version);
    const publiclyAccessible = bool(body, 'publiclyAccessible', true) ?? false;
    const authenticationStrategy = str(body, 'authenticationStrategy') ?? 'SIMPLE';
    if (!['SIMPLE', 'LDAP', 'CONFIG_MANAGED'].includes(authenticationStrategy)) {
      throw badRequest('authenticationStrategy', `Authentication strategy [${authenticationStrategy}] is invalid. Valid values: [SIMPLE, LDAP, CONFIG_MANAGED].`);
    }
    if (authenticationStrategy !== 'SIMPLE') throw badRequest('authenticationStrategy', 'The local Amazon MQ supports only SIMPLE authentication.');
    const subnetIds = strList(body, 'subnetIds') ?? [];
    checkSubnets(mode, subnetIds);
    const securityGroups = strList(body, 'securityGroups') ?? [];
    checkSecurityGroups(securityGroups);
    const encryptionOptions = checkEncryption(engine, obj(body, 'encryptionOptions'));
    const logs = checkLogs(engine, obj(body, 'logs'));
    const maintenance = checkMaintenanceWindow(obj(body, 'maintenanceWindowStartTime')) ?? { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' };
    const tags = checkTags(obj(body, 'tags'));
    checkAutoMinor(version, bool(body, 'autoMinorVersionUpgrade'));
    const users = this.readUsers(engine, body);
    let configuration = this.resolveConfiguration(engine, obj(body, 'configuration'));
    const creatorRequestId = str(body, 'creatorRequestId');

    if (creatorRequestId !== undefined) {
      const same = this.store.brokers.find((b) => b.creatorRequestId === creatorRequestId);
      if (same) {
        if (same.brokerName !== brokerName) throw conflict('creatorRequestId', `creatorRequestId [${creatorRequestId}] was already used to create broker [${same.brokerName}].`);
        return { brokerArn: same.brokerArn, brokerId: same.brokerId };
      }
    }
    if (this.store.brokers.some((b) => b.brokerName === brokerName)) {
      throw conflict('brokerName', `Broker with name [${brokerName}] already exists.`);
    }
    if (mode === 'ACTIVE_STANDBY_MULTI_AZ') {
      throw badRequest('deploymentMode', 'The local Amazon MQ does not run ACTIVE_STANDBY_MULTI_AZ ActiveMQ brokers (a shared-storage pair); use SINGLE_INSTANCE locally.');
    }
    if (configuration === undefined && engine === 'ACTIVEMQ') {
      configuration = { id: this.addConfiguration(`${brokerName}-configuration`, engine, version, 'SIMPLE', {}).id, revision: 1 };
    }

    const brokerId = `b-${randomUUID()}`;
    const broker: StoredBroker = {
      brokerId,
      brokerArn: this.brokerArn(brokerName, brokerId),
      brokerName,
      ...(creatorRequestId !== undefined ? { creatorRequestId } : {}),
      engineType: engine,
      engineVersion: version,
      deploymentMode: mode,
      hostInstanceType,
      storageType: storage,
      authenticationStrategy: 'SIMPLE',
      autoMinorVersionUpgrade: true,
      publiclyAccessible,
      subnetIds,
      securityGroups,
      encryptionOptions,
      logs,
      maintenanceWindowStartTime: maintenance,
      created: new Date().toISOString(),
      brokerState: 'CREATION_IN_PROGRESS',
      configurations: { ...(configuration ? { current: configuration } : {}), history: [] },
      users,
      pendingUsers: {},
    };
    this.store.brokers.push(broker);
    this.store.tags[broker.brokerArn] = tags;
    await this.store.save();
    this.enqueue(brokerId, () => this.boot(broker, 'CREATION_FAILED'));
    return { brokerArn: broker.brokerArn, brokerId };
  }

  private configurationXml(ref: ConfigurationIdRef | undefined): string {
    const configuration = ref ? this.store.configurations.find((c) => c.id === ref.id) : undefined;
    const revision = configuration?.revisions.find((r) => r.revision === ref?.revision);
    return revision ? Buffer.from(revision.data, 'base64').toString('utf8') : DEFAULT_ACTIVEMQ_CONFIGURATION;
  }

  /** Starts the real broker; on failure the broker goes to `failState` with the reason. */
  private async boot(broker: StoredBroker, failState: BrokerState): Promise<void> {
    if (broker.runtime) await stopBroker(broker.runtime);
    const baseDir = join(this.options.dataDir, 'amazonmq', 'brokers', broker.brokerId);
    try {
      const admin = broker.users[0];
      const ports = await this.endpointPorts(broker);
      if (broker.engineType === 'RABBITMQ') {
        if (!admin) throw new Error('a RabbitMQ broker needs its admin user');
        const start = broker.deploymentMode === 'CLUSTER_MULTI_AZ' ? startRabbitCluster : startRabbitBroker;
        const endpointPorts = Object.keys(ports).sort().map((k) => ports[k] ?? 0);
        broker.runtime = await start({ brokerId: broker.brokerId, baseDir, admin, endpointPorts });
      } else {
        broker.runtime = await startActiveMqBroker({
          brokerId: broker.brokerId,
          baseDir,
          configurationXml: this.configurationXml(broker.configurations.current),
          users: broker.users,
          endpointPorts: { openwire: ports['openwire'] ?? 0, stomp: ports['stomp'] ?? 0, ...(ports['console'] !== undefined ? { console: ports['console'] } : {}) },
        });
      }
      broker.brokerState = 'RUNNING';
      delete broker.failureReason;
      this.log(`broker ${broker.brokerId} (${broker.engineType}) RUNNING, pid ${broker.runtime.pid}`);
    } catch (error) {
      broker.brokerState = failState;
      broker.failureReason = (error as Error).message.split('\n')[0] ?? 'the broker did not start';
      delete broker.runtime;
      this.log(`broker ${broker.brokerId}: ${failState}: ${(error as Error).message}`);
    }
    await this.store.save();
  }

  /** The endpoint ports of the broker, chosen once (at its first boot) and stored. */
  private async endpointPorts(broker: StoredBroker): Promise<Record<string, number>> {
    if (!broker.endpointPorts) {
      // ActiveMQ's console (and its /api/jolokia) keeps its port across reboots, as on Amazon MQ.
      const names = broker.engineType === 'ACTIVEMQ' ? ['console', 'openwire', 'stomp'] : Array.from({ length: broker.deploymentMode === 'CLUSTER_MULTI_AZ' ? CLUSTER_SIZE : 1 }, (_, i) => `amqp${i + 1}`);
      const ports: Record<string, number> = {};
      for (const name of names) ports[name] = await freePort();
      broker.endpointPorts = ports;
      await this.store.save();
    }
    return broker.endpointPorts;
  }

  /** A RUNNING broker whose process died needs action (a reboot), as on Amazon MQ. */
  private async checkHealth(broker: StoredBroker): Promise<void> {
    if (broker.brokerState !== 'RUNNING' || !broker.runtime || this.tasks.has(broker.brokerId)) return;
    if (await isBrokerAlive(broker.runtime)) return;
    broker.brokerState = 'CRITICAL_ACTION_REQUIRED';
    broker.failureReason = `The broker process (pid ${broker.runtime.pid}) is not running. Reboot the broker.`;
    await this.store.save();
  }

  async describeBroker(brokerId: string): Promise<Json> {
    const b = this.findBroker(brokerId);
    await this.checkHealth(b);
    const actionsRequired =
      (b.brokerState === 'CRITICAL_ACTION_REQUIRED' || b.brokerState === 'CREATION_FAILED') && b.failureReason
        ? [{ actionRequiredCode: b.brokerState === 'CREATION_FAILED' ? 'BROKER_CREATION_FAILED' : 'BROKER_PROCESS_NOT_RUNNING', actionRequiredInfo: b.failureReason }]
        : undefined;
    const pendingConfiguration = b.configurations.pending;
    return {
      ...(actionsRequired ? { actionsRequired } : {}),
      authenticationStrategy: b.authenticationStrategy,
      autoMinorVersionUpgrade: b.autoMinorVersionUpgrade,
      brokerArn: b.brokerArn,
      brokerId: b.brokerId,
      brokerInstances: b.brokerState === 'RUNNING' && b.runtime ? [{ consoleURL: b.runtime.consoleURL, endpoints: b.runtime.endpoints, ipAddress: '127.0.0.1' }] : [],
      brokerName: b.brokerName,
      brokerState: b.brokerState,
      configurations: {
        ...(b.configurations.current ? { current: b.configurations.current } : {}),
        history: b.configurations.history,
        ...(pendingConfiguration ? { pending: pendingConfiguration } : {}),
      },
      created: b.created,
      deploymentMode: b.deploymentMode,
      encryptionOptions: b.encryptionOptions,
      engineType: b.engineType,
      engineVersion: b.engineVersion,
      hostInstanceType: b.hostInstanceType,
      logs: {
        general: b.logs.general,
        generalLogGroup: `/aws/amazonmq/broker/${b.brokerId}/general`,
        ...(b.logs.audit !== undefined ? { audit: b.logs.audit, auditLogGroup: `/aws/amazonmq/broker/${b.brokerId}/audit` } : {}),
        ...(b.pendingLogs ? { pending: b.pendingLogs } : {}),
      },
      maintenanceWindowStartTime: b.maintenanceWindowStartTime,
      ...(b.pendingEngineVersion ? { pendingEngineVersion: b.pendingEngineVersion } : {}),
      ...(b.pendingHostInstanceType ? { pendingHostInstanceType: b.pendingHostInstanceType } : {}),
      ...(b.pendingSecurityGroups ? { pendingSecurityGroups: b.pendingSecurityGroups } : {}),
      publiclyAccessible: b.publiclyAccessible,
      securityGroups: b.securityGroups,
      storageType: b.storageType,
      subnetIds: b.subnetIds,
      tags: this.store.tags[b.brokerArn] ?? {},
      users: this.userSummaries(b),
      dataReplicationMode: 'NONE',
    };
  }

  listBrokers(query: URLSearchParams): Json {
    const { items, nextToken } = page(this.store.brokers, query, 1, 100);
    return {
      brokerSummaries: items.map((b) => ({
        brokerArn: b.brokerArn,
        brokerId: b.brokerId,
        brokerName: b.brokerName,
        brokerState: b.brokerState,
        created: b.created,
        deploymentMode: b.deploymentMode,
        engineType: b.engineType,
        hostInstanceType: b.hostInstanceType,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async updateBroker(brokerId: string, body: Json): Promise<Json> {
    const b = this.findBroker(brokerId);
    if (b.brokerState !== 'RUNNING') throw conflict('broker-id', `Broker [${brokerId}] is in state ${b.brokerState}; it can be updated only when RUNNING.`);
    const strategy = str(body, 'authenticationStrategy');
    if (strategy !== undefined && strategy !== 'SIMPLE') throw badRequest('authenticationStrategy', 'The local Amazon MQ supports only SIMPLE authentication.');
    if (body['ldapServerMetadata'] !== undefined) throw badRequest('ldapServerMetadata', 'The local Amazon MQ does not support LDAP.');
    const configuration = this.resolveConfiguration(b.engineType, obj(body, 'configuration'));
    const version = str(body, 'engineVersion');
    const resolvedVersion = version === undefined ? undefined : engineVersion(b.engineType, version);
    const instanceType = str(body, 'hostInstanceType');
    if (instanceType !== undefined || resolvedVersion !== undefined) {
      checkInstanceCombination(b.engineType, instanceType ?? b.hostInstanceType, b.storageType, b.deploymentMode, resolvedVersion ?? b.engineVersion);
    }
    const logsBody = obj(body, 'logs');
    const logs = logsBody ? checkLogs(b.engineType, logsBody) : undefined;
    const maintenance = checkMaintenanceWindow(obj(body, 'maintenanceWindowStartTime'));
    const securityGroups = strList(body, 'securityGroups');
    checkSecurityGroups(securityGroups);
    const autoMinor = bool(body, 'autoMinorVersionUpgrade');
    checkAutoMinor(resolvedVersion ?? b.engineVersion, autoMinor);

    // What Amazon MQ applies at the next reboot: configuration, engine version, instance type, logs.
    if (configuration) b.configurations.pending = configuration;
    if (resolvedVersion !== undefined && resolvedVersion !== b.engineVersion) b.pendingEngineVersion = resolvedVersion;
    if (instanceType !== undefined && instanceType !== b.hostInstanceType) b.pendingHostInstanceType = instanceType;
    if (logs) b.pendingLogs = logs;
    // Applied at once.
    if (maintenance) b.maintenanceWindowStartTime = maintenance;
    if (securityGroups) b.securityGroups = securityGroups;
    if (autoMinor !== undefined) b.autoMinorVersionUpgrade = autoMinor;
    await this.store.save();
    return {
      authenticationStrategy: b.authenticationStrategy,
      autoMinorVersionUpgrade: b.autoMinorVersionUpgrade,
      brokerId: b.brokerId,
      ...(configuration ? { configuration } : {}),
      ...(resolvedVersion ? { engineVersion: resolvedVersion } : {}),
      ...(instanceType ? { hostInstanceType: instanceType } : {}),
      ...(logs ? { logs } : {}),
      maintenanceWindowStartTime: b.maintenanceWindowStartTime,
      securityGroups: b.securityGroups,
      dataReplicationMode: 'NONE',
    };
  }

  async rebootBroker(brokerId: string): Promise<Json> {
    const b = this.findBroker(brokerId);
    await this.checkHealth(b);
    if (b.brokerState !== 'RUNNING' && b.brokerState !== 'CRITICAL_ACTION_REQUIRED') {
      throw badRequest('broker-id', `Broker [${brokerId}] is in state ${b.brokerState} and cannot be rebooted now.`);
    }
    b.brokerState = 'REBOOT_IN_PROGRESS';
    this.applyPending(b);
    await this.store.save();
    this.enqueue(brokerId, () => this.boot(b, 'CRITICAL_ACTION_REQUIRED'));
    return {};
  }

  private applyPending(b: StoredBroker): void {
    if (b.configurations.pending) {
      if (b.configurations.current) b.configurations.history.push(b.configurations.current);
      b.configurations.current = b.configurations.pending;
      delete b.configurations.pending;
    }
    if (b.pendingEngineVersion) b.engineVersion = b.pendingEngineVersion;
    if (b.pendingHostInstanceType) b.hostInstanceType = b.pendingHostInstanceType;
    if (b.pendingLogs) b.logs = { ...b.logs, ...b.pendingLogs };
    delete b.pendingEngineVersion;
    delete b.pendingHostInstanceType;
    delete b.pendingLogs;
    for (const pending of Object.values(b.pendingUsers)) {
      b.users = b.users.filter((u) => u.username !== pending.user.username);
      if (pending.change !== 'DELETE') b.users.push(pending.user);
    }
    b.pendingUsers = {};
  }

  async deleteBroker(brokerId: string): Promise<Json> {
    const b = this.findBroker(brokerId);
    if (b.brokerState === 'DELETION_IN_PROGRESS') throw badRequest('broker-id', `Broker [${brokerId}] is already being deleted.`);
    b.brokerState = 'DELETION_IN_PROGRESS';
    await this.store.save();
    this.enqueue(brokerId, () => this.finishDeletion(b));
    return { brokerId };
  }

  private async finishDeletion(b: StoredBroker): Promise<void> {
    if (b.runtime) await stopBroker(b.runtime);
    await removeBrokerFiles(join(this.options.dataDir, 'amazonmq', 'brokers', b.brokerId));
    this.store.removeBroker(b.brokerId);
    await this.store.save();
    this.log(`broker ${b.brokerId} deleted`);
  }

  /** The broker's internal details (tests, `local status`): pid, ports, service credentials. */
  runtimeOf(brokerId: string): StoredBroker['runtime'] {
    return this.findBroker(brokerId).runtime;
  }

  // -------------------------------------------------------------------------------------------
  // Users (ActiveMQ: changes are pending until the broker reboots)
  // -------------------------------------------------------------------------------------------

  private activeMqBroker(brokerId: string): StoredBroker {
    const b = this.findBroker(brokerId);
    if (b.engineType === 'RABBITMQ') {
      throw badRequest('broker-id', 'Amazon MQ for RabbitMQ users are managed through the RabbitMQ management API or console, not the Amazon MQ API.');
    }
    return b;
  }

  /** The user as it will be after the next reboot (undefined = absent). */
  private effectiveUser(b: StoredBroker, username: string): StoredUser | undefined {
    const pending = b.pendingUsers[username];
    if (pending) return pending.change === 'DELETE' ? undefined : pending.user;
    return b.users.find((u) => u.username === username);
  }

  private userSummaries(b: StoredBroker): Json[] {
    const names = new Set([...b.users.map((u) => u.username), ...Object.keys(b.pendingUsers)]);
    return [...names].sort().map((username) => {
      const pending = b.pendingUsers[username];
      return { username, ...(pending ? { pendingChange: pending.change } : {}) };
    });
  }

  async createUser(brokerId: string, username: string, body: Json): Promise<Json> {
    const b = this.activeMqBroker(brokerId);
    const password = str(body, 'password', true);
    checkUser(b.engineType, username, password);
    const groups = strList(body, 'groups') ?? [];
    checkGroups(groups);
    if (this.effectiveUser(b, username)) throw conflict('username', `User [${username}] already exists on broker [${brokerId}].`);
    if (this.userSummaries(b).length >= MAX_USERS) throw badRequest('username', `A broker can have at most ${MAX_USERS} users.`);
    const user: StoredUser = { username, password, groups, consoleAccess: bool(body, 'consoleAccess') ?? false };
    const applied = b.users.some((u) => u.username === username);
    b.pendingUsers[username] = { change: applied ? 'UPDATE' : 'CREATE', user };
    await this.store.save();
    return {};
  }

  async updateUser(brokerId: string, username: string, body: Json): Promise<Json> {
    const b = this.activeMqBroker(brokerId);
    const current = this.effectiveUser(b, username);
    if (!current) throw notFound('username', `Can't find requested user [${username}]. Make sure your user exists.`);
    const password = str(body, 'password');
    checkUser(b.engineType, username, password);
    const groups = strList(body, 'groups');
    checkGroups(groups);
    const consoleAccess = bool(body, 'consoleAccess');
    const user: StoredUser = { ...current, ...(password !== undefined ? { password } : {}), ...(groups ? { groups } : {}), ...(consoleAccess !== undefined ? { consoleAccess } : {}) };
    const change = b.pendingUsers[username]?.change === 'CREATE' ? 'CREATE' : 'UPDATE';
    b.pendingUsers[username] = { change, user };
    await this.store.save();
    return {};
  }

  async deleteUser(brokerId: string, username: string): Promise<Json> {
    const b = this.activeMqBroker(brokerId);
    const current = this.effectiveUser(b, username);
    if (!current) throw notFound('username', `Can't find requested user [${username}]. Make sure your user exists.`);
    if (b.pendingUsers[username]?.change === 'CREATE' && !b.users.some((u) => u.username === username)) delete b.pendingUsers[username];
    else b.pendingUsers[username] = { change: 'DELETE', user: current };
    await this.store.save();
    return {};
  }

  describeUser(brokerId: string, username: string): Json {
    const b = this.activeMqBroker(brokerId);
    const applied = b.users.find((u) => u.username === username);
    const pending = b.pendingUsers[username];
    const shown = applied ?? pending?.user;
    if (!shown) throw notFound('username', `Can't find requested user [${username}]. Make sure your user exists.`);
    return {
      brokerId,
      consoleAccess: shown.consoleAccess,
      groups: shown.groups,
      ...(pending ? { pending: { consoleAccess: pending.user.consoleAccess, groups: pending.user.groups, pendingChange: pending.change } } : {}),
      username,
      replicationUser: shown.replicationUser ?? false,
    };
  }

  listUsers(brokerId: string, query: URLSearchParams): Json {
    const b = this.activeMqBroker(brokerId);
    const { items, nextToken } = page(this.userSummaries(b), query, 5, 100);
    return { brokerId, maxResults: checkMaxResults(query.get('maxResults'), 5, 100), users: items, ...(nextToken ? { nextToken } : {}) };
  }

  // -------------------------------------------------------------------------------------------
  // Configurations
  // -------------------------------------------------------------------------------------------

  private addConfiguration(name: string, engine: EngineType, version: string, strategy: StoredConfiguration['authenticationStrategy'], tags: Record<string, string>): StoredConfiguration {
    const id = `c-${randomUUID()}`;
    const created = new Date().toISOString();
    const data = Buffer.from(engine === 'ACTIVEMQ' ? DEFAULT_ACTIVEMQ_CONFIGURATION : DEFAULT_RABBITMQ_CONFIGURATION).toString('base64');
    const configuration: StoredConfiguration = {
      id,
      arn: `arn:aws:mq:${this.region}:${this.accountId}:configuration:${id}`,
      name,
      engineType: engine,
      engineVersion: version,
      authenticationStrategy: strategy,
      created,
      revisions: [{ revision: 1, created, description: `Auto-generated default for ${name} on ${engine} ${version}`, data }],
    };
    this.store.configurations.push(configuration);
    this.store.tags[configuration.arn] = tags;
    return configuration;
  }

  private findConfiguration(id: string): StoredConfiguration {
    const configuration = this.store.configurations.find((c) => c.id === id);
    if (!configuration) throw notFound('configuration-id', `Can't find requested configuration [${id}]. Make sure your configuration exists.`);
    return configuration;
  }

  private revisionJson(r: StoredConfiguration['revisions'][number]): Json {
    return { created: r.created, ...(r.description !== undefined ? { description: r.description } : {}), revision: r.revision };
  }

  private latest(c: StoredConfiguration): StoredConfiguration['revisions'][number] {
    const revision = c.revisions[c.revisions.length - 1];
    if (!revision) throw new MqApiError('InternalServerErrorException', 'configuration-id', `configuration ${c.id} has no revision`);
    return revision;
  }

  async createConfiguration(body: Json): Promise<Json> {
    const name = str(body, 'name', true);
    if (!/^[A-Za-z0-9._~-]{1,150}$/.test(name)) {
      throw badRequest('name', 'Configuration name must be 1-150 characters long and contain only letters, numbers, dashes, periods, underscores, and tildes (- . _ ~).');
    }
    const engine = engineType(str(body, 'engineType'));
    const version = engineVersion(engine, str(body, 'engineVersion'));
    const strategy = str(body, 'authenticationStrategy') ?? 'SIMPLE';
    if (strategy !== 'SIMPLE' && strategy !== 'LDAP' && strategy !== 'CONFIG_MANAGED') {
      throw badRequest('authenticationStrategy', `Authentication strategy [${strategy}] is invalid. Valid values: [SIMPLE, LDAP, CONFIG_MANAGED].`);
    }
    const tags = checkTags(obj(body, 'tags'));
    const c = this.addConfiguration(name, engine, version, strategy, tags);
    await this.store.save();
    return { arn: c.arn, authenticationStrategy: c.authenticationStrategy, created: c.created, id: c.id, latestRevision: this.revisionJson(this.latest(c)), name: c.name };
  }

  async updateConfiguration(id: string, body: Json): Promise<Json> {
    const c = this.findConfiguration(id);
    const data = str(body, 'data', true);
    const text = decodeConfigurationData(data);
    let warnings: Json[] = [];
    if (c.engineType === 'ACTIVEMQ') {
      checkActiveMqXml(text);
      warnings = sanitizeActiveMqConfiguration(text).warnings.map((w) => ({ ...w }));
    } else {
      checkRabbitConf(text);
    }
    const description = str(body, 'description');
    const revision = { revision: this.latest(c).revision + 1, created: new Date().toISOString(), ...(description !== undefined ? { description } : {}), data: Buffer.from(text).toString('base64') };
    c.revisions.push(revision);
    await this.store.save();
    return { arn: c.arn, created: c.created, id: c.id, latestRevision: this.revisionJson(revision), name: c.name, warnings };
  }

  describeConfiguration(id: string): Json {
    const c = this.findConfiguration(id);
    return {
      arn: c.arn,
      authenticationStrategy: c.authenticationStrategy,
      created: c.created,
      description: this.latest(c).description ?? '',
      engineType: c.engineType,
      engineVersion: c.engineVersion,
      id: c.id,
      latestRevision: this.revisionJson(this.latest(c)),
      name: c.name,
      tags: this.store.tags[c.arn] ?? {},
    };
  }

  describeConfigurationRevision(id: string, rawRevision: string): Json {
    const c = this.findConfiguration(id);
    const n = Number(rawRevision);
    if (!Number.isInteger(n) || n < 1) throw badRequest('configuration-revision', `Revision [${rawRevision}] is not a valid revision number.`);
    const r = c.revisions.find((x) => x.revision === n);
    if (!r) throw notFound('configuration-revision', `Can't find requested revision [${rawRevision}] of configuration [${id}].`);
    return { configurationId: c.id, created: r.created, data: r.data, ...(r.description !== undefined ? { description: r.description } : {}) };
  }

  listConfigurationRevisions(id: string, query: URLSearchParams): Json {
    const c = this.findConfiguration(id);
    const { items, nextToken } = page(c.revisions, query, 1, 100);
    return { configurationId: c.id, maxResults: checkMaxResults(query.get('maxResults'), 1, 100), revisions: items.map((r) => this.revisionJson(r)), ...(nextToken ? { nextToken } : {}) };
  }

  listConfigurations(query: URLSearchParams): Json {
    const { items, nextToken } = page(this.store.configurations, query, 1, 100);
    return { configurations: items.map((c) => this.describeConfiguration(c.id)), maxResults: checkMaxResults(query.get('maxResults'), 1, 100), ...(nextToken ? { nextToken } : {}) };
  }

  async deleteConfiguration(id: string): Promise<Json> {
    const c = this.findConfiguration(id);
    const user = this.store.brokers.find((b) => [b.configurations.current, b.configurations.pending].some((ref) => ref?.id === id));
    if (user) throw conflict('configuration-id', `Configuration [${id}] is in use by broker [${user.brokerId}].`);
    this.store.configurations.splice(this.store.configurations.indexOf(c), 1);
    delete this.store.tags[c.arn];
    await this.store.save();
    return { configurationId: id };
  }

  // -------------------------------------------------------------------------------------------
  // Tags
  // -------------------------------------------------------------------------------------------

  private taggable(arn: string): Record<string, string> {
    const exists = this.store.brokers.some((b) => b.brokerArn === arn) || this.store.configurations.some((c) => c.arn === arn);
    if (!exists) throw notFound('resource-arn', `Can't find requested resource [${arn}].`);
    return (this.store.tags[arn] ??= {});
  }

  async createTags(arn: string, body: Json): Promise<void> {
    const tags = this.taggable(arn);
    Object.assign(tags, checkTags(obj(body, 'tags')));
    await this.store.save();
  }

  async deleteTags(arn: string, keys: string[]): Promise<void> {
    const tags = this.taggable(arn);
    if (keys.length === 0) throw badRequest('tagKeys', 'The request must include tagKeys.');
    for (const key of keys) delete tags[key];
    await this.store.save();
  }

  listTags(arn: string): Json {
    return { tags: { ...this.taggable(arn) } };
  }

  // -------------------------------------------------------------------------------------------
  // Offerings
  // -------------------------------------------------------------------------------------------

  describeBrokerEngineTypes(query: URLSearchParams): Json {
    const filter = query.get('engineType');
    const engine = filter === null ? undefined : engineType(filter);
    const rows = (['ACTIVEMQ', 'RABBITMQ'] as const)
      .filter((e) => engine === undefined || e === engine)
      .map((e) => ({ engineType: e, engineVersions: [...ENGINE_VERSIONS[e]].reverse().map((name) => ({ name })) }));
    const { items, nextToken } = page(rows, query, 5, 100);
    return { brokerEngineTypes: items, maxResults: checkMaxResults(query.get('maxResults'), 5, 100), ...(nextToken ? { nextToken } : {}) };
  }

  describeBrokerInstanceOptions(query: URLSearchParams): Json {
    const engineFilter = query.get('engineType');
    const engine = engineFilter === null ? undefined : engineType(engineFilter);
    const type = query.get('hostInstanceType');
    const storage = query.get('storageType');
    if (storage !== null && storage !== 'EBS' && storage !== 'EFS') throw badRequest('storageType', `Storage type [${storage}] is not valid. Valid values: [EBS, EFS].`);
    const rows = INSTANCE_OPTIONS.filter((o) => (engine === undefined || o.engineType === engine) && (type === null || o.hostInstanceType === type) && (storage === null || o.storageType === storage)).map((o) => ({
      availabilityZones: AVAILABILITY_ZONES.map((z) => ({ name: `${this.region}${z}` })),
      engineType: o.engineType,
      hostInstanceType: o.hostInstanceType,
      storageType: o.storageType,
      supportedDeploymentModes: o.supportedDeploymentModes.filter((m) => DEPLOYMENT_MODES[o.engineType].includes(m)),
      supportedEngineVersions: o.supportedEngineVersions,
    }));
    const { items, nextToken } = page(rows, query, 5, 100);
    return { brokerInstanceOptions: items, maxResults: checkMaxResults(query.get('maxResults'), 5, 100), ...(nextToken ? { nextToken } : {}) };
  }
}
