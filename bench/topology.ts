/**
 * Topology benchmark. On a RabbitMQ broker with 10,000 queues, 2,000 bindings and 500 users with
 * permissions, side by side in one run on one machine:
 *   - inventory time ÷ time of one GET /api/definitions              goal <= 2.0
 *   - replication time ÷ creating the same objects one by one (HTTP) goal <= 0.3
 *
 * Three real nodes: the seeded source, an empty target for replicateRabbitTopology and an empty
 * target for the one-by-one baseline. Seeding (one POST /api/definitions) is not measured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { RabbitDefinitionsInput } from '../src/engines/rabbitmq/definitions.js';
import { applyPlan } from '../src/engines/rabbitmq/apply-plan.js';
import { collectRabbitInventory } from '../src/engines/rabbitmq/inventory.js';
import { apiPath, ManagementClient } from '../src/engines/rabbitmq/management-client.js';
import { replicateRabbitTopology } from '../src/engines/rabbitmq/replicate.js';
import { diffTopologies } from '../src/engines/rabbitmq/topology-objects.js';
import { startRabbitNodes, type RabbitNode } from '../src/local/brokers/rabbitmq-node.js';
import { unacceptedBlockers } from '../src/model/plan.js';
import { planRabbitMigration } from '../src/plan/rabbitmq-planner.js';
import { ratio, type BenchResult } from './run.js';

export const SIZE = { vhosts: 10, users: 500, queues: 10_000, bindings: 2_000 } as const;
const TIMED_CALLS = 5;

type Def<K extends keyof RabbitDefinitionsInput> = NonNullable<RabbitDefinitionsInput[K]>[number];
interface BenchDefinitions {
  vhosts: Def<'vhosts'>[];
  users: (Def<'users'> & { tags: string[] })[];
  permissions: Def<'permissions'>[];
  exchanges: Def<'exchanges'>[];
  queues: Def<'queues'>[];
  bindings: Def<'bindings'>[];
}

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt(4 bytes) ++ sha256(salt ++ utf8(password))). */
export function rabbitSha256Hash(password: string, salt: Buffer = randomBytes(4)): string {
  const digest = createHash('sha256').update(salt).update(Buffer.from(password, 'utf8')).digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The benchmark estate as one definitions document. */
export function benchDefinitions(size: typeof SIZE = SIZE): BenchDefinitions {
  const vhosts = Array.from({ length: size.vhosts }, (_, v) => `bench-${pad(v, 2)}`);
  const users = Array.from({ length: size.users }, (_, u) => ({
    name: `app-user-${pad(u, 3)}`,
    password_hash: rabbitSha256Hash(`Secret-${u}-${randomBytes(6).toString('hex')}`),
    hashing_algorithm: 'rabbit_password_hashing_sha256',
    tags: u % 10 === 0 ? ['management'] : [],
  }));
  const permissions = users.map((user, u) => ({
    user: user.name,
    vhost: vhosts[u % vhosts.length] ?? '',
    configure: u % 2 === 0 ? '.*' : `^app-${u}\\.`,
    write: '.*',
    read: '.*',
  }));
  const exchanges = vhosts.flatMap((vhost) => [
    { vhost, name: 'bench.direct', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} },
    { vhost, name: 'bench.topic', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} },
  ]);
  const queuesPerVhost = Math.ceil(size.queues / vhosts.length);
  const queues = Array.from({ length: size.queues }, (_, i) => {
    const vhost = vhosts[i % vhosts.length] ?? '';
    const n = Math.floor(i / vhosts.length);
    return {
      vhost,
      name: `svc.q${pad(n, String(queuesPerVhost).length)}`,
      durable: true,
      auto_delete: false,
      arguments: n % 10 === 0 ? { 'x-message-ttl': 86_400_000 } : {},
    };
  });
  // Bindings: the first queues of every vhost, alternately from the direct and the topic exchange.
  const bindings = Array.from({ length: size.bindings }, (_, i) => {
    const queue = queues[i] ?? queues[0]!;
    const direct = Math.floor(i / vhosts.length) % 2 === 0;
    return {
      vhost: queue.vhost,
      source: direct ? 'bench.direct' : 'bench.topic',
      destination: queue.name,
      destination_type: 'queue' as const,
      routing_key: direct ? queue.name : `${queue.name}.#`,
      arguments: {},
    };
  });
  return { vhosts: vhosts.map((name) => ({ name })), users, permissions, exchanges, queues, bindings };
}

function objectCount(d: BenchDefinitions): number {
  return d.vhosts.length + d.users.length + d.permissions.length + d.exchanges.length + d.queues.length + d.bindings.length;
}

async function time<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timedMedian(calls: number, work: () => Promise<unknown>): Promise<{ median: number; all: number[] }> {
  await work(); // warm-up, not counted
  const all: number[] = [];
  for (let i = 0; i < calls; i++) all.push((await time(work)).seconds);
  return { median: median(all), all };
}

