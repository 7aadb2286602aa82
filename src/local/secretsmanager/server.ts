/**
 * A local Secrets Manager: its JSON 1.1 protocol (POST /, `X-Amz-Target: secretsmanager.<Op>`,
 * `application/x-amz-json-1.1`), with CreateSecret, GetSecretValue, PutSecretValue,
 * DescribeSecret, ListSecrets and DeleteSecret. Errors are `{"__type": "...", "message": "..."}`
 * with HTTP 400, as the service sends them. Secrets are kept in `<dataDir>/secretsmanager.json`.
 * Signatures are not verified; KMS encryption is not modelled.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { listenOnLoopback } from '../http-listen.js';

interface Version {
  versionId: string;
  secretString?: string;
  /** Base64. */
  secretBinary?: string;
  stages: string[];
  created: number;
}

interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  created: number;
  lastChanged: number;
  lastAccessed?: number;
  deletedDate?: number;
  versions: Version[];
}

type Json = Record<string, unknown>;

class SmError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const now = (): number => Math.floor(Date.now() / 1000);

export interface LocalSecretsManager {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLocalSecretsManager(options: { dataDir: string; port?: number; host?: string; region?: string; accountId?: string }): Promise<LocalSecretsManager> {
  const file = join(options.dataDir, 'secretsmanager.json');
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  let secrets: Secret[] = [];
  try {
    secrets = JSON.parse(await readFile(file, 'utf8')) as Secret[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let writing = Promise.resolve();
  const save = (): Promise<void> => {
    const text = JSON.stringify(secrets, null, 2);
    writing = writing.then(async () => {
      await mkdir(options.dataDir, { recursive: true });
      await writeFile(`${file}.tmp`, text, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    });
    return writing;
  };

  const find = (id: unknown, allowDeleted = false): Secret => {
    if (typeof id !== 'string' || id === '') throw new SmError('InvalidParameterException', 'You must provide SecretId.');
    const secret = secrets.find((s) => s.name === id || s.arn === id);
    if (!secret) throw new SmError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined && !allowDeleted) {
      throw new SmError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was marked for deletion.');
    }
    return secret;
  };

  const addVersion = (secret: Secret, body: Json, stages: string[]): Version => {
    const token = typeof body['ClientRequestToken'] === 'string' ? body['ClientRequestToken'] : randomUUID();
    const existing = secret.versions.find((v) => v.versionId === token);
    const secretString = typeof body['SecretString'] === 'string' ? body['SecretString'] : undefined;
    const secretBinary = typeof body['SecretBinary'] === 'string' ? body['SecretBinary'] : undefined;
    if (existing) {
      if (existing.secretString !== secretString || existing.secretBinary !== secretBinary) {
        throw new SmError('ResourceExistsException', 'A version with this ClientRequestToken already exists with different content.');
      }
      return existing;
    }
    if (secretString === undefined && secretBinary === undefined) throw new SmError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    if (secretString !== undefined && secretBinary !== undefined) throw new SmError('InvalidParameterException', 'You can\'t specify both SecretString and SecretBinary.');
    for (const v of secret.versions) {
      if (v.stages.includes('AWSPREVIOUS')) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      if (stages.includes('AWSCURRENT') && v.stages.includes('AWSCURRENT')) v.stages = [...v.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
    secret.versions = secret.versions.filter((v) => v.stages.length > 0);
    const version: Version = { versionId: token, ...(secretString !== undefined ? { secretString } : {}), ...(secretBinary !== undefined ? { secretBinary } : {}), stages, created: now() };
    secret.versions.push(version);
    secret.lastChanged = now();
    return version;
  };

  const describe = (s: Secret): Json => ({
    ARN: s.arn,
    Name: s.name,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
    CreatedDate: s.created,
    LastChangedDate: s.lastChanged,
    ...(s.lastAccessed !== undefined ? { LastAccessedDate: s.lastAccessed } : {}),
    ...(s.deletedDate !== undefined ? { DeletedDate: s.deletedDate } : {}),
    Tags: s.tags,
    VersionIdsToStages: Object.fromEntries(s.versions.map((v) => [v.versionId, v.stages])),
  });

  const operations: Record<string, (body: Json) => Promise<Json> | Json> = {
    async CreateSecret(body) {
      const name = body['Name'];
      if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) throw new SmError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
      if (secrets.some((s) => s.name === name)) {
        const existing = secrets.find((s) => s.name === name);
        throw new SmError(existing?.deletedDate !== undefined ? 'InvalidRequestException' : 'ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      const secret: Secret = {
        arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString('hex')}`,
        name,
        ...(typeof body['Description'] === 'string' ? { description: body['Description'] } : {}),
        ...(typeof body['KmsKeyId'] === 'string' ? { kmsKeyId: body['KmsKeyId'] } : {}),
        tags: Array.isArray(body['Tags']) ? (body['Tags'] as { Key: string; Value: string }[]) : [],
        created: now(),
        lastChanged: now(),
        versions: [],
      };
      const hasValue = body['SecretString'] !== undefined || body['SecretBinary'] !== undefined;
      const version = hasValue ? addVersion(secret, body, ['AWSCURRENT']) : undefined;
      secrets.push(secret);
      await save();
      return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
    },
    async GetSecretValue(body) {
      const secret = find(body['SecretId']);
      const versionId = body['VersionId'];
      const stage = typeof body['VersionStage'] === 'string' ? body['VersionStage'] : 'AWSCURRENT';
      const version = typeof versionId === 'string' ? secret.versions.find((v) => v.versionId === versionId) : secret.versions.find((v) => v.stages.includes(stage));
      if (!version) throw new SmError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + stage);
      secret.lastAccessed = now();
      await save();
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
        VersionStages: version.stages,
        CreatedDate: version.created,
      };
    },
    async PutSecretValue(body) {
      const secret = find(body['SecretId']);
      const stages = Array.isArray(body['VersionStages']) ? (body['VersionStages'] as string[]) : ['AWSCURRENT'];
      const version = addVersion(secret, body, stages);
      await save();
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
    },
    DescribeSecret(body) {
      return describe(find(body['SecretId'], true));
    },
    ListSecrets(body) {
      const includeDeleted = body['IncludePlannedDeletion'] === true;
      const list = secrets.filter((s) => includeDeleted || s.deletedDate === undefined);
      const max = typeof body['MaxResults'] === 'number' ? body['MaxResults'] : 100;
      const start = typeof body['NextToken'] === 'string' ? Number(Buffer.from(body['NextToken'], 'base64').toString()) || 0 : 0;
      const slice = list.slice(start, start + max);
      return { SecretList: slice.map(describe), ...(start + max < list.length ? { NextToken: Buffer.from(String(start + max)).toString('base64') } : {}) };
    },
    async DeleteSecret(body) {
      const secret = find(body['SecretId'], true);
      const force = body['ForceDeleteWithoutRecovery'] === true;
      const days = typeof body['RecoveryWindowInDays'] === 'number' ? body['RecoveryWindowInDays'] : 30;
      if (force && body['RecoveryWindowInDays'] !== undefined) throw new SmError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      if (!force && (days < 7 || days > 30)) throw new SmError('InvalidParameterException', 'RecoveryWindowInDays must be between 7 and 30 days.');
      const deletionDate = force ? now() : now() + days * 86400;
      if (force) secrets = secrets.filter((s) => s !== secret);
      else secret.deletedDate = now();
      await save();
      return { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate };
    },
  };

  const readBody = (request: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });

  const server = createServer((request, response) => {
    void (async () => {
      let status = 200;
      let payload: Json;
      try {
        const target = String(request.headers['x-amz-target'] ?? '');
        const operation = operations[target.replace(/^secretsmanager\./, '')];
        if (request.method !== 'POST' || !target.startsWith('secretsmanager.') || !operation) {
          throw new SmError('UnknownOperationException', `Unknown operation ${target}`);
        }
        if (request.headers.authorization === undefined) throw new SmError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
        const text = await readBody(request);
        let body: Json;
        try {
          body = text === '' ? {} : (JSON.parse(text) as Json);
        } catch {
          throw new SmError('SerializationException', 'The request body is not valid JSON.');
        }
        payload = await operation(body);
      } catch (error) {
        const e = error instanceof SmError ? error : new SmError('InternalServiceError', 'The local Secrets Manager failed to process the request.', 500);
        status = e.status;
        payload = { __type: e.type, message: e.message };
      }
      const text = JSON.stringify(payload);
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(Buffer.byteLength(text)), 'x-amzn-requestid': randomUUID() });
      response.end(text);
    })();
  });
  const listening = await listenOnLoopback(server, options);
  return {
    url: listening.url,
    async close() {
      await listening.close();
      await writing;
    },
  };
}
