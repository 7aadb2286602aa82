/**
 * Amazon MQ's request validation, as the local API applies it. Each failure is an {@link MqApiError}
 * carrying the service's error shape: an error type (BadRequestException, NotFoundException,
 * ConflictException, ForbiddenException...), an HTTP status, `errorAttribute` (the request field)
 * and `message`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BROKER_NAME_PATTERN } from '../../amazonmq/rabbitmq-rules.js';
import { validateAmazonMqPassword, validateAmazonMqUsername } from '../../amazonmq/user-rules.js';
import {
  DEFAULT_STORAGE,
  DEPLOYMENT_MODES,
  ENGINE_VERSIONS,
  INSTANCE_OPTIONS,
  latestEngineVersion,
  type DeploymentMode,
  type EngineType,
  type StorageType,
} from './catalog.js';

export type MqErrorType =
  | 'BadRequestException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'ForbiddenException'
  | 'UnauthorizedException'
  | 'InternalServerErrorException';

const STATUS: Record<MqErrorType, number> = {
  BadRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  NotFoundException: 404,
  ConflictException: 409,
  InternalServerErrorException: 500,
};

export class MqApiError extends Error {
  override readonly name = 'MqApiError';
  readonly status: number;
  constructor(readonly type: MqErrorType, readonly errorAttribute: string, message: string) {
    super(message);
    this.status = STATUS[type];
  }
}

export const badRequest = (attribute: string, message: string) => new MqApiError('BadRequestException', attribute, message);
export const notFound = (attribute: string, message: string) => new MqApiError('NotFoundException', attribute, message);
export const conflict = (attribute: string, message: string) => new MqApiError('ConflictException', attribute, message);

// ---------------------------------------------------------------------------------------------
// Small readers for untyped JSON bodies
// ---------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export function str(body: Json, key: string, required: true): string;
export function str(body: Json, key: string, required?: false): string | undefined;
export function str(body: Json, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw badRequest(key, `The request must include ${key}.`);
    return undefined;
  }
  if (typeof value !== 'string') throw badRequest(key, `${key} must be a string.`);
  return value;
}

export function bool(body: Json, key: string, required = false): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw badRequest(key, `The request must include ${key}.`);
    return undefined;
  }
  if (typeof value !== 'boolean') throw badRequest(key, `${key} must be a boolean.`);
  return value;
}

export function strList(body: Json, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw badRequest(key, `${key} must be a list of strings.`);
  return value as string[];
}

export function obj(body: Json, key: string): Json | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(key, `${key} must be an object.`);
  return value as Json;
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

export function engineType(value: string | undefined, attribute = 'engineType'): EngineType {
  if (value === undefined) throw badRequest(attribute, `The request must include ${attribute}.`);
  const upper = value.toUpperCase();
  if (upper !== 'RABBITMQ' && upper !== 'ACTIVEMQ') throw badRequest(attribute, `Broker engine type [${value}] is not supported. Valid values: [ACTIVEMQ, RABBITMQ].`);
  return upper;
}

export function checkBrokerName(name: string): void {
  if (!BROKER_NAME_PATTERN.test(name)) {
    throw badRequest('brokerName', 'Broker name must be 1-50 characters long, contain only letters, numbers, dashes, and underscores, and must not contain white spaces, brackets, wildcard characters, or special characters.');
  }
}

/** Resolves "3.13.7"-style or "4.2" versions to an offered one; absent = the latest. */
export function engineVersion(engine: EngineType, version: string | undefined): string {
  if (version === undefined) return latestEngineVersion(engine);
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
  const offered = m ? ENGINE_VERSIONS[engine].find((v) => v === `${m[1]}.${m[2]}`) : undefined;
  if (offered === undefined) {
    throw badRequest('engineVersion', `Broker engine version [${version}] is not supported for engine type ${engine}. Supported versions: [${ENGINE_VERSIONS[engine].join(', ')}].`);
  }
  return version;
}

export function deploymentMode(engine: EngineType, value: string | undefined): DeploymentMode {
  if (value === undefined) throw badRequest('deploymentMode', 'The request must include deploymentMode.');
  const modes = DEPLOYMENT_MODES[engine];
  const mode = modes.find((m) => m === value);
  if (mode === undefined) throw badRequest('deploymentMode', `Deployment mode [${value}] is not supported for engine type ${engine}. Valid values: [${modes.join(', ')}].`);
  return mode;
}

