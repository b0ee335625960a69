/**
 * CloudWatch alarms as plain data (pure builders return AlarmSpec lists; tests read them) and the one function that
 * turns specs into resources, each notifying the alarm topic when it fires and when it recovers.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface MetricQuerySpec {
    id: string;
    expression?: string;
    label?: string;
    returnData?: boolean;
    metric?: { namespace: string; metricName: string; stat: string; period: number; dimensions: Record<string, pulumi.Input<string>> };
}

export interface AlarmSpec {
    /** Stable key: the alarm's logical and physical name end with it. */
    key: string;
    description: string;
    comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
    threshold: number;
    evaluationPeriods: number;
    datapointsToAlarm?: number;
    /** Missing data means different things per metric: each spec says which, and why, where it is not obvious. */
    treatMissingData: "missing" | "ignore" | "breaching" | "notBreaching";
    /** A single metric... */
    metric?: { namespace: string; metricName: string; statistic?: string; extendedStatistic?: string; period: number; dimensions: Record<string, pulumi.Input<string>> };
    /** ...or metric math. */
    queries?: MetricQuerySpec[];
}

export function createAlarms(parent: pulumi.Resource, name: string, namePrefix: string, topicArn: pulumi.Input<string>, specs: AlarmSpec[]): aws.cloudwatch.MetricAlarm[] {
    return specs.map((spec) => new aws.cloudwatch.MetricAlarm(`${name}-${spec.key}`, {
        name: `${namePrefix}-${spec.key}`,
        alarmDescription: spec.description,
        comparisonOperator: spec.comparisonOperator,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
        namespace: spec.metric?.namespace,
        metricName: spec.metric?.metricName,
        statistic: spec.metric?.statistic,
        extendedStatistic: spec.metric?.extendedStatistic,
        period: spec.metric?.period,
        dimensions: spec.metric?.dimensions,
        metricQueries: spec.queries,
        alarmActions: [topicArn],
        okActions: [topicArn],
    }, { parent }));
}
