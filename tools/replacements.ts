/**
 * What replaces a resource instead of updating it, per type, and which input is its physical name. Each rule was read
 * in the provider's own code, at the file and commit given beside it: for AWS the Terraform provider that
 * @pulumi/aws wraps (hashicorp/terraform-provider-aws, `ForceNew: true` or a framework `RequiresReplace()`;
 * snake_case attributes are written as Pulumi's camelCase inputs); for the others their provider's Diff code.
 * Only rules read belong here: a property missing from a rule is reported as an update, so an "update" of a property
 * not read is not a promise (docs/day2.md lists what is not modelled: CustomizeDiff-driven and nested replacements).
 *
 * Why the name matters: Pulumi replaces create-before-delete unless `deleteBeforeReplace` is set
 * (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/), and a resource whose name the program fixes
 * is not auto-named (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming), so its replacement is
 * created while the old one still holds the name, and the cloud answers "already exists".
 */

export interface ReplacementRule {
    /** Inputs whose change replaces the resource. A dotted entry (`launchTemplate.id`) forces only below that path. */
    forcing: readonly string[];
    /** The input that is the resource's physical name, when it has one. */
    name?: string;
    /**
     * Forcing inputs that move the name into another namespace (another VPC, cluster, Kubernetes namespace, GitHub
     * environment...): a replacement caused by them creates the new resource where the name is free.
     */
    scope?: readonly string[];
    /** The provider itself replaces delete-before-create, whatever the resource options say. */
    providerDeletesFirst?: true;
    /** Where the rule was read. */
    source: string;
}

const TF = "hashicorp/terraform-provider-aws internal/service";
const rule = (forcing: readonly string[], source: string, extra: Omit<ReplacementRule, "forcing" | "source"> = {}): ReplacementRule => ({ forcing, source, ...extra });

