/**
 * In-process stand-ins for the AWS services that have no local service in this repository:
 * SNS (approval notifications), EventBridge (summary events), SSM Parameter Store and Route 53
 * (cutover targets). Only the local runner uses them; production code gets the SDK adapters of
 * src/aws. Each keeps what it received in a file under the data folder, so a person (or a test)
 * can see what would have been sent.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsZone, EventPublisher, Notifier, ParameterStore } from '../../orchestration/ports.js';

function jsonFile<T>(path: string, initial: T): { read: () => T; write: (value: T) => void } {
  return {
    read: () => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch {
        return initial;
      }
    },
    write: (value) => writeFileSync(path, JSON.stringify(value, null, 2)),
  };
}

export function fileNotifier(dataDir: string, show: (subject: string, message: string) => void): Notifier {
  mkdirSync(dataDir, { recursive: true });
  return {
    async notify(subject, message, attributes) {
      appendFileSync(join(dataDir, 'sns-approvals.jsonl'), JSON.stringify({ at: new Date().toISOString(), subject, message, attributes }) + '\n');
      show(subject, message);
    },
  };
}

export function fileEventPublisher(dataDir: string, show?: (detailType: string, detail: Record<string, unknown>) => void): EventPublisher & { published: () => { detailType: string; detail: Record<string, unknown> }[] } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'eventbridge-events.jsonl');
  return {
    async publish(detailType, detail) {
      appendFileSync(path, JSON.stringify({ at: new Date().toISOString(), source: 'mq-migrate', detailType, detail }) + '\n');
      show?.(detailType, detail);
    },
    published: () => {
      try {
        return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { detailType: string; detail: Record<string, unknown> });
      } catch {
        return [];
      }
    },
  };
}

export function fileParameterStore(dataDir: string): ParameterStore {
  mkdirSync(dataDir, { recursive: true });
  const file = jsonFile<Record<string, string>>(join(dataDir, 'ssm-parameters.json'), {});
  return {
    async get(name) {
      return file.read()[name];
    },
    async put(name, value) {
      file.write({ ...file.read(), [name]: value });
    },
  };
}

export function fileDnsZone(dataDir: string): DnsZone {
  mkdirSync(dataDir, { recursive: true });
  const file = jsonFile<Record<string, { type: string; values: string[]; ttl: number }>>(join(dataDir, 'route53-records.json'), {});
  const key = (zone: string, name: string) => `${zone} ${name.endsWith('.') ? name : `${name}.`}`;
  return {
    async get(zoneId, name) {
      return file.read()[key(zoneId, name)];
    },
    async upsertCname(zoneId, name, value, ttl) {
      file.write({ ...file.read(), [key(zoneId, name)]: { type: 'CNAME', values: [value], ttl } });
    },
  };
}
