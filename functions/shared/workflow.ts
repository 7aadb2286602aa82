import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ActiveMqEndpoint, BrokerEndpoint } from '../../src/orchestration/input.js';

/** Input building blocks of the workflow's handlers (after Provision, the target is known). */
export const MigrationIdField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be 1-64 letters, digits or dashes');

/** The source as the execution input names it; the target as DescribeBroker fills it (its secret is the admin secret). */
export const SourceEndpoint = BrokerEndpoint;
export type SourceEndpoint = z.infer<typeof SourceEndpoint>;
export const TargetEndpoint = BrokerEndpoint;
export type TargetEndpoint = z.infer<typeof TargetEndpoint>;
export { ActiveMqEndpoint };

/** The epoch ms by which the invocation must have returned: its remaining time less a margin. */
export function invocationDeadline(context: Context | undefined, marginMs = 15_000): number {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 300_000;
  return Date.now() + Math.max(5_000, remaining - marginMs);
}
