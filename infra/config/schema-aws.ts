/** Stack config of the AWS environment (Pulumi.<stack>.yaml): region, network, logs, cluster, data stores, edge, registry, identity, alarms, backups. */
import { z } from "zod";
import { awsRegion, cidr, dnsLabel, iamRoleName, retentionDays } from "./primitives";

export const awsSchema = z.strictObject({
    region: awsRegion,
    /** Exactly the zones the network spans: listed, so that a plan never depends on what a region offers today. */
    availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, "expected a zone name such as us-east-1a")).min(2).max(6),
});

export const networkSchema = z.strictObject({
    /** The VPC's block: /16 to /20, so that every tier of every zone fits (see network/subnets.ts). */
    cidr,
    /** 1 shares one NAT gateway across zones (cheaper); one per zone survives the loss of a zone. */
    natGateways: z.number().int().min(1),
});

export const logsSchema = z.strictObject({
    /** Retention of every log group this stack creates (flow logs, control plane, application). */
    retentionDays,
});

const nodeGroupSchema = z.strictObject({
    instanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type such as m5.xlarge")).min(1),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]),
    minSize: z.number().int().min(0),
    maxSize: z.number().int().min(1),
    desiredSize: z.number().int().min(0),
    diskSizeGiB: z.number().int().min(20).max(16384).default(50),
});

export const clusterSchema = z.strictObject({
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, "expected a Kubernetes minor version such as 1.33"),
    /**
     * Day 0 only: the public endpoint opened to the operator's addresses until a date (YYYY-MM-DD, UTC, at most
     * seven days ahead), so that the first `pulumi up` from a laptop reaches the API before anything runs inside
     * the VPC. From that date on the program renders the endpoint private again, whether or not the key is removed.
     * Absent: the API endpoint is private only.
     */
    operatorAccess: z.strictObject({
        cidrs: z.array(cidr).min(1),
        until: z.iso.date("expected a date such as 2026-12-03"),
    }).optional(),
    deletionProtection: z.boolean(),
    /**
     * IAM role names given cluster-admin through access entries. They must already exist: the program looks each one
     * up (a missing role fails the preview with its name), because EKS refuses an access entry for a principal that
     * does not exist.
     */
    adminRoles: z.array(iamRoleName).default([]),
    nodeGroups: z.record(dnsLabel, nodeGroupSchema),
});

export const databaseSchema = z.strictObject({
    /** PostgreSQL major version (RDS picks the newest minor and upgrades minors automatically). */
    engineVersion: z.string().regex(/^\d{2}(\.\d+)?$/, "expected a PostgreSQL version such as 16 or 16.4"),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.r6g.xlarge"),
    multiAz: z.boolean(),
    readReplicas: z.number().int().min(0).max(15),
    allocatedStorageGiB: z.number().int().min(20).max(65536),
    maxAllocatedStorageGiB: z.number().int().min(20).max(65536),
    /** RDS keeps automated backups 0 to 35 days; 0 disables them (and read replicas with them). */
    backupRetentionDays: z.number().int().min(0).max(35),
    deletionProtection: z.boolean(),
    /** Take a final snapshot when the instance is deleted. */
    finalSnapshot: z.boolean(),
    /** Performance Insights retention: 7 days (free tier) or a multiple of 31 up to 731. */
    performanceInsightsRetentionDays: z.number().int().default(7),
    /** Enhanced monitoring granularity in seconds (RDS accepts 1, 5, 10, 15, 30, 60). */
    monitoringIntervalSeconds: z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]).default(60),
});

export const cacheSchema = z.strictObject({
    engine: z.enum(["redis", "valkey"]),
    /** Engine version: Redis OSS 7.1 or Valkey 8.0 at the time of writing. */
    engineVersion: z.string().regex(/^\d+\.\d+$/, "expected an engine version such as 7.1").default("7.1"),
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "expected an ElastiCache node type such as cache.r6g.large"),
    /** Cluster mode shards the key space across node groups. */
    clusterMode: z.boolean(),
    shards: z.number().int().min(1).max(500),
    replicasPerShard: z.number().int().min(0).max(5),
    /** Multi-AZ with automatic failover (needs at least one replica). */
    multiAz: z.boolean(),
    snapshotRetentionDays: z.number().int().min(0).max(35),
});

export const edgeSchema = z.strictObject({
    /** The host name the public services answer on. */
    domainName: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "expected a DNS name such as app.example.com"),
    /** An existing ACM certificate for domainName; absent, the stack requests one with DNS validation. */
    certificateArn: z.string().regex(/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, "expected an ACM certificate ARN").optional(),
    /** A Route 53 hosted zone for domainName: when set, the stack writes the validation records and waits for issue. */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "expected a Route 53 hosted zone id such as Z0123456789ABC").optional(),
    /** Deletion protection on the load balancer. */
    deletionProtection: z.boolean(),
    waf: z.strictObject({
        enabled: z.boolean(),
        /** Requests per five minutes from one IP before the rate-based rule blocks it. */
        rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).default(2000),
    }),
});

export const registrySchema = z.strictObject({
    /** Immutable tags: a pushed tag can never point at another image. */
    immutableTags: z.boolean(),
    /** How many tagged images each repository keeps. */
    keepTaggedImages: z.number().int().min(1).max(10000),
    /** Days before untagged images expire. */
    untaggedExpiryDays: z.number().int().min(1),
});

export const identitySchema = z.strictObject({
    /** The Pulumi Cloud organisation: the audience of Pulumi's OIDC tokens. */
    pulumiOrganization: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a Pulumi organisation name"),
    /** The role merged code's update, refresh and destroy of this stack take in Pulumi Deployments (the write role). */
    deploymentsRoleName: iamRoleName,
    /** The role every Pulumi Deployments run of this stack starts with, and previews and drift checks keep (read-only). */
    deploymentsReadRoleName: iamRoleName,
});

export const observabilitySchema = z.strictObject({
    /** Addresses subscribed to the alarm topic (each confirms by e-mail). */
    alarmEmails: z.array(z.email("expected an e-mail address")).default([]),
    /** Alarm when the load balancer's p95 response time exceeds this many seconds. */
    p95LatencySeconds: z.number().positive().default(2),
    /** Alarm when more than this share of requests (percent) end in a 5xx from the targets. */
    error5xxPercent: z.number().positive().max(100).default(5),
});

export const backupsSchema = z.strictObject({
    /** Days before objects in the backup bucket expire. */
    bucketExpiryDays: z.number().int().min(1),
});
