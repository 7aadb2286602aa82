import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ValidationError } from '../../model/errors.js';
import type {
  ActiveMqAuthorizationEntry,
  ActiveMqConfiguration,
  ActiveMqConnector,
  ActiveMqPlaceholder,
  ActiveMqPolicyEntry,
  ActiveMqPreCreatedDestination,
  ActiveMqUser,
  ActiveMqVirtualDestination,
} from '../../model/activemq-inventory.js';
import { GROUP_FILE_OPTION, parseJavaProperties, parseLoginConfig, PROPERTIES_LOGIN_MODULE, USER_FILE_OPTION } from './jaas.js';
import { childrenNamed, descendants, firstChild, mapAttributes, NS, parseXml, serializeXml, type XmlElement } from './xml-tree.js';

/**
 * What a user hands over from an on-premises ActiveMQ: the conf folder's files by name
 * (activemq.xml, the files it `<import>`s, the properties files its placeholder configurer
 * loads, login.config, users.properties, groups.properties) and, optionally, the system
 * properties the broker was started with (`activemq.conf`, `activemq.data`, custom `-D` values).
 */
export interface ActiveMqConfigBundle {
  /** Name of the main file in `files`; `activemq.xml` by default. */
  mainFile?: string;
  files: Record<string, string>;
  systemProperties?: Record<string, string>;
}

export interface ParsedActiveMqConfig {
  configuration: ActiveMqConfiguration;
  users: ActiveMqUser[];
  groups: { name: string; members: string[] }[];
  /** The resolved `<broker>` element, for the converter. */
  broker: XmlElement;
}

/** Upstream bin/activemq's defaults for a broker installed in /opt/activemq. */
const DEFAULT_SYSTEM_PROPERTIES: Record<string, string> = {
  'activemq.home': '/opt/activemq',
  'activemq.base': '/opt/activemq',
  'activemq.conf': '/opt/activemq/conf',
  'activemq.data': '/opt/activemq/data',
};

const PLACEHOLDER_CONFIGURERS = new Set([
  'org.springframework.beans.factory.config.PropertyPlaceholderConfigurer',
  'org.springframework.context.support.PropertySourcesPlaceholderConfigurer',
  'org.apache.activemq.spring.ActiveMQPropertyPlaceholderConfigurer',
]);

/** Upstream's web console (Jetty) import: irrelevant to Amazon MQ, fine to leave out of the bundle. */
const OPTIONAL_IMPORTS = new Set(['jetty.xml']);

/** Reads every regular file of a conf folder (up to 5 MiB each) into a bundle. */
export async function readActiveMqConfigDir(dir: string, systemProperties?: Record<string, string>): Promise<ActiveMqConfigBundle> {
  const files: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await stat(path);
    if (info.isFile() && info.size <= 5 * 2 ** 20) files[name] = await readFile(path, 'utf8');
  }
  return { files, ...(systemProperties ? { systemProperties } : {}) };
}

/** A file of the bundle by the name a configuration gives (`file:${activemq.conf}/x.properties`, `classpath:x`, `x`). */
function lookup(bundle: ActiveMqConfigBundle, reference: string): { name: string; text: string } | undefined {
  const stripped = reference.replace(/^(file:|classpath\*?:)/, '');
  for (const candidate of [stripped, basename(stripped)]) {
    const text = bundle.files[candidate];
    if (text !== undefined) return { name: candidate, text };
  }
  return undefined;
}

const PLACEHOLDER = /\$\{([^}:]+)(?::([^}]*))?\}/g;

/**
 * Parses an on-premises activemq.xml (Spring `<beans>` wrapper or a bare `<broker>`), resolving
 * property placeholders and `<import>`s, and its JAAS files when the broker authenticates through
 * JAAS. Bad input is a ValidationError naming the file and XML path (or property name).
 */
