/** Rules over AWS resources. */
import { asObject, referencesTo, type CheckedResource, type PolicyContext, type Rule } from "../types";

const T = {
    rds: "aws:rds/instance:Instance",
    cache: "aws:elasticache/replicationGroup:ReplicationGroup",
    bucket: "aws:s3/bucket:Bucket",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    ecr: "aws:ecr/repository:Repository",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    eks: "eks:index:Cluster",
    awsEks: "aws:eks/cluster:Cluster",
    kms: "aws:kms/key:Key",
    role: "aws:iam/role:Role",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    groupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    webAcl: "aws:wafv2/webAcl:WebAcl",
    webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
} as const;

const OPEN = ["0.0.0.0/0", "::/0"];
const companions = (context: PolicyContext, type: string, of: CheckedResource): CheckedResource[] =>
    context.resources.filter((candidate) => candidate.type === type && referencesTo(of).includes(String(candidate.inputs.bucket)));
const isReplica = (db: CheckedResource): boolean => Boolean(db.inputs.replicateSourceDb);
/**
 * How another resource names this one's ARN: the plan's placeholder offline, the real ARN in the policy pack (whose
 * resources carry their outputs once created; during a preview an unknown ARN makes the pack skip the rule).
 */
const arnReferences = (resource: CheckedResource): unknown[] => [...referencesTo(resource, ["arn", "id"]), ...(typeof resource.inputs.arn === "string" ? [resource.inputs.arn] : [])];