const clientOf = (node: RabbitNode) =>
  new ManagementClient({ url: node.managementUrl, username: node.adminUser, password: node.adminPassword, timeoutMs: 600_000 });

/** A client that also notes how long its definitions imports take, to break a replication down. */
class ImportTimingClient extends ManagementClient {
  importSeconds = 0;
  override async post(path: string, object: string, body: unknown): Promise<unknown> {
    if (!path.startsWith('/api/definitions')) return super.post(path, object, body);
    const started = performance.now();
    try {
      return await super.post(path, object, body);
    } finally {
      this.importSeconds += (performance.now() - started) / 1000;
    }
  }
}

/** Creates every object of `d` with one management API request at a time, in dependency order. */
export async function createOneByOne(client: ManagementClient, d: BenchDefinitions): Promise<number> {
  let requests = 0;
  for (const v of d.vhosts) {
    await client.put(apiPath('vhosts', v.name), `vhost "${v.name}"`, { description: '', tags: '' });
    requests++;
  }
  for (const u of d.users) {
    await client.put(apiPath('users', u.name), `user "${u.name}"`, { password_hash: u.password_hash, hashing_algorithm: u.hashing_algorithm, tags: u.tags.join(',') });
    requests++;
  }
  for (const p of d.permissions) {
    await client.put(apiPath('permissions', p.vhost, p.user), `permissions of "${p.user}"`, { configure: p.configure, write: p.write, read: p.read });
    requests++;
  }
  for (const e of d.exchanges) {
    await client.put(apiPath('exchanges', e.vhost, e.name), `exchange "${e.name}"`, { type: e.type, durable: e.durable, auto_delete: e.auto_delete, internal: e.internal, arguments: e.arguments });
    requests++;
  }
  for (const q of d.queues) {
    await client.put(apiPath('queues', q.vhost, q.name), `queue "${q.name}"`, { durable: q.durable, auto_delete: q.auto_delete, arguments: q.arguments });
    requests++;
  }
  for (const b of d.bindings) {
    await client.post(apiPath('bindings', b.vhost, 'e', b.source, 'q', b.destination), `binding to "${b.destination}"`, { routing_key: b.routing_key, arguments: b.arguments });
    requests++;
  }
  return requests;
}

