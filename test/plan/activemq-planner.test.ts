import { collectActiveMqInventory } from '../../src/engines/activemq/inventory.js';
import { parseXml } from '../../src/engines/activemq/xml-tree.js';
import { isPermittedAttribute, isPermittedChild } from '../../src/amazonmq/activemq-rules.js';
import type { ActiveMqInventory } from '../../src/model/activemq-inventory.js';
import { ValidationError } from '../../src/model/errors.js';
import { unacceptedBlockers } from '../../src/model/plan.js';
import { convertActiveMqConfiguration, planActiveMqMigration } from '../../src/plan/activemq-planner.js';
import { sampleActiveMqBundle } from '../../src/local/seed/activemq-sample.js';

const NOW = () => new Date('2026-12-01T12:00:00Z');

async function sampleInventory(): Promise<ActiveMqInventory> {
  return collectActiveMqInventory({ config: sampleActiveMqBundle(), now: NOW });
}

function codesAt(plan: { findings: { code: string; object?: { key: string } }[] }, code: string): string[] {
  return plan.findings.filter((f) => f.code === code).map((f) => f.object?.key ?? '');
}

/** Every element and attribute of a converted document is on Amazon MQ's lists. */
function assertOnlyPermitted(xml: string) {
  const root = parseXml(xml, 'converted');
  const walk = (element: ReturnType<typeof parseXml>) => {
    for (const attribute of Object.keys(element.attrs)) expect([element.name, attribute, isPermittedAttribute(element.name, attribute)]).toEqual([element.name, attribute, true]);
    for (const child of element.children) {
      expect([element.name, child.name, isPermittedChild(element.name, child.name)]).toEqual([element.name, child.name, true]);
      walk(child);
    }
  };
  walk(root);
}

