/**
 * deploy-<stack>.yml, one per environment, from the branch model: a building environment (dev, staging) calls the
 * image build and deploys its digests on every push to its branch (and its tags); a promoting environment
 * (production) deploys on pushes to its branch and by dispatch with a version, copying the digests the source
 * environment last ran. Rolling updates or blue-green follow `environments.<stack>.blueGreen`. One job per
 * environment, so production's reviewers approve once; one concurrency group per environment that queues deploys and
 * never cancels a running one.
 *
 * The job that deploys runs on the runner scale set inside the environment's own cluster (the EKS API is private);
 * builds stay on hosted runners. Pushes that change only `.github/` never deploy: the program commits its files there one
 * per commit, and each would otherwise queue a deploy. GitHub skips a push when every changed path matches
 * `paths-ignore` (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onpushpull_requestpull_request_targetpathspaths-ignore);
 * path filters are not evaluated for pushes of tags, so a release tag still deploys. Any deploy can also be dispatched
 * by hand, on a ref its environment admits.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { watchMinutesOf } from "../../infra/config/pipeline";
import { BUILD_JOB_PERMISSIONS } from "./build";
import { action } from "./catalogue";
import { defineWorkflow, type Job, type Step, type Workflow } from "./model";
import { BUILD_WORKFLOW_FILE, SECRETS, VARIABLES, clusterRunnerScaleSet, deployedImagesArtifact } from "./names";
import { targetGroupKey } from "../../infra/edge";
import { SHIFT, SWITCH_BACK } from "./canary-scripts";
import { FIND_IDLE_COLOUR, FIND_RELEASE, PROMOTE, PRUNE_SNAPSHOTS, RECORD_RELEASE, SNAPSHOT, SWITCH, WATCH } from "./release-scripts";
import { DEPLOY_INCIDENT } from "./rollback-scripts";
import { CONNECT, KEEP_SUMMARY, MIGRATE, NOTIFY_SLACK, RECORD_DIGESTS, ROLL_OUT, SMOKE_TEST, SUMMARY, UNDO_ROLLOUTS } from "./scripts";

type DeliveryConfig = Pick<PlatformConfig, "project" | "services" | "environments" | "delivery" | "cluster">;
type Target = PlatformConfig["environments"][string];

const vars = (name: string): string => `\${{ vars.${name} }}`;

/** The deploy workflow's file for a stack: named after the stack (deploy-dev.yml), production after its environment. */
export function deployWorkflowFile(stack: string, target: Target): string {
    return target.promoteFrom === undefined ? `deploy-${stack}.yml` : `deploy-${target.environment}.yml`;
}

/** Pushes whose every changed path is under `.github/` (the program's own commits) start no deploy. */
export const PROGRAM_PATHS_IGNORE = [".github/**"] as const;

/** The most pre-deploy snapshots one production deploy deletes (the rest go on the next deploys). */
export const MAX_SNAPSHOT_DELETIONS = 20;
/** Seconds between two checks of a snapshot's status. */
export const SNAPSHOT_POLL_SECONDS = 30;

/**
 * The runner of every job that talks to a stack's cluster: the scale set in that cluster (its API is private). ARC
 * routes a job by the scale set's installation name alone
 * (https://docs.github.com/en/actions/how-tos/manage-runners/use-actions-runner-controller/use-arc-in-a-workflow).
 */
export function clusterRunner(config: Pick<PlatformConfig, "project">, stack: string): string {
    return clusterRunnerScaleSet(config.project, stack);
}

/** What every job that talks to an environment's cluster has in its environment. */
export function clusterJobEnv(config: DeliveryConfig): Record<string, string> {
    return {
        AWS_REGION: vars(VARIABLES.region),
        EKS_CLUSTER_NAME: vars(VARIABLES.cluster),
        K8S_NAMESPACE: vars(VARIABLES.namespace),
        HEALTH_ATTEMPTS: String(config.delivery.healthAttempts),
        HEALTH_INTERVAL_SECONDS: String(config.delivery.healthIntervalSeconds),
        ROLLOUT_TIMEOUT_SECONDS: String(config.delivery.rolloutTimeoutMinutes * 60),
    };
}

/**
 * Credentials through OIDC, kubectl of the cluster's minor version, and the cluster's kubeconfig. The session lasts as
 * long as the job may run: configure-aws-credentials asks for one hour unless told otherwise (src/index.ts at the pinned
 * e6de054, DEFAULT_ROLE_DURATION = 3600), and a production deploy that snapshots, migrates and watches runs longer.
 * The deploy role's MaxSessionDuration (infra/identity DEPLOY_SESSION_SECONDS) must allow it; a test checks both.
 */
