import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../model/errors.js';
import { BROKER_PACKAGES, ensureDebianPackages } from './debian-packages.js';
import { freePort } from './ports.js';
import { trackBrokerPid, untrackBrokerPid } from './reaper.js';
import { acceptsTcp, isAlive, startInParallel, stopPid, waitUntil } from './process.js';

const ACTIVEMQ_HOME = '/usr/share/activemq';
const JAVA_LIB = '/usr/share/java';
/** Debian's jars that upstream's distribution bundles for its embedded Jetty + Jolokia. */
const WEB_JARS = [/^jetty9-[a-z0-9-]+\.jar$/, /^servlet-api\.jar$/, /^jolokia-core\.jar$/, /^json-simple\.jar$/];
/** Unversioned Debian symlinks only (jetty9-server.jar, not jetty9-server-9.4.57...jar too). */
const VERSIONED_JAR = /-\d+(\.\d+)+[^/]*\.jar$/;

/**
 * What the harness sends with every Jolokia request. The node reproduces upstream ActiveMQ 5.17's
 * default `webapps/api/WEB-INF/classes/jolokia-access.xml`, whose `<cors><strict-checking/></cors>`
 * makes the agent check the Origin (or Referer) header on the server side. Clients must send an
 * Origin header; see {@link ActiveMqNode.jolokiaUrl}.
 */
export const JOLOKIA_ORIGIN = 'http://localhost';

/** The flags /usr/bin/activemq passes to Java 9+ (Debian 5.17.2, read from the script). */
const JAVA_MODULE_FLAGS = [
  '--add-reads=java.xml=java.logging',
  '--add-opens', 'java.base/java.security=ALL-UNNAMED',
  '--add-opens', 'java.base/java.net=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util=ALL-UNNAMED',
  '--add-opens', 'java.naming/javax.naming.spi=ALL-UNNAMED',
  '--add-opens', 'java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util.concurrent.atomic=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED',
  '--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED',
  '--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED',
];

export interface ActiveMqUser {
  username: string;
  password: string;
  groups: string[];
}

export interface ActiveMqNodeOptions {
  /** Keep the broker running when this process exits (default: it is killed with the process). */
  outliveProcess?: boolean;
  /** Broker name (also the default folder name); a unique one is generated when omitted. */
  name?: string;
  /** Folder that holds the node's conf, data, lib and log; a fresh temp folder when omitted. */
  baseDir?: string;
  adminUser?: string;
  adminPassword?: string;
  /**
   * Full activemq.xml to use instead of the default. The harness still writes `conf/jetty.xml`
   * (Jolokia on the node's port, BASIC auth with the admin credentials) and
   * `conf/harness.properties`, and passes its values as Java system properties, so the XML can
   * use property placeholders (it needs a `PropertyPlaceholderConfigurer` bean, as upstream's has):
   * `${harness.brokerName}`, `${harness.openwirePort}`, `${harness.stompPort}`,
   * `${harness.jolokiaPort}` (system properties), and `${harness.adminUser}` /
   * `${harness.adminPassword}` (only from `file:${activemq.conf}/harness.properties`, kept out of
   * the command line). It must `<import resource="jetty.xml"/>`, name the broker
   * `${harness.brokerName}`, keep JMX on (the default) and open a STOMP connector on
   * `${harness.stompPort}`, or readiness never comes. See {@link defaultActiveMqXml}.
   */
  activemqXml?: string;
  /** Broker users besides the admin (simpleAuthenticationPlugin; only admins get authorizations). */
  users?: ActiveMqUser[];
  /** Jolokia's port (a free one by default): the local Amazon MQ keeps it across reboots. */
  jolokiaPort?: number;
  /** More logins for Jolokia (the web console's realm), as Amazon MQ gives users with console access. */
  consoleUsers?: readonly { username: string; password: string }[];
  /** Maximum Java heap (-Xmx) in MiB; 256 by default so several nodes fit. */
  heapMb?: number;
  bootTimeoutMs?: number;
}

export interface ActiveMqNode {
  readonly brokerName: string;
  readonly openwirePort: number;
  readonly stompPort: number;
  readonly jolokiaPort: number;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly baseDir: string;
  readonly pid: number;
  /**
   * `http://127.0.0.1:PORT/api/jolokia`, as upstream serves it. Requests need BASIC auth with the
   * admin credentials and an `Origin` header (send {@link JOLOKIA_ORIGIN}); without Origin the
   * agent answers HTTP 200 with `"status":403` in the JSON body.
   */
  readonly jolokiaUrl: string;
  /** `stomp://127.0.0.1:PORT` (log in with the admin or a configured user). */
  readonly stompUrl: string;
  /** `tcp://127.0.0.1:PORT` (OpenWire). */
  readonly openwireUrl: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Java .properties escaping for keys and values (ASCII-safe, no line breaks). */
function prop(value: string, isKey = false): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '=' || ch === ':' || ch === '#' || ch === '!' || (isKey && ch === ' ')) out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) {
      out += code > 0xffff
        ? ch.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
        : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return isKey ? out : out.replace(/^ /, '\\ ');
}

