/**
 * What the environment is watched with: a dashboard, and alarms on the load balancer (5xx rate, p95 latency,
 * unhealthy targets) and on the cluster's nodes and pods, all to the alarm topic. (The containers' log groups belong
 * to the cluster, which must create them before the Container Insights add-on starts.)
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "../alarms";
import type { PlatformConfig } from "../config";
import { dashboardBody, edgeAndClusterAlarms, type SignalsArgs } from "./signals";

export interface MonitoringArgs extends Omit<SignalsArgs, "p95LatencySeconds" | "error5xxPercent"> {
    alarmTopicArn: pulumi.Input<string>;
    /** Alarm thresholds from the stack file. */
    thresholds: PlatformConfig["observability"];
}

export class Monitoring extends pulumi.ComponentResource {
    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Monitoring", name, {}, opts);
        const child = { parent: this };
        const signals = {
            ...args,
            p95LatencySeconds: args.thresholds.p95LatencySeconds,
            error5xxPercent: args.thresholds.error5xxPercent,
        };
        new aws.cloudwatch.Dashboard(`${name}`, { dashboardName: args.namePrefix, dashboardBody: pulumi.jsonStringify(dashboardBody(signals)) }, child);
        createAlarms(this, name, args.namePrefix, args.alarmTopicArn, edgeAndClusterAlarms(signals));
        this.registerOutputs({});
    }
}