export function storageType(engine: EngineType, value: string | undefined): StorageType {
  if (value === undefined) return DEFAULT_STORAGE[engine];
  if (value !== 'EBS' && value !== 'EFS') throw badRequest('storageType', `Storage type [${value}] is not valid. Valid values: [EBS, EFS].`);
  if (engine === 'RABBITMQ' && value === 'EFS') throw badRequest('storageType', 'EFS is not supported for RabbitMQ engine type.');
  return value;
}

/** The engine / instance type / storage / deployment / version combination must be one Amazon MQ offers. */
export function checkInstanceCombination(engine: EngineType, instanceType: string, storage: StorageType, mode: DeploymentMode, version: string): void {
  const forType = INSTANCE_OPTIONS.filter((o) => o.engineType === engine && o.hostInstanceType === instanceType);
  if (forType.length === 0) throw badRequest('hostInstanceType', `Broker instance type [${instanceType}] is not supported for engine type ${engine}.`);
  const option = forType.find((o) => o.storageType === storage);
  if (option === undefined) throw badRequest('storageType', `Storage type [${storage}] is not supported for broker instance type [${instanceType}] and engine type ${engine}.`);
  if (!option.supportedDeploymentModes.includes(mode)) {
    throw badRequest('deploymentMode', `Deployment mode [${mode}] is not supported for broker instance type [${instanceType}] with storage type [${storage}].`);
  }
  const minor = /^(\d+\.\d+)/.exec(version)?.[1] ?? version;
  if (!option.supportedEngineVersions.includes(minor)) {
    throw badRequest('engineVersion', `Broker engine version [${version}] is not supported on broker instance type [${instanceType}].`);
  }
}

export function checkUser(engine: EngineType, username: string, password: string | undefined): void {
  const name = validateAmazonMqUsername(username, engine);
  if (!name.ok) throw badRequest('username', `Username [${username}] is invalid: ${name.message}.`);
  if (password !== undefined) {
    const pw = validateAmazonMqPassword(password, { engine });
    if (!pw.ok) throw badRequest('password', `The password of user [${username}] is invalid: ${pw.message}.`);
  }
}

export function checkGroups(groups: readonly string[] | undefined): void {
  for (const group of groups ?? []) {
    if (!/^[A-Za-z0-9._~-]{2,100}$/.test(group)) {
      throw badRequest('groups', `Group name [${group}] is invalid: it must be 2-100 characters long and contain only alphanumeric characters, dashes, periods, underscores, and tildes (- . _ ~).`);
    }
  }
  if ((groups?.length ?? 0) > 20) throw badRequest('groups', 'A user can belong to at most 20 groups.');
}

export function checkTags(tags: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (key.length < 1 || key.length > 128 || key.startsWith('aws:')) throw badRequest('tags', `Tag key [${key}] is invalid: 1-128 characters, not starting with "aws:".`);
    if (typeof value !== 'string' || value.length > 256) throw badRequest('tags', `The value of tag [${key}] must be a string of at most 256 characters.`);
    out[key] = value;
  }
  return out;
}

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

export function checkMaintenanceWindow(window: Json | undefined): { dayOfWeek: string; timeOfDay: string; timeZone?: string } | undefined {
  if (window === undefined) return undefined;
  const dayOfWeek = str(window, 'dayOfWeek', true).toUpperCase();
  const timeOfDay = str(window, 'timeOfDay', true);
  const timeZone = str(window, 'timeZone');
  if (!DAYS.includes(dayOfWeek)) throw badRequest('maintenanceWindowStartTime', `Day of week [${dayOfWeek}] is invalid. Valid values: [${DAYS.join(', ')}].`);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(timeOfDay)) throw badRequest('maintenanceWindowStartTime', `Time of day [${timeOfDay}] is invalid: use the 24-hour HH:MM format.`);
  return { dayOfWeek, timeOfDay, ...(timeZone !== undefined ? { timeZone } : {}) };
}

export function checkEncryption(engine: EngineType, value: Json | undefined): { useAwsOwnedKey: boolean; kmsKeyId?: string } {
  if (value === undefined) return { useAwsOwnedKey: true };
  const useAwsOwnedKey = bool(value, 'useAwsOwnedKey', true) ?? true;
  const kmsKeyId = str(value, 'kmsKeyId');
  if (useAwsOwnedKey && kmsKeyId !== undefined) throw badRequest('encryptionOptions', 'A KMS key cannot be given when useAwsOwnedKey is true.');
  if (engine === 'RABBITMQ' && !useAwsOwnedKey && kmsKeyId === undefined) {
    throw badRequest('encryptionOptions', 'RabbitMQ brokers need kmsKeyId when useAwsOwnedKey is false.');
  }
  return { useAwsOwnedKey, ...(kmsKeyId !== undefined ? { kmsKeyId } : {}) };
}