export function clusterSteps(config: DeliveryConfig, jobTimeoutMinutes: number): Step[] {
    return [
        {
            name: "Assume the environment's deploy role",
            uses: action("aws-actions/configure-aws-credentials"),
            with: { "role-to-assume": vars(VARIABLES.role), "aws-region": vars(VARIABLES.region), "role-duration-seconds": String(jobTimeoutMinutes * 60) },
        },
        { name: "Set up kubectl", uses: action("Azure/setup-kubectl"), with: { version: `v${config.cluster.kubernetesVersion}.0` } },
        { name: "Connect to the cluster", run: CONNECT },
    ];
}

/** This run's page, as the expression every job evaluates. */
export const RUN_URL = "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}";

/** The last steps of every deploy and rollback job: the job summary and, where configured, Slack. */
export function reportSteps(title: string): Step[] {
    const common = { TITLE: title, STATUS: "${{ job.status }}", RUN_URL };
    return [
        { name: "Summary", if: "always()", env: { TITLE: title }, run: SUMMARY },
        // A notification that cannot be sent must not turn a deployed release into a failed run (a rollback and a
        // promotion only go by successful runs, and the incident job would open an issue for a release that is live).
        { name: "Notify Slack", if: "always()", "continue-on-error": true, env: { ...common, SLACK_WEBHOOK_URL: `\${{ secrets.${SECRETS.slackWebhookUrl} }}` }, run: NOTIFY_SLACK },
    ];
}

/**
 * The longest one smoke test may take: every attempt may wait for its port-forward (20 x 0.5 s), its request (5 s) and
 * the interval.
 */
export function smokeTestMinutes(config: Pick<PlatformConfig, "delivery">): number {
    return Math.ceil((config.delivery.healthAttempts * (config.delivery.healthIntervalSeconds + 15)) / 60);
}

const serviceEnv = (service: ServiceConfig, extra: Record<string, string>) => ({ SERVICE: service.name, ...extra });
const smoke = (service: ServiceConfig, deployment: string, image: string): Step => ({
    name: `${service.name}: smoke test`,
    env: { DEPLOYMENT: deployment, PORT: String(service.port), HEALTH_PATH: service.healthPath, IMAGE: image },
    run: SMOKE_TEST,
});

/** Migrations first (the Job template, with the new image), for every service that has one. */
function migrationSteps(services: readonly ServiceConfig[], imageOf: (service: ServiceConfig) => string): Step[] {
    return services.filter((service) => service.migrationCommand).map((service) => ({
        name: `${service.name}: migrate`,
        env: serviceEnv(service, { IMAGE: imageOf(service) }),
        run: MIGRATE,
    }));
}

/**
 * The watch of a release: the load balancer's and the given target groups' 5xx share and p95 latency every minute for
 * `minutes`, and the Deployments' unavailable replicas; a breach fails the step. `groups` are "service=suffix" pairs.
 */
function watchStep(config: DeliveryConfig, name: string, minutes: number, groups: string[], deployments: string[]): Step {
    return {
        name,
        env: {
            LOAD_BALANCER: vars(VARIABLES.loadBalancer),
            TARGET_GROUPS: groups.join(" "),
            DEPLOYMENTS: deployments.join(" "),
            WATCH_MINUTES: String(minutes),
            MAX_ERROR_RATE_PERCENT: String(config.delivery.maxErrorRatePercent),
            MAX_P95_LATENCY_MS: String(config.delivery.maxP95LatencyMs),
        },
        run: WATCH,
    };
}

/**
 * Rolling: each service's Deployment to the digest, then its smoke test, then the watch where the environment has one;
 * any failure undoes what this run changed.
 */
function rollingSteps(config: DeliveryConfig, watchMinutes: number, imageOf: (service: ServiceConfig) => string): Step[] {
    const groups = config.services.filter((service) => service.public).map((service) => `${service.name}=${vars(VARIABLES.targetGroup(service.name))}`);
    return [
        ...config.services.flatMap((service): Step[] => [
            { name: `${service.name}: roll out`, env: serviceEnv(service, { DEPLOYMENT: service.name, IMAGE: imageOf(service) }), run: ROLL_OUT },
            smoke(service, service.name, imageOf(service)),
        ]),
        ...(watchMinutes > 0 ? [watchStep(config, `Watch error rate and latency for ${watchMinutes} minutes`, watchMinutes, groups, config.services.map((service) => service.name))] : []),
        { name: "Roll back on failure", if: "failure()", run: UNDO_ROLLOUTS },
    ];
}

