import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { redactSecrets } from '../../src/aws/secrets.js';
import { ValidationError } from '../../src/model/errors.js';
import { parseOrThrow } from '../../src/model/validate.js';
import { logger, metrics, tracer } from './powertools.js';

// Input building blocks the handlers share.

/** It becomes the Step Functions execution name and the documents' S3 prefix. */
export const MigrationId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1 to 80 letters, digits, "-" or "_"');

/** A broker's management API and the secret that holds its credentials (never the credentials). */
export const BrokerEndpoint = z.strictObject({
  managementUrl: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .refine((url) => {
      // zod runs this even when the URL check failed: an unparsable URL is reported there.
      if (!URL.canParse(url)) return true;
      const parsed = new URL(url);
      return parsed.username === '' && parsed.password === '';
    }, 'must not embed credentials (put them in the secret named by credentialsSecretId)'),
  credentialsSecretId: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^[A-Za-z0-9/_+=.@:-]+$/, 'must be a Secrets Manager secret name or ARN'),
});

/**
 * Validates the event against `schema` before the handler runs and hands the handler the parsed
 * value (defaults applied). A bad event is a ValidationError naming the field, e.g.
 * `source.managementUrl`; nothing else runs.
 */
export function parseInput<S extends z.ZodType>(schema: S): MiddlewareObj<z.output<S>> {
  return {
    name: 'parseInput',
    before: (request) => {
      const event: unknown = request.event;
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw new ValidationError('event', 'must be a JSON object');
      }
      request.event = parseOrThrow(schema, event, '');
      // The migration id correlates every log line of a migration, across its steps.
      const migrationId = (request.event as { migrationId?: unknown }).migrationId;
      if (typeof migrationId === 'string') logger.setCorrelationId(migrationId);
    },
  };
}

/**
 * What reaches Step Functions is the error's `name` (matched by ErrorEquals), its message and its
 * stack (the Cause). Keep the name, scrub secrets from the rest (and from the causes the logger
 * prints), log it once, and let it go on.
 */
export function errorContract(): MiddlewareObj {
  return {
    name: 'errorContract',
    onError: (request) => {
      const error = scrub(request.error);
      request.error = error;
      logger.error('step failed', error);
      // Returning undefined lets the error propagate (a value here would become the response).
      return undefined;
    },
  };
}

function scrub(error: unknown, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redactSecrets(String(error)));
  error.message = redactSecrets(error.message);
  if (error.stack !== undefined) error.stack = redactSecrets(error.stack);
  if (error.cause !== undefined) {
    error.cause = depth < 5 ? scrub(error.cause, depth + 1) : undefined;
  }
  return error;
}

/**
 * The one middy stack every handler uses: Logger (context injected, keys reset after each
 * invocation), Metrics (published after each invocation, with a cold start metric), Tracer,
 * the error contract, then input validation. `fn` is the plain use-case call.
 */
export function lambdaHandler<S extends z.ZodType, R>(schema: S, fn: (input: z.output<S>, context: Context) => Promise<R>) {
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(captureLambdaHandler(tracer))
    .use(errorContract())
    .use(parseInput(schema))
    // Callers (Step Functions, `sam local invoke`, tests) may send anything: the outside takes
    // `unknown`, and `fn` gets the parsed input.
    .handler<unknown, R>((event, context) => fn(event, context));
}
