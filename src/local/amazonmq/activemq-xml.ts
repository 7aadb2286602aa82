/**
 * Turns an Amazon MQ ActiveMQ configuration (a `<broker>` element) into the full activemq.xml the
 * local broker runs, the way Amazon MQ does on its side: elements Amazon MQ manages itself are
 * removed with a sanitization warning (transport connectors, management context, persistence
 * location, authentication plugins, SSL context), so are elements and attributes outside Amazon
 * MQ's allow-list (src/amazonmq/activemq-rules.ts), and the service adds its own: the broker name,
 * data folder, JMX without RMI, KahaDB, simple authentication with the broker's users, and
 * OpenWire + STOMP connectors on the local ports.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { isPermittedAttribute, isPermittedChild } from '../../amazonmq/activemq-rules.js';
import { wrapBrokerXmlForHarness } from '../brokers/activemq-node.js';

export interface SanitizationWarning {
  elementName?: string;
  attributeName?: string;
  reason: 'DISALLOWED_ELEMENT_REMOVED' | 'DISALLOWED_ATTRIBUTE_REMOVED' | 'INVALID_ATTRIBUTE_VALUE_REMOVED';
}

export interface BrokerUserEntry {
  username: string;
  password: string;
  groups: readonly string[];
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const OPTIONS = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', commentPropName: '#comment' } as const;

/** Children of <broker> the service owns. */
const MANAGED_BROKER_CHILDREN = new Set(['transportConnectors', 'managementContext', 'sslContext', 'persistenceAdapter', 'jmsBridgeConnectors', 'services', 'shutdownHooks']);
/** Attributes of <broker> the service owns. */
const MANAGED_BROKER_ATTRIBUTES = new Set(['brokerName', 'dataDirectory', 'useJmx', 'persistent', 'tmpDataDirectory', 'start', 'useShutdownHook']);
/** Plugins the service owns (authentication is the broker's users, from the API). */
const MANAGED_PLUGINS = new Set(['simpleAuthenticationPlugin', 'jaasAuthenticationPlugin', 'jaasCertificateAuthenticationPlugin', 'jaasDualAuthenticationPlugin', 'cachedLDAPAuthorizationMap', 'runtimeConfigurationPlugin']);

function tagOf(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ':@');
}

function children(node: Node): Node[] {
  const tag = tagOf(node);
  const value = tag === undefined ? undefined : node[tag];
  return Array.isArray(value) ? (value as Node[]) : [];
}

function element(tag: string, attributes: Record<string, string>, kids: Node[] = []): Node {
  const attrs = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`@_${k}`, v]));
  return { [tag]: kids, ...(Object.keys(attrs).length > 0 ? { ':@': attrs } : {}) };
}

/** Keeps the children of `parent` (recursively) and their attributes that Amazon MQ permits. */
function allowListed(parent: string, nodes: readonly Node[], warnings: SanitizationWarning[]): Node[] {
  const out: Node[] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === undefined || tag === '#comment') continue;
    if (tag === '#text') {
      out.push(node);
      continue;
    }
    if (!isPermittedChild(parent, tag)) {
      warnings.push({ elementName: tag, reason: 'DISALLOWED_ELEMENT_REMOVED' });
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [key, value] of Object.entries(node[':@'] ?? {})) {
      const name = key.slice(2);
      if (name === 'xmlns' || isPermittedAttribute(tag, name)) attrs[key] = value;
      else warnings.push({ elementName: tag, attributeName: name, reason: 'DISALLOWED_ATTRIBUTE_REMOVED' });
    }
    out.push({ [tag]: allowListed(tag, children(node), warnings), ...(Object.keys(attrs).length > 0 ? { ':@': attrs } : {}) });
  }
  return out;
}

