import { BROKER_PACKAGES, ensureDebianPackages } from '../src/local/brokers/debian-packages.js';

/**
 * Installs the brokers once, before any suite starts, so a fresh machine pays the apt install
 * outside every suite's boot timeout. The harness would install them too, but per suite.
 */
export default async function globalSetup(): Promise<void> {
  await ensureDebianPackages([...BROKER_PACKAGES.rabbitmq, ...BROKER_PACKAGES.activemq]);
}
