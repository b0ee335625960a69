/**
 * Where alarms go: one encrypted SNS topic per environment, with e-mail subscriptions from config and HTTPS
 * subscriptions for Slack and PagerDuty endpoints that only ever exist as Pulumi secrets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, toJson } from "../iam";

export interface AlertingArgs {
    namePrefix: string;
    accountId: pulumi.Input<string>;
    emails: readonly string[];
    /** Secret endpoints, when configured (`pulumi config set --secret`). */
    slackWebhookUrl?: pulumi.Output<string>;
    pagerDutyIntegrationUrl?: pulumi.Output<string>;
    /** The key that encrypts the topic (its policy lets CloudWatch alarms use it). */
    kmsKeyArn: pulumi.Input<string>;
}

export class Alerting extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Alerting", name, {}, opts);
        const child = { parent: this };
        const topic = new aws.sns.Topic(`${name}`, { name: `${args.namePrefix}-alarms`, kmsMasterKeyId: args.kmsKeyArn }, child);
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
        const hooks: [string, pulumi.Output<string> | undefined][] = [["slack", args.slackWebhookUrl], ["pagerduty", args.pagerDutyIntegrationUrl]];
        for (const [key, endpoint] of hooks) {
            if (endpoint) {
                new aws.sns.TopicSubscription(`${name}-${key}`, { topic: topic.arn, protocol: "https", endpoint, endpointAutoConfirms: true }, child);
            }
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
