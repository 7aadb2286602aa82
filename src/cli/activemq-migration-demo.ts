/**
 * The ActiveMQ half of `mq-migrate demo --activemq` (and of the workflow's ActiveMQ tests): a
 * sample "on-premises" ActiveMQ node seeded with queues, message groups, scheduled messages and
 * an offline durable subscriber with a backlog; its activemq.xml and JAAS files uploaded as the
 * configuration bundle; the secrets; and a migration input for the local Amazon MQ.
 */
import { parseStompUrl } from '../engines/activemq/stomp-client.js';
import { migrationKey, putDocument } from '../aws/documents.js';
import type { ActiveMqNode } from '../local/brokers/activemq-node.js';
import { sampleActiveMqBundle, seedSampleMessages, SAMPLE_MESSAGES } from '../local/seed/activemq-sample.js';
import type { LocalWorkflow } from '../local/stepfunctions/local-workflow.js';
import { MigrationInput, type MigrationInputInput } from '../orchestration/input.js';
import { followParameter, localMigrationSecrets } from './migration-demo.js';

/** Messages the sample puts where the drain moves them: the queues and the durable backlog (scheduled ones wait in the scheduler). */
export const SAMPLE_ACTIVEMQ_MOVABLE = Object.values(SAMPLE_MESSAGES.queues).reduce((a, b) => a + b, 0) + SAMPLE_MESSAGES.durable.pending;

export async function prepareActiveMqSourceAndInput(
  workflow: LocalWorkflow,
  source: ActiveMqNode,
  options: { migrationId: string; parameterName?: string; acceptFindings?: string[] },
): Promise<{ input: MigrationInput; published: number; parameterName: string; targetAdmin: { username: string; password: string } }> {
  await seedSampleMessages({ host: '127.0.0.1', port: source.stompPort, login: source.adminUser, passcode: source.adminPassword });
  const bundle = await putDocument(workflow.bucket, migrationKey(options.migrationId, 'source-activemq-conf.json'), sampleActiveMqBundle());
  const { parameterName, sourceSecret, targetSecret, targetAdmin } = await localMigrationSecrets(workflow, options, source.stompUrl, { username: source.adminUser, password: source.adminPassword });
  const raw: MigrationInputInput = {
    migrationId: options.migrationId,
    source: {
      engine: 'ACTIVEMQ',
      jolokiaUrl: source.jolokiaUrl,
      stompUrl: source.stompUrl,
      credentialsSecretId: sourceSecret,
      brokerName: source.brokerName,
      configuration: { bucket: bundle.bucket, key: bundle.key },
    },
    target: { brokerName: options.migrationId, adminSecretId: targetSecret },
    cutover: { strategy: 'ssm-parameter', parameterName },
    // The local Amazon MQ runs single instances only (no EFS pair here).
    options: { deploymentMode: 'SINGLE_INSTANCE', storageType: 'EBS', secretPrefix: `mq-migrate/${options.migrationId}/users`, acceptFindings: options.acceptFindings ?? [] },
    drain: { preDrainBudgetSeconds: 120, finalDrainBudgetSeconds: 300 },
  };
  return { input: MigrationInput.parse(raw), published: SAMPLE_ACTIVEMQ_MOVABLE, parameterName, targetAdmin };
}

/** The "billing service": a STOMP client on the source that follows the cutover (the workflow waits for it to go). */
export async function startSampleStompApplication(workflow: LocalWorkflow, source: ActiveMqNode, parameterName: string, targetAdmin: { username: string; password: string }, out: (text: string) => void): Promise<{ stop: () => Promise<void> }> {
  const { StompClient } = await import('../engines/activemq/stomp-client.js');
  return followParameter(workflow, parameterName, 'billing-service', async (url, first) => {
    const { host, port } = parseStompUrl(url);
    const credentials = first ? { login: source.adminUser, passcode: source.adminPassword } : { login: targetAdmin.username, passcode: targetAdmin.password };
    const client = await StompClient.connect({ host, port, ...credentials, clientId: `billing-service-${first ? 'source' : 'target'}` });
    return { close: () => client.disconnect() };
  }, out);
}
