import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { getBrokerCredentials, redactSecrets } from '../../src/aws/secrets.js';
import { ValidationError } from '../../src/model/errors.js';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET_ID = 'mq-migrate/orders-dc1/source';
const PASSWORD = 'orders-Admin-Secret-2024';

beforeEach(() => secretsMock.reset());

async function failure(secretString: string | undefined): Promise<ValidationError> {
  secretsMock.on(GetSecretValueCommand).resolves(secretString === undefined ? { SecretBinary: new Uint8Array([1, 2]) } : { SecretString: secretString });
  const error = await getBrokerCredentials(SECRET_ID).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('getBrokerCredentials', () => {
  it('reads {"username","password"} from the secret it is asked for', async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify({ username: 'migrator', password: PASSWORD, engine: 'rabbitmq' }) });

    await expect(getBrokerCredentials(SECRET_ID)).resolves.toEqual({ username: 'migrator', password: PASSWORD });
  });

  it('names the missing field without printing the secret', async () => {
    const error = await failure(JSON.stringify({ user: 'migrator', password: PASSWORD }));

    expect(error.field).toBe('username');
    expect(error.message).toContain(SECRET_ID);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('names a password of the wrong type without printing it', async () => {
    const error = await failure(JSON.stringify({ username: 'migrator', password: 12345678 }));

    expect(error.field).toBe('password');
    expect(error.message).not.toContain('12345678');
  });

  it('refuses a secret that is not JSON without quoting it or keeping the parser error', async () => {
    const error = await failure(`migrator:${PASSWORD}`);

    expect(error.rule).toMatch(/JSON/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.cause).toBeUndefined();
  });

  it('refuses JSON that is not an object, and a binary secret', async () => {
    expect((await failure('["migrator"]')).rule).toMatch(/object/);
    expect((await failure(undefined)).rule).toMatch(/SecretString/);
  });

  it('turns a secret that does not exist into a ValidationError naming the secret', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));

    await expect(getBrokerCredentials(SECRET_ID)).rejects.toMatchObject({ name: 'ValidationError', field: SECRET_ID });
  });

  it('lets access denied through with its AWS name', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    await expect(getBrokerCredentials('other/secret')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('redactSecrets', () => {
  it('scrubs every password read so far and credentials embedded in URLs', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'migrator', password: PASSWORD }) });
    await getBrokerCredentials(SECRET_ID);

    const text = redactSecrets(`login failed for migrator/${PASSWORD} via amqp://fed:fed-Secret-2024@dc2.example.internal:5672/orders`);

    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('fed-Secret-2024');
    expect(text).toContain('amqp://***@dc2.example.internal:5672/orders');
    expect(text).toContain('migrator');
  });
});