/** What a public service's steps read to find its live colour from the listener rule's weights (canary-scripts.ts). */
export function weightEnv(service: ServiceConfig): Record<string, string> {
    return service.public
        ? {
            RULE_ARN: vars(VARIABLES.listenerRule(service.name)),
            BLUE_GROUP: vars(VARIABLES.targetGroup(targetGroupKey(service.name, "blue"))),
            GREEN_GROUP: vars(VARIABLES.targetGroup(targetGroupKey(service.name, "green"))),
        }
        : {};
}

/** The listener rules of the public services, as the canary's steps take them (RULE_ARNS). */
export function ruleArns(services: readonly ServiceConfig[]): string {
    return services.filter((service) => service.public).map((service) => vars(VARIABLES.listenerRule(service.name))).join(" ");
}

/** The minutes the canary steps take: each step is held and watched. */
export function canaryMinutes(config: Pick<PlatformConfig, "delivery" | "services">): number {
    return config.services.some((service) => service.public) ? config.delivery.canary.steps.length * config.delivery.canary.pauseMinutes : 0;
}

/**
 * Blue-green: which colour is live, for every service, before anything changes (no copy, no snapshot, no migration):
 * a public service whose weights are split (a canary that never finished) is refused here.
 */
function findIdleSteps(config: DeliveryConfig): Step[] {
    return config.services.map((service) => ({ name: `${service.name}: find the idle colour`, id: `idle-${service.name}`, env: serviceEnv(service, weightEnv(service)), run: FIND_IDLE_COLOUR }));
}

/**
 * Blue-green with a canary (the idle colours found first, findIdleSteps): the idle colour of every service gets the
 * release and a smoke test; then the public
 * services' traffic moves to it by load balancer weight in the configured steps, each held while the new colour's own
 * target groups are watched; at 100 % their Services (for callers in the cluster) and the internal services' Services
 * switch; then the whole release is watched. Any failure, or a cancellation, puts all weight back on the live colour and
 * every Service back on its previous colour.
 */
function blueGreenSteps(config: DeliveryConfig, watchMinutes: number, imageOf: (service: ServiceConfig) => string): Step[] {
    const idle = (service: ServiceConfig) => `idle-${service.name}`;
    const output = (service: ServiceConfig, key: string) => `\${{ steps.${idle(service)}.outputs.${key} }}`;
    const canary = config.delivery.canary;
    const publicServices = config.services.filter((service) => service.public);
    const newGroups = publicServices.map((service) => `${service.name}=${output(service, "group")}`);
    const switchStep = (service: ServiceConfig): Step => ({
        name: `${service.name}: switch the Service`,
        env: serviceEnv(service, { COLOUR: output(service, "idle"), PREVIOUS: output(service, "live") }),
        run: SWITCH,
    });
    return [
        ...config.services.flatMap((service): Step[] => [
            { name: `${service.name}: deploy the idle colour`, env: serviceEnv(service, { DEPLOYMENT: output(service, "deployment"), IMAGE: imageOf(service) }), run: ROLL_OUT },
            smoke(service, output(service, "deployment"), imageOf(service)),
        ]),
        ...(publicServices.length === 0 ? [] : canary.steps.flatMap((percent): Step[] => [
            { name: `Canary ${percent} %: shift the public services' traffic to the new colour`, env: { PERCENT: String(percent), RULE_ARNS: ruleArns(publicServices) }, run: SHIFT },
            watchStep(config, `Canary ${percent} %: watch the new colour's target groups for ${canary.pauseMinutes} minutes`, canary.pauseMinutes, newGroups,
                publicServices.map((service) => output(service, "deployment"))),
        ])),
        // The public services' Services follow the weights (callers in the cluster), then the internal ones switch.
        ...publicServices.map(switchStep),
        ...config.services.filter((service) => !service.public).map(switchStep),
        watchStep(config, `Watch error rate and latency for ${watchMinutes} minutes`, watchMinutes, newGroups, config.services.map((service) => output(service, "deployment"))),
        { name: "Switch back on failure", if: "failure() || cancelled()", env: { RULE_ARNS: ruleArns(publicServices) }, run: SWITCH_BACK },
    ];
}