export const REPLACEMENT_RULES: Readonly<Record<string, ReplacementRule>> = {
    // --- network
    // instance_tenancy also forces a new VPC through CustomizeDiff, except dedicated -> default: not modelled.
    "aws:ec2/vpc:Vpc": rule(["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"], `${TF}/ec2/vpc_.go @ 0b2fe557fcd2f76a61115fd075cd28fcd2fe050d`),
    "aws:ec2/subnet:Subnet": rule(["availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "vpcId"],
        `${TF}/ec2/vpc_subnet.go @ 3db496c3ef13bcbf12b401ce6f353c55b76701fa`),
    // Names are unique per VPC: "You can't have two security groups for the same VPC with the same name"
    // (https://docs.aws.amazon.com/goto/WebAPI/ec2/CreateSecurityGroup), so a new VPC cannot collide.
    "aws:ec2/securityGroup:SecurityGroup": rule(["description", "name", "namePrefix", "vpcId"],
        `${TF}/ec2/vpc_security_group.go @ 01606926a0c0ab9174aec440f976a48b0baee722`, { name: "name", scope: ["vpcId"] }),
    "aws:lb/targetGroup:TargetGroup": rule(["ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId"],
        `${TF}/elbv2/target_group.go @ 013cfb4cddc9c44a28f34abad0c11768bcdb9b85 (create fails "ELBv2 Target Group (...) already exists")`, { name: "name" }),
    "aws:lb/loadBalancer:LoadBalancer": rule(["customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix"],
        `${TF}/elbv2/load_balancer.go @ 00edc94be7a89c4c485415cdec27094875f61bfc`, { name: "name" }),
    "aws:wafv2/webAcl:WebAcl": rule(["name", "namePrefix", "scope"], `${TF}/wafv2/web_acl.go @ 0073593e7d6993ba482409f4dc35438daaa79bb3`, { name: "name" }),
    // --- compute
    // Every other attribute (image, instance type, user data, metadata options...) makes a new version, not a new template.
    "aws:ec2/launchTemplate:LaunchTemplate": rule(["name", "namePrefix"],
        `${TF}/ec2/ec2_launch_template.go @ 025e4f81cab8553cb052aebfcc5987e2aa8c702a (schema read; name and name_prefix are the only top-level ForceNew)`, { name: "name" }),
    // The schema's first 3,000 characters (availability_zones, capacity_rebalance, context) were not read.
    "aws:autoscaling/group:Group": rule(["initialLifecycleHooks", "name", "namePrefix"], `${TF}/autoscaling/group.go @ 00a919d1548eb437816d4838f320502ad34183ff`, { name: "name" }),
    "aws:iam/instanceProfile:InstanceProfile": rule(["name", "namePrefix", "path"], `${TF}/iam/instance_profile.go @ 013f1736b90439e5a19567a87d3e5cd11858c420`, { name: "name" }),
    "aws:iam/role:Role": rule(["name", "namePrefix", "path"], `${TF}/iam/role.go @ 0040ea6911af00bea2cca6dbb14e86829826ad8e`, { name: "name" }),
    // --- EKS. pulumi-eks v4.3.0 components (pulumi/pulumi-eks @ 0f5a544711cbcace44720e2d70f6702925a2ea4b) are remote:
    // the plan shows their inputs; what replaces is the aws.eks.Cluster / aws.eks.NodeGroup they create from them.
    // eks:index:Cluster: nodejs/eks/cluster/cluster.ts passes `name` to aws.eks.Cluster `name`, `serviceRole` to
    // `roleArn`, `kubernetesServiceIpAddressRange`/`ipFamily` to `kubernetesNetworkConfig`; it ignores changes to
    // bootstrapSelfManagedAddons. ForceNew on those in ${TF}/eks/cluster.go @ 00555dc5b38f92abbfa230badea0ed0754cea81e
    // (name, role_arn, kubernetes_network_config.ip_family/service_ipv4_cidr; version and vpc_config update in place;
    // removing encryption_config forces a new cluster through CustomizeDiff, not modelled).
    "eks:index:Cluster": rule(["ipFamily", "kubernetesServiceIpAddressRange", "name", "serviceRole"], "pulumi-eks cluster.ts + eks/cluster.go (above)", { name: "name" }),
    // eks:index:ManagedNodeGroup: nodejs/eks/nodes/nodegroup.ts spreads its inputs into aws.eks.NodeGroup (`cluster`
    // becomes cluster_name). ForceNew in ${TF}/eks/node_group.go @ 012e0a32f0686212f447447fd3d81c3d0ce256ad: ami_type,
    // capacity_type, cluster_name, disk_size, instance_types, launch_template.id/.name, node_group_name(_prefix),
    // node_role_arn, remote_access, subnet_ids; version, release_version, launch_template.version, labels, taints,
    // scaling_config update in place (UpdateNodegroupVersion / UpdateNodegroupConfig).
    "eks:index:ManagedNodeGroup": rule(["amiType", "capacityType", "cluster", "diskSize", "instanceTypes", "launchTemplate.id", "launchTemplate.name",
        "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds"], "pulumi-eks nodegroup.ts + eks/node_group.go (above)", { name: "nodeGroupName", scope: ["cluster"] }),
    "aws:eks/addon:Addon": rule(["addonName", "clusterName"], `${TF}/eks/addon.go @ 00a35305dc1b297a6fcdecdfbba33f1e63c3da39 (addon_version updates in place)`,
        { name: "addonName", scope: ["clusterName"] }),
    // --- data
    "aws:rds/instance:Instance": rule(["availabilityZone", "characterSetName", "customIamInstanceProfile", "dbName", "engine", "identifier",
        "identifierPrefix", "kmsKeyId", "ncharCharacterSetName", "restoreToPointInTime", "snapshotIdentifier", "storageEncrypted", "timezone", "username"],
    `${TF}/rds/instance.go @ 00e4b23838859616dd0ebc9d1fd9364c0f6bff22 (an older, aws-sdk-go v1 version: engine_version, instance_class, parameter_group_name, multi_az update in place)`,
    { name: "identifier" }),
    "aws:rds/parameterGroup:ParameterGroup": rule(["description", "family", "name", "namePrefix"], `${TF}/rds/parameter_group.go @ 01606926a0c0ab9174aec440f976a48b0baee722`, { name: "name" }),
    "aws:rds/subnetGroup:SubnetGroup": rule(["name", "namePrefix"], `${TF}/rds/subnet_group.go @ 01c08000ddb14181b5bd19201d8fca311dc570e4`, { name: "name" }),
    // CustomizeDiff also forces a new group on an engine or engine-version downgrade: not modelled.
    "aws:elasticache/replicationGroup:ReplicationGroup": rule(["atRestEncryptionEnabled", "dataTieringEnabled", "globalReplicationGroupId", "kmsKeyId",
        "networkType", "port", "replicationGroupId", "securityGroupNames", "snapshotArns", "snapshotName", "subnetGroupName"],
    `${TF}/elasticache/replication_group.go @ 001b6364c1a3b3045e152f655440a6d47eb44a70 (engine, engine_version, node_type update in place)`, { name: "replicationGroupId" }),
    "aws:elasticache/parameterGroup:ParameterGroup": rule(["description", "family", "name"], `${TF}/elasticache/parameter_group.go @ 0593466d96e383de3f75587805537f6e590ebf4e`, { name: "name" }),
    "aws:elasticache/subnetGroup:SubnetGroup": rule(["name"], `${TF}/elasticache/subnet_group.go @ 01c08000ddb14181b5bd19201d8fca311dc570e4`, { name: "name" }),
    "aws:ecr/repository:Repository": rule(["encryptionConfigurations", "name"], `${TF}/ecr/repository.go @ 0072eea2d6046230a1fb7717741c17fd2122175e`, { name: "name" }),
    // S3: an older (v4-era) bucket.go; object_lock_enabled, ForceNew in later versions, is not in it: re-check.
    "aws:s3/bucket:Bucket": rule(["bucket", "bucketPrefix"], `${TF}/s3/bucket.go @ 0070bcd12c952f14c5434a6f351ef7b6fa791226`, { name: "bucket" }),
    "aws:s3/bucketVersioning:BucketVersioning": rule(["bucket", "expectedBucketOwner"], `${TF}/s3/bucket_versioning.go @ 01c08000ddb14181b5bd19201d8fca311dc570e4`),
    "aws:s3/bucketPolicy:BucketPolicy": rule(["bucket"], `${TF}/s3/bucket_policy.go @ 0073593e7d6993ba482409f4dc35438daaa79bb3`),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": rule(["bucket"], `${TF}/s3/bucket_public_access_block.go @ 01606926a0c0ab9174aec440f976a48b0baee722`),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": rule(["bucket"], `${TF}/s3/bucket_ownership_controls.go @ adeb84220edfee93498e1f578c12333affe9a56d`),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": rule(["bucket", "expectedBucketOwner"],
        `${TF}/s3/bucket_server_side_encryption_configuration.go @ 01606926a0c0ab9174aec440f976a48b0baee722`),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": rule(["bucket", "expectedBucketOwner"],
        `${TF}/s3/bucket_lifecycle_configuration.go @ 01606926a0c0ab9174aec440f976a48b0baee722 (RequiresReplace)`),
    // --- keys and secrets
    "aws:kms/key:Key": rule(["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"], `${TF}/kms/key.go @ 00a35305dc1b297a6fcdecdfbba33f1e63c3da39`),
    "aws:kms/alias:Alias": rule(["name", "namePrefix"], `${TF}/kms/alias.go @ 01c08000ddb14181b5bd19201d8fca311dc570e4`, { name: "name" }),
    "aws:secretsmanager/secret:Secret": rule(["name", "namePrefix"], `${TF}/secretsmanager/secret.go @ 00c21cedec069dd27093b175baf15bac6d4b30fe`, { name: "name" }),
    // --- observability
    "aws:cloudwatch/logGroup:LogGroup": rule(["logGroupClass", "name", "namePrefix"], `${TF}/logs/group.go @ 0073593e7d6993ba482409f4dc35438daaa79bb3`, { name: "name" }),
    // alarm_name is Pulumi's `name`; every other attribute is a PutMetricAlarm in place.
    "aws:cloudwatch/metricAlarm:MetricAlarm": rule(["name"], `${TF}/cloudwatch/metric_alarm.go @ 055611a654738da73e7b1e2b5d2b7672c6d4d531`, { name: "name" }),
    "aws:cloudwatch/dashboard:Dashboard": rule(["dashboardName"], `${TF}/cloudwatch/dashboard.go @ 0620f2a6a126dfcbc4aecbc9a117b0fbea1656ff`, { name: "dashboardName" }),
    "aws:sns/topic:Topic": rule(["fifoTopic", "name", "namePrefix"], `${TF}/sns/topic.go @ 00a35305dc1b297a6fcdecdfbba33f1e63c3da39`, { name: "name" }),
    // --- Kubernetes: Helm's Diff marks `.name` and `.namespace` force-new and answers DeleteBeforeReplace: false.
    "kubernetes:helm.sh/v3:Release": rule(["name", "namespace"],
        "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go @ 01799d56995683adc30ed8be5c42157d9a6d3c06 (Diff, forceNewFields)", { name: "name", scope: ["namespace"] }),
    // --- GitHub (integrations/terraform-provider-github @ b6ce8c0687af3b301d6dc022db1aca45f3ad2b26, newer than the
    // version @pulumi/github 6.15.0 wraps: re-check there).
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": rule(["environment", "variableName"],
        "github/resource_github_actions_environment_variable.go (repository: CustomizeDiff diffRepository, new only when the repository's id changes)",
        { name: "variableName", scope: ["environment"] }),
    "github:index/repositoryRuleset:RepositoryRuleset": rule([], "github/resource_github_repository_ruleset.go (no ForceNew; its CustomizeDiff only validates)", { name: "name" }),
    "github:index/repository:Repository": rule(["fork", "sourceOwner", "sourceRepo"], "github/resource_github_repository.go (ForceNewIfChange; `name` renames in place)", { name: "name" }),
    "github:index/teamRepository:TeamRepository": rule(["repository", "teamId"], "github/resource_github_team_repository.go"),
    // --- Pulumi Cloud (pulumi/pulumi-pulumiservice v1.3.0 @ fb3c01dec3e19da6084236e3dc25d0cc32fa4ead, provider/pkg/resources)
    "pulumiservice:index:AgentPool": rule(["organizationName"], "agent_pool.go (replaceOnChanges on organizationName only)", { name: "name", scope: ["organizationName"] }),
    "pulumiservice:index:PolicyGroup": rule(["entityType", "mode", "name"], "policy_group.go (Diff: DeleteBeforeReplace: true)", { name: "name", providerDeletesFirst: true }),
    "pulumiservice:index:StackTag": rule(["name", "organization", "project", "stack", "value"], "stack_tags.go (every input replaceOnChanges)",
        { name: "name", scope: ["organization", "project", "stack"] }),
};

