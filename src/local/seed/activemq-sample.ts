/**
 * A realistic on-premises ActiveMQ 5.x configuration, as shops write it: upstream's Spring
 * `<beans>` wrapper with a property placeholder configurer, a credentials file, an `<import>`,
 * destination policies, a JDBC persistence adapter (not allowed on Amazon MQ), transport and
 * network connectors with credentials, JAAS authentication with users/groups files, an
 * authorization map, virtual topics and composite queues, pre-created destinations, plugins in
 * and outside Amazon MQ's list, and a Spring bean. Used by tests and the demo.
 */
import type { ActiveMqConfigBundle } from '../../engines/activemq/activemq-config.js';

export const SAMPLE_ACTIVEMQ_XML = `<?xml version="1.0" encoding="UTF-8"?>
<!--
    Licensed to the Apache Software Foundation (ASF) ... (upstream header kept by most shops)
-->
<beans
  xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">

    <!-- Allows us to use system properties as variables in this configuration file -->
    <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
        <property name="locations">
            <list>
              <value>file:\${activemq.conf}/credentials.properties</value>
              <value>file:\${activemq.conf}/broker.properties</value>
            </list>
        </property>
    </bean>

    <!-- Allows accessing the server log -->
    <bean id="logQuery" class="io.fabric8.insight.log.log4j.Log4jLogQuery"
          lazy-init="false" scope="singleton"
          init-method="start" destroy-method="stop">
    </bean>

    <bean id="oracle-ds" class="org.apache.commons.dbcp2.BasicDataSource" destroy-method="close">
        <property name="driverClassName" value="oracle.jdbc.driver.OracleDriver"/>
        <property name="url" value="jdbc:oracle:thin:@db01.corp.example:1521:AMQ"/>
        <property name="username" value="\${db.user}"/>
        <property name="password" value="\${db.password}"/>
    </bean>

    <broker xmlns="http://activemq.apache.org/schema/core" brokerName="\${broker.name}" dataDirectory="\${activemq.data}"
            schedulerSupport="true" useJmx="true" advisorySupport="true" offlineDurableSubscriberTimeout="86400000"
            offlineDurableSubscriberTaskSchedule="3600000" populateJMSXUserID="true" useAuthenticatedPrincipalForJMSXUserID="true">

        <destinationPolicy>
            <policyMap>
              <policyEntries>
                <policyEntry topic=">" producerFlowControl="true" memoryLimit="1mb">
                  <pendingMessageLimitStrategy>
                    <constantPendingMessageLimitStrategy limit="1000"/>
                  </pendingMessageLimitStrategy>
                </policyEntry>
                <policyEntry queue="orders.>" prioritizedMessages="true" useCache="false" expireMessagesPeriod="30000" maxPageSize="500">
                  <deadLetterStrategy>
                    <individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" processExpired="false"/>
                  </deadLetterStrategy>
                  <messageGroupMapFactory>
                    <cachedMessageGroupMapFactory cacheSize="2048"/>
                  </messageGroupMapFactory>
                </policyEntry>
                <policyEntry queue="audit.>" storeUsageHighWaterMark="90" gcInactiveDestinations="true" inactiveTimoutBeforeGC="600000"/>
              </policyEntries>
            </policyMap>
        </destinationPolicy>

        <managementContext>
            <managementContext createConnector="true" connectorPort="\${jmx.port}"/>
        </managementContext>

        <destinationInterceptors>
            <virtualDestinationInterceptor>
                <virtualDestinations>
                    <virtualTopic name="VirtualTopic.>" prefix="Consumer.*." selectorAware="false"/>
                    <compositeQueue name="orders.all">
                        <forwardTo>
                            <queue physicalName="orders.in"/>
                            <topic physicalName="orders.events"/>
                        </forwardTo>
                    </compositeQueue>
                </virtualDestinations>
            </virtualDestinationInterceptor>
        </destinationInterceptors>

        <destinations>
            <queue physicalName="orders.in"/>
            <queue physicalName="billing.invoices"/>
            <topic physicalName="orders.events"/>
        </destinations>

        <persistenceAdapter>
            <jdbcPersistenceAdapter dataSource="#oracle-ds" lockKeepAlivePeriod="5000" createTablesOnStartup="false"/>
        </persistenceAdapter>

        <plugins>
            <jaasAuthenticationPlugin configuration="activemq"/>
            <authorizationPlugin>
                <map>
                    <authorizationMap>
                        <authorizationEntries>
                            <authorizationEntry queue=">" read="admins" write="admins" admin="admins"/>
                            <authorizationEntry queue="orders.>" read="admins,order-readers" write="admins,order-writers" admin="admins"/>
                            <authorizationEntry queue="billing.>" read="admins,billing" write="admins,billing" admin="admins,billing"/>
                            <authorizationEntry topic=">" read="admins" write="admins" admin="admins"/>
                            <authorizationEntry topic="orders.events" read="admins,order-readers" write="admins,order-writers" admin="admins,order-readers"/>
                            <authorizationEntry topic="ActiveMQ.Advisory.>" read="*" write="*" admin="*"/>
                        </authorizationEntries>
                        <tempDestinationAuthorizationEntry>
                            <tempDestinationAuthorizationEntry read="admins" write="admins" admin="admins"/>
                        </tempDestinationAuthorizationEntry>
                    </authorizationMap>
                </map>
            </authorizationPlugin>
            <redeliveryPlugin fallbackToDeadLetter="true" sendToDlqIfMaxRetriesExceeded="true">
                <redeliveryPolicyMap>
                    <redeliveryPolicyMap>
                        <defaultEntry>
                            <redeliveryPolicy maximumRedeliveries="4" initialRedeliveryDelay="5000" redeliveryDelay="10000"/>
                        </defaultEntry>
                    </redeliveryPolicyMap>
                </redeliveryPolicyMap>
            </redeliveryPlugin>
            <timeStampingBrokerPlugin ttlCeiling="86400000" zeroExpirationOverride="86400000"/>
            <loggingBrokerPlugin logAll="true" logConnectionEvents="true"/>
            <statisticsBrokerPlugin/>
        </plugins>

        <systemUsage>
            <systemUsage sendFailIfNoSpaceAfterTimeout="3000">
                <memoryUsage>
                    <memoryUsage percentOfJvmHeap="70"/>
                </memoryUsage>
                <storeUsage>
                    <storeUsage limit="100 gb"/>
                </storeUsage>
                <tempUsage>
                    <tempUsage limit="50 gb"/>
                </tempUsage>
            </systemUsage>
        </systemUsage>

        <networkConnectors>
            <networkConnector name="dc2-bridge" uri="static:(tcp://amq-dc2.corp.example:61616)" userName="\${bridge.user}" password="\${bridge.password}" duplex="true" networkTTL="2"/>
        </networkConnectors>

        <transportConnectors>
            <!-- DOS protection, limit concurrent connections to 1000 and frame size to 100MB -->
            <transportConnector name="openwire" uri="tcp://0.0.0.0:61616?maximumConnections=1000&amp;wireFormat.maxFrameSize=104857600"/>
            <transportConnector name="amqp" uri="amqp://0.0.0.0:5672?maximumConnections=1000&amp;wireFormat.maxFrameSize=104857600"/>
            <transportConnector name="stomp" uri="stomp://0.0.0.0:61613?maximumConnections=1000&amp;wireFormat.maxFrameSize=104857600"/>
            <transportConnector name="ssl" uri="ssl://0.0.0.0:61617?needClientAuth=false" updateClusterClients="true" rebalanceClusterClients="true"/>
        </transportConnectors>

        <shutdownHooks>
            <bean xmlns="http://www.springframework.org/schema/beans" class="org.apache.activemq.hooks.SpringContextHook" />
        </shutdownHooks>
    </broker>

    <!-- Enable web consoles, REST and Ajax APIs and demos -->
    <import resource="jetty.xml"/>
</beans>
`;

