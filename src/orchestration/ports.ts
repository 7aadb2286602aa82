/**
 * The ports the workflow's handlers depend on. Production implementations are the SDK adapters in
 * src/aws (and src/amazonmq/provisioner.ts); the local runner hands in-process ones where no local
 * service exists (src/local/stepfunctions/in-process.ts).
 */
import type { ProvisionInputInput } from '../amazonmq/provision-input.js';

/** Creates the Amazon MQ broker and looks at it while it boots. */
export interface BrokerProvisioner {
  provision(input: ProvisionInputInput): Promise<{ brokerId: string; state: string }>;
  describe(brokerId: string): Promise<{ state: string; ready: boolean; endpoints: { endpoints: string[]; consoleUrls: string[] } }>;
}

/** Tells people an approval is waiting (SNS in AWS). */
export interface Notifier {
  notify(subject: string, message: string, attributes: Record<string, string>): Promise<void>;
}

/** Publishes summary events (EventBridge in AWS). */
export interface EventPublisher {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** SSM Parameter Store, as far as a cutover needs it. */
export interface ParameterStore {
  get(name: string): Promise<string | undefined>;
  put(name: string, value: string): Promise<void>;
}

/** A Route 53 hosted zone, as far as a cutover needs it. */
export interface DnsZone {
  get(zoneId: string, name: string): Promise<{ type: string; values: string[]; ttl: number } | undefined>;
  upsertCname(zoneId: string, name: string, value: string, ttl: number): Promise<void>;
}
