/**
 * The local Amazon MQ's state: brokers, configurations and tags, kept in `state.json` in the data
 * folder (written atomically after each change) so the service finds everything again after a
 * restart.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeploymentMode, EngineType, StorageType } from './catalog.js';

export type BrokerState =
  | 'CREATION_IN_PROGRESS'
  | 'CREATION_FAILED'
  | 'DELETION_IN_PROGRESS'
  | 'RUNNING'
  | 'REBOOT_IN_PROGRESS'
  | 'CRITICAL_ACTION_REQUIRED';

export interface StoredUser {
  username: string;
  password: string;
  groups: string[];
  consoleAccess: boolean;
  replicationUser?: boolean;
}

/** A user change made through the API that the broker applies at its next reboot (ActiveMQ). */
export interface PendingUserChange {
  change: 'CREATE' | 'UPDATE' | 'DELETE';
  user: StoredUser;
}

export interface ConfigurationIdRef {
  id: string;
  revision: number;
}

/** Where the real broker process listens (local addresses). */
export interface RuntimeInfo {
  pid: number;
  baseDir: string;
  /** Internal admin the service uses for management (RabbitMQ: the broker's admin user). */
  adminUser: string;
  adminPassword: string;
  ports: Record<string, number>;
  endpoints: string[];
  consoleURL: string;
  /** Erlang node name (RabbitMQ). */
  nodeName?: string;
  /** Every node of a CLUSTER_MULTI_AZ broker (the first is also described by the fields above). */
  nodes?: { pid: number; nodeName: string; ports: Record<string, number> }[];
}

export interface StoredBroker {
  brokerId: string;
  brokerArn: string;
  brokerName: string;
  creatorRequestId?: string;
  engineType: EngineType;
  engineVersion: string;
  deploymentMode: DeploymentMode;
  hostInstanceType: string;
  storageType: StorageType;
  authenticationStrategy: 'SIMPLE' | 'LDAP' | 'CONFIG_MANAGED';
  autoMinorVersionUpgrade: boolean;
  publiclyAccessible: boolean;
  subnetIds: string[];
  securityGroups: string[];
  encryptionOptions: { useAwsOwnedKey: boolean; kmsKeyId?: string };
  logs: { general: boolean; audit?: boolean };
  pendingLogs?: { general?: boolean; audit?: boolean };
  maintenanceWindowStartTime: { dayOfWeek: string; timeOfDay: string; timeZone?: string };
  created: string;
  brokerState: BrokerState;
  /** Why creation failed or what action is required (shown as actionsRequired). */
  failureReason?: string;
  configurations: { current?: ConfigurationIdRef; pending?: ConfigurationIdRef; history: ConfigurationIdRef[] };
  /** Users the running broker has. */
  users: StoredUser[];
  /** Changes waiting for a reboot, by username. */
  pendingUsers: Record<string, PendingUserChange>;
  pendingEngineVersion?: string;
  pendingHostInstanceType?: string;
  pendingSecurityGroups?: string[];
  runtime?: RuntimeInfo;
  /** Ports the broker's endpoints name, chosen at creation and kept across reboots and restarts. */
  endpointPorts?: Record<string, number>;
}

export interface StoredRevision {
  revision: number;
  created: string;
  description?: string;
  /** Base64, as the API carries it. */
  data: string;
}

export interface StoredConfiguration {
  id: string;
  arn: string;
  name: string;
  engineType: EngineType;
  engineVersion: string;
  authenticationStrategy: 'SIMPLE' | 'LDAP' | 'CONFIG_MANAGED';
  created: string;
  revisions: StoredRevision[];
}

export interface StoreData {
  brokers: StoredBroker[];
  configurations: StoredConfiguration[];
  /** Tags by resource ARN. */
  tags: Record<string, Record<string, string>>;
}

export class Store {
  private data: StoreData = { brokers: [], configurations: [], tags: {} };
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<Store> {
    const store = new Store(file);
    try {
      store.data = JSON.parse(await readFile(file, 'utf8')) as StoreData;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return store;
  }

  get brokers(): StoredBroker[] {
    return this.data.brokers;
  }
  get configurations(): StoredConfiguration[] {
    return this.data.configurations;
  }
  get tags(): Record<string, Record<string, string>> {
    return this.data.tags;
  }

  removeBroker(brokerId: string): void {
    const broker = this.data.brokers.find((b) => b.brokerId === brokerId);
    this.data.brokers = this.data.brokers.filter((b) => b.brokerId !== brokerId);
    if (broker) delete this.data.tags[broker.brokerArn];
  }

  /** Writes the state (serialized, atomic rename). */
  save(): Promise<void> {
    const snapshot = JSON.stringify(this.data, null, 2);
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, snapshot, { mode: 0o600 });
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