export const SAMPLE_CREDENTIALS_PROPERTIES = `# Credentials used by the broker's own connections (upstream's credentials.properties)
activemq.username=system
activemq.password=manager
guest.password=password
db.user=amq_store
db.password=Ora-St0re-Secret
bridge.user=bridge
bridge.password=Br1dge-Secret-2024
`;

export const SAMPLE_BROKER_PROPERTIES = `broker.name=amq-prod-01
jmx.port=1099
`;

export const SAMPLE_LOGIN_CONFIG = `/* JAAS configuration: PropertiesLoginModule with users and groups files */
activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties"
        reload=true;
};
`;

/** Passwords chosen to exercise Amazon MQ's rules: too short, a colon, fine, encrypted. */
export const SAMPLE_USERS_PROPERTIES = `# user=password
admin=Adm1n-Passw0rd-2024
order-service=orders
billing-svc=Billing:Secret-99
reporting=Rep0rting-Readonly
legacy-batch=ENC(mYRkg+4Q4hua1kvpCCI2hg==)
`;

export const SAMPLE_GROUPS_PROPERTIES = `admins=admin
order-readers=order-service,reporting
order-writers=order-service
billing=billing-svc,legacy-batch
`;

/** The sample as a bundle (without jetty.xml: upstream's web console is not migrated). */
export function sampleActiveMqBundle(): ActiveMqConfigBundle {
  return {
    files: {
      'activemq.xml': SAMPLE_ACTIVEMQ_XML,
      'credentials.properties': SAMPLE_CREDENTIALS_PROPERTIES,
      'broker.properties': SAMPLE_BROKER_PROPERTIES,
      'login.config': SAMPLE_LOGIN_CONFIG,
      'users.properties': SAMPLE_USERS_PROPERTIES,
      'groups.properties': SAMPLE_GROUPS_PROPERTIES,
    },
    systemProperties: { 'activemq.conf': '/opt/activemq/conf', 'activemq.data': '/var/lib/activemq' },
  };
}

