/**
 * Where alarms go: one encrypted SNS topic per environment, with e-mail subscriptions from config and an HTTPS
 * subscription for PagerDuty's integration URL, which only ever exists as a Pulumi secret. Slack is not subscribed:
 * SNS sends an HTTPS endpoint a confirmation request first, which a Slack incoming webhook rejects (it takes only its
 * own message format), so such a subscription never delivers. Alarms reach Slack through an e-mail address of the
 * channel in `observability.alarmEmails`, or AWS Chatbot; the webhook serves the deploy workflows.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, toJson } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";

export interface AlertingArgs {
    namePrefix: string;
    accountId: pulumi.Input<string>;
    emails: readonly string[];
    /** PagerDuty's CloudWatch integration URL, when configured (`pulumi config set --secret`). */
    pagerDutyIntegrationUrl?: pulumi.Output<string>;
    /** The key that encrypts the topic (its policy lets CloudWatch alarms use it). */
    kmsKeyArn: pulumi.Input<string>;
}

export class Alerting extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Alerting", name, {}, opts);
        const child = { parent: this };
        // Named so that its policy and runbooks can name it. A replacement (FIFO or not) deletes first: alarms raised in
        // the seconds before the new topic exists notify no one, and the subscriptions are made again (email ones
        // wait for their confirmation).
        const topic = new aws.sns.Topic(`${name}`, { name: `${args.namePrefix}-alarms`, kmsMasterKeyId: args.kmsKeyArn }, { ...child, ...NAME_IS_A_CONTRACT });
        new aws.sns.TopicPolicy(`${name}`, {
            arn: topic.arn,
            policy: toJson(policyDocument({
                Sid: "CloudWatchAlarmsOfThisAccountPublish",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topic.arn,
                Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
            })),
        }, child);
        args.emails.forEach((email) => {
            // The address is the subscription's identity: a stable key, and the subscriber confirms by e-mail.
            new aws.sns.TopicSubscription(`${name}-email-${email.replace(/[^a-zA-Z0-9]+/g, "-")}`, { topic: topic.arn, protocol: "email", endpoint: email }, child);
        });
        if (args.pagerDutyIntegrationUrl) {
            // PagerDuty's integration confirms SNS subscriptions itself.
            new aws.sns.TopicSubscription(`${name}-pagerduty`, { topic: topic.arn, protocol: "https", endpoint: args.pagerDutyIntegrationUrl, endpointAutoConfirms: true }, child);
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
