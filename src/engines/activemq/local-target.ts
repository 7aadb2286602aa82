import { rm } from 'node:fs/promises';
import { startActiveMqNode, type ActiveMqNode } from '../../local/brokers/activemq-node.js';
import { readLocalTargetState, wrapForHarness, type ActiveMqTargetPort, type ReplicatedUser } from './replicate.js';

/**
 * The local replication target: a harness ActiveMQ that `apply` restarts (same folder, data kept,
 * same admin) with the converted configuration wrapped by {@link wrapForHarness}. The harness
 * picks new ports on every start: read {@link LocalActiveMqTarget.node} after applying.
 */
export class LocalActiveMqTarget implements ActiveMqTargetPort {
  private constructor(private current_: ActiveMqNode, private readonly baseDir: string) {}

  /** Starts an empty target in its own temp folder. */
  static async start(options: { heapMb?: number; adminUser?: string } = {}): Promise<LocalActiveMqTarget> {
    // Not "admin": migrated users often include one, and the harness admin must not collide.
    const node = await startActiveMqNode({ adminUser: options.adminUser ?? 'mqmigrate-admin', ...(options.heapMb ? { heapMb: options.heapMb } : {}) });
    return new LocalActiveMqTarget(node, node.baseDir);
  }

  get node(): ActiveMqNode {
    return this.current_;
  }

  current() {
    return readLocalTargetState(this.baseDir);
  }

  async apply(configurationXml: string, users: ReplicatedUser[]): Promise<void> {
    const activemqXml = wrapForHarness(configurationXml, users);
    const { brokerName, adminUser, adminPassword } = this.current_;
    await this.current_.stop({ keepData: true });
    this.current_ = await startActiveMqNode({ name: brokerName, baseDir: this.baseDir, adminUser, adminPassword, activemqXml });
  }

  /** Stops the broker and removes its folder. */
  async stop(): Promise<void> {
    await this.current_.stop();
    await rm(this.baseDir, { recursive: true, force: true });
  }
}
