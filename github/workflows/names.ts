/**
 * The names the deploy workflows and the stacks share: environment variables a stack writes into its GitHub
 * environment, the secrets it may hold, the artifacts that carry digests from one workflow to the next. The program
 * and the workflows both read them from here, and a test checks every `vars.X` and `secrets.X` a job reads against
 * what the plan of the stack owning that job's environment declares.
 */
import type { SecretKey } from "../../infra/config/schema";

const key = (service: string): string => service.toUpperCase().replace(/-/g, "_");

export const VARIABLES = {
    region: "AWS_REGION",
    role: "AWS_ROLE_ARN",
    cluster: "EKS_CLUSTER_NAME",
    namespace: "K8S_NAMESPACE",
    /** The service's repository URL in this environment's registry. */
    repository: (service: string) => `ECR_REPOSITORY_${key(service)}`,
    /** Promoting environments: the repository URL the service's images are copied from. */
    sourceRepository: (service: string) => `SOURCE_ECR_REPOSITORY_${key(service)}`,
    /** Promoting environments: the RDS instance snapshotted before migrations. */
    database: "DB_INSTANCE_ID",
    /** Blue-green environments: the load balancer and the public services' target groups, for the watch. */
    loadBalancer: "ALB_ARN_SUFFIX",
    /** The target group's ARN suffix, by target group key: the service, or `<service>-<colour>` where blue-green runs. */
    targetGroup: (targetGroupKey: string) => `TARGET_GROUP_ARN_SUFFIX_${key(targetGroupKey)}`,
    /** Blue-green environments: the public service's weighted listener rule, which the canary and the rollback modify. */
    listenerRule: (service: string) => `LISTENER_RULE_ARN_${key(service)}`,
} as const;

/** Environment secrets: each comes from a secret config key and exists only where that key is set. */
export const SECRETS = {
    slackWebhookUrl: "SLACK_WEBHOOK_URL",
} as const satisfies Partial<Record<SecretKey, string>>;

/** The artifact a successful deploy leaves: `{ "<service>": "sha256:..." }`, what a promotion copies. */
export const deployedImagesArtifact = (stack: string): string => `deployed-images-${stack}`;
/** The reusable build workflow's file; deploy workflows call it. */
export const BUILD_WORKFLOW_FILE = "docker-build.yml";

/**
 * The Actions Runner Controller scale set that runs in a stack's own cluster: jobs that talk to the cluster API (deploy,
 * rollback) say `runs-on: <this name>`, and the program installs the scale set under exactly this name, so the two
 * cannot disagree. ARC routes a job to a scale set by its installation name (GitHub docs, "Using ARC runners in a
 * workflow": https://docs.github.com/en/actions/how-tos/manage-runners/use-actions-runner-controller/use-arc-in-a-workflow).
 */
export const clusterRunnerScaleSet = (project: string, stack: string): string => `${project}-${stack}-deploy`;

/** The runner image's repository in each stack's registry, `<namePrefix>/actions-runner`, beside the services' ones. */
export const RUNNER_IMAGE_REPOSITORY = "actions-runner";