export function parseActiveMqConfig(bundle: ActiveMqConfigBundle): ParsedActiveMqConfig {
  const mainFile = bundle.mainFile ?? 'activemq.xml';
  const mainText = bundle.files[mainFile];
  if (mainText === undefined) throw new ValidationError(mainFile, 'file provided', `${mainFile} is not among the files handed over (${Object.keys(bundle.files).join(', ') || 'none'})`);
  const root = parseXml(mainText, mainFile);
  const imports: string[] = [];
  const beanRoots: { file: string; root: XmlElement }[] = [];
  if (root.ns === NS.core && root.name === 'broker') {
    // A bare <broker> (xbean file without the Spring wrapper).
  } else if (root.ns === NS.beans && root.name === 'beans') {
    beanRoots.push({ file: mainFile, root });
    for (const imported of childrenNamed(root, 'import')) {
      const resource = imported.attrs.resource ?? '';
      const found = lookup(bundle, resource);
      if (!found) {
        if (OPTIONAL_IMPORTS.has(basename(resource))) {
          imports.push(`${resource} (not provided; web console, not migrated)`);
          continue;
        }
        throw new ValidationError(`${mainFile}:${imported.path}/@resource`, 'imported file provided', `${mainFile}: ${imported.path}: imports "${resource}", which is not among the files handed over`);
      }
      imports.push(found.name);
      const importedRoot = parseXml(found.text, found.name);
      if (importedRoot.ns !== NS.beans || importedRoot.name !== 'beans') {
        throw new ValidationError(`${found.name}:${importedRoot.path}`, 'a Spring <beans> file', `${found.name}: imported files must be Spring <beans> documents`);
      }
      beanRoots.push({ file: found.name, root: importedRoot });
    }
  } else {
    throw new ValidationError(`${mainFile}:${root.path}`, '<beans> or <broker> root', `${mainFile}: the root element must be Spring <beans> or ActiveMQ <broker>, not <${root.name}> in "${root.ns}"`);
  }

  // Property sources: system properties (caller's over upstream defaults), then placeholder files.
  const system = { ...DEFAULT_SYSTEM_PROPERTIES, ...(bundle.systemProperties ?? {}) };
  const fileProperties = new Map<string, { value: string; from: string }>();
  const springBeans: ActiveMqConfiguration['springBeans'] = [];
  const brokers: { file: string; element: XmlElement }[] = root.name === 'broker' ? [{ file: mainFile, element: root }] : [];
  for (const { file, root: beans } of beanRoots) {
    for (const child of beans.children) {
      if (child.ns === NS.core && child.name === 'broker') {
        brokers.push({ file, element: child });
        continue;
      }
      if (child.ns === NS.beans && child.name === 'import') continue;
      const className = child.attrs.class ?? '';
      const isPlaceholderBean = child.ns === NS.beans && child.name === 'bean' && PLACEHOLDER_CONFIGURERS.has(className);
      const isContextPlaceholder = child.ns === NS.context && child.name === 'property-placeholder';
      if (isPlaceholderBean || isContextPlaceholder) {
        const ignoreMissing = child.attrs['ignore-resource-not-found'] === 'true' || propertyValues(child, 'ignoreResourceNotFound')[0] === 'true';
        const locations = isContextPlaceholder ? (child.attrs.location ?? '').split(',').map((l) => l.trim()).filter(Boolean) : [...propertyValues(child, 'locations'), ...propertyValues(child, 'location')];
        for (const location of locations) {
          const resolvedLocation = location.replace(PLACEHOLDER, (whole, name: string, fallback?: string) => system[name] ?? fallback ?? whole);
          const found = lookup(bundle, resolvedLocation);
          if (!found) {
            if (ignoreMissing) continue;
            throw new ValidationError(`${file}:${child.path}`, 'properties file provided', `${file}: ${child.path}: the placeholder configurer loads "${location}", which is not among the files handed over`);
          }
          for (const [key, value] of parseJavaProperties(found.text)) if (!fileProperties.has(key)) fileProperties.set(key, { value, from: found.name });
        }
        continue;
      }
      springBeans.push({ path: `${file}:${child.path}`, className: className || `${child.ns === NS.beans ? '' : `${child.ns} `}<${child.name}>`, ...(child.attrs.id ? { id: child.attrs.id } : {}) });
    }
  }
  if (brokers.length !== 1 || brokers[0] === undefined) {
    throw new ValidationError(mainFile, 'exactly one <broker>', `${mainFile}: expected exactly one ActiveMQ <broker> element (namespace ${NS.core}), found ${brokers.length}`);
  }
  const { file: brokerFile, element: rawBroker } = brokers[0];

  const placeholders = new Map<string, ActiveMqPlaceholder>();
  const broker = mapAttributes(rawBroker, (value, element, attribute) =>
    value.replace(PLACEHOLDER, (_whole, name: string, fallback?: string) => {
      const fromFile = fileProperties.get(name);
      const resolved = fromFile?.value ?? system[name] ?? fallback;
      const from = fromFile ? fromFile.from : system[name] !== undefined ? (bundle.systemProperties?.[name] !== undefined ? 'system property' : 'default') : fallback !== undefined ? 'inline default' : undefined;
      placeholders.set(name, { name, resolved: resolved !== undefined, ...(from ? { from } : {}) });
      if (resolved === undefined) {
        const where = attribute === '#text' ? element.path : `${element.path}/@${attribute}`;
        throw new ValidationError(`${brokerFile}:${where}`, 'resolved placeholder', `${brokerFile}: ${where}: placeholder \${${name}} is not defined by any properties file, system property or default`);
      }
      return resolved;
    }),
  );

  const brokerAttributes = { ...broker.attrs };
  const at = (...names: string[]) => names.reduce<XmlElement[]>((level, name) => level.flatMap((e) => childrenNamed(e, name)), [broker]);

  const persistence = at('persistenceAdapter').flatMap((pa) => pa.children.map((adapter) => ({ element: adapter.name, path: adapter.path, attributes: { ...adapter.attrs } })));
  const connectors: ActiveMqConnector[] = [
    ...at('transportConnectors', 'transportConnector').map((c) => ({ kind: 'transport' as const, path: c.path, uri: c.attrs.uri ?? '', hasPassword: false, ...(c.attrs.name ? { name: c.attrs.name } : {}) })),
    ...at('networkConnectors').flatMap((nc) => nc.children).map((c) => ({
      kind: 'network' as const,
      path: c.path,
      uri: c.attrs.uri ?? '',
      hasPassword: c.attrs.password !== undefined && c.attrs.password !== '',
      ...(c.attrs.name ? { name: c.attrs.name } : {}),
      ...(c.attrs.userName ? { userName: c.attrs.userName } : {}),
    })),
  ];
  const plugins = at('plugins').flatMap((p) => p.children.map((plugin) => ({ element: plugin.name, path: plugin.path })));
  const destinations: ActiveMqPreCreatedDestination[] = at('destinations').flatMap((d) =>
    d.children.filter((c) => ['queue', 'topic', 'tempQueue', 'tempTopic'].includes(c.name)).map((c) => ({ type: c.name as ActiveMqPreCreatedDestination['type'], name: c.attrs.physicalName ?? c.attrs.name ?? '', path: c.path })),
  );
  const virtualDestinations: ActiveMqVirtualDestination[] = [];
  for (const interceptors of at('destinationInterceptors')) {
    for (const interceptor of interceptors.children) {
      if (interceptor.name === 'mirroredQueue') {
        virtualDestinations.push({ kind: 'mirroredQueue', path: interceptor.path, forwardTo: [], ...(interceptor.attrs.prefix !== undefined ? { prefix: interceptor.attrs.prefix } : {}) });
        continue;
      }
      for (const list of childrenNamed(interceptor, 'virtualDestinations')) {
        for (const v of list.children) {
          if (v.name !== 'virtualTopic' && v.name !== 'compositeQueue' && v.name !== 'compositeTopic') continue;
          const forwardTo = childrenNamed(v, 'forwardTo').flatMap((f) => f.children.map((t) => ({ type: t.name, name: t.attrs.physicalName ?? '' })));
          virtualDestinations.push({
            kind: v.name,
            path: v.path,
            forwardTo,
            ...(v.name === 'virtualTopic' ? { name: v.attrs.name ?? '>', prefix: v.attrs.prefix ?? 'Consumer.*.' } : v.attrs.name !== undefined ? { name: v.attrs.name } : {}),
          });
        }
      }
    }
  }
  const policyEntries: ActiveMqPolicyEntry[] = at('destinationPolicy', 'policyMap').flatMap((map) =>
    [...childrenNamed(map, 'policyEntries').flatMap((e) => childrenNamed(e, 'policyEntry')), ...childrenNamed(map, 'defaultEntry').flatMap((e) => childrenNamed(e, 'policyEntry'))].map((entry) => {
      const isDefault = entry.path.includes('/defaultEntry');
      const type = (['queue', 'topic', 'tempQueue', 'tempTopic'] as const).find((t) => entry.attrs[t] !== undefined);
      return {
        path: entry.path,
        destinationType: isDefault ? 'default' : (type ?? 'default'),
        destination: type ? (entry.attrs[type] ?? '') : '>',
        attributes: { ...entry.attrs },
        children: entry.children.map((c) => c.name),
      };
    }),
  );
  const authorization: ActiveMqAuthorizationEntry[] = [];
  const list = (value: string | undefined) => (value ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  for (const map of at('plugins', 'authorizationPlugin', 'map', 'authorizationMap')) {
    for (const entry of descendants(map)) {
      if (entry.name !== 'authorizationEntry' && entry.name !== 'tempDestinationAuthorizationEntry') continue;
      // <tempDestinationAuthorizationEntry> is also the name of the collection that wraps the entry.
      if (entry.children.length > 0) continue;
      const isDefault = entry.path.includes('/defaultEntry');
      const type = (['queue', 'topic', 'tempQueue', 'tempTopic'] as const).find((t) => entry.attrs[t] !== undefined);
      authorization.push({
        path: entry.path,
        destinationType: entry.name === 'tempDestinationAuthorizationEntry' ? 'tempDestination' : isDefault ? 'default' : (type ?? 'default'),
        destination: type ? (entry.attrs[type] ?? '') : '>',
        read: list(entry.attrs.read),
        write: list(entry.attrs.write),
        admin: list(entry.attrs.admin),
      });
    }
  }

  // Authentication: simpleAuthenticationPlugin users, or JAAS PropertiesLoginModule files.
  const users: ActiveMqUser[] = [];
  let authentication: ActiveMqConfiguration['authentication'] = 'none';
  let jaas: ActiveMqConfiguration['jaas'];
  for (const plugin of at('plugins').flatMap((p) => p.children)) {
    if (plugin.name === 'simpleAuthenticationPlugin') {
      authentication = 'simple';
      for (const user of at('plugins', 'simpleAuthenticationPlugin', 'users', 'authenticationUser')) {
        users.push(userFrom(user.attrs.username ?? '', user.attrs.password, list(user.attrs.groups), 'simpleAuthenticationPlugin', user.path));
      }
    } else if (plugin.name === 'jaasAuthenticationPlugin' || plugin.name === 'jaasCertificateAuthenticationPlugin' || plugin.name === 'jaasDualAuthenticationPlugin') {
      authentication = plugin.name === 'jaasAuthenticationPlugin' ? 'jaas' : plugin.name === 'jaasCertificateAuthenticationPlugin' ? 'jaas-certificate' : 'jaas-dual';
      const entryName = plugin.attrs.configuration ?? 'activemq-domain';
      const loginFile = lookup(bundle, system['java.security.auth.login.config'] ?? 'login.config');
      if (!loginFile) throw new ValidationError('login.config', 'file provided', `${plugin.path} authenticates through JAAS entry "${entryName}", but login.config is not among the files handed over`);
      const entries = parseLoginConfig(loginFile.text, loginFile.name);
      const modules = entries.get(entryName);
      if (!modules) throw new ValidationError(`${loginFile.name}:${entryName}`, 'JAAS entry defined', `${loginFile.name} has no entry "${entryName}" (the one ${plugin.path} names); it has: ${[...entries.keys()].join(', ') || 'none'}`);
      jaas = { configuration: entryName, modules };
      for (const module of modules) {
        if (module.className !== PROPERTIES_LOGIN_MODULE) continue;
        const usersRef = module.options[USER_FILE_OPTION] ?? 'users.properties';
        const groupsRef = module.options[GROUP_FILE_OPTION] ?? 'groups.properties';
        const usersFile = lookup(bundle, usersRef);
        const groupsFile = lookup(bundle, groupsRef);
        if (!usersFile) throw new ValidationError(usersRef, 'file provided', `${loginFile.name} entry "${entryName}" reads users from "${usersRef}", which is not among the files handed over`);
        if (!groupsFile) throw new ValidationError(groupsRef, 'file provided', `${loginFile.name} entry "${entryName}" reads groups from "${groupsRef}", which is not among the files handed over`);
        const memberships = new Map<string, string[]>();
        for (const [group, members] of parseJavaProperties(groupsFile.text)) {
          for (const member of list(members)) memberships.set(member, [...(memberships.get(member) ?? []), group]);
        }
        for (const [username, password] of parseJavaProperties(usersFile.text)) {
          users.push(userFrom(username, password, memberships.get(username) ?? [], usersFile.name, `${usersFile.name}:${username}`));
        }
        for (const member of memberships.keys()) {
          if (!users.some((u) => u.username === member)) users.push({ username: member, passwordState: 'unknown', groups: memberships.get(member) ?? [], from: groupsFile.name });
        }
      }
    }
  }
  const groupMap = new Map<string, string[]>();
  for (const user of users) for (const group of user.groups) groupMap.set(group, [...(groupMap.get(group) ?? []), user.username]);
  for (const entry of authorization) for (const group of [...entry.read, ...entry.write, ...entry.admin]) if (!groupMap.has(group)) groupMap.set(group, []);

  const configuration: ActiveMqConfiguration = {
    file: mainFile,
    imports,
    brokerXml: serializeXml(broker, { defaultNamespace: NS.core }),
    brokerPath: rawBroker.path,
    brokerAttributes,
    placeholders: [...placeholders.values()],
    persistence,
    connectors,
    plugins,
    destinations,
    virtualDestinations,
    policyEntries,
    authorization,
    authentication,
    ...(jaas ? { jaas } : {}),
    springBeans,
  };
  return { configuration, users, groups: [...groupMap].map(([name, members]) => ({ name, members })), broker };
}

function userFrom(username: string, password: string | undefined, groups: string[], from: string, where: string): ActiveMqUser {
  if (username === '') throw new ValidationError(where, 'username set', `${where}: a user without a username`);
  if (password === undefined || password === '') return { username, passwordState: 'unknown', groups, from };
  if (/^ENC\(.*\)$/.test(password)) return { username, passwordState: 'encrypted', groups, from };
  return { username, password, passwordState: 'plain', groups, from };
}

/** Values of a Spring `<property name="...">`: its value attribute, a `<value>`, or a `<list>` of them. */
function propertyValues(bean: XmlElement, name: string): string[] {
  const property = childrenNamed(bean, 'property').find((p) => p.attrs.name === name);
  if (!property) return bean.attrs[name] !== undefined ? [bean.attrs[name] ?? ''] : [];
  if (property.attrs.value !== undefined) return [property.attrs.value];
  const values: string[] = [];
  for (const element of descendants(property)) if (element.name === 'value') values.push(element.text);
  return values.length > 0 ? values : firstChild(property, 'value') ? [] : property.text ? [property.text] : [];
}