/**
 * Inputs that look like a name but are not the resource's own physical name: what it points at, or a name it gives to
 * something else. The plan test refuses a name-like input that is neither a rule's `name`, its `scope`, nor listed here.
 */
export const NOT_A_NAME: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": { metricName: "the metric the alarm watches" },
    "aws:ec2/launchTemplate:LaunchTemplate": { imageId: "the AMI (an SSM parameter reference)" },
    "aws:ec2/vpcEndpoint:VpcEndpoint": { serviceName: "the AWS service the endpoint reaches" },
    "aws:elasticache/replicationGroup:ReplicationGroup": { parameterGroupName: "a reference", subnetGroupName: "a reference", finalSnapshotIdentifier: "the snapshot taken at deletion" },
    "aws:rds/instance:Instance": { dbSubnetGroupName: "a reference", parameterGroupName: "a reference", finalSnapshotIdentifier: "the snapshot taken at deletion" },
    "aws:acm/certificate:Certificate": { domainName: "ACM identifies certificates by ARN; two may cover one domain, so a replacement cannot collide" },
    "github:index/teamRepository:TeamRepository": { teamId: "a reference to the team" },
    "pulumiservice:index:PolicyGroup": { organizationName: "the Pulumi organisation it lives in" },
};

/**
 * Types that hold data: a replacement loses it (the new resource starts empty), whatever the name. Never silent: the
 * diff fails on it, prod protects them (`protect`, or the service's own deletion protection), and docs/day2.md gives
 * each type's path.
 */
