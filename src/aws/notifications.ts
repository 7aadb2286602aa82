import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { classifyAwsError } from '../orchestration/errors.js';
import type { EventPublisher, Notifier } from '../orchestration/ports.js';

/** One client per module, default configuration: AWS_ENDPOINT_URL_SNS / _EVENTBRIDGE redirect them. */
export const sns = new SNSClient({});
export const eventBridge = new EventBridgeClient({});

export const EVENT_SOURCE = 'mq-migrate';

/** Approval requests go to the stack's SNS topic (e-mail, chat, a pager subscribe to it). */
export function snsNotifier(topicArn: string, client: SNSClient = sns): Notifier {
  return {
    async notify(subject, message, attributes) {
      try {
        await client.send(
          new PublishCommand({
            TopicArn: topicArn,
            // SNS limits e-mail subjects to 100 characters.
            Subject: subject.slice(0, 100),
            Message: message,
            MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
          }),
        );
      } catch (error) {
        throw classifyAwsError('sns:Publish', error);
      }
    },
  };
}

/** Summary events on an EventBridge bus; a failed entry is an error, not a silent loss. */
export function eventBridgePublisher(eventBusName: string, client: EventBridgeClient = eventBridge): EventPublisher {
  return {
    async publish(detailType, detail) {
      let response;
      try {
        response = await client.send(new PutEventsCommand({ Entries: [{ EventBusName: eventBusName, Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }] }));
      } catch (error) {
        throw classifyAwsError('events:PutEvents', error);
      }
      if ((response.FailedEntryCount ?? 0) > 0) {
        const entry = response.Entries?.[0];
        throw classifyAwsError('events:PutEvents', Object.assign(new Error(entry?.ErrorMessage ?? 'entry refused'), { name: entry?.ErrorCode ?? 'PutEventsFailed' }));
      }
    },
  };
}
