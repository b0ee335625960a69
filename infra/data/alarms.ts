/** The data stores' alarms as plain data. */
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../alarms";
import { classMemoryBytes, defaultMaxConnections } from "./instance-classes";

const FIVE_MINUTES = 300;
const GIB = 1024 ** 3;

export interface PostgresAlarmArgs {
    instanceClass: string;
    primaryId: pulumi.Input<string>;
    /** Replica identifiers by their stable key. */
    replicaIds: Record<string, pulumi.Input<string>>;
}

const rds = (id: pulumi.Input<string>, metricName: string, statistic = "Average") =>
    ({ namespace: "AWS/RDS", metricName, statistic, period: FIVE_MINUTES, dimensions: { DBInstanceIdentifier: id } });

export function postgresAlarms(args: PostgresAlarmArgs): AlarmSpec[] {
    const maxConnections = defaultMaxConnections(args.instanceClass);
    const alarms: AlarmSpec[] = [
        {
            key: "db-cpu", description: "PostgreSQL CPU above 80% for 15 minutes",
            metric: rds(args.primaryId, "CPUUtilization"), comparisonOperator: "GreaterThanThreshold", threshold: 80,
            evaluationPeriods: 3, treatMissingData: "missing",
        },
        {
            key: "db-free-storage", description: "PostgreSQL free storage below 10 GB (storage autoscaling may have hit its maximum)",
            metric: rds(args.primaryId, "FreeStorageSpace", "Minimum"), comparisonOperator: "LessThanThreshold", threshold: 10 * GIB,
            evaluationPeriods: 1, treatMissingData: "missing",
        },
        {
            key: "db-connections", description: `PostgreSQL connections above 80% of the default max_connections (${maxConnections})`,
            metric: rds(args.primaryId, "DatabaseConnections", "Maximum"), comparisonOperator: "GreaterThanThreshold",
            threshold: Math.floor(maxConnections * 0.8), evaluationPeriods: 2, treatMissingData: "missing",
        },
        {
            key: "db-freeable-memory", description: "PostgreSQL freeable memory below 10% of the instance's memory",
            metric: rds(args.primaryId, "FreeableMemory", "Minimum"), comparisonOperator: "LessThanThreshold",
            threshold: Math.floor(classMemoryBytes(args.instanceClass) * 0.1), evaluationPeriods: 3, treatMissingData: "missing",
        },
    ];
    for (const [key, replicaId] of Object.entries(args.replicaIds)) {
        alarms.push({
            key: `db-${key}-lag`, description: `Read replica ${key} more than 60 seconds behind the primary`,
            metric: rds(replicaId, "ReplicaLag", "Maximum"), comparisonOperator: "GreaterThanThreshold", threshold: 60,
            // A replica that stops reporting lag has stopped replicating: that is the failure to hear about.
            evaluationPeriods: 2, treatMissingData: "breaching",
        });
    }
    return alarms;
}

/** How a replication group's nodes are laid out: shards (cluster mode) and the nodes of each. */
export interface CacheLayout { clusterMode: boolean; shards: number; replicasPerShard: number }

/**
 * The member clusters ElastiCache names inside a replication group: `<group>-0001-001` (shard, node) in cluster mode,
 * `<group>-001` otherwise. Engine CPU and memory are published per member (`CacheClusterId`), never per group, so
 * the alarms must name each one.
 */
export function cacheMemberIds(replicationGroupId: string, layout: CacheLayout): string[] {
    const pad = (value: number, width: number) => String(value).padStart(width, "0");
    const nodes = Array.from({ length: 1 + layout.replicasPerShard }, (_, node) => pad(node + 1, 3));
    if (!layout.clusterMode) return nodes.map((node) => `${replicationGroupId}-${node}`);
    return Array.from({ length: layout.shards }, (_, shard) => nodes.map((node) => `${replicationGroupId}-${pad(shard + 1, 4)}-${node}`)).flat();
}

export function cacheAlarms(replicationGroupId: string, layout: CacheLayout): AlarmSpec[] {
    const cache = (metricName: string, member: string) =>
        ({ namespace: "AWS/ElastiCache", metricName, statistic: "Average", period: FIVE_MINUTES, dimensions: { CacheClusterId: member } });
    return cacheMemberIds(replicationGroupId, layout).flatMap((member): AlarmSpec[] => {
        const suffix = member.slice(replicationGroupId.length + 1);
        return [
            {
                key: `cache-engine-cpu-${suffix}`, description: `Cache engine CPU of ${member} above 80% for 15 minutes (the engine is single-threaded)`,
                metric: cache("EngineCPUUtilization", member), comparisonOperator: "GreaterThanThreshold", threshold: 80, evaluationPeriods: 3, treatMissingData: "missing",
            },
            {
                key: `cache-memory-${suffix}`, description: `Cache memory use of ${member} above 85%: evictions follow`,
                metric: cache("DatabaseMemoryUsagePercentage", member), comparisonOperator: "GreaterThanThreshold", threshold: 85, evaluationPeriods: 3, treatMissingData: "missing",
            },
        ];
    });
}
