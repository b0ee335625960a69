/**
 * The shape of every configuration key this program reads, as zod schemas.
 *
 * Project keys live in `Pulumi.yaml` (shared by all stacks); stack keys live in `Pulumi.<stack>.yaml`.
 * Every object is strict: a key the schema does not know is an error, so a typo never falls back to a default.
 * Defaults live here and nowhere else.
 */
import { z } from "zod";
import { CANARY_DEFAULTS, ciSchema, deliverySchema } from "./pipeline";
import { cronExpression, dnsLabel, githubId, iamRoleName } from "./primitives";
import {
    awsSchema, backupsSchema, cacheSchema, clusterSchema, databaseSchema, edgeSchema, identitySchema, logsSchema, networkSchema,
    observabilitySchema, registrySchema,
} from "./schema-aws";
import { runnersSchema, workloadsSchema } from "./schema-kubernetes";

export { CLOUDWATCH_RETENTION_DAYS } from "./primitives";
export * from "./schema-aws";
export * from "./schema-kubernetes";


// ---------------------------------------------------------------------------------------------------------------
// Project config (Pulumi.yaml)
// ---------------------------------------------------------------------------------------------------------------

export const RUNTIMES = ["node", "python", "go", "java"] as const;

export const serviceSchema = z.strictObject({
    /** The service's name: its image repository, Kubernetes objects and CI jobs are named after it. */
    name: dnsLabel,
    /** Path of the service's source in the application repository. */
    path: z.string().regex(/^[\w./-]+$/, "expected a relative path such as services/api"),
    /** The language runtime: it picks the service's CI recipe, and only runtimes with a recipe are accepted. */
    runtime: z.enum(RUNTIMES, { error: `expected a runtime that has a CI recipe: ${RUNTIMES.join(", ")}` }),
    port: z.number().int().min(1).max(65535),
    healthPath: z.string().regex(/^\/[\w./-]*$/, "expected a path with a leading slash such as /healthz"),
    /** Public services sit behind the load balancer; internal ones are reachable only inside the cluster. */
    public: z.boolean(),
    resources: z.strictObject({
        cpu: z.string().regex(/^\d+m$|^\d+(\.\d+)?$/, "expected a Kubernetes CPU quantity such as 250m"),
        memory: z.string().regex(/^\d+(Mi|Gi)$/, "expected a Kubernetes memory quantity such as 512Mi"),
    }),
    /** The command that applies database migrations; absent when the service has none. */
    migrationCommand: z.array(z.string().min(1)).min(1).optional(),
    /** The data stores the service uses: the network policy opens egress to exactly these. */
    uses: z.array(z.enum(["postgres", "redis"])).default([]),
    /** Other services this one calls: the network policy opens exactly these edges. */
    talksTo: z.array(dnsLabel).default([]),
});

export const repositorySchema = z.strictObject({
    owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, "expected a GitHub organisation or user name"),
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "expected a GitHub repository name"),
    visibility: z.enum(["public", "private", "internal"]),
    /** The GitHub plan of the owner: some protections need a paid plan on private repositories. */
    plan: z.enum(["free", "pro", "team", "enterprise"]),
    /** `adopt` imports an existing repository; `create` creates it. */
    mode: z.enum(["adopt", "create"]).default("adopt"),
    defaultBranch: z.string().min(1).default("main"),
    /** The merge methods pull requests may use. */
    mergeMethods: z.strictObject({
        squash: z.boolean().default(true),
        merge: z.boolean().default(false),
        rebase: z.boolean().default(false),
    }).default({ squash: true, merge: false, rebase: false }),
    /** GitHub Advanced Security is licensed: secret scanning and push protection on a private repository. @default false */
    advancedSecurity: z.boolean().default(false),
    /**
     * How the organisation licenses it: `bundled` (GitHub Advanced Security) or `standalone` (GitHub Secret Protection
     * and GitHub Code Security, sold separately since 2025). The REST API refuses `advanced_security` for the standalone
     * products ("For standalone Code Scanning or Secret Protection products, this parameter cannot be used", Update a
     * repository, `security_and_analysis`); they enable `code_security` instead. @default bundled
     */
    securityLicence: z.enum(["bundled", "standalone"]).default("bundled"),
    /**
     * Accept that GitHub silently drops protections the plan does not offer (required reviewers, wait timers and
     * rulesets on private repositories below Enterprise/Team). Without it, such a combination is an error.
     * @default false
     */
    acceptPlanDowngrade: z.boolean().default(false),
});