export function checkLogs(engine: EngineType, value: Json | undefined): { general: boolean; audit?: boolean } {
  const general = value ? bool(value, 'general') ?? false : false;
  const audit = value ? bool(value, 'audit') : undefined;
  if (engine === 'RABBITMQ' && audit === true) throw badRequest('logs', 'Audit logs are not supported for RabbitMQ brokers.');
  return engine === 'RABBITMQ' ? { general } : { general, audit: audit ?? false };
}

export function checkSubnets(mode: DeploymentMode, subnetIds: readonly string[] | undefined): void {
  if (subnetIds === undefined || subnetIds.length === 0) return;
  const needed = mode === 'SINGLE_INSTANCE' ? 1 : mode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : undefined;
  if (needed !== undefined && subnetIds.length !== needed) {
    throw badRequest('subnetIds', `A ${mode} broker needs exactly ${needed} subnet(s); ${subnetIds.length} given.`);
  }
  for (const id of subnetIds) if (!/^subnet-[0-9a-f]{1,17}$/.test(id)) throw badRequest('subnetIds', `Subnet [${id}] is not a valid subnet id.`);
}

export function checkSecurityGroups(groups: readonly string[] | undefined): void {
  if ((groups?.length ?? 0) > 5) throw badRequest('securityGroups', 'A broker can have at most 5 security groups.');
  for (const id of groups ?? []) if (!/^sg-[0-9a-f]{1,17}$/.test(id)) throw badRequest('securityGroups', `Security group [${id}] is not a valid security group id.`);
}

export function checkMaxResults(raw: string | null, min: number, max: number): number {
  if (raw === null) return max;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest('maxResults', `maxResults must be an integer between ${min} and ${max}.`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Configuration data
// ---------------------------------------------------------------------------------------------

/** Decodes the base64 `data` of UpdateConfiguration; Amazon MQ refuses text that is not base64. */
export function decodeConfigurationData(data: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data.replace(/\s+/g, ''))) throw badRequest('data', 'Configuration data must be base64-encoded.');
  return Buffer.from(data, 'base64').toString('utf8');
}

/**
 * An ActiveMQ configuration must be well-formed XML whose root is `<broker>` in ActiveMQ's core
 * namespace, as Amazon MQ requires.
 */
export function checkActiveMqXml(xml: string): void {
  const result = XMLValidator.validate(xml);
  if (result !== true) {
    throw badRequest('data', `The configuration is not valid XML: ${result.err.msg} (line ${result.err.line}, column ${result.err.col}).`);
  }
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' }).parse(xml) as Json;
  const roots = Object.keys(parsed).filter((k) => !k.startsWith('?'));
  const broker = parsed['broker'] as Json | undefined;
  if (roots.length !== 1 || broker === undefined) throw badRequest('data', 'The root element of an ActiveMQ configuration must be <broker>.');
  if (typeof broker !== 'object' || broker === null || broker['@_xmlns'] !== 'http://activemq.apache.org/schema/core') {
    throw badRequest('data', 'The <broker> element must be in the namespace http://activemq.apache.org/schema/core.');
  }
}

/** RabbitMQ configurations are rabbitmq.conf (cuttlefish) text: `key = value` lines and comments. */
export function checkRabbitConf(text: string): void {
  text.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (!/^[A-Za-z0-9_.$-]+\s*=\s*\S.*$/.test(trimmed)) throw badRequest('data', `The configuration is not valid rabbitmq.conf: line ${index + 1} is not "key = value".`);
  });
}

export const DEFAULT_ACTIVEMQ_CONFIGURATION = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry topic="&gt;">
          <pendingMessageLimitStrategy>
            <constantPendingMessageLimitStrategy limit="3000"/>
          </pendingMessageLimitStrategy>
        </policyEntry>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
  </plugins>
</broker>
`;

export const DEFAULT_RABBITMQ_CONFIGURATION = '# Amazon MQ for RabbitMQ configuration (rabbitmq.conf format)\n';
