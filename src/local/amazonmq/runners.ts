/**
 * Starts, finds and stops the real broker behind a local Amazon MQ broker, through the broker
 * harness (src/local/brokers). Each broker keeps its files under `<dataDir>/brokers/<brokerId>`, so
 * a restarted broker keeps its messages, users and definitions.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startActiveMqNode } from '../brokers/activemq-node.js';
import { startRabbitNode, startRabbitNodes, type RabbitNode } from '../brokers/rabbitmq-node.js';
import { acceptsTcp, isAlive, stopPid } from '../brokers/process.js';
import { promisify } from 'node:util';
import { composeActiveMqXml } from './activemq-xml.js';
import type { RuntimeInfo, StoredUser } from './store.js';

export interface RabbitStart {
  brokerId: string;
  baseDir: string;
  admin: StoredUser;
  /**
   * The AMQP ports the broker's endpoints name, one per node, kept across reboots and restarts as
   * Amazon MQ keeps its endpoints (an extra named listener next to the harness's own).
   */
  endpointPorts: readonly number[];
}

const stableListener = (port: number | undefined): string[] => (port === undefined ? [] : [`listeners.tcp.endpoint = 127.0.0.1:${port}`]);

const run = promisify(execFile);
const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
export const CLUSTER_SIZE = 3;

const nodeBase = (brokerId: string): string => `mqb${brokerId.replace(/[^0-9a-f]/g, '').slice(0, 12)}`;

/** A RabbitMQ node with the broker's one user as administrator (no guest), management API on. */
export async function startRabbitBroker(request: RabbitStart): Promise<RuntimeInfo> {
  const node = await startRabbitNode({
    name: nodeBase(request.brokerId),
    baseDir: request.baseDir,
    adminUser: request.admin.username,
    adminPassword: request.admin.password,
    extraConfig: stableListener(request.endpointPorts[0]),
    // The service's brokers survive the service's own restart.
    outliveProcess: true,
  });
  // default_user replaces guest at first boot; delete it anyway, as Amazon MQ does periodically.
  const auth = `Basic ${Buffer.from(`${node.adminUser}:${node.adminPassword}`).toString('base64')}`;
  await fetch(`${node.managementUrl}/api/users/guest`, { method: 'DELETE', headers: { authorization: auth } }).catch(() => undefined);
  return {
    pid: node.pid,
    baseDir: node.baseDir,
    adminUser: node.adminUser,
    adminPassword: node.adminPassword,
    nodeName: node.nodeName,
    ports: { amqp: node.amqpPort, management: node.managementPort, dist: node.distPort },
    endpoints: [`amqp://127.0.0.1:${request.endpointPorts[0] ?? node.amqpPort}`],
    consoleURL: node.managementUrl,
  };
}

function runtimeOfCluster(nodes: readonly RabbitNode[], admin: StoredUser, endpointPorts: readonly number[]): RuntimeInfo {
  const [first] = nodes;
  if (!first) throw new Error('a cluster needs nodes');
  return {
    pid: first.pid,
    baseDir: join(first.baseDir, '..'),
    adminUser: admin.username,
    adminPassword: admin.password,
    nodeName: first.nodeName,
    ports: { amqp: first.amqpPort, management: first.managementPort, dist: first.distPort },
    // No load balancer locally: the one instance lists every node's AMQP listener.
    endpoints: nodes.map((n, i) => `amqp://127.0.0.1:${endpointPorts[i] ?? n.amqpPort}`),
    consoleURL: first.managementUrl,
    nodes: nodes.map((n) => ({ pid: n.pid, nodeName: n.nodeName, ports: { amqp: n.amqpPort, management: n.managementPort, dist: n.distPort } })),
  };
}

/**
 * CLUSTER_MULTI_AZ: three RabbitMQ nodes clustered on loopback (Amazon MQ puts one in each of
 * three AZs behind a load balancer). First boot: the nodes start in parallel, then nodes 2 and 3
 * join node 1 (taking over its users, so only the admin exists). Later boots start all three in
 * parallel and they find each other from their stored cluster membership.
 */
