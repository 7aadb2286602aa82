import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../model/errors.js';
import { BROKER_PACKAGES, ensureDebianPackages } from './debian-packages.js';
import { freePort } from './ports.js';
import { trackBrokerPid, untrackBrokerPid } from './reaper.js';
import { acceptsTcp, isAlive, readPidFile, startInParallel, stopPid, waitUntil } from './process.js';

const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
export const DEFAULT_PLUGINS = ['rabbitmq_management', 'rabbitmq_shovel', 'rabbitmq_shovel_management', 'rabbitmq_federation'];

export interface RabbitNodeOptions {
  /** Erlang node short name; a unique one is generated when omitted. */
  name?: string;
  plugins?: readonly string[];
  /** Folder that holds the node's config, data and logs; a fresh temp folder when omitted. */
  baseDir?: string;
  adminUser?: string;
  adminPassword?: string;
  /** Fixed ports (a restarted node keeps its ports so clients can reconnect); free ones by default. */
  ports?: { amqp: number; management: number; dist: number };
  /** Keep the node running when this process exits (default: it is killed with the process). */
  outliveProcess?: boolean;
  /** Extra rabbitmq.conf lines. */
  extraConfig?: readonly string[];
  bootTimeoutMs?: number;
}

export interface RabbitNode {
  readonly nodeName: string;
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly baseDir: string;
  readonly pid: number;
  readonly managementUrl: string;
  readonly amqpUrl: string;
  /** Environment for rabbitmqctl & co. aimed at this node. */
  readonly cliEnv: NodeJS.ProcessEnv;
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Stops the node (SIGTERM, or SIGKILL with `kill`) and starts it again on the same ports and data. */
  restart(options?: { kill?: boolean }): Promise<RabbitNode>;
}

/** Shared HOME so nodes and rabbitmqctl read the same Erlang cookie. */
async function erlangHome(): Promise<string> {
  const home = join(tmpdir(), 'mq-migrate', 'erlang-home');
  await mkdir(home, { recursive: true });
  const cookie = join(home, '.erlang.cookie');
  try {
    await readFile(cookie, 'utf8');
  } catch {
    await writeFile(cookie, randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
  }
  await chmod(cookie, 0o400);
  return home;
}

/**
 * Starts an independent RabbitMQ node from Debian's package on free loopback ports, with its own
 * folders and an administrator, and resolves once its management API answers.
 */
export async function startRabbitNode(options: RabbitNodeOptions = {}): Promise<RabbitNode> {
  await ensureDebianPackages(BROKER_PACKAGES.rabbitmq);
  const name = options.name ?? `mqm${randomBytes(4).toString('hex')}`;
  const nodeName = `${name}@localhost`;
  const baseDir = options.baseDir ?? join(tmpdir(), 'mq-migrate', 'nodes', name);
  const adminUser = options.adminUser ?? 'admin';
  const adminPassword = options.adminPassword ?? `Adm1n-${randomBytes(8).toString('hex')}`;
  const [amqpPort, managementPort, distPort] = options.ports
    ? [options.ports.amqp, options.ports.management, options.ports.dist]
    : [await freePort(), await freePort(), await freePort()];
  await mkdir(join(baseDir, 'log'), { recursive: true });
  await mkdir(join(baseDir, 'mnesia'), { recursive: true });

  const config = [
    `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
    `management.tcp.port = ${managementPort}`,
    `management.tcp.ip = 127.0.0.1`,
    `default_user = ${adminUser}`,
    `default_pass = ${adminPassword}`,
    `default_user_tags.administrator = true`,
    `default_permissions.configure = .*`,
    `default_permissions.read = .*`,
    `default_permissions.write = .*`,
    `loopback_users = none`,
    `log.file.level = warning`,
    ...(options.extraConfig ?? []),
  ];
  await writeFile(join(baseDir, 'rabbitmq.conf'), config.join('\n') + '\n');
  await writeFile(join(baseDir, 'advanced.config'), '[].\n');
  await writeFile(join(baseDir, 'rabbitmq-env.conf'), '');
  await writeFile(join(baseDir, 'enabled_plugins'), `[${(options.plugins ?? DEFAULT_PLUGINS).join(',')}].\n`);

  const home = await erlangHome();
  const pidFile = join(baseDir, 'rabbitmq.pid');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(baseDir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(baseDir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(baseDir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(baseDir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(baseDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(baseDir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
  };
  const out = await open(join(baseDir, 'log', 'console.log'), 'a');
  const child = spawn(join(RABBITMQ_BIN, 'rabbitmq-server'), [], {
    env,
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
  });
  child.unref();
  await out.close();

  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const auth = `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  const withManagement = (options.plugins ?? DEFAULT_PLUGINS).includes('rabbitmq_management');
  const ready = await waitUntil(async () => {
    if (exited) return true;
    // Without the management plugin, the AMQP listener opening is the sign the broker booted.
    if (!withManagement) return acceptsTcp(amqpPort);
    try {
      const response = await fetch(`${managementUrl}/api/overview`, { headers: { authorization: auth } });
      return response.ok;
    } catch {
      return false;
    }
  }, options.bootTimeoutMs ?? 90000);
  // The beam process writes its pid once booted; the spawned shell execs into it on Debian.
  const pid = (await readPidFile(pidFile)) ?? child.pid;
  if (exited || !ready || pid === undefined || !isAlive(pid)) {
    if (pid !== undefined) await stopPid(pid, 2000);
    const log = await readFile(join(baseDir, 'log', 'console.log'), 'utf8').catch(() => '');
    throw new HarnessError(`RabbitMQ node ${nodeName} did not start: ${log.slice(-2000)}`);
  }

  if (!options.outliveProcess) trackBrokerPid(pid);
  return {
    nodeName,
    amqpPort,
    managementPort,
    distPort,
    adminUser,
    adminPassword,
    baseDir,
    pid,
    managementUrl,
    amqpUrl: `amqp://${encodeURIComponent(adminUser)}:${encodeURIComponent(adminPassword)}@127.0.0.1:${amqpPort}`,
    cliEnv: env,
    async stop({ keepData = false } = {}) {
      await stopPid(pid);
      untrackBrokerPid(pid);
      if (!keepData && options.baseDir === undefined) await rm(baseDir, { recursive: true, force: true });
    },
    async restart({ kill = false } = {}) {
      if (kill) process.kill(pid, 'SIGKILL');
      await stopPid(pid);
      untrackBrokerPid(pid);
      const again = await startRabbitNode({ ...options, name, baseDir, adminUser, adminPassword, ports: { amqp: amqpPort, management: managementPort, dist: distPort } });
      // The restarted node owns the folder only if this one did.
      return options.baseDir === undefined ? { ...again, stop: async ({ keepData = false } = {}) => { await again.stop({ keepData: true }); if (!keepData) await rm(baseDir, { recursive: true, force: true }); } } : again;
    },
  };
}

/**
 * Starts nodes in parallel (each boot is mostly waiting on Erlang): `count` alike, or one per
 * options object. If any fails to boot, the others are stopped before the error is thrown.
 */
export function startRabbitNodes(what: number | readonly RabbitNodeOptions[], options: Omit<RabbitNodeOptions, 'name' | 'baseDir'> = {}): Promise<RabbitNode[]> {
  const list = typeof what === 'number' ? Array.from({ length: what }, () => options) : what;
  return startInParallel(list.map((nodeOptions) => () => startRabbitNode(nodeOptions)));
}
