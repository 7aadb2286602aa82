import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../../model/errors.js';

/**
 * A small namespace-aware element tree over fast-xml-parser's ordered output: what the activemq.xml
 * reader and the Amazon MQ converter walk. Comments and processing instructions are dropped;
 * text is kept trimmed. Paths are XPath-like (`/beans/broker/plugins/jaasAuthenticationPlugin`,
 * `[n]` 1-based when siblings share a name) and name objects in findings and errors.
 */
export interface XmlElement {
  /** Local name (no prefix). */
  name: string;
  /** Namespace URI ('' when none). */
  ns: string;
  /** Attributes by local name (namespace declarations and xsi:* left out). */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  path: string;
}

export const NS = {
  beans: 'http://www.springframework.org/schema/beans',
  core: 'http://activemq.apache.org/schema/core',
  context: 'http://www.springframework.org/schema/context',
  util: 'http://www.springframework.org/schema/util',
  p: 'http://www.springframework.org/schema/p',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  camel: 'http://camel.apache.org/schema/spring',
  amqJaas: 'http://activemq.apache.org/schema/jaas',
} as const;

/** Namespaces an on-premises activemq.xml may use; anything else is refused by name. */
export const KNOWN_NAMESPACES: ReadonlySet<string> = new Set(Object.values(NS));

type Ordered = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
  processEntities: true,
});

/**
 * Parses XML text into the tree. Malformed or truncated text, an undeclared prefix or a namespace
 * outside {@link KNOWN_NAMESPACES} is a ValidationError naming the file, line and element path.
 */
export function parseXml(text: string, file: string, options: { knownNamespaces?: ReadonlySet<string> } = {}): XmlElement {
  if (text.trim() === '') throw new ValidationError(file, 'must not be empty', `${file}: the file is empty`);
  if (/<!DOCTYPE/i.test(text)) throw new ValidationError(file, 'no DOCTYPE', `${file}: DOCTYPE declarations are not accepted (entity expansion)`);
  const check = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (check !== true) {
    const { line, col, msg } = check.err;
    throw new ValidationError(`${file}:${line}:${col}`, 'well-formed XML', `${file}: line ${line}, column ${col}: malformed XML: ${msg}`);
  }
  const ordered = parser.parse(text) as Ordered[];
  const roots = ordered.filter((node) => elementName(node) !== undefined);
  if (roots.length !== 1 || roots[0] === undefined) throw new ValidationError(file, 'one root element', `${file}: expected exactly one root element, found ${roots.length}`);
  return build(roots[0], new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), '', 1, file, options.knownNamespaces ?? KNOWN_NAMESPACES);
}

function elementName(node: Ordered): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && key !== '#comment');
}

function build(node: Ordered, scope: Map<string, string>, parentPath: string, index: number, file: string, known: ReadonlySet<string>): XmlElement {
  const qname = elementName(node) ?? '';
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const inScope = new Map(scope);
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') inScope.set('', value);
    else if (key.startsWith('xmlns:')) inScope.set(key.slice(6), value);
  }
  const [prefix, local] = qname.includes(':') ? [qname.slice(0, qname.indexOf(':')), qname.slice(qname.indexOf(':') + 1)] : ['', qname];
  const path = `${parentPath}/${local}${index > 1 ? `[${index}]` : ''}`;
  const ns = inScope.get(prefix);
  if (ns === undefined) {
    if (prefix !== '') throw new ValidationError(`${file}:${path}`, 'declared namespace prefix', `${file}: ${path}: namespace prefix "${prefix}" is not declared`);
  } else if (!known.has(ns)) {
    throw new ValidationError(`${file}:${path}`, 'known namespace', `${file}: ${path}: unknown namespace "${ns}" (known: Spring beans/context/util, ActiveMQ core, Camel)`);
  }
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const colon = key.indexOf(':');
    if (colon >= 0) {
      const attrNs = inScope.get(key.slice(0, colon));
      if (attrNs === NS.xsi) continue;
      if (attrNs === undefined) throw new ValidationError(`${file}:${path}/@${key}`, 'declared namespace prefix', `${file}: ${path}/@${key}: namespace prefix is not declared`);
      // Spring's p: namespace sets bean properties; keep them under their local name.
      attrs[key.slice(colon + 1)] = String(value);
    } else attrs[key] = String(value);
  }
  const childNodes = (node[qname] ?? []) as Ordered[];
  const counts = new Map<string, number>();
  const children: XmlElement[] = [];
  let text = '';
  for (const child of childNodes) {
    if ('#text' in child) {
      text += String(child['#text']);
      continue;
    }
    const name = elementName(child);
    if (name === undefined || name === '#comment') continue;
    const localName = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    const n = (counts.get(localName) ?? 0) + 1;
    counts.set(localName, n);
    children.push(build(child, inScope, path, n, file, known));
  }
  // Re-number: `[1]` only when a later sibling shares the name.
  for (const child of children) {
    if ((counts.get(child.name) ?? 0) > 1 && !/\[\d+\]$/.test(child.path)) renumber(child, `${child.path}[1]`);
  }
  return { name: local, ns: ns ?? '', attrs, children, text, path };
}

/** Re-roots every path of the tree (e.g. `/broker/...` -> `/beans/broker/...`). */
export function rebasePaths(element: XmlElement, path: string): void {
  renumber(element, path);
}

function renumber(element: XmlElement, path: string): void {
  const old = element.path;
  element.path = path;
  for (const child of element.children) renumber(child, path + child.path.slice(old.length));
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

export function firstChild(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((child) => child.name === name);
}

/** Every element below (depth first, document order). */
export function* descendants(element: XmlElement): Generator<XmlElement> {
  for (const child of element.children) {
    yield child;
    yield* descendants(child);
  }
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Serializes an element (default namespace on the element itself when given), 2-space indented. */
export function serializeXml(element: XmlElement, options: { defaultNamespace?: string; indent?: string } = {}): string {
  const indent = options.indent ?? '';
  const attrs = Object.entries(element.attrs).map(([key, value]) => ` ${key}="${escapeXml(value)}"`);
  if (options.defaultNamespace) attrs.unshift(` xmlns="${escapeXml(options.defaultNamespace)}"`);
  const open = `${indent}<${element.name}${attrs.join('')}`;
  if (element.children.length === 0 && element.text === '') return `${open}/>`;
  if (element.children.length === 0) return `${open}>${escapeXml(element.text)}</${element.name}>`;
  const inner = element.children.map((child) => serializeXml(child, { indent: `${indent}  ` })).join('\n');
  const text = element.text ? `\n${indent}  ${escapeXml(element.text)}` : '';
  return `${open}>${text}\n${inner}\n${indent}</${element.name}>`;
}

/** A deep copy with `transform` applied to every attribute value (placeholders). */
export function mapAttributes(element: XmlElement, transform: (value: string, element: XmlElement, attribute: string) => string): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(element.attrs)) attrs[key] = transform(value, element, key);
  return {
    ...element,
    attrs,
    text: element.text ? transform(element.text, element, '#text') : '',
    children: element.children.map((child) => mapAttributes(child, transform)),
  };
}