export async function startRabbitCluster(request: RabbitStart): Promise<RuntimeInfo> {
  const base = nodeBase(request.brokerId);
  const options = Array.from({ length: CLUSTER_SIZE }, (_, i) => ({
    name: `${base}n${i + 1}`,
    baseDir: join(request.baseDir, `node${i + 1}`),
    adminUser: request.admin.username,
    adminPassword: request.admin.password,
    extraConfig: stableListener(request.endpointPorts[i]),
    outliveProcess: true,
  }));
  const firstBoot = !(await exists(join(request.baseDir, 'clustered')));
  const nodes = await startRabbitNodes(options);
  try {
    const [first, ...others] = nodes;
    if (!first) throw new Error('no node started');
    if (firstBoot) {
      for (const node of others) {
        const ctl = (...args: string[]) => run(RABBITMQCTL, ['-n', node.nodeName, ...args], { env: node.cliEnv, timeout: 60000 });
        await ctl('stop_app');
        await ctl('join_cluster', first.nodeName);
        await ctl('start_app');
      }
      await writeFile(join(request.baseDir, 'clustered'), `${nodes.map((n) => n.nodeName).join('\n')}\n`);
    }
    await run(RABBITMQCTL, ['-n', first.nodeName, 'await_online_nodes', String(CLUSTER_SIZE), '--timeout', '60'], { env: first.cliEnv, timeout: 70000 });
    const auth = `Basic ${Buffer.from(`${request.admin.username}:${request.admin.password}`).toString('base64')}`;
    await fetch(`${first.managementUrl}/api/users/guest`, { method: 'DELETE', headers: { authorization: auth } }).catch(() => undefined);
    return runtimeOfCluster(nodes, request.admin, request.endpointPorts);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop({ keepData: true })));
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface ActiveMqStart {
  brokerId: string;
  baseDir: string;
  configurationXml: string;
  users: readonly StoredUser[];
  /** OpenWire and STOMP ports the endpoints name, kept across reboots (extra connectors). */
  endpointPorts: { openwire: number; stomp: number; console?: number };
}

/** An ActiveMQ broker running the configuration, with the broker's users and their groups. */
export async function startActiveMqBroker(request: ActiveMqStart): Promise<RuntimeInfo> {
  // The service's own management login (Jolokia only, not a broker user): Amazon MQ likewise
  // manages its brokers through credentials customers never see.
  const adminUser = 'mq-local-service';
  const adminPassword = `Svc-${randomBytes(12).toString('hex')}`;
  const node = await startActiveMqNode({
    name: `amq${request.brokerId.replace(/[^0-9a-f]/g, '').slice(0, 12)}`,
    baseDir: request.baseDir,
    adminUser,
    adminPassword,
    activemqXml: composeActiveMqXml(request.configurationXml, request.users, request.endpointPorts),
    heapMb: 256,
    outliveProcess: true,
    ...(request.endpointPorts.console !== undefined ? { jolokiaPort: request.endpointPorts.console } : {}),
    // Amazon MQ's web console (and its /api/jolokia) takes the broker users with console access.
    consoleUsers: request.users.filter((u) => u.consoleAccess).map((u) => ({ username: u.username, password: u.password })),
  });
  return {
    pid: node.pid,
    baseDir: node.baseDir,
    adminUser,
    adminPassword,
    ports: { openwire: node.openwirePort, stomp: node.stompPort, jolokia: node.jolokiaPort },
    endpoints: [`tcp://127.0.0.1:${request.endpointPorts.openwire}`, `stomp://127.0.0.1:${request.endpointPorts.stomp}`],
    consoleURL: `http://127.0.0.1:${node.jolokiaPort}`,
  };
}


/** True when the broker process is alive and still listens where the store says. */
export async function isBrokerAlive(runtime: RuntimeInfo): Promise<boolean> {
  if (!isAlive(runtime.pid)) return false;
  if (runtime.nodes && !runtime.nodes.every((n) => isAlive(n.pid))) return false;
  const port = runtime.ports['management'] ?? runtime.ports['jolokia'];
  return port === undefined ? true : acceptsTcp(port);
}

export async function stopBroker(runtime: RuntimeInfo): Promise<void> {
  // Cluster nodes stop together; each boots again waiting for its peers.
  await Promise.all([runtime.pid, ...(runtime.nodes ?? []).map((n) => n.pid)].filter((pid, i, all) => all.indexOf(pid) === i).map((pid) => stopPid(pid)));
}

export async function removeBrokerFiles(baseDir: string): Promise<void> {
  await rm(baseDir, { recursive: true, force: true });
}