export const STATEFUL: Readonly<Record<string, string>> = {
    "aws:rds/instance:Instance": "the database",
    "aws:elasticache/replicationGroup:ReplicationGroup": "the cache's data",
    "aws:s3/bucket:Bucket": "the bucket's objects",
    "aws:kms/key:Key": "every piece of data encrypted with the key",
    "aws:secretsmanager/secret:Secret": "the secret's value and versions",
    "aws:ecr/repository:Repository": "every image in the repository",
    "eks:index:Cluster": "every workload and object in the cluster (etcd)",
};

/** Top-level inputs that look like a resource's name: `name`, `bucket`, `identifier`, `...Name`, `...Identifier`, `...Id`. */
export const NAME_LIKE = /^(name|bucket|identifier)$|Name$|Identifier$|Id$/;

/**
 * Every other Kubernetes object: a new `metadata.name` or `metadata.namespace` replaces it, and the provider deletes a
 * named object before creating its replacement under the same name and namespace ("Delete before replacement if we are
 * forced to replace the old object, and the new version of that object MUST have the same name": pulumi/pulumi-kubernetes
 * provider/pkg/provider/provider.go, Diff, @ 997c0a8899dfd96965fce82b035219c3e08c1de9). Which other fields are immutable
 * (a Deployment's selector, a Job's template) the provider reads from the Kubernetes schema: not modelled; such a
 * replacement of a named object is an outage until the new one is ready.
 */