/** The GitHub App this program acts as: the provider authenticates as it, and rulesets let only it bypass. */
export const githubAppSchema = z.strictObject({
    /** The App's numeric id (Settings > Developer settings > GitHub Apps). */
    id: githubId,
    /** The numeric id of its installation on the repository owner. */
    installationId: githubId,
});

const branchRuleSchema = z.strictObject({
    approvals: z.number().int().min(0).max(10),
    /** `basic` requires the CI aggregate check; `all` also requires the security checks. */
    checks: z.enum(["basic", "all"]),
    signedCommits: z.boolean().default(false),
    /** When true, every change reaches the branch through a pull request. */
    noDirectPush: z.boolean().default(true),
    /** A code owner must approve, and the last push must be approved by someone other than its author. */
    codeOwnerReview: z.boolean().default(false),
});

/** Branch rules are repository-wide, so they are project config: the control stack turns them into rulesets. */
export const branchesSchema = z.record(z.string().min(1), branchRuleSchema);

export const organizationSchema = z.strictObject({
    /** The `Owner` tag on every AWS resource. */
    owner: z.string().min(1),
    /** The `CostCentre` tag on every AWS resource. */
    costCentre: z.string().min(1),
});

const teamSchema = z.strictObject({
    slug: z.string().regex(/^[a-z0-9-]+$/, "expected a GitHub team slug"),
    /** GitHub's numeric team id (environments name reviewers by id, never by slug). */
    id: githubId,
});

/** Pulumi Deployments of this program's own repository (not the application's). */
export const programRepositorySchema = z.strictObject({
    /** `owner/name` of the repository that holds this Pulumi program. */
    repository: z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, "expected owner/name"),
    /** The Pulumi GitHub App's installation id on that owner, for the `vcs` integration (numeric, as text). */
    pulumiAppInstallationId: z.string().regex(/^\d+$/, "expected the numeric installation id").optional(),
    /** Changes outside these paths (docs, say) neither preview nor deploy. */
    paths: z.array(z.string().min(1)).min(1),
});

/** The branch model: each stack's GitHub deployment environment and what deploys to it. */
export const deployTargetSchema = z.strictObject({
    /** The GitHub deployment environment the stack owns. */
    environment: z.string().regex(/^[\w.-]{1,255}$/, "expected a GitHub environment name"),
    /** The branch whose pushes deploy to this environment. */
    branch: z.string().min(1),
    /** Tag patterns that may also deploy here (staging: release tags, built for amd64 and arm64). */
    tagPatterns: z.array(z.string().min(1)).default([]),
    /**
     * The stack whose images this environment runs: it never builds, it copies the digests that environment last
     * deployed into its own registry (build once, promote). Absent: the environment builds from its own branch, and
     * its deploy role may push to its registry.
     */
    promoteFrom: dnsLabel.optional(),
    /**
     * Blue-green: two Deployments per service and a Service whose selector the pipeline switches, watched after the
     * switch. Without it, rolling updates that never take a serving pod away first (`maxUnavailable: 0`). Project
     * config because the workloads and the workflows (written by the control stack) must agree on it.
     */
    blueGreen: z.boolean().default(false),
    /**
     * How long a release is watched after it is live (error rate and p95 latency from the load balancer, the bounds of
     * `delivery`), failing and undoing the deploy on a breach. @default delivery.watchMinutes where blueGreen, else 0
     * (not watched). See watchMinutesOf in config/pipeline.ts.
     */
    watchMinutes: z.number().int().min(0).max(60).optional(),
    /**
     * The AWS account this stack deploys into (seed 002: one per environment; two stacks may share one). The
     * provider refuses any other account, and IAM's one-OIDC-provider-per-URL rule is settled from these ids: the
     * first stack of an account (in this map's order) creates the providers, the others look them up.
     */
    awsAccountId: z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id"),
});

