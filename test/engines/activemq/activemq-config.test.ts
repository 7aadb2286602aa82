import { ValidationError } from '../../../src/model/errors.js';
import { INVENTORY_SCHEMA_VERSION } from '../../../src/model/inventory.js';
import { ACTIVEMQ_INVENTORY_SCHEMA_VERSION, ActiveMqInventory } from '../../../src/model/activemq-inventory.js';
import { collectActiveMqInventory } from '../../../src/engines/activemq/inventory.js';
import { parseActiveMqConfig } from '../../../src/engines/activemq/activemq-config.js';
import { parseJavaProperties, parseLoginConfig } from '../../../src/engines/activemq/jaas.js';
import { sampleActiveMqBundle, SAMPLE_ACTIVEMQ_XML } from '../../../src/local/seed/activemq-sample.js';

function bundleWith(files: Record<string, string | undefined>) {
  const bundle = sampleActiveMqBundle();
  for (const [name, text] of Object.entries(files)) {
    if (text === undefined) delete bundle.files[name];
    else bundle.files[name] = text;
  }
  return bundle;
}

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseActiveMqConfig', () => {
  it('reads the Spring-wrapped sample with placeholders, JAAS users and groups', () => {
    // Act
    const { configuration: c, users, groups } = parseActiveMqConfig(sampleActiveMqBundle());
    // Assess
    expect(c.brokerAttributes.brokerName).toBe('amq-prod-01');
    expect(c.brokerAttributes.dataDirectory).toBe('/var/lib/activemq');
    expect(c.placeholders.find((p) => p.name === 'broker.name')).toEqual({ name: 'broker.name', resolved: true, from: 'broker.properties' });
    expect(c.imports).toEqual(['jetty.xml (not provided; web console, not migrated)']);
    expect(c.persistence).toEqual([expect.objectContaining({ element: 'jdbcPersistenceAdapter', path: '/beans/broker/persistenceAdapter/jdbcPersistenceAdapter' })]);
    expect(c.connectors.filter((k) => k.kind === 'transport').map((k) => k.name)).toEqual(['openwire', 'amqp', 'stomp', 'ssl']);
    expect(c.connectors.find((k) => k.kind === 'network')).toEqual(expect.objectContaining({ name: 'dc2-bridge', userName: 'bridge', hasPassword: true }));
    expect(JSON.stringify(c)).not.toContain('Ora-St0re-Secret');
    expect(c.plugins.map((p) => p.element)).toEqual(['jaasAuthenticationPlugin', 'authorizationPlugin', 'redeliveryPlugin', 'timeStampingBrokerPlugin', 'loggingBrokerPlugin', 'statisticsBrokerPlugin']);
    expect(c.destinations.map((d) => `${d.type}:${d.name}`)).toEqual(['queue:orders.in', 'queue:billing.invoices', 'topic:orders.events']);
    expect(c.virtualDestinations.map((v) => v.kind)).toEqual(['virtualTopic', 'compositeQueue']);
    expect(c.virtualDestinations[1]?.forwardTo).toEqual([{ type: 'queue', name: 'orders.in' }, { type: 'topic', name: 'orders.events' }]);
    expect(c.policyEntries.map((p) => `${p.destinationType}:${p.destination}`)).toEqual(['topic:>', 'queue:orders.>', 'queue:audit.>']);
    expect(c.authorization).toHaveLength(7);
    expect(c.authentication).toBe('jaas');
    expect(c.springBeans.map((b) => b.className)).toEqual(['io.fabric8.insight.log.log4j.Log4jLogQuery', 'org.apache.commons.dbcp2.BasicDataSource']);
    expect(users.map((u) => [u.username, u.passwordState, u.groups])).toEqual([
      ['admin', 'plain', ['admins']],
      ['order-service', 'plain', ['order-readers', 'order-writers']],
      ['billing-svc', 'plain', ['billing']],
      ['reporting', 'plain', ['order-readers']],
      ['legacy-batch', 'encrypted', ['billing']],
    ]);
    expect(users.find((u) => u.username === 'billing-svc')?.password).toBe('Billing:Secret-99');
    expect(groups.find((g) => g.name === 'billing')?.members).toEqual(['billing-svc', 'legacy-batch']);
    expect(c.brokerXml).toMatch(/^<broker xmlns="http:\/\/activemq.apache.org\/schema\/core" brokerName="amq-prod-01"/);
    expect(c.brokerXml).toContain('maximumConnections=1000&amp;wireFormat');
  });

  it('reads a bare <broker> with simpleAuthenticationPlugin', () => {
    const xml = `<broker xmlns="http://activemq.apache.org/schema/core" brokerName="b1"><plugins><simpleAuthenticationPlugin><users>
      <authenticationUser username="app" password="short" groups="users,apps"/></users></simpleAuthenticationPlugin></plugins></broker>`;
    const { configuration, users } = parseActiveMqConfig({ files: { 'activemq.xml': xml } });
    expect(configuration.authentication).toBe('simple');
    expect(users).toEqual([{ username: 'app', password: 'short', passwordState: 'plain', groups: ['users', 'apps'], from: 'simpleAuthenticationPlugin' }]);
  });

  it('names file, line and column of truncated XML', () => {
    const error = validationError(() => parseActiveMqConfig(bundleWith({ 'activemq.xml': SAMPLE_ACTIVEMQ_XML.slice(0, 3000) })));
    expect(error.field).toMatch(/^activemq\.xml:\d+:\d+$/);
    expect(error.message).toMatch(/malformed XML/);
  });

  it('refuses an unknown namespace with the element path', () => {
    const xml = SAMPLE_ACTIVEMQ_XML.replace('<statisticsBrokerPlugin/>', '<x:auditPlugin xmlns:x="http://vendor.example/schema/amq"/>');
    const error = validationError(() => parseActiveMqConfig(bundleWith({ 'activemq.xml': xml })));
    expect(error.field).toBe('activemq.xml:/beans/broker/plugins/auditPlugin');
    expect(error.message).toMatch(/unknown namespace "http:\/\/vendor.example\/schema\/amq"/);
  });

  it('refuses an unresolved placeholder naming the attribute', () => {
    const error = validationError(() => parseActiveMqConfig(bundleWith({ 'broker.properties': 'broker.name=x\n' })));
    expect(error.field).toBe('activemq.xml:/beans/broker/managementContext/managementContext/@connectorPort');
    expect(error.message).toMatch(/\$\{jmx\.port\}/);
  });

  it('refuses missing JAAS files and a missing properties file by name', () => {
    expect(validationError(() => parseActiveMqConfig(bundleWith({ 'groups.properties': undefined }))).field).toBe('groups.properties');
    expect(validationError(() => parseActiveMqConfig(bundleWith({ 'login.config': undefined }))).field).toBe('login.config');
    expect(validationError(() => parseActiveMqConfig(bundleWith({ 'login.config': 'other { x required; };' }))).field).toBe('login.config:activemq');
    expect(validationError(() => parseActiveMqConfig(bundleWith({ 'credentials.properties': undefined }))).message).toMatch(/credentials\.properties/);
  });

  it('refuses a non-optional import that was not handed over', () => {
    const xml = SAMPLE_ACTIVEMQ_XML.replace('<import resource="jetty.xml"/>', '<import resource="camel.xml"/>');
    expect(validationError(() => parseActiveMqConfig(bundleWith({ 'activemq.xml': xml }))).field).toBe('activemq.xml:/beans/import/@resource');
  });
});

