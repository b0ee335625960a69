/** Project config of the generated pipeline: what CI holds the services to, and how deploys verify a release. */
import { z } from "zod";

/**
 * Canary steps: the percentages of a public service's traffic the new colour gets, in order. Seed 000 ships its canary
 * as 10 % -> 50 % -> 100 %, seed 004 starts at 10 %. The load balancer splits by relative weight (0 to 999 per target
 * group, ListenerRule forward action: terraform-provider-aws internal/service/elbv2/listener_rule.go @
 * 032c4f076a6cb8e54a85cb60f237cb80ab18b36b, `weight` IntBetween(0, 999)); the pipeline gives the canary P and the live
 * colour 100 - P, so a step is a share in 1..100.
 */
export const canarySteps = z.array(z.number().int().min(1).max(100)).min(1).max(10)
    .refine((steps) => steps.every((step, index) => index === 0 || step > steps[index - 1]!), { message: "expected percentages in strictly ascending order, such as [10, 50, 100]" })
    .refine((steps) => steps[steps.length - 1] === 100, { message: "expected the last step to be 100: a canary ends with all traffic on the new colour" });

export const CANARY_DEFAULTS = { steps: [10, 50, 100], pauseMinutes: 5 };

/** How the generated deploy workflows roll out, verify and watch a release (figures from the source documents). */
export const deliverySchema = z.strictObject({
    /** How many times a health check or smoke test is tried before the deploy fails (bounded, never a fixed sleep). */
    healthAttempts: z.number().int().min(1).max(120).default(30),
    /** Seconds between two attempts. */
    healthIntervalSeconds: z.number().int().min(1).max(60).default(10),
    /** The longest a rollout or a migration may take. */
    rolloutTimeoutMinutes: z.number().int().min(1).max(60).default(10),
    /** After a blue-green switch: how long to watch error rate and latency before the release is kept. */
    watchMinutes: z.number().int().min(1).max(60).default(15),
    /**
     * Blue-green environments: public services shift to the new colour by load balancer weight in these steps, each
     * held for `pauseMinutes` while the new colour's own target group is watched (error rate and latency, the bounds
     * below); a breach puts all weight back on the live colour. @default { steps: [10, 50, 100], pauseMinutes: 5 }
     */
    canary: z.strictObject({
        /** Percentages of traffic on the new colour, ascending, ending at 100. @default [10, 50, 100] */
        steps: canarySteps.default(CANARY_DEFAULTS.steps),
        /** Minutes each step is held and watched. @default 5 */
        pauseMinutes: z.number().int().min(1).max(60).default(CANARY_DEFAULTS.pauseMinutes),
    }).default(CANARY_DEFAULTS),
    /** The share of 5xx responses (load balancer and targets) that switches back, in percent. */
    maxErrorRatePercent: z.number().min(0).max(100).default(5),
    /** The p95 target response time that switches back, in milliseconds. */
    maxP95LatencyMs: z.number().int().min(1).default(1000),
    /**
     * Production deletes its own pre-deploy snapshots (`<db>-predeploy-*`) older than this many days; no other snapshot.
     * @default 14
     */
    snapshotRetentionDays: z.number().int().min(1).max(3650).default(14),
    /**
     * The longest the pre-deploy snapshot may take to become available: the wait's bound, and part of the deploy job's
     * timeout. @default 60
     */
    snapshotTimeoutMinutes: z.number().int().min(5).max(240).default(60),
    /**
     * Team keys (of `teams`) that may create release tags `v*`; the GitHub App may too, nobody else. @default ["release-managers"]
     */
    releaseManagers: z.array(z.string().min(1)).min(1).default(["release-managers"]),
    /** How many runs of a deploy workflow a promotion or a rollback reads at most, looking for a release. @default 50 */
    releaseSearchLimit: z.number().int().min(1).max(200).default(50),
});

/** What the generated CI holds the services to. */
export const ciSchema = z.strictObject({
    /** Unit tests fail below this line coverage, in percent. */
    coverageThreshold: z.number().min(0).max(100).default(80),
    /** SPDX licences a pull request may bring in through its dependencies. */
    licenseAllowList: z.array(z.string().min(1)).min(1).default(["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "BlueOak-1.0.0", "Python-2.0", "CC-BY-4.0"]),
    /** Toolchain versions the CI recipes install. */
    versions: z.strictObject({
        node: z.string().default("22"),
        python: z.string().default("3.12"),
        go: z.string().default("1.24"),
        java: z.string().default("21"),
    }).default({ node: "22", python: "3.12", go: "1.24", java: "21" }),
});

/** How long an environment's releases are watched: its own `watchMinutes`, else the delivery window where it runs blue-green, else not at all. */
export function watchMinutesOf(target: { blueGreen: boolean; watchMinutes?: number }, delivery: { watchMinutes: number }): number {
    return target.watchMinutes ?? (target.blueGreen ? delivery.watchMinutes : 0);
}