export const projectSchema = z.strictObject({
    organization: organizationSchema,
    delivery: deliverySchema.default({ healthAttempts: 30, healthIntervalSeconds: 10, rolloutTimeoutMinutes: 10, watchMinutes: 15, canary: CANARY_DEFAULTS, maxErrorRatePercent: 5, maxP95LatencyMs: 1000, snapshotRetentionDays: 14, snapshotTimeoutMinutes: 60, releaseManagers: ["release-managers"], releaseSearchLimit: 50 }),
    ci: ciSchema.default({ coverageThreshold: 80, licenseAllowList: ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "BlueOak-1.0.0", "Python-2.0", "CC-BY-4.0"], versions: { node: "22", python: "3.12", go: "1.24", java: "21" } }),
    repository: repositorySchema,
    githubApp: githubAppSchema,
    /** CODEOWNERS: a path pattern to the team keys (of `teams`) that own it; order matters, the last match wins. */
    codeOwners: z.array(z.strictObject({ pattern: z.string().min(1), teams: z.array(z.string().min(1)).min(1) })).min(1),
    teams: z.record(z.string().min(1), teamSchema),
    branches: branchesSchema,
    program: programRepositorySchema,
    /** Keyed by stack name: every stack's environment is known to all, so the workflows can name them. */
    environments: z.record(dnsLabel, deployTargetSchema),
    /**
     * IAM OIDC providers that already exist in an account, made outside this program (another team's GitHub Actions
     * trust, say): keyed by account id, `github` and/or `pulumi`. The stacks of that account look them up instead of
     * creating them, which would fail with EntityAlreadyExists. @default {} (this program creates them)
     */
    existingOidcProviders: z.record(z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id"), z.array(z.enum(["github", "pulumi"]))).default({}),
    services: z.array(serviceSchema).min(1),
});

// ---------------------------------------------------------------------------------------------------------------
// Stack config (Pulumi.<stack>.yaml)
// ---------------------------------------------------------------------------------------------------------------

export const environmentSchema = z.strictObject({
    /** The environment's short name: `dev`, `staging` or `prod`; it prefixes every physical name. */
    name: dnsLabel,
    /** The stack that owns repository-wide GitHub objects; exactly one stack sets this. */
    controlStack: z.boolean().default(false),
});

export const githubEnvironmentSchema = z.strictObject({
    /** Who may push images is not set here: it follows from `environments.<stack>.promoteFrom` in Pulumi.yaml. */
    deployRole: z.strictObject({ name: iamRoleName }),
    /** Who must approve a deployment: team keys of `teams` and numeric user ids (GitHub allows six in all). */
    reviewers: z.strictObject({
        teams: z.array(z.string().min(1)).default([]),
        users: z.array(z.number({ error: "expected a numeric GitHub user id (gh api users/<login> --jq .id), not a login" }).int().positive()).default([]),
    }).default({ teams: [], users: [] }),
    /** The person who triggered a deployment may not approve it. */
    preventSelfReview: z.boolean().default(false),
    /** Minutes to wait before a deployment may proceed (GitHub accepts 0 to 43200). */
    waitTimerMinutes: z.number().int().min(0).max(43200).default(0),
    /** Whether repository administrators may deploy without the reviewers. */
    adminsBypass: z.boolean().default(true),
    /** Environment variables beside the ones derived from the stack's outputs. */
    variables: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, "expected an UPPER_SNAKE_CASE variable name"), z.string()).default({}),
});


