import {
  listAmazonMqPasswordViolations,
  validateAmazonMqPassword,
  validateAmazonMqUsername,
} from '../../src/amazonmq/user-rules.js';
import * as rules from '../../src/amazonmq/rabbitmq-rules.js';

describe('validateAmazonMqPassword', () => {
  it('accepts a 12-character password with enough distinct characters', () => {
    expect(validateAmazonMqPassword('correct-horse')).toEqual({ ok: true });
  });

  it('rejects an 11-character password, naming the length rule', () => {
    expect(validateAmazonMqPassword('abcdefghijk')).toMatchObject({ ok: false, rule: 'min-length-12' });
  });

  it('rejects a long password made of fewer than 4 distinct characters', () => {
    expect(validateAmazonMqPassword('abcabcabcabcabc')).toMatchObject({ ok: false, rule: 'min-unique-characters-4' });
    expect(validateAmazonMqPassword('abcdabcdabcd')).toEqual({ ok: true });
  });

  it('counts distinct characters by code point, not UTF-16 unit', () => {
    // three emoji repeated: 3 unique code points although each is 2 UTF-16 units
    expect(validateAmazonMqPassword('😀😁😂😀😁😂😀😁😂😀😁😂')).toMatchObject({ rule: 'min-unique-characters-4' });
  });

  it('rejects a password with a colon, naming the rule', () => {
    const result = validateAmazonMqPassword('user:password-123');
    expect(result).toMatchObject({ ok: false, rule: 'no-colon' });
    if (!result.ok) expect(result.message).toMatch(/colon/);
  });

  it('rejects commas and equal signs with their own rule names', () => {
    expect(validateAmazonMqPassword('a,very-long-secret')).toMatchObject({ rule: 'no-comma' });
    expect(validateAmazonMqPassword('a=very-long-secret')).toMatchObject({ rule: 'no-equals-sign' });
  });

  it('lists every broken rule, in order', () => {
    expect(listAmazonMqPasswordViolations(',:=')).toEqual(['min-length-12', 'min-unique-characters-4', 'no-comma', 'no-colon', 'no-equals-sign']);
  });

  it('applies the ActiveMQ-only length cap and ASCII rule only when asked', () => {
    const long = 'abcd'.repeat(63); // 252 characters
    expect(validateAmazonMqPassword(long)).toEqual({ ok: true });
    expect(validateAmazonMqPassword(long, { engine: 'ACTIVEMQ' })).toMatchObject({ rule: 'max-length-250' });
    expect(validateAmazonMqPassword('pässwörd-long-1', { engine: 'ACTIVEMQ' })).toMatchObject({ rule: 'ascii-printable' });
    expect(validateAmazonMqPassword('pässwörd-long-1', { engine: 'RABBITMQ' })).toEqual({ ok: true });
  });
});

describe('validateAmazonMqUsername', () => {
  it('accepts letters, digits, dashes, periods and underscores for RabbitMQ', () => {
    expect(validateAmazonMqUsername('svc.orders-api_2')).toEqual({ ok: true });
  });

  it('rejects a tilde for RabbitMQ but accepts it for ActiveMQ', () => {
    expect(validateAmazonMqUsername('ops~team')).toMatchObject({ ok: false, rule: 'username-no-tilde' });
    expect(validateAmazonMqUsername('ops~team', 'ACTIVEMQ')).toEqual({ ok: true });
  });

  it('rejects the guest user on RabbitMQ only, and only that exact name', () => {
    expect(validateAmazonMqUsername('guest')).toMatchObject({ ok: false, rule: 'username-guest-prohibited' });
    expect(validateAmazonMqUsername('guest', 'ACTIVEMQ')).toEqual({ ok: true });
    expect(validateAmazonMqUsername('guest-reader')).toEqual({ ok: true });
  });

  it('rejects the system user Amazon MQ creates on RabbitMQ brokers', () => {
    expect(validateAmazonMqUsername('monitoring-AWS-OWNED-DO-NOT-DELETE')).toMatchObject({ rule: 'username-reserved-by-amazon-mq' });
  });

  it('enforces 2-100 characters', () => {
    expect(validateAmazonMqUsername('a')).toMatchObject({ rule: 'username-length-2-100' });
    expect(validateAmazonMqUsername('ab')).toEqual({ ok: true });
    expect(validateAmazonMqUsername('a'.repeat(100))).toEqual({ ok: true });
    expect(validateAmazonMqUsername('a'.repeat(101))).toMatchObject({ rule: 'username-length-2-100' });
  });

  it('rejects spaces, @ and other characters outside the allowed set', () => {
    for (const name of ['john doe', 'john@example.com', 'a/b', 'a:b']) {
      expect(validateAmazonMqUsername(name)).toMatchObject({ ok: false, rule: 'username-charset' });
      expect(validateAmazonMqUsername(name, 'ACTIVEMQ')).toMatchObject({ ok: false, rule: 'username-charset' });
    }
  });
});

describe('re-export', () => {
  it('exposes the user rules through rabbitmq-rules', () => {
    expect(rules.validateAmazonMqPassword).toBe(validateAmazonMqPassword);
    expect(rules.validateAmazonMqUsername).toBe(validateAmazonMqUsername);
  });
});