/** Messages the demo and tests seed into a source broker: queues, a group, a scheduled one, a durable backlog. */
export const SAMPLE_MESSAGES = {
  queues: { 'orders.in': 50, 'billing.invoices': 20 },
  groupedQueue: 'orders.in',
  groups: ['customer-1', 'customer-2'],
  durable: { clientId: 'audit-service', subscriptionName: 'orders-audit', topic: 'orders.events', pending: 10 },
  scheduled: { queue: 'billing.reminders', delayMs: 3_600_000, count: 3 },
} as const;

export interface SeedEndpoint {
  host: string;
  port: number;
  login: string;
  passcode: string;
}

/**
 * Seeds a source broker over STOMP with SAMPLE_MESSAGES: text and bytes messages with JMS headers
 * and custom properties, two message groups, an offline durable subscription with a backlog
 * (selector `region = 'eu'`), and delayed messages in the scheduler.
 */
export async function seedSampleMessages(endpoint: SeedEndpoint): Promise<void> {
  const { StompClient } = await import('../../engines/activemq/stomp-client.js');
  const m = SAMPLE_MESSAGES;
  // The durable subscription first (it only keeps what is published after it exists), then offline.
  const subscriber = await StompClient.connect({ ...endpoint, clientId: m.durable.clientId });
  await subscriber.subscribe(`/topic/${m.durable.topic}`, () => undefined, { 'activemq.subscriptionName': m.durable.subscriptionName, selector: "region = 'eu'", 'activemq.prefetchSize': '1' });
  await subscriber.disconnect();
  const client = await StompClient.connect(endpoint);
  try {
    const inOneHour = String(Date.now() + 3_600_000);
    for (let i = 0; i < m.queues['orders.in']; i++) {
      const group = i % 5 === 0 ? undefined : m.groups[i % 2];
      await client.send('/queue/orders.in', {
        persistent: i % 10 === 9 ? 'false' : 'true',
        priority: String(i % 10),
        'correlation-id': `corr-${i}`,
        'reply-to': '/queue/orders.replies',
        type: 'OrderCreated',
        ...(i % 4 === 0 ? { expires: inOneHour } : {}),
        ...(group ? { JMSXGroupID: group } : {}),
        orderId: String(1000 + i),
        amount: String(i * 1.5),
        express: String(i % 2 === 0),
        note: 'line1\nline2: with colon',
      }, `{"order":${1000 + i},"text":"caf\u00e9 \u2713"}`);
    }
    for (let i = 0; i < m.queues['billing.invoices']; i++) {
      const body = Buffer.alloc(1024, i);
      body[0] = 0; // a NUL in the body: only content-length can frame it
      await client.send('/queue/billing.invoices', { persistent: 'true', invoice: `INV-${i}` }, body);
    }
    for (let i = 0; i < m.durable.pending; i++) {
      await client.send(`/topic/${m.durable.topic}`, { persistent: 'true', region: 'eu', seq: String(i) }, `event ${i}`);
      await client.send(`/topic/${m.durable.topic}`, { persistent: 'true', region: 'us', seq: String(i) }, `not for the subscriber ${i}`);
    }
    for (let i = 0; i < m.scheduled.count; i++) {
      await client.send(`/queue/${m.scheduled.queue}`, { persistent: 'true', AMQ_SCHEDULED_DELAY: String(m.scheduled.delayMs) }, `reminder ${i}`);
    }
  } finally {
    await client.disconnect();
  }
}
