import type { RabbitPolicy, RabbitQueue } from '../../model/inventory.js';

const QUEUE_APPLY_TO: Record<RabbitQueue['type'], readonly string[]> = {
  classic: ['all', 'queues', 'classic_queues'],
  quorum: ['all', 'queues', 'quorum_queues'],
  stream: ['all', 'queues', 'streams'],
};

/**
 * The policy RabbitMQ applies to a queue: among those of its vhost whose pattern matches the
 * name and whose apply-to covers the queue, the one with the highest priority. Erlang's `re`
 * and JavaScript agree on the patterns people write for policies; a pattern JavaScript cannot
 * compile matches nothing here.
 */
export function effectivePolicy(queue: Pick<RabbitQueue, 'vhost' | 'name' | 'type'>, policies: readonly RabbitPolicy[]): RabbitPolicy | undefined {
  let best: RabbitPolicy | undefined;
  for (const policy of policies) {
    if (policy.vhost !== queue.vhost || !QUEUE_APPLY_TO[queue.type].includes(policy.applyTo)) continue;
    if (!matches(policy.pattern, queue.name)) continue;
    if (!best || policy.priority > best.priority) best = policy;
  }
  return best;
}

const compiled = new Map<string, RegExp | null>();
function matches(pattern: string, name: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, 'u');
    } catch {
      regex = null;
    }
    compiled.set(pattern, regex);
  }
  return regex !== null && regex.test(name);
}

/** Keys of classic queue mirroring, removed in RabbitMQ 4.0 and not offered by Amazon MQ. */
export const MIRRORING_POLICY_KEYS = ['ha-mode', 'ha-params', 'ha-sync-mode', 'ha-sync-batch-size', 'ha-promote-on-shutdown', 'ha-promote-on-failure'] as const;

export function mirroringKeys(policy: RabbitPolicy): string[] {
  return Object.keys(policy.definition).filter((key) => (MIRRORING_POLICY_KEYS as readonly string[]).includes(key));
}

/** Queue arguments quorum queues refuse (or that mean nothing for them). */
export const ARGUMENTS_NOT_FOR_QUORUM = ['x-queue-mode', 'x-queue-version', 'x-queue-master-locator', 'x-max-priority'] as const;