describe('JAAS files', () => {
  it('parses properties with escapes, continuations and separators', () => {
    const props = parseJavaProperties('# c\n! c2\na=1\nb : two\nc three\nd=long \\\n   value\ne\\:x=y\\u0041\n');
    expect([...props]).toEqual([['a', '1'], ['b', 'two'], ['c', 'three'], ['d', 'long value'], ['e:x', 'yA']]);
  });

  it('reports a login.config syntax error with its line', () => {
    expect(() => parseLoginConfig('activemq {\n  org.x.Module required\n   a="b"\n};', 'login.config')).toThrow(/^login\.config: line 4: expected/);
  });
});

describe('ActiveMqInventory', () => {
  it('shares the schema version of the RabbitMQ inventory envelope', () => {
    expect(ACTIVEMQ_INVENTORY_SCHEMA_VERSION).toBe(INVENTORY_SCHEMA_VERSION);
  });

  it('is collected from configuration alone and validates as a document', async () => {
    const inventory = await collectActiveMqInventory({ config: sampleActiveMqBundle(), now: () => new Date('2026-12-01T00:00:00Z') });
    expect(ActiveMqInventory.parse(JSON.parse(JSON.stringify(inventory)))).toEqual(inventory);
    expect(inventory.source).toEqual({ endpoint: 'file:activemq.xml', origin: 'activemq-xml', collectedAt: '2026-12-01T00:00:00.000Z' });
    expect(inventory.activemq.queues.map((q) => q.name)).toEqual(['billing.invoices', 'orders.in']);
    expect(inventory.activemq.scheduler).toEqual({ enabled: true });
    expect(inventory.broker.transportConnectors.openwire).toMatch(/^tcp:\/\/0\.0\.0\.0:61616/);
  });
});
