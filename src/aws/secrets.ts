import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ValidationError } from '../model/errors.js';

/** Credentials of a broker's management API, as kept in Secrets Manager. */
export interface BrokerCredentials {
  username: string;
  password: string;
}

/** One client per module with the default configuration: AWS_ENDPOINT_URL_SECRETS_MANAGER redirects it. */
export const secretsManager = new SecretsManagerClient({});

/** Every secret value this process has read: error texts are scrubbed of them before they leave. */
const revealed = new Set<string>();

/**
 * Reads a secret whose string is JSON `{"username": "...", "password": "..."}`. A secret of
 * another shape is a ValidationError naming the field that is wrong, never quoting a value.
 */
export async function getBrokerCredentials(secretId: string): Promise<BrokerCredentials> {
  let secretString: string | undefined;
  try {
    const response = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = response.SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as { name?: unknown }).name === 'ResourceNotFoundException') {
      throw new ValidationError(secretId, 'secret does not exist', `secret "${secretId}" does not exist`, { cause: error });
    }
    throw error;
  }
  if (secretString === undefined) {
    throw new ValidationError(secretId, 'must be a string secret (SecretString), not binary', `secret "${secretId}" has no SecretString: store {"username","password"} as JSON text`);
  }
  revealed.add(secretString);
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    // No cause and no parser message: JSON.parse quotes the text it failed on.
    throw new ValidationError(secretId, 'must be JSON {"username","password"}', `secret "${secretId}": SecretString is not JSON; expected {"username","password"}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(secretId, 'must be a JSON object {"username","password"}', `secret "${secretId}": SecretString is not a JSON object; expected {"username","password"}`);
  }
  const record = value as Record<string, unknown>;
  const credentials = { username: requireField(record, 'username', secretId), password: requireField(record, 'password', secretId) };
  revealed.add(credentials.password);
  return credentials;
}

function requireField(record: Record<string, unknown>, field: 'username' | 'password', secretId: string): string {
  const item = record[field];
  if (typeof item !== 'string' || item.length === 0) {
    throw new ValidationError(field, 'must be a non-empty string', `secret "${secretId}": field "${field}" must be a non-empty string`);
  }
  return item;
}

/** Replaces every secret value read so far (and any `user:password@` in a URL) with `***`. */
export function redactSecrets(text: string): string {
  let out = text.replace(/(\/\/)[^/@\s:]*:[^/@\s]*@/g, '$1***@');
  for (const secret of revealed) {
    // Values shorter than 4 characters would scrub ordinary words; no broker password is that short.
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