const KUBERNETES_OBJECT = rule(["metadata.name", "metadata.namespace"], "pulumi-kubernetes provider.go (above)",
    { name: "metadata.name", scope: ["metadata.namespace"], providerDeletesFirst: true });

/** The rule for a type: its own, or the Kubernetes objects' one. */
export function ruleFor(type: string): ReplacementRule | undefined {
    return REPLACEMENT_RULES[type] ?? (type.startsWith("kubernetes:") ? KUBERNETES_OBJECT : undefined);
}

/** Rule lookups by type, for the types with a rule of their own. */
export const REPLACEMENT_PROPERTIES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(Object.entries(REPLACEMENT_RULES).map(([type, entry]) => [type, entry.forcing]));
export const PHYSICAL_NAME_PROPERTY: Readonly<Record<string, string>> = Object.fromEntries(
    Object.entries(REPLACEMENT_RULES).flatMap(([type, entry]) => (entry.name === undefined ? [] : [[type, entry.name]])));

const under = (path: string, property: string) => path === property || path.startsWith(`${property}.`) || path.startsWith(`${property}[`);

/** Whether a changed property path is one that replaces the resource (`launchTemplate.id` forces, `.version` does not). */
export function forcesReplacement(type: string, path: string): boolean {
    return (ruleFor(type)?.forcing ?? []).some((forcing) => under(path, forcing));
}

/** Whether a changed property path moves the resource's name into another namespace (`scope`). */
export function changesScope(type: string, path: string): boolean {
    return (ruleFor(type)?.scope ?? []).some((scope) => under(path, scope));
}

/** The physical name a resource's inputs fix, or undefined when it is auto-named or only known after a deployment. */
export function fixedName(type: string, inputs: Record<string, unknown>): string | undefined {
    const property = ruleFor(type)?.name;
    const value = property?.split(".").reduce<unknown>((object, key) => (object !== null && typeof object === "object" ? (object as Record<string, unknown>)[key] : undefined), inputs);
    // The offline plan writes values only the cloud knows as "[computed: ...]" or "[looked up: ...]".
    return typeof value === "string" && !value.startsWith("[") ? value : undefined;
}

/**
 * The forcing properties whose change would collide: all of a named type's forcing inputs but the name itself, its
 * prefix and its scope. Empty when the resource is auto-named, deletes first, or no such property exists.
 */
export function collidingProperties(type: string, inputs: Record<string, unknown>, deleteBeforeReplace: boolean): string[] {
    const entry = ruleFor(type);
    if (!entry || deleteBeforeReplace || entry.providerDeletesFirst || fixedName(type, inputs) === undefined) return [];
    const exempt = new Set([entry.name, `${entry.name}Prefix`, "namePrefix", ...(entry.scope ?? [])]);
    return entry.forcing.filter((property) => !exempt.has(property));
}