describe('convertActiveMqConfiguration', () => {
  it('grants the administrator group every authorization entry (not wildcard ones, not the Spring property element)', () => {
    const broker = `<broker xmlns="http://activemq.apache.org/schema/core"><plugins><authorizationPlugin><map><authorizationMap>
      <authorizationEntries>
        <authorizationEntry queue="orders.>" read="readers" write="writers" admin="admins"/>
        <authorizationEntry topic="ActiveMQ.Advisory.>" read="*" write="*" admin="*"/>
        <authorizationEntry queue="ops.>" read="admin,ops" write="admin" admin="admin"/>
      </authorizationEntries>
      <tempDestinationAuthorizationEntry><tempDestinationAuthorizationEntry read="tmp" write="tmp" admin="tmp"/></tempDestinationAuthorizationEntry>
    </authorizationMap></map></authorizationPlugin></plugins></broker>`;

    const converted = convertActiveMqConfiguration(broker);

    expect(converted.xml).toContain('queue="orders.&gt;" read="readers,admin" write="writers,admin" admin="admins,admin"');
    expect(converted.xml).toContain('read="*" write="*" admin="*"');
    expect(converted.xml).toContain('queue="ops.&gt;" read="admin,ops" write="admin" admin="admin"');
    expect(converted.xml).toContain('<tempDestinationAuthorizationEntry>\n');
    expect(converted.xml).toContain('<tempDestinationAuthorizationEntry read="tmp,admin" write="tmp,admin" admin="tmp,admin"/>');
    expect(converted.findings.filter((f) => f.code === 'AMQ-ADMIN-GROUP-GRANTED').map((f) => f.message)).toEqual([expect.stringMatching(/^2 authorization entries now also grant the "admin" group/)]);
  });

  it('keeps destination policies, authorization, virtual destinations, permitted plugins and destinations', async () => {
    const inventory = await sampleInventory();
    const converted = convertActiveMqConfiguration(inventory.activemq.configuration?.brokerXml ?? '', { brokerPath: '/beans/broker' });
    assertOnlyPermitted(converted.xml);
    expect(converted.xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8" standalone="yes"\?>\n<broker xmlns="http:\/\/activemq.apache.org\/schema\/core" schedulerSupport="true"/);
    for (const kept of ['<policyEntry queue="orders.&gt;" prioritizedMessages="true"', '<individualDeadLetterStrategy queuePrefix="DLQ."', '<cachedMessageGroupMapFactory cacheSize="2048"/>',
      '<authorizationEntry queue="billing.&gt;"', '<virtualTopic name="VirtualTopic.&gt;"', '<compositeQueue name="orders.all">', '<redeliveryPlugin', '<timeStampingBrokerPlugin', '<statisticsBrokerPlugin/>',
      '<queue physicalName="billing.invoices"/>', '<networkConnector name="dc2-bridge"', '<systemUsage sendFailIfNoSpaceAfterTimeout="3000"/>', '<transportConnector name="openwire" updateClusterClients="true" rebalanceClusterClients="true"/>']) {
      expect(converted.xml).toContain(kept);
    }
    for (const dropped of ['jdbcPersistenceAdapter', 'jaasAuthenticationPlugin', 'loggingBrokerPlugin', 'managementContext', 'shutdownHooks', 'password=', 'uri="tcp://', 'memoryUsage', 'brokerName=', 'dataDirectory=', 'storeUsage limit']) {
      expect(converted.xml).not.toContain(dropped);
    }
    const codes = new Map(converted.findings.map((f) => [f.object?.key, f.code]));
    expect(codes.get('/beans/broker/persistenceAdapter/jdbcPersistenceAdapter')).toBe('AMQ-PERSISTENCE-NOT-KAHADB');
    expect(codes.get('/beans/broker/plugins/loggingBrokerPlugin')).toBe('AMQ-PLUGIN-NOT-PERMITTED');
    expect(codes.get('/beans/broker/plugins/jaasAuthenticationPlugin')).toBe('AMQ-AUTH-PLUGIN-REPLACED');
    expect(codes.get('/beans/broker/networkConnectors/networkConnector/@password')).toBe('AMQ-NETWORK-CONNECTOR-CREDENTIALS');
    expect(codes.get('/beans/broker/transportConnectors/transportConnector[2]')).toBe('AMQ-TRANSPORT-CONNECTOR-URI');
    expect(codes.get('/beans/broker/shutdownHooks')).toBe('AMQ-ELEMENT-NOT-PERMITTED');
    expect(converted.findings.every((f) => f.fix.length > 0)).toBe(true);
  });

  it('is stable: converting the converted configuration changes nothing more', async () => {
    const inventory = await sampleInventory();
    const once = convertActiveMqConfiguration(inventory.activemq.configuration?.brokerXml ?? '');
    const body = once.xml.replace(/^<\?xml[^>]*\?>\n/, '');
    const twice = convertActiveMqConfiguration(body);
    expect(twice.xml).toBe(once.xml);
    expect(twice.findings.filter((f) => f.code !== 'AMQ-TRANSPORT-CONNECTOR-URI' && f.code !== 'AMQ-NETWORK-CONNECTOR-URI')).toEqual([]);
  });
});

describe('planActiveMqMigration', () => {
  it('proposes the target and plans users with kept and generated passwords', async () => {
    const plan = planActiveMqMigration(await sampleInventory(), {}, NOW);
    expect(plan.target).toEqual({ engineType: 'ACTIVEMQ', engineVersion: '5.19', deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ', instanceType: 'mq.m5.large', storageType: 'EFS' });
    const users = Object.fromEntries(plan.users.map((u) => [u.username, u.password]));
    expect(users.admin).toEqual({ source: 'kept' });
    expect(users.reporting).toEqual({ source: 'kept' });
    expect(users['order-service']).toEqual({ source: 'generated', secretName: 'mq-migrate/activemq-users/order-service', reason: expect.stringMatching(/min-length-12/) });
    expect(users['billing-svc']).toEqual(expect.objectContaining({ source: 'generated', reason: expect.stringMatching(/no-colon/) }));
    expect(users['legacy-batch']).toEqual(expect.objectContaining({ source: 'generated', reason: expect.stringMatching(/encrypted/) }));
    expect(plan.users.find((u) => u.username === 'order-service')?.groups).toEqual(['order-readers', 'order-writers']);
    // The plan and its findings never carry a password.
    const text = JSON.stringify(plan);
    for (const secret of ['Billing:Secret-99', 'Adm1n-Passw0rd-2024', 'Rep0rting-Readonly', 'Br1dge-Secret-2024']) expect(text).not.toContain(secret);
    expect(text).not.toContain('"orders"');
    expect(codesAt(plan, 'AMQ-USER-PASSWORD-GENERATED')).toEqual(['user:order-service', 'user:billing-svc', 'user:legacy-batch']);
    expect(codesAt(plan, 'AMQ-SPRING-BEAN')).toEqual(['activemq.xml:/beans/bean[2]', 'activemq.xml:/beans/bean[3]']);
    expect(unacceptedBlockers(plan)).toEqual([]);
  });

  it('blocks storage and instance choices Amazon MQ refuses', async () => {
    const inventory = await sampleInventory();
    expect(codesAt(planActiveMqMigration(inventory, { storageType: 'EBS' }, NOW), 'AMQ-STORAGE-NOT-ALLOWED')).toHaveLength(1);
    expect(codesAt(planActiveMqMigration(inventory, { storageType: 'EBS', deploymentMode: 'SINGLE_INSTANCE', instanceType: 'mq.t3.micro' }, NOW), 'AMQ-STORAGE-NOT-ALLOWED')).toHaveLength(1);
    expect(codesAt(planActiveMqMigration(inventory, { storageType: 'EBS', deploymentMode: 'SINGLE_INSTANCE' }, NOW), 'AMQ-STORAGE-NOT-ALLOWED')).toHaveLength(0);
    expect(codesAt(planActiveMqMigration(inventory, { instanceType: 'mq.t3.micro' }, NOW), 'AMQ-INSTANCE-TYPE-SINGLE-ONLY')).toHaveLength(1);
    expect(() => planActiveMqMigration(inventory, { engineVersion: '5.15' }, NOW)).toThrow(ValidationError);
    expect(planActiveMqMigration(inventory, { engineVersion: '5.18.4' }, NOW).target.engineVersion).toBe('5.18');
  });

  it('decides per durable subscription, and reports scheduled messages and groups', async () => {
    const inventory = await sampleInventory();
    inventory.activemq.durableSubscriptions = [
      { clientId: 'audit', subscriptionName: 'a1', topic: 'billing.events', noLocal: false, active: false, pendingQueueSize: 5, selector: "region = 'eu'" },
      { clientId: 'x', subscriptionName: 's1', topic: 'orders.events', noLocal: false, active: false, pendingQueueSize: 3 },
      { clientId: 'y', subscriptionName: 's2', topic: 'orders.events', noLocal: false, active: true, pendingQueueSize: 0 },
      { clientId: 'z', subscriptionName: 'v', topic: 'VirtualTopic.prices', noLocal: false, active: false, pendingQueueSize: 2 },
    ];
    inventory.activemq.scheduler = { enabled: true, scheduledMessageCount: 4, delayedMessageCount: 4, repeatingJobs: 0 };
    const plan = planActiveMqMigration(inventory, {}, NOW);
    expect(plan.messages.durableSubscriptions.map((d) => [d.clientId, d.treatment])).toEqual([['audit', 'recreate-and-deliver'], ['x', 'blocked'], ['y', 'recreate'], ['z', 'blocked']]);
    expect(plan.messages.durableSubscriptions[0]?.selector).toBe("region = 'eu'");
    expect(unacceptedBlockers(plan).map((f) => f.code)).toEqual(['AMQ-DURABLE-PENDING-SHARED', 'AMQ-DURABLE-PENDING-SHARED']);
    expect(unacceptedBlockers({ ...plan, options: { ...plan.options, acceptFindings: ['AMQ-DURABLE-PENDING-SHARED'] } })).toEqual([]);
    expect(plan.messages.scheduled).toEqual({ count: 4, treatment: 'drain-when-due' });
    expect(codesAt(plan, 'AMQ-MESSAGE-GROUPS')).toHaveLength(1);
    expect(codesAt(plan, 'AMQ-VIRTUAL-TOPIC')).toHaveLength(1);
    inventory.activemq.scheduler.repeatingJobs = 1;
    expect(planActiveMqMigration(inventory, {}, NOW).messages.scheduled.treatment).toBe('blocked');
  });

  it('blocks invalid usernames, too many groups and too many users', async () => {
    const inventory = await sampleInventory();
    inventory.activemq.users = [
      { username: 'bad name!', password: 'Long-enough-pass-1', passwordState: 'plain', groups: [], from: 'users.properties' },
      { username: 'member', password: 'Long-enough-pass-1', passwordState: 'plain', groups: Array.from({ length: 21 }, (_, i) => `g${i}`), from: 'users.properties' },
      ...Array.from({ length: 250 }, (_, i) => ({ username: `u${i}x`, password: 'Long-enough-pass-1', passwordState: 'plain' as const, groups: ['g'], from: 'users.properties' })),
    ];
    const plan = planActiveMqMigration(inventory, {}, NOW);
    expect(unacceptedBlockers(plan).map((f) => f.code)).toEqual(['AMQ-TOO-MANY-USERS', 'AMQ-USERNAME-INVALID', 'AMQ-USER-TOO-MANY-GROUPS']);
  });
});
