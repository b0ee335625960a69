/** Value shapes shared by the config schemas: retention periods, CIDRs, names, ids and cron expressions. */
import { z } from "zod";
import { isIpv4Cidr } from "./cidr";
import { cronProblems } from "./cron";

/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy, `retentionInDays`). */
export const CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const retentionDays = z
    .number()
    .int()
    .refine((days) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `expected a CloudWatch Logs retention period, one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
    });

export const cidr = z.string().refine(isIpv4Cidr, { message: "expected an IPv4 CIDR block such as 10.0.0.0/16" });

/** Lower-case DNS-label-like names: used in physical names, Kubernetes objects and image repositories. */
export const dnsLabel = z
    .string()
    .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "expected a lower-case name of letters, digits and '-', at most 32 characters");

export const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "expected an AWS region such as us-east-1");

/** An IAM role name (IAM: up to 64 characters of letters, digits and +=,.@_-). */
export const iamRoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, "expected an IAM role name (letters, digits, +=,.@_-, at most 64)");

export const githubId = z.number().int().positive();

/** A five-field cron expression, each field in its range (cron.ts says which syntax and why). */
export const cronExpression = z.string().superRefine((expression, context) => {
    const problems = cronProblems(expression);
    if (problems.length > 0) {
        context.addIssue({ code: "custom", input: expression, message: `expected a five-field cron expression in UTC (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6) such as 0 6 * * *: ${problems.join("; ")}` });
    }
});