/** Rejects text that Spring's `${...}` placeholders or Jetty's realm file would misread. */
function checkCredential(field: string, value: string, forRealm: boolean): void {
  if (value.length === 0) throw new HarnessError(`ActiveMQ node: ${field} must not be empty`);
  if (value.includes('${')) throw new HarnessError(`ActiveMQ node: ${field} must not contain "\${" (Spring placeholders)`);
  if (/[\r\n]/.test(value)) throw new HarnessError(`ActiveMQ node: ${field} must not contain line breaks`);
  // jetty-realm.properties reads "password, role, role": a comma would split the password.
  if (forRealm && value.includes(',')) throw new HarnessError(`ActiveMQ node: ${field} must not contain a comma`);
  // ...and takes "OBF:", "MD5:" or "CRYPT:" at the start as an encoded password.
  if (forRealm && /^(OBF|MD5|CRYPT):/i.test(value)) throw new HarnessError(`ActiveMQ node: ${field} must not start with OBF:, MD5: or CRYPT:`);
}

/**
 * The default activemq.xml: KahaDB in the node's data folder, scheduler on, OpenWire and STOMP on
 * loopback, simple authentication (the admin in group `admins`, plus `users`) and an
 * authorization map that gives `admins` everything and every authenticated user the advisory
 * topics, JMX without the RMI connector, and the Jetty/Jolokia of `jetty.xml`.
 */
