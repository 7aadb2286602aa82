import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../../src/local/brokers/process.js';
import { startLocalServices, type LocalServices } from '../../../src/local/services.js';
import { portOf, sdkDriver, stompConnect, waitForGone, waitForState } from './drivers.js';

let services: LocalServices | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-mq-restart-'));
});

afterAll(async () => {
  await services?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('finds a running broker again after its own restart, and restarts brokers it had stopped', async () => {
  // Prepare: an ActiveMQ broker with a pending user change.
  services = await startLocalServices({ dataDir });
  let driver = sdkDriver(services.endpoints.mq);
  const { BrokerId } = await driver.call('CreateBroker', {
    BrokerName: 'survivor',
    EngineType: 'ACTIVEMQ',
    DeploymentMode: 'SINGLE_INSTANCE',
    HostInstanceType: 'mq.t3.micro',
    PubliclyAccessible: false,
    Users: [{ Username: 'app-user', Password: 'App-password-1' }],
  });
  const brokerId = String(BrokerId);
  await waitForState(driver, brokerId, ['RUNNING']);
  await driver.call('CreateUser', { BrokerId: brokerId, Username: 'later-user', Password: 'Later-password-1' });
  const pid = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;

  // Act: restart the service, leaving the broker running.
  await services.stop({ stopBrokers: false });
  services = await startLocalServices({ dataDir });
  driver = sdkDriver(services.endpoints.mq);
  await services.mq.service.idle();

  // Assess: same process, same state, pending change kept.
  let broker = await driver.call('DescribeBroker', { BrokerId: brokerId });
  expect(broker['BrokerState']).toBe('RUNNING');
  expect(services.mq.service.runtimeOf(brokerId)?.pid).toBe(pid);
  expect(broker['Users']).toEqual([{ Username: 'app-user' }, { Username: 'later-user', PendingChange: 'CREATE' }]);
  const stomp = portOf(broker, 'stomp');
  expect(await stompConnect(stomp, 'app-user', 'App-password-1')).toBe('CONNECTED');

  // Act: stop everything (brokers too), start again.
  await services.stop();
  expect(isAlive(pid)).toBe(false);
  services = await startLocalServices({ dataDir });
  driver = sdkDriver(services.endpoints.mq);
  broker = await waitForState(driver, brokerId, ['RUNNING', 'CRITICAL_ACTION_REQUIRED']);

  // Assess: restarted by the service, reachable again.
  expect(broker['BrokerState']).toBe('RUNNING');
  expect(services.mq.service.runtimeOf(brokerId)?.pid).not.toBe(pid);
  expect(portOf(broker, 'stomp')).toBe(stomp);
  expect(await stompConnect(stomp, 'app-user', 'App-password-1')).toBe('CONNECTED');

  // A broker whose process died needs action, and a reboot brings it back.
  const second = services.mq.service.runtimeOf(brokerId)?.pid ?? 0;
  process.kill(second, 'SIGKILL');
  await waitForState(driver, brokerId, ['CRITICAL_ACTION_REQUIRED'], 10000);
  const described = await driver.call('DescribeBroker', { BrokerId: brokerId });
  expect(described['ActionsRequired']).toEqual([{ ActionRequiredCode: 'BROKER_PROCESS_NOT_RUNNING', ActionRequiredInfo: expect.stringContaining('Reboot the broker') }]);
  // A new configuration revision is pending until that reboot too.
  const configuration = await driver.call('CreateConfiguration', { Name: 'survivor-v2', EngineType: 'ACTIVEMQ', EngineVersion: '5.19' });
  const before = described['Configurations']['Current'];
  await expect(driver.call('UpdateBroker', { BrokerId: brokerId, Configuration: { Id: configuration['Id'], Revision: 1 } })).rejects.toMatchObject({ type: 'ConflictException' });
  await driver.call('RebootBroker', { BrokerId: brokerId });
  broker = await waitForState(driver, brokerId, ['RUNNING']);
  expect(await stompConnect(portOf(broker, 'stomp'), 'later-user', 'Later-password-1')).toBe('CONNECTED');
  const updated = await driver.call('UpdateBroker', { BrokerId: brokerId, Configuration: { Id: configuration['Id'], Revision: 1 }, MaintenanceWindowStartTime: { DayOfWeek: 'TUESDAY', TimeOfDay: '04:00' } });
  expect(updated['Configuration']).toEqual({ Id: configuration['Id'], Revision: 1 });
  broker = await driver.call('DescribeBroker', { BrokerId: brokerId });
  expect(broker['Configurations']).toEqual({ Current: before, History: [], Pending: { Id: configuration['Id'], Revision: 1 } });
  expect(broker['MaintenanceWindowStartTime']).toEqual({ DayOfWeek: 'TUESDAY', TimeOfDay: '04:00' });
  await driver.call('RebootBroker', { BrokerId: brokerId });
  broker = await waitForState(driver, brokerId, ['RUNNING']);
  expect(broker['Configurations']).toEqual({ Current: { Id: configuration['Id'], Revision: 1 }, History: [before] });
  expect(await stompConnect(portOf(broker, 'stomp'), 'app-user', 'App-password-1')).toBe('CONNECTED');

  await driver.call('DeleteBroker', { BrokerId: brokerId });
  await waitForGone(driver, brokerId);
});