/** Production's way in: the digests the source environment ran, copied by digest, and a snapshot before migrations. */
function promotionSteps(config: DeliveryConfig, stack: string, source: string): Step[] {
    const sourceTarget = config.environments[source];
    // Docker must be logged in to both registries: the source account's, which the copy reads, and this account's,
    // which it writes. amazon-ecr-login logs in to the caller's own registry unless `registries` lists the accounts
    // (its action.yml at the pinned 03f1aad). A repository host starts with its account id (ECR's
    // `<account>.dkr.ecr.<region>.amazonaws.com`), which has_image in PROMOTE passes as --registry-id.
    const registries = [...new Set([config.environments[stack].awsAccountId, sourceTarget.awsAccountId])].join(",");
    return [
        { name: "Log in to ECR", uses: action("aws-actions/amazon-ecr-login"), with: { registries } },
        {
            name: `Find the release ${source} ran`,
            id: "release",
            env: {
                GH_TOKEN: "${{ github.token }}",
                VERSION: "${{ inputs.version }}",
                SOURCE_WORKFLOW: deployWorkflowFile(source, sourceTarget),
                ARTIFACT: deployedImagesArtifact(source),
                SEARCH_LIMIT: String(config.delivery.releaseSearchLimit),
            },
            run: FIND_RELEASE,
        },
        ...config.services.map((service): Step => ({
            name: `${service.name}: promote by digest`,
            id: `promote-${service.name}`,
            env: serviceEnv(service, { RELEASE_FILE: "${{ steps.release.outputs.file }}", SOURCE_REPOSITORY: vars(VARIABLES.sourceRepository(service.name)), TARGET_REPOSITORY: vars(VARIABLES.repository(service.name)) }),
            run: PROMOTE,
        })),
        ...(config.services.some((service) => service.migrationCommand)
            ? [{
                name: "Snapshot the database before migrations",
                env: { DB_INSTANCE_ID: vars(VARIABLES.database), SNAPSHOT_TIMEOUT_MINUTES: String(config.delivery.snapshotTimeoutMinutes), SNAPSHOT_POLL_SECONDS: String(SNAPSHOT_POLL_SECONDS) },
                run: SNAPSHOT,
            }]
            : []),
    ];
}

export function deployWorkflow(config: DeliveryConfig, stack: string): Workflow<string> {
    const target = config.environments[stack];
    const promotes = target.promoteFrom !== undefined;
    const imageOf = promotes
        ? (service: ServiceConfig) => `\${{ steps.promote-${service.name}.outputs.image }}`
        : (service: ServiceConfig) => `${vars(VARIABLES.repository(service.name))}@\${{ fromJSON(needs.build.outputs.digests)['${service.name}'] }}`;
    const digests = promotes ? "${{ steps.release.outputs.digests }}" : "${{ needs.build.outputs.digests }}";
    const title = `Deploy to ${target.environment}`;
    const delivery = config.delivery;
    const hasMigrations = config.services.some((service) => service.migrationCommand);
    const rollouts = config.services.length + config.services.filter((service) => service.migrationCommand).length;
    const watchMinutes = watchMinutesOf(target, delivery);
    const timeout = 15 + rollouts * delivery.rolloutTimeoutMinutes + config.services.length * smokeTestMinutes(config) + watchMinutes + (target.blueGreen ? canaryMinutes(config) : 0) + (promotes ? 15 + (hasMigrations ? delivery.snapshotTimeoutMinutes : 0) : 0);
    const deploy: Job<never> = {
        name: `deploy to ${target.environment}`,
        "runs-on": clusterRunner(config, stack),
        environment: target.environment,
        permissions: { contents: "read", "id-token": "write", ...(promotes ? { actions: "read" as const } : {}) },
        "timeout-minutes": timeout,
        env: clusterJobEnv(config),
        steps: [
            ...clusterSteps(config, timeout),
            ...(target.blueGreen ? findIdleSteps(config) : []),
            ...(target.promoteFrom === undefined ? [] : promotionSteps(config, stack, target.promoteFrom)),
            ...migrationSteps(config.services, imageOf),
            ...(target.blueGreen ? blueGreenSteps(config, watchMinutes, imageOf) : rollingSteps(config, watchMinutes, imageOf)),
            { name: "Record the deployed digests", env: { DIGESTS: digests }, run: RECORD_DIGESTS },
            { name: "Keep them for promotion", uses: action("actions/upload-artifact"), with: { name: deployedImagesArtifact(stack), path: "${{ runner.temp }}/deployed/digests.json", "retention-days": 90 } },
            ...(promotes && hasMigrations ? [{
                name: `Delete pre-deploy snapshots older than ${delivery.snapshotRetentionDays} days`,
                // Housekeeping after the release is live: its failure is shown, never the deploy's.
                "continue-on-error": true,
                env: { DB_INSTANCE_ID: vars(VARIABLES.database), RETENTION_DAYS: String(delivery.snapshotRetentionDays), MAX_DELETIONS: String(MAX_SNAPSHOT_DELETIONS) },
                run: PRUNE_SNAPSHOTS,
            }] : []),
            ...(promotes ? [{ name: "Keep the summary for the incident", id: "summary", if: "always()", run: KEEP_SUMMARY }] : []),
            ...reportSteps(title),
        ],
        ...(promotes ? { outputs: { digests: "${{ steps.release.outputs.digests }}", run: "${{ steps.release.outputs.run }}", summary: "${{ steps.summary.outputs.summary }}" } } : {}),
    };
    const on: Record<string, unknown> = {
        push: { branches: [target.branch], ...(target.tagPatterns.length > 0 ? { tags: [...target.tagPatterns] } : {}), "paths-ignore": [...PROGRAM_PATHS_IGNORE] },
        workflow_dispatch: promotes
            ? { inputs: { version: { description: `A tag or commit ${target.promoteFrom} deployed (default: the content of the chosen ref)`, type: "string", required: false } } }
            : {},
    };
    const header = { name: title, on, permissions: {}, concurrency: { group: `deploy-${target.environment}`, "cancel-in-progress": false, queue: "max" as const } };
    if (promotes) {
        const source = config.environments[target.promoteFrom!];
        return defineWorkflow<"deploy" | "incident" | "record">({
            ...header,
            jobs: { deploy, incident: incidentJob(config, title, target.environment), record: recordJob(source.tagPatterns) },
        });
    }
    return defineWorkflow<"build" | "deploy">({
        ...header,
        jobs: {
            build: { name: "build the images", uses: `./.github/workflows/${BUILD_WORKFLOW_FILE}`, with: { environment: target.environment }, permissions: BUILD_JOB_PERMISSIONS },
            deploy: { ...deploy, needs: ["build"] },
        },
    });
}