export const deploymentsSchema = z.strictObject({
    /** The branch of the program's repository that this stack deploys from. */
    branch: z.string().min(1),
    /** Run `pulumi up` on every push to the branch (merge of a pull request). */
    deployOnMerge: z.boolean(),
    /** Run `pulumi preview` on pull requests and comment the result. */
    previewPullRequests: z.boolean(),
    /** When drift detection runs (cron, UTC). */
    driftSchedule: cronExpression,
    /** Let drift detection run `pulumi up` to undo drift; never in staging and prod, where drift is reviewed. */
    driftAutoRemediate: z.boolean(),
    /** Destroy a short-lived review stack at this time (ISO 8601); absent: no TTL schedule. */
    destroyAt: z.iso.datetime({ message: "expected an ISO 8601 time such as 2026-12-01T00:00:00Z" }).optional(),
    /**
     * Where deployments run: Pulumi's hosted runners, or a self-hosted agent pool this stack creates, whose agents run
     * inside the VPC. A cluster with a private-only API endpoint needs the pool: hosted runners cannot reach it.
     */
    runner: z.enum(["hosted", "agent-pool"]).default("hosted"),
    /** Plain environment variables of the deployment run (secrets come from secret config). */
    environmentVariables: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an UPPER_SNAKE_CASE name"), z.string()).default({}),
    /**
     * The pool's agents (only with `runner: agent-pool`): EC2 instances in the private subnets, outside the cluster, so
     * that a deployment can repair a broken cluster. Each agent runs one deployment at a time.
     */
    agents: z.strictObject({
        /** How many agents run (an Auto Scaling group keeps exactly this many). @default 1 */
        count: z.number().int().min(1).max(10).default(1),
        /**
         * The agents' instance type. @default t3.medium (Pulumi's own EC2 example uses t3.small; a deployment here runs
         * `npm ci` and type-checks this program inside the pulumi/pulumi container, so it gets 4 GiB rather than 2).
         */
        instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type such as t3.medium").default("t3.medium"),
        /** Root volume: the deployment images (pulumi/pulumi) are large. @default 40 */
        diskSizeGiB: z.number().int().min(20).max(1024).default(40),
    }).default({ count: 1, instanceType: "t3.medium", diskSizeGiB: 40 }),
});


export const policySchema = z.strictObject({
    /** How the policy pack treats a violation in this stack: `mandatory` blocks the update, `advisory` warns. */
    enforcement: z.enum(["mandatory", "advisory"]),
});

export const protectionSchema = z.strictObject({
    /** `protect` on stateful resources: `pulumi destroy` then refuses to delete them. */
    statefulResources: z.boolean(),
});

export const stackSchema = z.strictObject({
    environment: environmentSchema,
    aws: awsSchema,
    network: networkSchema,
    logs: logsSchema,
    cluster: clusterSchema,
    database: databaseSchema,
    cache: cacheSchema,
    edge: edgeSchema,
    backups: backupsSchema,
    registry: registrySchema,
    identity: identitySchema,
    observability: observabilitySchema,
    github: githubEnvironmentSchema,
    workloads: workloadsSchema,
    deployments: deploymentsSchema,
    runners: runnersSchema.default({ minRunners: 0, maxRunners: 3, resources: { cpu: "1", memory: "2Gi" } }),
    policy: policySchema,
    protection: protectionSchema,
});

/**
 * Keys whose values are secrets, set with `pulumi config set --secret platform:<key>`: read apart from the schema
 * and handed to the program only as Pulumi secrets, never as plain strings.
 */
export const SECRET_KEYS = ["slackWebhookUrl", "pagerDutyIntegrationUrl", "githubAppPrivateKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export const PROJECT_KEYS = Object.keys(projectSchema.shape) as (keyof typeof projectSchema.shape)[];
export const STACK_KEYS = Object.keys(stackSchema.shape) as (keyof typeof stackSchema.shape)[];