export function defaultActiveMqXml(users: readonly ActiveMqUser[] = []): string {
  const userLines = users
    .map((user) => `                <authenticationUser username="${xml(user.username)}" password="${xml(user.password)}" groups="${xml(user.groups.join(','))}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by the mq-migrate test harness (src/local/brokers/activemq-node.ts). -->
<beans
  xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">

    <!-- \${harness.*} come from harness.properties, falling back to system properties. -->
    <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
        <property name="locations">
            <value>file:\${activemq.conf}/harness.properties</value>
        </property>
    </bean>

    <broker xmlns="http://activemq.apache.org/schema/core"
            brokerName="\${harness.brokerName}"
            dataDirectory="\${activemq.data}"
            persistent="true"
            schedulerSupport="true"
            useJmx="true">

        <managementContext>
            <!-- No RMI connector: it would bind 1099 on every node. MBeans stay in the platform
                 MBeanServer, which Jolokia reads. -->
            <managementContext createConnector="false"/>
        </managementContext>

        <persistenceAdapter>
            <kahaDB directory="\${activemq.data}/kahadb"/>
        </persistenceAdapter>

        <plugins>
            <simpleAuthenticationPlugin anonymousAccessAllowed="false">
                <users>
                <authenticationUser username="\${harness.adminUser}" password="\${harness.adminPassword}" groups="admins"/>
${userLines}
                </users>
            </simpleAuthenticationPlugin>
            <authorizationPlugin>
                <map>
                    <authorizationMap>
                        <authorizationEntries>
                            <authorizationEntry queue=">" read="admins" write="admins" admin="admins"/>
                            <authorizationEntry topic=">" read="admins" write="admins" admin="admins"/>
                            <!-- "*" is DefaultAuthorizationMap's wildcard group: any authenticated user. -->
                            <authorizationEntry topic="ActiveMQ.Advisory.>" read="*" write="*" admin="*"/>
                        </authorizationEntries>
                        <tempDestinationAuthorizationEntry>
                            <tempDestinationAuthorizationEntry read="admins" write="admins" admin="admins"/>
                        </tempDestinationAuthorizationEntry>
                    </authorizationMap>
                </map>
            </authorizationPlugin>
        </plugins>

        <systemUsage>
            <systemUsage>
                <memoryUsage><memoryUsage percentOfJvmHeap="70"/></memoryUsage>
                <storeUsage><storeUsage limit="4 gb"/></storeUsage>
                <tempUsage><tempUsage limit="2 gb"/></tempUsage>
            </systemUsage>
        </systemUsage>

        <transportConnectors>
            <transportConnector name="openwire" uri="tcp://127.0.0.1:\${harness.openwirePort}"/>
            <transportConnector name="stomp" uri="stomp://127.0.0.1:\${harness.stompPort}"/>
        </transportConnectors>
    </broker>

    <import resource="jetty.xml"/>
</beans>
`;
}

/**
 * Jetty serving org.jolokia.http.AgentServlet at /api/jolokia/* behind BASIC auth (realm file with
 * the admin in role `admin`), like upstream's embedded console at /api/jolokia. Literal values, so
 * it works whatever placeholder setup a custom activemq.xml has.
 */
function jettyXml(confDir: string, jolokiaPort: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by the mq-migrate test harness: upstream's /api/jolokia without the web console. -->
<beans xmlns="http://www.springframework.org/schema/beans" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd">

    <bean id="harnessJolokiaLoginService" class="org.eclipse.jetty.security.HashLoginService">
        <property name="name" value="ActiveMQRealm"/>
        <property name="config" value="${xml(join(confDir, 'jetty-realm.properties'))}"/>
    </bean>

    <bean id="harnessJolokiaConstraint" class="org.eclipse.jetty.util.security.Constraint">
        <property name="name" value="BASIC"/>
        <property name="roles" value="admin"/>
        <property name="authenticate" value="true"/>
    </bean>

    <bean id="harnessJolokiaSecurity" class="org.eclipse.jetty.security.ConstraintSecurityHandler">
        <property name="loginService" ref="harnessJolokiaLoginService"/>
        <property name="authenticator">
            <bean class="org.eclipse.jetty.security.authentication.BasicAuthenticator"/>
        </property>
        <property name="constraintMappings">
            <list>
                <bean class="org.eclipse.jetty.security.ConstraintMapping">
                    <property name="constraint" ref="harnessJolokiaConstraint"/>
                    <property name="pathSpec" value="/*"/>
                </bean>
            </list>
        </property>
    </bean>

    <bean id="harnessJolokiaServlet" class="org.eclipse.jetty.servlet.ServletHolder">
        <constructor-arg value="jolokia-agent"/>
        <constructor-arg value="org.jolokia.http.AgentServlet" type="java.lang.Class"/>
        <property name="initOrder" value="1"/>
        <property name="initParameters">
            <map>
                <entry key="policyLocation" value="${xml(`file:${join(confDir, 'jolokia-access.xml')}`)}"/>
                <!-- as upstream's webapps/api/WEB-INF/web.xml -->
                <entry key="allowErrorDetails" value="false"/>
            </map>
        </property>
    </bean>

    <bean id="harnessJolokiaServletHandler" class="org.eclipse.jetty.servlet.ServletHandler">
        <property name="servlets">
            <list><ref bean="harnessJolokiaServlet"/></list>
        </property>
        <property name="servletMappings">
            <list>
                <bean class="org.eclipse.jetty.servlet.ServletMapping">
                    <property name="servletName" value="jolokia-agent"/>
                    <property name="pathSpecs"><list><value>/jolokia/*</value></list></property>
                </bean>
            </list>
        </property>
    </bean>

    <bean id="harnessJolokiaContext" class="org.eclipse.jetty.servlet.ServletContextHandler">
        <property name="contextPath" value="/api"/>
        <property name="securityHandler" ref="harnessJolokiaSecurity"/>
        <property name="servletHandler" ref="harnessJolokiaServletHandler"/>
    </bean>

    <bean id="harnessJettyServer" class="org.eclipse.jetty.server.Server" init-method="start" destroy-method="stop">
        <constructor-arg>
            <bean class="java.net.InetSocketAddress">
                <constructor-arg value="127.0.0.1"/>
                <constructor-arg value="${jolokiaPort}"/>
            </bean>
        </constructor-arg>
        <property name="handler" ref="harnessJolokiaContext"/>
    </bean>
</beans>
`;
}

/**
 * Upstream 5.17's webapps/api/WEB-INF/classes/jolokia-access.xml: strict server-side Origin
 * checking (no allow-origin patterns) and the two denied diagnostic MBeans.
 */
const JOLOKIA_ACCESS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<restrict>
  <!-- Enforce that an Origin/Referer header is present to prevent CSRF -->
  <cors>
    <strict-checking/>
  </cors>
  <!-- deny calling operations or getting attributes from these mbeans -->
  <deny>
    <mbean>
      <name>com.sun.management:type=DiagnosticCommand</name>
      <attribute>*</attribute>
      <operation>*</operation>
    </mbean>
    <mbean>
      <name>com.sun.management:type=HotSpotDiagnostic</name>
      <attribute>*</attribute>
      <operation>*</operation>
    </mbean>
  </deny>
</restrict>
`;

const LOG4J_PROPERTIES = `# Written by the mq-migrate test harness: everything to stdout (log/console.log).
log4j.rootLogger=INFO, stdout
log4j.logger.org.apache.activemq.spring=WARN
log4j.logger.org.springframework=WARN
log4j.logger.org.apache.xbean=WARN
log4j.logger.org.eclipse.jetty=WARN
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=%d | %-5p | %m | %c | %t%n
`;

/** Links Debian's Jetty, servlet API, Jolokia and json-simple jars into base/lib. */
async function linkWebJars(libDir: string): Promise<void> {
  await mkdir(libDir, { recursive: true });
  const names = (await readdir(JAVA_LIB)).filter((name) => WEB_JARS.some((pattern) => pattern.test(name)) && !VERSIONED_JAR.test(name));
  for (const required of ['jetty9-server.jar', 'jetty9-servlet.jar', 'jetty9-security.jar', 'servlet-api.jar', 'jolokia-core.jar', 'json-simple.jar']) {
    if (!names.includes(required)) throw new HarnessError(`ActiveMQ node: ${join(JAVA_LIB, required)} is missing (packages ${BROKER_PACKAGES.activemq.join(', ')})`);
  }
  for (const name of names) {
    await symlink(join(JAVA_LIB, name), join(libDir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** One Jolokia read of the broker's version; undefined unless the JSON body says status 200. */
async function readBrokerVersion(jolokiaUrl: string, brokerName: string, auth: string): Promise<string | undefined> {
  try {
    const response = await fetch(jolokiaUrl, {
      method: 'POST',
      headers: { authorization: auth, origin: JOLOKIA_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'read', mbean: `org.apache.activemq:type=Broker,brokerName=${brokerName}`, attribute: 'BrokerVersion' }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { status?: number; value?: unknown };
    return body.status === 200 && typeof body.value === 'string' ? body.value : undefined;
  } catch {
    return undefined;
  }
}


/**
 * Starts an independent ActiveMQ 5.17 broker from Debian's package on free loopback ports, with
 * its own base folder, an administrator, and upstream-style Jolokia at /api/jolokia; resolves once
 * Jolokia reports the broker's version and the STOMP port accepts connections.
 */
export async function startActiveMqNode(options: ActiveMqNodeOptions = {}): Promise<ActiveMqNode> {
  await ensureDebianPackages(BROKER_PACKAGES.activemq);
  const brokerName = options.name ?? `amq${randomBytes(4).toString('hex')}`;
  if (!SAFE_NAME.test(brokerName)) throw new HarnessError(`ActiveMQ node: name "${brokerName}" must match ${SAFE_NAME}`);
  const baseDir = options.baseDir ?? join(tmpdir(), 'mq-migrate', 'activemq', brokerName);
  const adminUser = options.adminUser ?? 'admin';
  const adminPassword = options.adminPassword ?? `Adm1n-${randomBytes(8).toString('hex')}`;
  checkCredential('adminUser', adminUser, true);
  checkCredential('adminPassword', adminPassword, true);
  for (const user of [...(options.users ?? []), ...(options.consoleUsers ?? [])]) {
    checkCredential(`user ${user.username}`, user.username, false);
    checkCredential(`password of ${user.username}`, user.password, false);
  }
  const heapMb = options.heapMb ?? 256;
  const [openwirePort, stompPort, jolokiaPort] = [await freePort(), await freePort(), options.jolokiaPort ?? (await freePort())];

  const confDir = join(baseDir, 'conf');
  const dataDir = join(baseDir, 'data');
  const logDir = join(baseDir, 'log');
  const tmpDir = join(baseDir, 'tmp');
  for (const dir of [confDir, dataDir, logDir, tmpDir]) await mkdir(dir, { recursive: true });
  await linkWebJars(join(baseDir, 'lib'));

  const publicProperties = {
    'harness.brokerName': brokerName,
    'harness.openwirePort': String(openwirePort),
    'harness.stompPort': String(stompPort),
    'harness.jolokiaPort': String(jolokiaPort),
  };
  const properties = { ...publicProperties, 'harness.adminUser': adminUser, 'harness.adminPassword': adminPassword };
  await writeFile(
    join(confDir, 'harness.properties'),
    Object.entries(properties).map(([key, value]) => `${prop(key, true)}=${prop(value)}`).join('\n') + '\n',
    { mode: 0o600 },
  );
  await writeFile(join(confDir, 'activemq.xml'), options.activemqXml ?? defaultActiveMqXml(options.users ?? []));
  await writeFile(join(confDir, 'jetty.xml'), jettyXml(confDir, jolokiaPort));
  const realm = [{ username: adminUser, password: adminPassword }, ...(options.consoleUsers ?? []).filter((u) => u.username !== adminUser)];
  await writeFile(join(confDir, 'jetty-realm.properties'), realm.map((u) => `${prop(u.username, true)}: ${prop(u.password)}, admin\n`).join(''), { mode: 0o600 });
  await writeFile(join(confDir, 'jolokia-access.xml'), JOLOKIA_ACCESS_XML);
  await writeFile(join(confDir, 'log4j.properties'), LOG4J_PROPERTIES);

  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const args = [
    `-Xms64m`,
    `-Xmx${heapMb}m`,
    `-Djava.io.tmpdir=${tmpDir}`,
    `-Dlog4j.configuration=file:${join(confDir, 'log4j.properties')}`,
    ...JAVA_MODULE_FLAGS,
    `-Dactivemq.classpath=${confDir}`,
    `-Dactivemq.home=${ACTIVEMQ_HOME}`,
    `-Dactivemq.base=${baseDir}`,
    `-Dactivemq.conf=${confDir}`,
    `-Dactivemq.data=${dataDir}`,
    ...Object.entries(publicProperties).map(([key, value]) => `-D${key}=${value}`),
    '-jar', join(ACTIVEMQ_HOME, 'bin', 'activemq.jar'),
    'start', `xbean:file:${join(confDir, 'activemq.xml')}`,
  ];
  const logFile = join(logDir, 'console.log');
  const out = await open(logFile, 'a');
  const child = spawn(java, args, {
    cwd: baseDir,
    env: { PATH: process.env.PATH, HOME: baseDir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}) },
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
  });
  child.unref();
  await out.close();
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const pid = child.pid;
  if (pid !== undefined) await writeFile(join(baseDir, 'activemq.pid'), `${pid}\n`);

  const jolokiaUrl = `http://127.0.0.1:${jolokiaPort}/api/jolokia`;
  const auth = basicAuth(adminUser, adminPassword);
  const ready = await waitUntil(async () => {
    if (exited) return true;
    return (await readBrokerVersion(jolokiaUrl, brokerName, auth)) !== undefined && (await acceptsTcp(stompPort));
  }, options.bootTimeoutMs ?? 60000);
  if (exited || !ready || pid === undefined || !isAlive(pid)) {
    if (pid !== undefined) await stopPid(pid, 2000);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    const why = pid === undefined ? 'java could not be spawned' : exited ? 'java exited' : !ready ? 'timed out' : 'java died';
    // Stack traces bury the cause: lead with the error lines, then the tail. The folder stays.
    const causes = log.split('\n').filter((line) => /\b(ERROR|FATAL)\b|^Caused by:|^\S*(Exception|Error):/.test(line)).slice(0, 8);
    throw new HarnessError(
      `ActiveMQ node ${brokerName} did not start (${why}; log ${logFile}):\n${causes.join('\n')}\n--- log tail ---\n${log.slice(-2000)}`,
    );
  }

  if (!options.outliveProcess) trackBrokerPid(pid);
  return {
    brokerName,
    openwirePort,
    stompPort,
    jolokiaPort,
    adminUser,
    adminPassword,
    baseDir,
    pid,
    jolokiaUrl,
    stompUrl: `stomp://127.0.0.1:${stompPort}`,
    openwireUrl: `tcp://127.0.0.1:${openwirePort}`,
    async stop({ keepData = false } = {}) {
      await stopPid(pid);
      untrackBrokerPid(pid);
      if (!keepData && options.baseDir === undefined) await rm(baseDir, { recursive: true, force: true });
    },
  };
}

/**
 * A `<broker>` element wrapped the way the harness boots it: Spring beans, the placeholder
 * configurer that reads the harness's ports and credentials, and the Jetty that serves Jolokia.
 */
export function wrapBrokerXmlForHarness(brokerXml: string, comment: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${comment} -->
<beans xmlns="http://www.springframework.org/schema/beans" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="locations"><value>file:\${activemq.conf}/harness.properties</value></property>
  </bean>
${brokerXml}
  <import resource="jetty.xml"/>
</beans>
`;
}

/** Starts `count` nodes in parallel; if any fails, stops the others and rethrows. */
export function startActiveMqNodes(count: number, options: Omit<ActiveMqNodeOptions, 'name' | 'baseDir'> = {}): Promise<ActiveMqNode[]> {
  return startInParallel(Array.from({ length: count }, () => () => startActiveMqNode(options)));
}
