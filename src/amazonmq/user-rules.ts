/**
 * Amazon MQ broker-user rules (usernames and passwords), for both engines.
 *
 * Sources (researched from stored copies of the AWS documentation; re-check before relying on a
 * rule that is marked "undocumented"):
 *  - Amazon MQ API reference, `User` object (mirrored verbatim in the AWS SDK docs, e.g.
 *    https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/mq/aws.sdk.kotlin.services.mq.model/-user/username.html
 *    and https://docs.aws.amazon.com/sdk-for-sap-abap/v1/api/latest/mq/model/_AWS1_CL_MQ_USER.html):
 *      password: "at least 12 characters long, must contain at least 4 unique characters, and must
 *      not contain commas, colons, or equal signs (,:=)".
 *      username (ActiveMQ): "only alphanumeric characters, dashes, periods, underscores, and tildes
 *      (- . _ ~) ... 2-100 characters long".
 *      username (RabbitMQ): "only alphanumeric characters, dashes, periods, underscores (- . _) ...
 *      must not contain a tilde (~) ... Amazon MQ prohibits using guest as a valid username ...
 *      2-100 characters long".
 *  - AWS CloudFormation, "AWS::AmazonMQ::Broker User"
 *    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-amazonmq-broker-user.html):
 *      same password wording.
 *  - Amazon MQ Developer Guide, "Quotas in Amazon MQ", Users table for ActiveMQ brokers
 *    (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-limits.html):
 *      password 12-250 characters, ASCII printable set only, at least 4 unique characters, no comma;
 *      username 1-100 characters (the API reference says 2-100; we apply the stricter 2).
 *  - Amazon MQ Developer Guide, "Amazon MQ for RabbitMQ broker users" / "Simple authentication and
 *    authorization" (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-basic-elements-user.html):
 *      "does not support the username "guest", and will delete the default guest account ...
 *      will also periodically delete any customer created account called "guest"";
 *      supported user tags: administrator, management, monitoring, policymaker.
 *  - Amazon MQ Developer Guide, "LDAP authentication and authorization for Amazon MQ for RabbitMQ"
 *    (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/ldap-for-amq-for-rabbitmq.html):
 *      Amazon MQ creates a protected system user `monitoring-AWS-OWNED-DO-NOT-DELETE`.
 */

export type AmazonMqEngine = 'RABBITMQ' | 'ACTIVEMQ';

/** Identifiers of the password rules, stable so callers (and reports) can name the broken rule. */
export type PasswordRule =
  | 'min-length-12'
  | 'min-unique-characters-4'
  | 'no-comma'
  | 'no-colon'
  | 'no-equals-sign'
  /** ActiveMQ quota page only: 12-250 characters. */
  | 'max-length-250'
  /** ActiveMQ quota page only: characters from the ASCII printable set. */
  | 'ascii-printable';

export type UsernameRule =
  | 'username-length-2-100'
  | 'username-no-tilde'
  | 'username-charset'
  | 'username-guest-prohibited'
  | 'username-reserved-by-amazon-mq';

export type RuleResult<R extends string> = { ok: true } | { ok: false; rule: R; message: string };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MIN_UNIQUE_CHARACTERS = 4;
/** Characters the API reference forbids in any broker-user password, for both engines. */
export const PASSWORD_FORBIDDEN_CHARACTERS = [',', ':', '='] as const;
/** From the ActiveMQ "Users" quota table; no upper bound is documented for RabbitMQ passwords. */
export const ACTIVEMQ_PASSWORD_MAX_LENGTH = 250;

export const USERNAME_MIN_LENGTH = 2;
export const USERNAME_MAX_LENGTH = 100;

/** Usernames Amazon MQ for RabbitMQ will not let a migrated user keep. Compared exactly (RabbitMQ usernames are case-sensitive). */
export const RABBITMQ_PROHIBITED_USERNAMES = ['guest'] as const;
/** System users Amazon MQ creates itself on RabbitMQ brokers; a migrated user of that name would collide. */
export const RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES = ['monitoring-AWS-OWNED-DO-NOT-DELETE'] as const;
/** User tags Amazon MQ for RabbitMQ supports ("Amazon MQ for RabbitMQ broker users"). */
export const AMAZON_MQ_RABBITMQ_USER_TAGS = ['administrator', 'management', 'monitoring', 'policymaker'] as const;

