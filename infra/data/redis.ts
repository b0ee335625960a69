/**
 * Redis (or Valkey) on ElastiCache: a replication group as the stack file says (cluster mode with shards in prod),
 * TLS required, encrypted at rest with the cache key, an AUTH token generated here and kept only in Secrets Manager
 * (and, encrypted, in Pulumi state), Multi-AZ with automatic failover where config asks, snapshots, slow and engine
 * logs in CloudWatch, reachable only from the cluster's nodes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createAlarms } from "../alarms";
import type { PlatformConfig } from "../config";
import { cacheAlarms, cacheMemberIds } from "./alarms";
import type { DataStoreArgs } from "./postgres";
import type { StateSecretVersion } from "../identity/read-only";
import { NAME_IS_A_CONTRACT } from "../naming";

export interface RedisArgs extends DataStoreArgs {
    settings: PlatformConfig["cache"];
    /** At-rest encryption of the cache. */
    kmsKeyArn: pulumi.Input<string>;
    /** Encryption of the AUTH token's secret. */
    secretsKmsKeyArn: pulumi.Input<string>;
}

const PORT = 6379;
const LOG_TYPES = ["slow-log", "engine-log"] as const;

export class Redis extends pulumi.ComponentResource {
    readonly replicationGroupId: pulumi.Output<string>;
    /** The configuration endpoint in cluster mode, else the primary endpoint. */
    readonly endpoint: pulumi.Output<string>;
    readonly authSecretArn: pulumi.Output<string>;
    /** The secret versions this component wrote: their values are in the stack's state (identity/read-only.ts). */
    readonly stateSecretVersions: StateSecretVersion[];
    /** The member clusters (`CacheClusterId`), which ElastiCache's engine metrics are published by. */
    readonly memberClusterIds: string[];

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Redis", name, {}, opts);
        const child = { parent: this };
        const cache = args.settings;
        const id = `${args.namePrefix}-cache`;
        const major = cache.engineVersion.split(".")[0];

        const subnetGroup = new aws.elasticache.SubnetGroup(`${name}`, { name: id, subnetIds: args.subnetIds }, child);
        const securityGroup = new aws.ec2.SecurityGroup(`${name}`, {
            name: id,
            // The description names no engine: a security group's description forces its replacement, and with its
            // fixed name the new group would collide with the old one on a switch from Redis to Valkey (docs/day2.md).
            description: "The cache: reachable from the cluster's nodes only",
            vpcId: args.vpcId,
            ingress: [{ description: `${cache.engine} from the nodes`, protocol: "tcp", fromPort: PORT, toPort: PORT, securityGroups: [args.clientSecurityGroupId] }],
            egress: [],
            // Deletes first on a replacement: EC2 refuses while the cache's interfaces use it, so nothing collides.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        // ElastiCache AUTH tokens: 16 to 128 printable characters, none of `@`, `"` or `/`.
        const token = new random.RandomPassword(`${name}-auth`, { length: 64, special: true, overrideSpecial: "!&#$^<>-" }, child);
        const logGroups = LOG_TYPES.map((logType) => ({
            logType,
            group: new aws.cloudwatch.LogGroup(`${name}-${logType}`, {
                name: `/aws/elasticache/${id}/${logType}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                // ElastiCache delivers to exactly this name: a replacement deletes first, and its logs go with it.
            }, { ...child, ...NAME_IS_A_CONTRACT }),
        }));

        const group = new aws.elasticache.ReplicationGroup(`${name}`, {
            replicationGroupId: id,
            description: `${args.namePrefix} ${cache.engine}`,
            engine: cache.engine,
            engineVersion: cache.engineVersion,
            nodeType: cache.nodeType,
            port: PORT,
            parameterGroupName: `default.${cache.engine}${major}${cache.clusterMode ? ".cluster.on" : ""}`,
            ...(cache.clusterMode
                ? { clusterMode: "enabled", numNodeGroups: cache.shards, replicasPerNodeGroup: cache.replicasPerShard }
                : { clusterMode: "disabled", numCacheClusters: 1 + cache.replicasPerShard }),
            // Cluster mode needs automatic failover; otherwise config decides, with Multi-AZ.
            automaticFailoverEnabled: cache.clusterMode || cache.multiAz,
            multiAzEnabled: cache.multiAz,
            subnetGroupName: subnetGroup.name,
            securityGroupIds: [securityGroup.id],
            atRestEncryptionEnabled: true,
            kmsKeyId: args.kmsKeyArn,
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            authToken: token.result,
            snapshotRetentionLimit: cache.snapshotRetentionDays,
            snapshotWindow: "03:00-04:00",
            maintenanceWindow: "sun:05:00-sun:06:00",
            finalSnapshotIdentifier: args.protect ? `${id}-final` : undefined,
            autoMinorVersionUpgrade: true,
            logDeliveryConfigurations: logGroups.map(({ logType, group: logGroup }) => ({
                destination: logGroup.name, destinationType: "cloudwatch-logs", logFormat: "json", logType,
            })),
        }, { parent: this, protect: args.protect });

        const endpoint = cache.clusterMode ? group.configurationEndpointAddress : group.primaryEndpointAddress;
        const secret = new aws.secretsmanager.Secret(`${name}-auth`, {
            name: `${args.namePrefix}/cache/auth`,
            description: `AUTH token of ${id}`,
            kmsKeyId: args.secretsKmsKeyArn,
            recoveryWindowInDays: 30,
        }, { parent: this, protect: args.protect });
        const auth = new aws.secretsmanager.SecretVersion(`${name}-auth`, {
            secretId: secret.id,
            secretString: pulumi.jsonStringify({ token: token.result, host: endpoint, port: PORT, tls: true }),
        }, child);

        createAlarms(this, name, args.namePrefix, args.alarmTopicArn, cacheAlarms(id, cache));

        this.replicationGroupId = group.replicationGroupId;
        this.memberClusterIds = cacheMemberIds(id, cache);
        this.endpoint = endpoint;
        this.authSecretArn = secret.arn;
        this.stateSecretVersions = [{ secretArn: auth.arn, versionId: auth.versionId }];
        this.registerOutputs({ replicationGroupId: this.replicationGroupId, endpoint: this.endpoint, authSecretArn: this.authSecretArn });
    }
}
