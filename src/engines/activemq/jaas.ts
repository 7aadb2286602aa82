import { ValidationError } from '../../model/errors.js';

/**
 * JAAS files as ActiveMQ uses them: Java .properties (users.properties `user=password`,
 * groups.properties `group=user1,user2`) and login.config (`name { module flag key="value"...; };`).
 */

/** Parses Java .properties text (comments `#`/`!`, `=`/`:`/whitespace separators, `\` continuations and escapes). */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    let keyEnd = 0;
    while (keyEnd < line.length) {
      const ch = line[keyEnd];
      if (ch === '\\') keyEnd += 2;
      else if (ch === '=' || ch === ':' || ch === ' ' || ch === '\t' || ch === '\f') break;
      else keyEnd++;
    }
    const key = unescape(line.slice(0, keyEnd));
    let rest = line.slice(keyEnd).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(key, unescape(rest));
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function unescape(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, esc: string) => {
    if (esc.startsWith('u') && esc.length === 5) return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    return esc === 't' ? '\t' : esc === 'n' ? '\n' : esc === 'r' ? '\r' : esc === 'f' ? '\f' : esc;
  });
}

export interface JaasModule {
  className: string;
  flag: string;
  options: Record<string, string>;
}

/** Parses a JAAS login.config into its named entries; a syntax error names the file and line. */
export function parseLoginConfig(text: string, file = 'login.config'): Map<string, JaasModule[]> {
  const entries = new Map<string, JaasModule[]>();
  // Strip comments (// and /* */) but not inside quoted strings.
  const source = text.replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith('"') ? m : m.replace(/[^\n]/g, ' ')));
  const tokens: { value: string; line: number; quoted: boolean }[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([{};=])|([^\s{};="]+)/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(source))) {
    const line = source.slice(0, match.index).split('\n').length;
    if (match[1] !== undefined) tokens.push({ value: match[1].replace(/\\(.)/g, '$1'), line, quoted: true });
    else tokens.push({ value: match[2] ?? match[3] ?? '', line, quoted: false });
  }
  let i = 0;
  const fail = (expected: string): never => {
    const token = tokens[i];
    throw new ValidationError(`${file}:${token?.line ?? 'end'}`, `JAAS syntax: ${expected}`, `${file}: line ${token?.line ?? 'end of file'}: expected ${expected}, found ${token ? JSON.stringify(token.value) : 'end of file'}`);
  };
  const next = () => tokens[i++] ?? fail('more input');
  const expect = (value: string) => {
    const token = tokens[i];
    if (!token || token.quoted || token.value !== value) fail(`"${value}"`);
    i++;
  };
  while (i < tokens.length) {
    const name = next();
    if (name.quoted || '{};='.includes(name.value)) fail('an entry name');
    expect('{');
    const modules: JaasModule[] = [];
    while (tokens[i]?.value !== '}') {
      const className = next().value;
      const flag = next().value;
      if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag)) {
        i--;
        fail('a control flag (required, requisite, sufficient, optional)');
      }
      const options: Record<string, string> = {};
      while (tokens[i] && tokens[i]?.value !== ';') {
        const key = next().value;
        expect('=');
        options[key] = next().value;
      }
      expect(';');
      modules.push({ className, flag, options });
    }
    expect('}');
    if (tokens[i]?.value === ';') i++;
    entries.set(name.value, modules);
  }
  return entries;
}

export const PROPERTIES_LOGIN_MODULE = 'org.apache.activemq.jaas.PropertiesLoginModule';
export const USER_FILE_OPTION = 'org.apache.activemq.jaas.properties.user';
export const GROUP_FILE_OPTION = 'org.apache.activemq.jaas.properties.group';
