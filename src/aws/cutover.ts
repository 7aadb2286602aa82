import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { classifyAwsError } from '../orchestration/errors.js';
import type { DnsZone, ParameterStore } from '../orchestration/ports.js';

/** One client per module, default configuration: AWS_ENDPOINT_URL_SSM / _ROUTE_53 redirect them. */
export const ssm = new SSMClient({});
export const route53 = new Route53Client({});

/** Clients that read the broker's address from a parameter: the cutover rewrites it. */
export function ssmParameterStore(client: SSMClient = ssm): ParameterStore {
  return {
    async get(name) {
      try {
        return (await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
      } catch (error) {
        if (error instanceof ParameterNotFound || (error as { name?: unknown }).name === 'ParameterNotFound') return undefined;
        throw classifyAwsError('ssm:GetParameter', error);
      }
    },
    async put(name, value) {
      try {
        await client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
      } catch (error) {
        throw classifyAwsError('ssm:PutParameter', error);
      }
    },
  };
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

/** Clients that reach the broker by a DNS name: the cutover points the record at Amazon MQ. */
export function route53Zone(client: Route53Client = route53): DnsZone {
  return {
    async get(zoneId, name) {
      try {
        const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: fqdn(name), MaxItems: 1 }));
        const record = page.ResourceRecordSets?.find((r) => r.Name === fqdn(name));
        return record ? { type: record.Type ?? 'CNAME', values: (record.ResourceRecords ?? []).map((r) => r.Value ?? ''), ttl: record.TTL ?? 60 } : undefined;
      } catch (error) {
        throw classifyAwsError('route53:ListResourceRecordSets', error);
      }
    },
    async upsertCname(zoneId, name, value, ttl) {
      try {
        await client.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: 'mq-migrate cutover', Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: fqdn(name), Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: value }] } }] },
          }),
        );
      } catch (error) {
        throw classifyAwsError('route53:ChangeResourceRecordSets', error);
      }
    },
  };
}
