import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HarnessError } from '../../model/errors.js';

const run = promisify(execFile);

/** The Debian packages the harness needs, per engine (see shared BROKERS.md). */
export const BROKER_PACKAGES = {
  rabbitmq: ['rabbitmq-server'],
  activemq: ['activemq', 'libjetty9-java', 'libjolokia-core-java', 'libjson-simple-java', 'libservlet-api-java'],
} as const;

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.includes('install ok installed');
  } catch {
    return false;
  }
}

let pending: Promise<void> | undefined;

/**
 * Installs the given Debian packages when any is missing. Debian's postinst would start its own
 * rabbitmq-server on 5672; a policy-rc.d that forbids service starts keeps that from happening.
 */
export async function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  // One apt run at a time within this process; dpkg's own lock guards other processes.
  while (pending) await pending;
  pending = install(missing).finally(() => (pending = undefined));
  await pending;
}

async function install(missing: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('sh', ['-c', 'test -e /usr/sbin/policy-rc.d || { printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; }'], options);
    await run('apt-get', ['update', '-qq'], options);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], options);
  } catch (error) {
    throw new HarnessError(
      `could not install Debian packages ${missing.join(', ')} (the harness needs root and Debian's package registry)`,
      { cause: error },
    );
  }
}
