/**
 * What the environment watches, as plain data: the dashboard's widgets and the alarms on the load balancer and the
 * cluster. Cluster metrics come from CloudWatch Container Insights (the amazon-cloudwatch-observability add-on).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../alarms";

export interface SignalsArgs {
    namePrefix: string;
    region: string;
    clusterName: pulumi.Input<string>;
    namespace: string;
    /** The Deployments whose pods are watched for restarts (both colours where blue-green runs). */
    deployments: readonly string[];
    databaseInstanceId: pulumi.Input<string>;
    databaseReplicaIds: pulumi.Input<string>[];
    /** The cache's member clusters: ElastiCache publishes engine metrics per member, not per replication group. */
    cacheMemberIds: readonly string[];
    loadBalancerArnSuffix: pulumi.Input<string>;
    /** Target group ARN suffix per public service. */
    targetGroupArnSuffixes: Record<string, pulumi.Input<string>>;
    p95LatencySeconds: number;
    error5xxPercent: number;
}

const MINUTE = 60;

export function edgeAndClusterAlarms(args: SignalsArgs): AlarmSpec[] {
    const alb = { LoadBalancer: args.loadBalancerArnSuffix };
    const albMetric = (id: string, metricName: string, stat = "Sum") =>
        ({ id, returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName, stat, period: 5 * MINUTE, dimensions: alb } });
    const alarms: AlarmSpec[] = [
        {
            key: "alb-5xx-rate", description: `More than ${args.error5xxPercent}% of requests answered 5xx by the services or the load balancer`,
            comparisonOperator: "GreaterThanThreshold", threshold: args.error5xxPercent, evaluationPeriods: 3, datapointsToAlarm: 2,
            // No requests means no errors, not an unknown state.
            treatMissingData: "notBreaching",
            queries: [
                albMetric("errors", "HTTPCode_Target_5XX_Count"),
                // The load balancer's own 5xx (a 503 when no target is healthy) never reach a target, nor RequestCount.
                albMetric("elb_errors", "HTTPCode_ELB_5XX_Count"),
                albMetric("requests", "RequestCount"),
                { id: "rate", expression: "100 * (FILL(errors, 0) + FILL(elb_errors, 0)) / MAX([FILL(requests, 0) + FILL(elb_errors, 0), 1])", label: "5xx %", returnData: true },
            ],
        },
        {
            key: "alb-p95-latency", description: `p95 response time above ${args.p95LatencySeconds} s`,
            metric: { namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", extendedStatistic: "p95", period: 5 * MINUTE, dimensions: alb },
            comparisonOperator: "GreaterThanThreshold", threshold: args.p95LatencySeconds, evaluationPeriods: 3, datapointsToAlarm: 2,
            treatMissingData: "notBreaching",
        },
        {
            key: "nodes-failed", description: "A node of the cluster is failing",
            metric: { namespace: "ContainerInsights", metricName: "cluster_failed_node_count", statistic: "Maximum", period: 5 * MINUTE, dimensions: { ClusterName: args.clusterName } },
            comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 2,
            // Container Insights stops reporting when the cluster itself is in trouble: that must not look healthy.
            treatMissingData: "breaching",
        },
    ];
    for (const [service, targetGroup] of Object.entries(args.targetGroupArnSuffixes)) {
        alarms.push({
            key: `alb-${service}-unhealthy`, description: `The load balancer sees unhealthy ${service} pods`,
            metric: { namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", statistic: "Maximum", period: MINUTE, dimensions: { ...alb, TargetGroup: targetGroup } },
            comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 5, datapointsToAlarm: 3, treatMissingData: "missing",
        });
    }
    for (const deployment of args.deployments) {
        alarms.push({
            key: `pods-${deployment}-restarts`, description: `${deployment}'s containers restart repeatedly`,
            metric: {
                namespace: "ContainerInsights", metricName: "pod_number_of_container_restarts", statistic: "Maximum", period: 5 * MINUTE,
                // Container Insights names pods by their workload (PodName is the Deployment's name).
                dimensions: { ClusterName: args.clusterName, Namespace: args.namespace, PodName: deployment },
            },
            comparisonOperator: "GreaterThanThreshold", threshold: 3, evaluationPeriods: 1,
            // No data: no pod restarted (or none runs yet).
            treatMissingData: "notBreaching",
        });
    }
    return alarms;
}

type Metric = (string | pulumi.Input<string> | Record<string, unknown>)[];
interface Widget { type: "metric"; x: number; y: number; width: number; height: number; properties: Record<string, unknown> }

/** The dashboard: cluster, database, cache and load balancer, one row each. */
export function dashboardBody(args: SignalsArgs): { widgets: Widget[] } {
    const row = (y: number, title: string, metrics: Metric[], extra: Record<string, unknown> = {}, x = 0): Widget => ({
        type: "metric", x, y, width: 12, height: 6,
        properties: { title, region: args.region, view: "timeSeries", stat: "Average", period: 300, metrics, ...extra },
    });
    const cluster = ["ContainerInsights"];
    return {
        widgets: [
            row(0, "Cluster: node CPU and memory (%)", [
                [...cluster, "node_cpu_utilization", "ClusterName", args.clusterName],
                [...cluster, "node_memory_utilization", "ClusterName", args.clusterName],
            ]),
            row(0, "Cluster: failed nodes and running pods", [
                [...cluster, "cluster_failed_node_count", "ClusterName", args.clusterName],
                [...cluster, "namespace_number_of_running_pods", "ClusterName", args.clusterName, "Namespace", args.namespace],
            ], {}, 12),
            row(6, "Database: CPU (%) and connections", [
                ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", args.databaseInstanceId],
                ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", args.databaseInstanceId, { yAxis: "right" }],
            ]),
            row(6, "Database: free storage and replica lag", [
                ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", args.databaseInstanceId],
                ...args.databaseReplicaIds.map((replicaId): Metric => ["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", replicaId, { stat: "Maximum", yAxis: "right" }]),
            ], {}, 12),
            row(12, "Cache: engine CPU and memory (%)", [
                ...args.cacheMemberIds.flatMap((member): Metric[] => [
                    ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", member],
                    ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", member],
                ]),
            ]),
            row(12, "Load balancer: requests and 5xx", [
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", args.loadBalancerArnSuffix, { stat: "Sum" }],
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", args.loadBalancerArnSuffix, { stat: "Sum" }],
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", args.loadBalancerArnSuffix, { stat: "Sum" }],
            ], {}, 12),
            row(18, "Load balancer: p95 response time (s)", [
                ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", args.loadBalancerArnSuffix, { stat: "p95" }],
            ], { annotations: { horizontal: [{ label: "alarm", value: args.p95LatencySeconds }] } }),
        ],
    };
}