export async function run(): Promise<BenchResult> {
  const loadAtStart = loadavg()[0]!;
  const defs = benchDefinitions();
  const seedText = JSON.stringify(defs);
  const objects = objectCount(defs);

  const bootStarted = performance.now();
  const nodes = await startRabbitNodes(3);
  const bootSeconds = (performance.now() - bootStarted) / 1000;
  try {
    const [sourceNode, replicaNode, baselineNode] = nodes as [RabbitNode, RabbitNode, RabbitNode];
    const source = clientOf(sourceNode);
    const replicaTarget = new ImportTimingClient({ url: replicaNode.managementUrl, username: replicaNode.adminUser, password: replicaNode.adminPassword, timeoutMs: 600_000 });
    const baselineTarget = clientOf(baselineNode);
    const overview = await source.get<{ rabbitmq_version?: string; erlang_version?: string }>('/api/overview', 'overview');

    // Seed (not measured).
    const seed = await time(() => source.post('/api/definitions', 'seed definitions', defs));

    // Size of the document the broker exports.
    const exported = await fetch(`${sourceNode.managementUrl}/api/definitions`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${sourceNode.adminUser}:${sourceNode.adminPassword}`).toString('base64') },
    });
    const exportedBytes = Buffer.byteLength(await exported.text(), 'utf8');

    // 1. GET /api/definitions vs the inventory, on the same source.
    const definitionsGet = await timedMedian(TIMED_CALLS, () => source.get('/api/definitions', 'definitions'));
    const inventoryRuns = await timedMedian(TIMED_CALLS, () => collectRabbitInventory(source));

    const inventory = await collectRabbitInventory(source);
    const t = inventory.rabbitmq;
    const seeded = {
      queues: t.queues.filter((q) => q.vhost.startsWith('bench-')).length,
      bindings: t.bindings.filter((b) => b.vhost.startsWith('bench-')).length,
      users: t.users.filter((u) => u.name.startsWith('app-user-')).length,
      permissions: t.permissions.filter((p) => p.user.startsWith('app-user-')).length,
    };
    if (seeded.queues !== SIZE.queues || seeded.bindings !== SIZE.bindings || seeded.users !== SIZE.users || seeded.permissions !== SIZE.users) {
      throw new Error(`the source does not hold the seeded estate: ${JSON.stringify(seeded)}`);
    }

    // 2. Replication (the whole call: target read, diff, bulk import, re-read, verification).
    const plan = planRabbitMigration(inventory, { deploymentMode: 'SINGLE_INSTANCE' });
    const blockers = unacceptedBlockers(plan);
    if (blockers.length > 0) throw new Error(`the plan has blockers: ${blockers.map((b) => `${b.code} ${b.message}`).join('; ')}`);
    // The source is no longer needed: stop it so that its 10,000 idle queues (about a tenth of a
    // core of statistics work) do not compete with the measured node. Likewise for each target.
    await sourceNode.stop();
    const replication = await time(() =>
      replicateRabbitTopology({ source: inventory, plan, target: replicaTarget, targetAdminUser: replicaNode.adminUser, dryRun: false }),
    );
    const created = replication.value.changes.filter((c) => c.action === 'create').length;
    const byType = new Map<string, number>();
    for (const change of replication.value.changes) byType.set(change.type, (byType.get(change.type) ?? 0) + 1);

    await replicaNode.stop();

    // 3. The same objects one request at a time.
    const oneByOne = await time(() => createOneByOne(baselineTarget, defs));

    // Not timed: the one-by-one target must hold what replication was asked for (its own
    // administrator aside), so that both sides did the same work.
    const baseline = await collectRabbitInventory(baselineTarget);
    const check = diffTopologies(applyPlan(inventory.rabbitmq, plan.actions), baseline.rabbitmq);
    const notAdmin = (label: string) => label !== `user "${baselineNode.adminUser}"`;
    const baselineMissing = check.missing.map((o) => o.label).filter(notAdmin);
    const baselineDifferent = check.different.map(([o]) => o.label).filter(notAdmin);
    if (baselineMissing.length > 0 || baselineDifferent.length > 0) {
      throw new Error(`the one-by-one target does not match the source: missing ${baselineMissing.slice(0, 5).join(', ')}; different ${baselineDifferent.slice(0, 5).join(', ')}`);
    }
    await baselineNode.stop();

    const rssMB = process.resourceUsage().maxRSS / 1024;
    return {
      title: `Topology: ${SIZE.queues.toLocaleString('en-US')} queues, ${SIZE.bindings.toLocaleString('en-US')} bindings, ${SIZE.users} users with permissions (RabbitMQ ${overview.rabbitmq_version ?? '?'}, Erlang ${overview.erlang_version ?? '?'})`,
      rows: [
        { label: 'objects in the estate (vhosts+users+permissions+exchanges+queues+bindings)', value: objects, unit: 'objects' },
        { label: 'objects created by replication', value: created, unit: 'objects' },
        { label: 'requests made one by one', value: oneByOne.value, unit: 'requests' },
        { label: 'definitions document (seeded, JSON)', value: Buffer.byteLength(seedText, 'utf8') / 2 ** 20, unit: 'MB' },
        { label: 'definitions document (GET /api/definitions)', value: exportedBytes / 2 ** 20, unit: 'MB' },
        { label: 'node boot (3 in parallel, not measured)', value: bootSeconds, unit: 's' },
        { label: 'seed via POST /api/definitions (not measured)', value: seed.seconds, unit: 's' },
        { label: `GET /api/definitions (median of ${TIMED_CALLS})`, value: definitionsGet.median, unit: 's' },
        { label: `inventory (median of ${TIMED_CALLS})`, value: inventoryRuns.median, unit: 's' },
        { label: 'replication (one full call)', value: replication.seconds, unit: 's' },
        { label: '  of which its POST /api/definitions (the bulk import)', value: replicaTarget.importSeconds, unit: 's' },
        { label: 'one by one through the management API', value: oneByOne.seconds, unit: 's' },
        { label: 'peak RSS of the benchmark process', value: rssMB, unit: 'MB' },
      ],
      ratios: [
        ratio('inventory ÷ GET /api/definitions', inventoryRuns.median / definitionsGet.median, '<=', 2.0),
        ratio('replication ÷ one by one', replication.seconds / oneByOne.seconds, '<=', 0.3),
      ],
      notes: [
        `machine: ${cpus().length} CPUs, 1-min load average ${loadAtStart.toFixed(2)} at start and ${loadavg()[0]!.toFixed(2)} at end (other processes on the machine share the CPUs)`,
        `GET /api/definitions runs (s): ${definitionsGet.all.map((s) => s.toFixed(3)).join(', ')} (after one warm-up)`,
        `inventory runs (s): ${inventoryRuns.all.map((s) => s.toFixed(3)).join(', ')} (after one warm-up)`,
        `replication changes by type: ${[...byType].map(([type, n]) => `${type} ${n}`).join(', ')}; unchanged ${replication.value.unchanged}; verified ${replication.value.verified}`,
        `the one-by-one target was checked afterwards (not timed): it holds every object replication was asked for; the ${created - oneByOne.value} objects more in the replication count are the administrator's permissions on the new vhosts, which PUT /api/vhosts grants by itself`,
        'each timed phase runs with only the node it measures among this benchmark\'s nodes (the source is stopped after the inventory, the replication target after replication)',
      ],
    };
  } finally {
    // stop() is a no-op for a node already stopped.
    await Promise.all(nodes.map((node) => node.stop()));
  }
}
