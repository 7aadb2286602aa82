// Installs the brokers once, before any suite starts, so a fresh machine pays the apt install
// outside every suite's boot timeout (the harness would install them too, but per suite).
// Plain JS loading the TypeScript module through tsx: jest's globalSetup skips moduleNameMapper.
import { register } from 'tsx/esm/api';

export default async function globalSetup() {
  const unregister = register();
  try {
    const { BROKER_PACKAGES, ensureDebianPackages } = await import('../src/local/brokers/debian-packages.ts');
    await ensureDebianPackages([...BROKER_PACKAGES.rabbitmq, ...BROKER_PACKAGES.activemq]);
  } finally {
    await unregister();
  }
}
