import { activeMqDriftBetween } from '../../../src/engines/activemq/drift.js';
import { collectActiveMqInventory } from '../../../src/engines/activemq/inventory.js';
import { sampleActiveMqBundle } from '../../../src/local/seed/activemq-sample.js';
import { planActiveMqMigration } from '../../../src/plan/activemq-planner.js';

const plan = planActiveMqMigration(await collectActiveMqInventory({ config: sampleActiveMqBundle() }));
const ADMIN = 'migration-admin';
/** The target as replication leaves it: the plan's configuration and users, plus its administrator. */
const replicated = () => ({
  configurationXml: plan.configuration.xml,
  users: [{ username: ADMIN, groups: ['admin'] }, ...plan.users.map((u) => ({ username: u.username, groups: [...u.groups] }))],
});

describe('activeMqDriftBetween', () => {
  it('finds none on a replicated target, whatever its XML layout, attribute and group order', () => {
    // Prepare: the same configuration re-indented, attributes reordered, a comment added.
    const target = replicated();
    target.configurationXml = target.configurationXml
      .replace('<destinationPolicy>', '<!-- edited in the console -->\n      <destinationPolicy>')
      .replace('<queue physicalName="orders.in"/>', '<queue   physicalName="orders.in" />')
      .replace('read="admins,billing" write="admins,billing" admin="admins,billing"', 'admin="admins,billing" write="admins,billing" read="admins,billing"')
      .replace(/\n {2}/g, '\n\t');
    const orderService = target.users.find((u) => u.username === 'order-service');
    orderService?.groups.reverse();

    // Act
    const drift = activeMqDriftBetween(plan, target, { adminUser: ADMIN });

    // Assess: broker attributes, top-level elements, 3 destinations and 5 users all unchanged.
    expect(drift).toEqual({ differences: [], byType: {}, unchanged: expect.any(Number) });
    const attributes = 6;
    const elements = ['destinationPolicy', 'destinationInterceptors', 'plugins', 'systemUsage', 'networkConnectors', 'transportConnectors'].length;
    expect(drift.unchanged).toBe(attributes + elements + 3 + plan.users.length);
  });

  it('names missing, different and extra users, destinations and configuration parts', () => {
    const target = replicated();
    target.users = target.users.filter((u) => u.username !== 'reporting');
    target.users.push({ username: 'created-by-hand', groups: ['admins'] });
    const billing = target.users.find((u) => u.username === 'billing-svc');
    if (billing) billing.groups = ['billing', 'admins'];
    target.configurationXml = target.configurationXml
      .replace('<queue physicalName="billing.invoices"/>', '<queue physicalName="billing.archive"/>')
      .replace('maximumRedeliveries="4"', 'maximumRedeliveries="6"')
      .replace(' schedulerSupport="true"', '')
      .replace('<systemUsage>\n    <systemUsage sendFailIfNoSpaceAfterTimeout="3000"/>\n  </systemUsage>\n', '')
      .replace('</broker>', '  <destinations><topic physicalName="extra.events"/></destinations>\n</broker>');

    const drift = activeMqDriftBetween(plan, target, { adminUser: ADMIN });

    expect(drift.differences).toEqual(
      expect.arrayContaining([
        { kind: 'missing-on-target', type: 'user', object: 'user "reporting"' },
        { kind: 'only-on-target', type: 'user', object: 'user "created-by-hand"' },
        { kind: 'different', type: 'user', object: 'user "billing-svc"' },
        { kind: 'missing-on-target', type: 'destination', object: 'queue "billing.invoices"' },
        { kind: 'only-on-target', type: 'destination', object: 'queue "billing.archive"' },
        // A second <destinations> element counts by its entries, like the first.
        { kind: 'only-on-target', type: 'destination', object: 'topic "extra.events"' },
        { kind: 'different', type: 'configuration', object: 'configuration <plugins>' },
        { kind: 'missing-on-target', type: 'configuration', object: 'configuration <broker @schedulerSupport>' },
        { kind: 'missing-on-target', type: 'configuration', object: 'configuration <systemUsage>' },
      ]),
    );
    expect(drift.differences).toHaveLength(9);
    expect(drift.byType).toEqual({ user: 3, destination: 3, configuration: 3 });
  });

  it('never counts the target administrator, on either side, and refuses a configuration that is not a <broker>', () => {
    const desired = { ...plan, users: [...plan.users, { username: ADMIN, groups: ['other'], password: { source: 'kept' as const } }] };
    expect(activeMqDriftBetween(desired, replicated(), { adminUser: ADMIN }).differences).toEqual([]);
    // With another administrator name, the same user is drift.
    expect(activeMqDriftBetween(plan, replicated(), { adminUser: 'someone-else' }).differences).toEqual([{ kind: 'only-on-target', type: 'user', object: `user "${ADMIN}"` }]);
    // A target without a configuration (never replicated): everything is missing.
    const empty = activeMqDriftBetween(plan, { configurationXml: '', users: [] }, { adminUser: ADMIN });
    expect(empty.unchanged).toBe(0);
    expect(empty.differences.every((d) => d.kind === 'missing-on-target')).toBe(true);
    expect(empty.byType).toEqual({ configuration: 12, destination: 3, user: plan.users.length });
    expect(() => activeMqDriftBetween(plan, { configurationXml: '<beans xmlns="http://www.springframework.org/schema/beans"/>', users: [] }, { adminUser: ADMIN })).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'target.configurationXml' }));
  });
});
