import { MqMigrateError } from './model/errors.js';

/**
 * The deployment's configuration, read once at cold start from the environment the template
 * sets. The only place that reads `process.env` for business settings; everything else is handed
 * a Config.
 */
export interface Config {
  /** Bucket that holds inventories, plans and replication results (under migrations/). */
  documentsBucket: string;
}

/** A variable the deployment must set is missing or empty: the function cannot start. */
export class ConfigurationError extends MqMigrateError {
  override readonly name = 'ConfigurationError';
  constructor(readonly variable: string, rule: string) {
    super(`environment variable ${variable} ${rule}; set it in template.yaml (Globals.Function.Environment)`);
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** The value of `name`, or a ConfigurationError naming it when it is missing or blank. */
export function requireEnv(env: Environment, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') throw new ConfigurationError(name, 'must be set');
  return value;
}

export function readConfig(env: Environment): Config {
  return {
    documentsBucket: requireEnv(env, 'DOCUMENTS_BUCKET'),
  };
}

/** The workflow's notification settings: the approvals topic and the event bus for summaries. */
export interface WorkflowConfig {
  approvalTopicArn: string;
  eventBusName: string;
}

export function readWorkflowConfig(env: Environment): WorkflowConfig {
  return {
    approvalTopicArn: requireEnv(env, 'APPROVAL_TOPIC_ARN'),
    eventBusName: requireEnv(env, 'EVENT_BUS_NAME'),
  };
}

let workflow: WorkflowConfig | undefined;

/** Read on first use by the handlers that notify (approval, report, drift). */
export function workflowConfig(): WorkflowConfig {
  workflow ??= readWorkflowConfig(process.env);
  return workflow;
}

let loaded: Config | undefined;

/** The process's configuration, read on first use (at cold start, in a handler module) and kept. */
export function config(): Config {
  loaded ??= readConfig(process.env);
  return loaded;
}