/**
 * A failed production deploy opens an issue (the only job with `issues: write`; `actions: read` to find the failed
 * step). Paging: the deploy job's own Slack step already reported the failure where a webhook is set; this job has no
 * environment, so it reads no environment secret and waits for no reviewer.
 */
function incidentJob(config: DeliveryConfig, title: string, environment: string): Job<"deploy" | "incident" | "record"> {
    return {
        name: "open an incident issue",
        "runs-on": "ubuntu-latest",
        needs: ["deploy"],
        if: "failure()",
        permissions: { issues: "write", actions: "read" },
        "timeout-minutes": 5,
        steps: [{
            name: "Open the issue",
            env: {
                GH_TOKEN: "${{ github.token }}",
                TITLE: title,
                ENVIRONMENT: environment,
                SERVICES: config.services.map((service) => service.name).join(", "),
                DIGESTS: "${{ needs.deploy.outputs.digests }}",
                SUMMARY: "${{ needs.deploy.outputs.summary }}",
                RUN_URL,
            },
            run: DEPLOY_INCIDENT,
        }],
    };
}

/**
 * A production release of a release tag becomes a GitHub Release (RECORD_RELEASE): the only job that may write the
 * repository's contents (releases need `contents: write`), after a successful deploy of merged code, on a hosted runner
 * and without the environment's secrets. The tag prefix comes from the source environment's tag patterns (`v*`).
 */
function recordJob(tagPatterns: readonly string[]): Job<"deploy" | "incident" | "record"> {
    const prefix = tagPatterns.find((pattern) => /^[\w.-]+\*$/.test(pattern))?.slice(0, -1) ?? "v";
    return {
        name: "keep the release on record",
        "runs-on": "ubuntu-latest",
        needs: ["deploy"],
        if: "success()",
        permissions: { contents: "write", actions: "read" },
        "timeout-minutes": 5,
        steps: [{
            name: "Create the GitHub Release of the tag",
            env: {
                GH_TOKEN: "${{ github.token }}",
                RUN: "${{ needs.deploy.outputs.run }}",
                DIGESTS: "${{ needs.deploy.outputs.digests }}",
                TAG_PREFIX: prefix,
                RUN_URL,
            },
            run: RECORD_RELEASE,
        }],
    };
}