const RABBITMQ_USERNAME_CHARS = /^[A-Za-z0-9._-]+$/;
const ACTIVEMQ_USERNAME_CHARS = /^[A-Za-z0-9._~-]+$/;
const ASCII_PRINTABLE = /^[\x20-\x7E]*$/;

const PASSWORD_MESSAGES: Record<PasswordRule, string> = {
  'min-length-12': `must be at least ${PASSWORD_MIN_LENGTH} characters long`,
  'min-unique-characters-4': `must contain at least ${PASSWORD_MIN_UNIQUE_CHARACTERS} unique characters`,
  'no-comma': 'must not contain a comma (,)',
  'no-colon': 'must not contain a colon (:)',
  'no-equals-sign': 'must not contain an equal sign (=)',
  'max-length-250': `must be at most ${ACTIVEMQ_PASSWORD_MAX_LENGTH} characters long (ActiveMQ)`,
  'ascii-printable': 'must contain only ASCII printable characters (ActiveMQ)',
};

/**
 * Every password rule the value breaks, in a fixed order. The shared rules (API reference) apply to
 * both engines; the length cap and ASCII-printable rule come from the ActiveMQ quota table only and
 * are checked when `engine` is 'ACTIVEMQ'.
 */
export function listAmazonMqPasswordViolations(password: string, options: { engine?: AmazonMqEngine } = {}): PasswordRule[] {
  const broken: PasswordRule[] = [];
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH) broken.push('min-length-12');
  if (new Set(chars).size < PASSWORD_MIN_UNIQUE_CHARACTERS) broken.push('min-unique-characters-4');
  if (password.includes(',')) broken.push('no-comma');
  if (password.includes(':')) broken.push('no-colon');
  if (password.includes('=')) broken.push('no-equals-sign');
  if (options.engine === 'ACTIVEMQ') {
    if (chars.length > ACTIVEMQ_PASSWORD_MAX_LENGTH) broken.push('max-length-250');
    if (!ASCII_PRINTABLE.test(password)) broken.push('ascii-printable');
  }
  return broken;
}

/** Checks a broker-user password; on failure names the first rule broken. */
export function validateAmazonMqPassword(password: string, options: { engine?: AmazonMqEngine } = {}): RuleResult<PasswordRule> {
  const [rule] = listAmazonMqPasswordViolations(password, options);
  return rule === undefined ? { ok: true } : { ok: false, rule, message: `password ${PASSWORD_MESSAGES[rule]}` };
}

/**
 * Checks a broker username against the documented rules of the given engine (RabbitMQ by default,
 * since this project migrates RabbitMQ users onto Amazon MQ for RabbitMQ).
 */
export function validateAmazonMqUsername(username: string, engine: AmazonMqEngine = 'RABBITMQ'): RuleResult<UsernameRule> {
  const fail = (rule: UsernameRule, message: string): RuleResult<UsernameRule> => ({ ok: false, rule, message });
  const length = [...username].length;
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH) {
    return fail('username-length-2-100', `username must be ${USERNAME_MIN_LENGTH}-${USERNAME_MAX_LENGTH} characters long`);
  }
  if (engine === 'RABBITMQ') {
    if (username.includes('~')) return fail('username-no-tilde', 'RabbitMQ usernames must not contain a tilde (~)');
    if (!RABBITMQ_USERNAME_CHARS.test(username)) {
      return fail('username-charset', 'RabbitMQ usernames may contain only letters, digits, dashes, periods and underscores');
    }
    if ((RABBITMQ_PROHIBITED_USERNAMES as readonly string[]).includes(username)) {
      return fail('username-guest-prohibited', 'Amazon MQ for RabbitMQ prohibits the username "guest" (and deletes such accounts)');
    }
    if ((RABBITMQ_AMAZON_MQ_SYSTEM_USERNAMES as readonly string[]).includes(username)) {
      return fail('username-reserved-by-amazon-mq', `"${username}" is a system user Amazon MQ creates and protects`);
    }
    return { ok: true };
  }
  if (!ACTIVEMQ_USERNAME_CHARS.test(username)) {
    return fail('username-charset', 'ActiveMQ usernames may contain only letters, digits, dashes, periods, underscores and tildes');
  }
  return { ok: true };
}
