import { collectRabbitInventory } from '../engines/rabbitmq/inventory.js';
import { ManagementClient } from '../engines/rabbitmq/management-client.js';
import { replicateRabbitTopology } from '../engines/rabbitmq/replicate.js';
import { startRabbitNodes } from '../local/brokers/rabbitmq-node.js';
import { seedRabbitSample } from '../local/seed/rabbitmq-sample.js';
import { summarize } from '../model/inventory.js';
import { planRabbitMigration } from '../plan/rabbitmq-planner.js';
import { renderPlanMarkdown } from '../plan/report.js';

/**
 * The local demo: a sample on-premises RabbitMQ and an empty target, both real nodes on this
 * machine, then inventory, plan and replication with verification, and the report.
 */
export async function runTopologyDemo({ out, keep }: { out: (text: string) => void; keep: boolean }): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  out('starting a source and a target RabbitMQ node (installing rabbitmq-server first if missing)...\n');
  const [sourceNode, targetNode] = await startRabbitNodes(2, { outliveProcess: keep });
  if (!sourceNode || !targetNode) throw new Error('two nodes were asked for');
  try {
    out(`[${elapsed()}] source ${sourceNode.managementUrl}, target ${targetNode.managementUrl}\n`);
    const source = new ManagementClient({ url: sourceNode.managementUrl, username: sourceNode.adminUser, password: sourceNode.adminPassword });
    const target = new ManagementClient({ url: targetNode.managementUrl, username: targetNode.adminUser, password: targetNode.adminPassword });
    await seedRabbitSample(source);
    const inventory = await collectRabbitInventory(source);
    out(`[${elapsed()}] inventory: ${JSON.stringify(summarize(inventory))}\n`);
    // The demo accepts nothing: the sample estate has no blockers, only warnings.
    const plan = planRabbitMigration(inventory, { deploymentMode: 'CLUSTER_MULTI_AZ' });
    out(`[${elapsed()}] plan:\n\n${renderPlanMarkdown(plan, inventory)}\n`);
    const dryRun = await replicateRabbitTopology({ source: inventory, plan, target, targetAdminUser: targetNode.adminUser, dryRun: true });
    out(`[${elapsed()}] dry run: ${dryRun.summary}\n`);
    const result = await replicateRabbitTopology({ source: inventory, plan, target, targetAdminUser: targetNode.adminUser });
    out(`[${elapsed()}] replication: ${result.summary}; verified against a fresh read of the target\n`);
    const again = await replicateRabbitTopology({ source: inventory, plan, target, targetAdminUser: targetNode.adminUser });
    out(`[${elapsed()}] second run: ${again.summary}\n`);
    out(`demo finished in ${elapsed()}\n`);
  } finally {
    if (keep) out(`brokers left running: pids ${sourceNode.pid} ${targetNode.pid}\n`);
    else await Promise.all([sourceNode.stop(), targetNode.stop()]);
  }
}
