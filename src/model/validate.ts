import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** `queues[3].arguments` from a zod issue path. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), root);
}

/**
 * Validates `value` against `schema`; on failure throws a ValidationError naming the first
 * offending field and its rule, with the next few issues in the message.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = fieldPath(root, keys.length === 1 ? [...issue.path, keys[0] as string] : issue.path);
    const rule = issue.code === 'unrecognized_keys' ? `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''} (not part of the format)` : issue.message;
    return { field, rule };
  });
  const first = issues[0] ?? { field: root, rule: 'invalid' };
  const more = issues.length > 1 ? `; and ${issues.length - 1} more: ${issues.slice(1, 4).map((i) => `${i.field}: ${i.rule}`).join('; ')}` : '';
  throw new ValidationError(first.field, first.rule, `${first.field}: ${first.rule}${more}`);
}

/**
 * Re-adds a nested parse's issues to an outer schema's refinement under `prefix`, an unknown
 * key named in the path as parseOrThrow names it (for options checked against another schema).
 */
export function forwardIssues(error: z.ZodError, ctx: z.RefinementCtx, prefix: readonly string[]): void {
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...prefix, ...issue.path.map(String), ...(keys.length === 1 ? [keys[0] as string] : [])];
    const message = issue.code === 'unrecognized_keys' ? `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''} (not part of the format)` : issue.message;
    ctx.addIssue({ code: 'custom', path, message });
  }
}