/** Removes what the service manages; returns the remaining broker and the warnings. */
export function sanitizeActiveMqConfiguration(xml: string): { broker: Node; warnings: SanitizationWarning[] } {
  const doc = new XMLParser(OPTIONS).parse(xml) as Node[];
  const broker = doc.find((n) => tagOf(n) === 'broker');
  if (broker === undefined) throw new Error('configuration has no <broker> element');
  const warnings: SanitizationWarning[] = [];
  const attrs = { ...(broker[':@'] ?? {}) };
  for (const key of Object.keys(attrs)) {
    const name = key.slice(2);
    if (name === 'xmlns') continue;
    if (MANAGED_BROKER_ATTRIBUTES.has(name) || !isPermittedAttribute('broker', name)) {
      delete attrs[key];
      warnings.push({ elementName: 'broker', attributeName: name, reason: 'DISALLOWED_ATTRIBUTE_REMOVED' });
    }
  }
  const kept: Node[] = [];
  for (const child of children(broker)) {
    const tag = tagOf(child);
    if (tag === undefined || tag === '#comment' || tag === '#text') continue;
    if (MANAGED_BROKER_CHILDREN.has(tag)) {
      warnings.push({ elementName: tag, reason: 'DISALLOWED_ELEMENT_REMOVED' });
      continue;
    }
    if (tag === 'plugins') {
      const plugins = children(child).filter((plugin) => {
        const pluginTag = tagOf(plugin);
        if (pluginTag === undefined || pluginTag === '#comment' || pluginTag === '#text') return false;
        if (MANAGED_PLUGINS.has(pluginTag)) {
          warnings.push({ elementName: pluginTag, reason: 'DISALLOWED_ELEMENT_REMOVED' });
          return false;
        }
        return true;
      });
      kept.push({ plugins });
      continue;
    }
    kept.push(child);
  }
  return { broker: { broker: allowListed('broker', kept, warnings), ':@': attrs }, warnings };
}

/**
 * The activemq.xml for the local broker (see src/local/brokers/activemq-node.ts for the
 * `${harness.*}` placeholders and the jetty.xml import it needs).
 */
export function composeActiveMqXml(configurationXml: string, users: readonly BrokerUserEntry[], endpointPorts?: { openwire: number; stomp: number }): string {
  const { broker } = sanitizeActiveMqConfiguration(configurationXml);
  const attrs: Record<string, string> = {
    ...(broker[':@'] ?? {}),
    '@_xmlns': 'http://activemq.apache.org/schema/core',
    '@_brokerName': '${harness.brokerName}',
    '@_dataDirectory': '${activemq.data}',
    '@_persistent': 'true',
    '@_useJmx': 'true',
  };
  const kids = children(broker);
  const userPlugins = kids.find((k) => tagOf(k) === 'plugins');
  const others = kids.filter((k) => tagOf(k) !== 'plugins');
  const authentication = element('simpleAuthenticationPlugin', { anonymousAccessAllowed: 'false' }, [
    element('users', {}, users.map((u) => element('authenticationUser', { username: u.username, password: u.password, groups: u.groups.join(',') }))),
  ]);
  const managed: Node[] = [
    element('managementContext', {}, [element('managementContext', { createConnector: 'false' })]),
    element('persistenceAdapter', {}, [element('kahaDB', { directory: '${activemq.data}/kahadb' })]),
    element('plugins', {}, [authentication, ...(userPlugins ? children(userPlugins) : [])]),
    element('transportConnectors', {}, [
      element('transportConnector', { name: 'openwire', uri: 'tcp://127.0.0.1:${harness.openwirePort}' }),
      element('transportConnector', { name: 'stomp', uri: 'stomp://127.0.0.1:${harness.stompPort}' }),
      // The ports the broker's endpoints name: the same across reboots, as on Amazon MQ.
      ...(endpointPorts
        ? [
            element('transportConnector', { name: 'openwire-endpoint', uri: `tcp://127.0.0.1:${endpointPorts.openwire}` }),
            element('transportConnector', { name: 'stomp-endpoint', uri: `stomp://127.0.0.1:${endpointPorts.stomp}` }),
          ]
        : []),
    ]),
  ];
  // ActiveMQ's schema wants <broker>'s children in alphabetical order (as Amazon MQ documents).
  const all = [...others, ...managed].sort((a, b) => (tagOf(a) ?? '').localeCompare(tagOf(b) ?? ''));
  const brokerXml = new XMLBuilder({ ...OPTIONS, format: true, suppressEmptyNode: true }).build([{ broker: all, ':@': attrs }]) as string;
  return wrapBrokerXmlForHarness(brokerXml, 'Written by the local Amazon MQ from a configuration revision.');
}
