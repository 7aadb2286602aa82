import { XMLValidator } from 'fast-xml-parser';
import { composeActiveMqXml, sanitizeActiveMqConfiguration } from '../../../src/local/amazonmq/activemq-xml.js';
import { MqApiError, checkActiveMqXml, checkInstanceCombination, engineVersion } from '../../../src/local/amazonmq/validation.js';

const CONFIG = `<broker xmlns="http://activemq.apache.org/schema/core" brokerName="onprem" schedulePeriodForDestinationPurge="10000">
  <transportConnectors><transportConnector name="openwire" uri="tcp://0.0.0.0:61616"/></transportConnectors>
  <plugins>
    <simpleAuthenticationPlugin><users><authenticationUser username="x" password="y" groups="z"/></users></simpleAuthenticationPlugin>
    <authorizationPlugin><map><authorizationMap><authorizationEntries>
      <authorizationEntry queue="&gt;" read="admin" write="admin" admin="admin"/>
    </authorizationEntries></authorizationMap></map></authorizationPlugin>
  </plugins>
  <destinationPolicy><policyMap><policyEntries><policyEntry topic="&gt;"/></policyEntries></policyMap></destinationPolicy>
</broker>`;

describe('ActiveMQ configuration handling', () => {
  it('removes what Amazon MQ manages, with a warning for each', () => {
    expect(sanitizeActiveMqConfiguration(CONFIG).warnings).toEqual([
      { elementName: 'broker', attributeName: 'brokerName', reason: 'DISALLOWED_ATTRIBUTE_REMOVED' },
      { elementName: 'transportConnectors', reason: 'DISALLOWED_ELEMENT_REMOVED' },
      { elementName: 'simpleAuthenticationPlugin', reason: 'DISALLOWED_ELEMENT_REMOVED' },
    ]);
  });

  it('removes elements and attributes outside Amazon MQ\'s allow-list', () => {
    const xml = '<broker xmlns="http://activemq.apache.org/schema/core" bogus="1"><plugins><loggingBrokerPlugin/><redeliveryPlugin fallbackToDeadLetter="true" nope="x"/></plugins></broker>';
    expect(sanitizeActiveMqConfiguration(xml).warnings).toEqual([
      { elementName: 'broker', attributeName: 'bogus', reason: 'DISALLOWED_ATTRIBUTE_REMOVED' },
      { elementName: 'loggingBrokerPlugin', reason: 'DISALLOWED_ELEMENT_REMOVED' },
      { elementName: 'redeliveryPlugin', attributeName: 'nope', reason: 'DISALLOWED_ATTRIBUTE_REMOVED' },
    ]);
    const composed = composeActiveMqXml(xml, []);
    expect(composed).toContain('<redeliveryPlugin fallbackToDeadLetter="true"');
    expect(composed).not.toContain('loggingBrokerPlugin');
  });

  it('composes a full activemq.xml with the API users, the local connectors and the kept elements in alphabetical order', () => {
    const xml = composeActiveMqXml(CONFIG, [{ username: 'app-user', password: 'P&ss<word>"1', groups: ['admin', 'apps'] }]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<authenticationUser username="app-user" password="P&amp;ss&lt;word&gt;&quot;1" groups="admin,apps"/>');
    expect(xml).toContain('schedulePeriodForDestinationPurge="10000"');
    expect(xml).toContain('uri="stomp://127.0.0.1:${harness.stompPort}"');
    expect(xml).not.toContain('0.0.0.0:61616');
    expect(xml).not.toContain('username="x"');
    expect(xml).toContain('<authorizationEntry queue="&gt;" read="admin" write="admin" admin="admin"/>');
    const order = ['destinationPolicy', 'managementContext', 'persistenceAdapter', 'plugins', 'transportConnectors'].map((tag) => xml.indexOf(`<${tag}>`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('answers broken XML and a wrong root with BadRequestException on data', () => {
    for (const bad of ['<broker xmlns="http://activemq.apache.org/schema/core"><plugins></broker>', '<beans/>', '<broker/>']) {
      let error: unknown;
      try {
        checkActiveMqXml(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MqApiError);
      expect(error).toMatchObject({ type: 'BadRequestException', status: 400, errorAttribute: 'data' });
    }
  });
});

describe('Amazon MQ offering rules', () => {
  it('accepts patch versions of offered lines and refuses others', () => {
    expect(engineVersion('RABBITMQ', '3.13.7')).toBe('3.13.7');
    expect(engineVersion('RABBITMQ', undefined)).toBe('4.3');
    expect(() => engineVersion('ACTIVEMQ', '5.17')).toThrow(MqApiError);
  });

  it('checks engine, instance type, storage, deployment and version together', () => {
    expect(() => checkInstanceCombination('RABBITMQ', 'mq.m7g.large', 'EBS', 'CLUSTER_MULTI_AZ', '4.2')).not.toThrow();
    expect(() => checkInstanceCombination('RABBITMQ', 'mq.m5.large', 'EBS', 'SINGLE_INSTANCE', '4.2')).toThrow(/not supported on broker instance type/);
    expect(() => checkInstanceCombination('ACTIVEMQ', 'mq.m5.large', 'EBS', 'ACTIVE_STANDBY_MULTI_AZ', '5.18')).toThrow(/Deployment mode/);
    expect(() => checkInstanceCombination('ACTIVEMQ', 'mq.m7g.large', 'EFS', 'SINGLE_INSTANCE', '5.18')).toThrow(/instance type/);
  });
});
