/**
 * deploy-<stack>.yml, one per environment, from the branch model: a building environment (dev, staging) calls the
 * image build and deploys its digests on every push to its branch (and its tags); a promoting environment
 * (production) deploys on pushes to its branch and by dispatch with a version, copying the digests the source
 * environment last ran. Rolling updates or blue-green follow `environments.<stack>.blueGreen`. One job per
 * environment, so production's reviewers approve once; one concurrency group per environment that queues deploys and
 * never cancels a running one.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { BUILD_JOB_PERMISSIONS } from "./build";
import { action } from "./catalogue";
import { defineWorkflow, type Job, type Step, type Workflow } from "./model";
import { BUILD_WORKFLOW_FILE, SECRETS, VARIABLES, deployedImagesArtifact } from "./names";
import { FIND_IDLE_COLOUR, FIND_RELEASE, PROMOTE, SNAPSHOT, SWITCH, SWITCH_BACK, WATCH } from "./release-scripts";
import { CONNECT, MIGRATE, NOTIFY_SLACK, RECORD_DIGESTS, ROLL_OUT, SMOKE_TEST, SUMMARY, UNDO_ROLLOUTS } from "./scripts";

type DeliveryConfig = Pick<PlatformConfig, "services" | "environments" | "delivery" | "cluster">;
type Target = PlatformConfig["environments"][string];

const vars = (name: string): string => `\${{ vars.${name} }}`;

/** The deploy workflow's file for a stack: named after the stack (deploy-dev.yml), production after its environment. */
export function deployWorkflowFile(stack: string, target: Target): string {
    return target.promoteFrom === undefined ? `deploy-${stack}.yml` : `deploy-${target.environment}.yml`;
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

/** Credentials through OIDC, kubectl of the cluster's minor version, and the cluster's kubeconfig. */
export function clusterSteps(config: DeliveryConfig): Step[] {
    return [
        { name: "Assume the environment's deploy role", uses: action("aws-actions/configure-aws-credentials"), with: { "role-to-assume": vars(VARIABLES.role), "aws-region": vars(VARIABLES.region) } },
        { name: "Set up kubectl", uses: action("Azure/setup-kubectl"), with: { version: `v${config.cluster.kubernetesVersion}.0` } },
        { name: "Connect to the cluster", run: CONNECT },
    ];
}

/** The last steps of every deploy and rollback job: the job summary and, where configured, Slack. */
export function reportSteps(title: string): Step[] {
    const common = { TITLE: title, STATUS: "${{ job.status }}", RUN_URL: "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}" };
    return [
        { name: "Summary", if: "always()", env: { TITLE: title }, run: SUMMARY },
        { name: "Notify Slack", if: "always()", env: { ...common, SLACK_WEBHOOK_URL: `\${{ secrets.${SECRETS.slackWebhookUrl} }}` }, run: NOTIFY_SLACK },
    ];
}

const serviceEnv = (service: ServiceConfig, extra: Record<string, string>) => ({ SERVICE: service.name, ...extra });
const smoke = (service: ServiceConfig, deployment: string): Step => ({
    name: `${service.name}: smoke test`,
    env: { DEPLOYMENT: deployment, PORT: String(service.port), HEALTH_PATH: service.healthPath },
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

/** Rolling: each service's Deployment to the digest, then its smoke test; any failure undoes what this run changed. */
function rollingSteps(services: readonly ServiceConfig[], imageOf: (service: ServiceConfig) => string): Step[] {
    return [
        ...services.flatMap((service): Step[] => [
            { name: `${service.name}: roll out`, env: serviceEnv(service, { DEPLOYMENT: service.name, IMAGE: imageOf(service) }), run: ROLL_OUT },
            smoke(service, service.name),
        ]),
        { name: "Roll back on failure", if: "failure()", run: UNDO_ROLLOUTS },
    ];
}

/** Blue-green: the idle colour of every service gets the release and a smoke test, then every Service switches, then the watch. */
function blueGreenSteps(config: DeliveryConfig, imageOf: (service: ServiceConfig) => string): Step[] {
    const idle = (service: ServiceConfig) => `idle-${service.name}`;
    const output = (service: ServiceConfig, key: string) => `\${{ steps.${idle(service)}.outputs.${key} }}`;
    const publicServices = config.services.filter((service) => service.public);
    return [
        ...config.services.flatMap((service): Step[] => [
            { name: `${service.name}: find the idle colour`, id: idle(service), env: serviceEnv(service, {}), run: FIND_IDLE_COLOUR },
            { name: `${service.name}: deploy the idle colour`, env: serviceEnv(service, { DEPLOYMENT: output(service, "deployment"), IMAGE: imageOf(service) }), run: ROLL_OUT },
            smoke(service, output(service, "deployment")),
        ]),
        ...config.services.map((service): Step => ({
            name: `${service.name}: switch the Service`,
            env: serviceEnv(service, { COLOUR: output(service, "idle"), PREVIOUS: output(service, "live") }),
            run: SWITCH,
        })),
        {
            name: `Watch error rate and latency for ${config.delivery.watchMinutes} minutes`,
            env: {
                LOAD_BALANCER: vars(VARIABLES.loadBalancer),
                TARGET_GROUPS: publicServices.map((service) => `${service.name}=${vars(VARIABLES.targetGroup(service.name))}`).join(" "),
                DEPLOYMENTS: config.services.map((service) => output(service, "deployment")).join(" "),
                WATCH_MINUTES: String(config.delivery.watchMinutes),
                MAX_ERROR_RATE_PERCENT: String(config.delivery.maxErrorRatePercent),
                MAX_P95_LATENCY_MS: String(config.delivery.maxP95LatencyMs),
            },
            run: WATCH,
        },
        { name: "Switch back on failure", if: "failure()", run: SWITCH_BACK },
    ];
}

/** Production's way in: the digests the source environment ran, copied by digest, and a snapshot before migrations. */
function promotionSteps(config: DeliveryConfig, source: string): Step[] {
    const sourceTarget = config.environments[source];
    return [
        { name: "Log in to ECR", uses: action("aws-actions/amazon-ecr-login") },
        {
            name: `Find the release ${source} ran`,
            id: "release",
            env: { GH_TOKEN: "${{ github.token }}", VERSION: "${{ inputs.version }}", SOURCE_WORKFLOW: deployWorkflowFile(source, sourceTarget), ARTIFACT: deployedImagesArtifact(source) },
            run: FIND_RELEASE,
        },
        ...config.services.map((service): Step => ({
            name: `${service.name}: promote by digest`,
            id: `promote-${service.name}`,
            env: serviceEnv(service, { RELEASE_FILE: "${{ steps.release.outputs.file }}", SOURCE_REPOSITORY: vars(VARIABLES.sourceRepository(service.name)), TARGET_REPOSITORY: vars(VARIABLES.repository(service.name)) }),
            run: PROMOTE,
        })),
        ...(config.services.some((service) => service.migrationCommand)
            ? [{ name: "Snapshot the database before migrations", env: { DB_INSTANCE_ID: vars(VARIABLES.database) }, run: SNAPSHOT }]
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
    const waits = config.services.length * 2 + config.services.filter((service) => service.migrationCommand).length;
    const deploy: Job<string> = {
        name: `deploy to ${target.environment}`,
        "runs-on": "ubuntu-latest",
        environment: target.environment,
        permissions: { contents: "read", "id-token": "write", ...(promotes ? { actions: "read" as const } : {}) },
        "timeout-minutes": 15 + waits * delivery.rolloutTimeoutMinutes + (target.blueGreen ? delivery.watchMinutes : 0) + (promotes ? 30 : 0),
        env: clusterJobEnv(config),
        steps: [
            ...clusterSteps(config),
            ...(target.promoteFrom === undefined ? [] : promotionSteps(config, target.promoteFrom)),
            ...migrationSteps(config.services, imageOf),
            ...(target.blueGreen ? blueGreenSteps(config, imageOf) : rollingSteps(config.services, imageOf)),
            { name: "Record the deployed digests", env: { DIGESTS: digests }, run: RECORD_DIGESTS },
            { name: "Keep them for promotion", uses: action("actions/upload-artifact"), with: { name: deployedImagesArtifact(stack), path: "${{ runner.temp }}/deployed/digests.json", "retention-days": 90 } },
            ...reportSteps(title),
        ],
    };
    const on: Record<string, unknown> = {
        push: { branches: [target.branch], ...(target.tagPatterns.length > 0 ? { tags: [...target.tagPatterns] } : {}) },
        ...(promotes ? { workflow_dispatch: { inputs: { version: { description: `A tag or commit ${target.promoteFrom} deployed (default: the newest)`, type: "string", required: false } } } } : {}),
    };
    const header = { name: title, on, permissions: {}, concurrency: { group: `deploy-${target.environment}`, "cancel-in-progress": false, queue: "max" as const } };
    if (promotes) return defineWorkflow({ ...header, jobs: { deploy } });
    return defineWorkflow<"build" | "deploy">({
        ...header,
        jobs: {
            build: { name: "build the images", uses: `./.github/workflows/${BUILD_WORKFLOW_FILE}`, with: { environment: target.environment }, permissions: BUILD_JOB_PERMISSIONS },
            deploy: { ...deploy, needs: ["build"] },
        },
    });
}
