/** KMS key policies as plain data. */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

/** `logs`: CloudWatch Logs encrypts log groups; `cloudwatch`: alarms publish to an encrypted SNS topic. */
export type KeyService = "logs" | "cloudwatch";

export interface KeyPolicyArgs {
    accountId: pulumi.Input<string>;
    region: string;
    /** AWS services that use the key on the account's behalf and must be named in the key policy. */
    services?: readonly KeyService[];
}

/**
 * The account administers the key through IAM (the default key policy's root statement). Services that act on
 * their own behalf are named in the key policy: CloudWatch Logs limited to this account's log groups, CloudWatch
 * alarms to what publishing to an encrypted topic needs.
 */
export function keyPolicy(args: KeyPolicyArgs): PolicyDocument {
    const statements: PolicyStatement[] = [{
        Sid: "AccountAdministersThroughIam",
        Effect: "Allow",
        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
    }];
    if (args.services?.includes("logs")) {
        statements.push({
            Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
            Effect: "Allow",
            Principal: { Service: `logs.${args.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
                ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${args.region}:${args.accountId}:log-group:*` },
            },
        });
    }
    if (args.services?.includes("cloudwatch")) {
        statements.push({
            Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
        });
    }
    return policyDocument(...statements);
}
