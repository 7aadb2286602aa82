import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { route53, ssm } from '../../src/aws/cutover.js';
import { s3 } from '../../src/aws/documents.js';
import { eventBridge, sns } from '../../src/aws/notifications.js';
import { secretsManager } from '../../src/aws/secrets.js';

/**
 * The service's one Logger, Metrics and Tracer. Everything about them (service name, metrics
 * namespace, log level, sampling, whether tracing is on) comes from the POWERTOOLS_* variables
 * that template.yaml sets in Globals, not from code.
 */
export const logger = new Logger();
// Metrics' own warnings (an invocation with no metrics, say) go through the Logger, as JSON.
export const metrics = new Metrics({ logger });
export const tracer = new Tracer();

// The SDK clients are created once by their adapters; here they join the traces (a no-op where
// tracing is off: outside Lambda, under `sam local`, or with POWERTOOLS_TRACE_ENABLED=false).
tracer.captureAWSv3Client(s3);
tracer.captureAWSv3Client(secretsManager);
for (const client of [sns, eventBridge, ssm, route53]) tracer.captureAWSv3Client(client);

export { MetricUnit };