export const AWS_RULES: Rule[] = [
    {
        name: "encryption-at-rest",
        description: "Databases, caches, buckets, node volumes, registries and log groups are encrypted at rest",
        appliesTo: [T.rds, T.cache, T.bucket, T.launchTemplate, T.ecr, T.logGroup],
        check(resource, context) {
            const inputs = resource.inputs;
            switch (resource.type) {
                case T.rds: return inputs.storageEncrypted === true ? [] : ["storageEncrypted is not true"];
                case T.cache: return inputs.atRestEncryptionEnabled === true ? [] : ["atRestEncryptionEnabled is not true"];
                case T.bucket: return companions(context, T.encryption, resource).length > 0 ? [] : ["no default encryption configuration for the bucket"];
                case T.ecr: {
                    const [encryption] = (inputs.encryptionConfigurations ?? []) as { encryptionType?: string }[];
                    return encryption?.encryptionType === "KMS" ? [] : ["not encrypted with KMS"];
                }
                case T.logGroup: return inputs.kmsKeyId ? [] : ["no kmsKeyId"];
                default: {
                    const volumes = (inputs.blockDeviceMappings ?? []) as { ebs?: { encrypted?: unknown } }[];
                    if (volumes.length === 0) return ["no block device mapping: the root volume's encryption is left to the account default"];
                    return volumes.filter((volume) => String(volume.ebs?.encrypted) !== "true").map(() => "an EBS volume is not encrypted");
                }
            }
        },
    },
    {
        name: "no-public-database",
        description: "No database is publicly accessible",
        appliesTo: [T.rds],
        check: (resource) => (resource.inputs.publiclyAccessible === true ? ["publiclyAccessible is true"] : []),
    },
    {
        name: "production-database-resilience",
        description: "In production, the database is Multi-AZ, protected from deletion and backed up for at least 14 days",
        appliesTo: [T.rds],
        check(resource, context) {
            if (!context.production || isReplica(resource)) return [];
            const problems: string[] = [];
            if (resource.inputs.multiAz !== true) problems.push("not Multi-AZ");
            if (resource.inputs.deletionProtection !== true) problems.push("deletion protection is off");
            if (Number(resource.inputs.backupRetentionPeriod ?? 0) < 14) problems.push(`backups kept ${String(resource.inputs.backupRetentionPeriod ?? 0)} days, fewer than 14`);
            return problems;
        },
    },
    {
        name: "eks-hardened-control-plane",
        description: "The EKS API endpoint is private, secrets are encrypted and audit logs are on",
        appliesTo: [T.eks, T.awsEks],
        check(resource) {
            const inputs = resource.inputs;
            const vpc = (inputs.vpcConfig ?? {}) as Record<string, unknown>;
            const publicAccess = inputs.endpointPublicAccess ?? vpc.endpointPublicAccess;
            const cidrs = (inputs.publicAccessCidrs ?? vpc.publicAccessCidrs ?? []) as string[];
            const problems: string[] = [];
            if (publicAccess !== false && (cidrs.length === 0 || cidrs.some((cidr) => OPEN.includes(cidr)))) problems.push("the API endpoint is open to the internet");
            if (!inputs.encryptionConfigKeyArn && !inputs.encryptionConfig) problems.push("Kubernetes secrets are not encrypted with a KMS key");
            if (!((inputs.enabledClusterLogTypes ?? []) as string[]).includes("audit")) problems.push("audit logs are off");
            return problems;
        },
    },
    {
        name: "imdsv2-on-nodes",
        description: "Nodes require IMDSv2",
        appliesTo: [T.launchTemplate],
        check: (resource) => ((resource.inputs.metadataOptions as { httpTokens?: string } | undefined)?.httpTokens === "required" ? [] : ["httpTokens is not required"]),
    },
    {
        name: "no-open-ingress",
        description: "Nothing accepts traffic from the internet but a load balancer, on 80 and 443",
        appliesTo: [T.securityGroup, T.ingressRule, T.groupRule],
        check(resource, context) {
            const loadBalancerGroups = context.resources.filter((candidate) => candidate.type === T.loadBalancer)
                .flatMap((lb) => (lb.inputs.securityGroups ?? []) as string[]);
            const isLoadBalancers = (groupReference: unknown) => loadBalancerGroups.includes(String(groupReference));
            const rules: { from: number; to: number; sources: string[]; group: unknown }[] = [];
            const inputs = resource.inputs;
            if (resource.type === T.securityGroup) {
                for (const rule of (inputs.ingress ?? []) as Record<string, unknown>[]) {
                    // The group's id: a placeholder offline, the real id in the policy pack.
                    rules.push({ from: Number(rule.fromPort), to: Number(rule.toPort), sources: [...((rule.cidrBlocks ?? []) as string[]), ...((rule.ipv6CidrBlocks ?? []) as string[])], group: inputs.id ?? `[computed: ${resource.name}.id]` });
                }
            } else if (resource.type === T.ingressRule) {
                rules.push({ from: Number(inputs.fromPort), to: Number(inputs.toPort), sources: [inputs.cidrIpv4, inputs.cidrIpv6].filter(Boolean) as string[], group: inputs.securityGroupId });
            } else if (inputs.type === "ingress") {
                rules.push({ from: Number(inputs.fromPort), to: Number(inputs.toPort), sources: [...((inputs.cidrBlocks ?? []) as string[]), ...((inputs.ipv6CidrBlocks ?? []) as string[])], group: inputs.securityGroupId });
            }
            return rules.filter((rule) => rule.sources.some((source) => OPEN.includes(source)))
                .filter((rule) => !(isLoadBalancers(rule.group) && rule.from === rule.to && [80, 443].includes(rule.from)))
                .map((rule) => `ports ${rule.from}-${rule.to} are open to the internet`);
        },
    },
    {
        name: "s3-private-and-tls-only",
        description: "Every bucket blocks public access and refuses requests that are not TLS",
        appliesTo: [T.bucket],
        check(resource, context) {
            const problems: string[] = [];
            const blocks = companions(context, T.publicAccess, resource);
            const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
            if (!blocks.some((block) => flags.every((flag) => block.inputs[flag] === true))) problems.push("public access is not fully blocked");
            const denies = companions(context, T.bucketPolicy, resource).flatMap((policy) => ((asObject(policy.inputs.policy)?.Statement ?? []) as Record<string, unknown>[]))
                .filter((statement) => statement.Effect === "Deny" && JSON.stringify(statement.Condition ?? {}).includes('"aws:SecureTransport":"false"'));
            if (denies.length === 0) problems.push("the bucket policy does not deny requests without TLS");
            return problems;
        },
    },
    {
        name: "production-waf-on-public-load-balancer",
        description: "In production, every internet-facing application load balancer has a WAF web ACL associated",
        appliesTo: [T.loadBalancer],
        check(resource, context) {
            // WAF protects application load balancers only (https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html);
            // `internal` defaults to false, so an absent value is internet-facing.
            const application = (resource.inputs.loadBalancerType ?? "application") === "application";
            if (!context.production || !application || resource.inputs.internal === true) return [];
            const self = arnReferences(resource);
            const acls = context.resources.filter((candidate) => candidate.type === T.webAcl).flatMap(arnReferences);
            const associations = context.resources.filter((candidate) => candidate.type === T.webAclAssociation && self.includes(candidate.inputs.resourceArn));
            if (associations.length === 0) return ["internet-facing, and no WAF web ACL is associated with it"];
            return associations.some((association) => acls.includes(association.inputs.webAclArn)) ? [] : ["its WAF association names no web ACL of this stack"];
        },
    },
    {
        name: "kms-rotation",
        description: "Customer-managed keys rotate",
        appliesTo: [T.kms],
        check: (resource) => (resource.inputs.enableKeyRotation === true ? [] : ["enableKeyRotation is not true"]),
    },
    {
        name: "log-retention",
        description: "Every log group has a retention",
        appliesTo: [T.logGroup],
        check: (resource) => (Number(resource.inputs.retentionInDays ?? 0) > 0 ? [] : ["the log group keeps logs forever"]),
    },
    {
        name: "oidc-trust-exact",
        description: "Roles trusted through OIDC name their subjects exactly: StringEquals, no wildcard",
        appliesTo: [T.role],
        check(resource) {
            const statements = (asObject(resource.inputs.assumeRolePolicy)?.Statement ?? []) as Record<string, unknown>[];
            return statements.filter((statement) => (statement.Principal as { Federated?: unknown } | undefined)?.Federated).flatMap((statement) => {
                const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
                const problems: string[] = [];
                if (Object.keys(condition).length === 0) problems.push("a federated trust without conditions");
                for (const operator of Object.keys(condition)) if (operator !== "StringEquals") problems.push(`a federated trust uses ${operator}`);
                if (!Object.keys(Object.values(condition)[0] ?? {}).some((key) => key.endsWith(":sub"))) problems.push("a federated trust does not name its subject");
                if (/[*?]/.test(JSON.stringify(condition))) problems.push("a federated trust condition has a wildcard");
                return problems;
            });
        },
    },
];
