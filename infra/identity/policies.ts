/**
 * Trust and permission policies of the roles that automation assumes, as plain data. Every trust condition is an
 * exact StringEquals: a wildcard in a subject would let another repository, branch or stack in.
 */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";
/** The operations Pulumi Deployments runs; each is part of its token's subject. */
export const PULUMI_OPERATIONS = ["preview", "update", "refresh", "destroy"] as const;

/** The subject GitHub gives a job that names an environment: `repo:OWNER/REPO:environment:NAME`. */
export function githubEnvironmentSubject(owner: string, repository: string, environment: string): string {
    return `repo:${owner}/${repository}:environment:${environment}`;
}

/** Pulumi Deployments' subject: `pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write`. */
export function pulumiDeploymentSubjects(organization: string, project: string, stack: string): string[] {
    return PULUMI_OPERATIONS.map((operation) => `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:operation:${operation}:scope:write`);
}

function webIdentityTrust(providerArn: pulumi.Input<string>, host: string, audience: string, subjects: string[]): PolicyDocument {
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
export function githubDeployTrust(providerArn: pulumi.Input<string>, owner: string, repository: string, environment: string): PolicyDocument {
    return webIdentityTrust(providerArn, GITHUB_OIDC_HOST, GITHUB_OIDC_AUDIENCE, [githubEnvironmentSubject(owner, repository, environment)]);
}

/** The Deployments role trusts exactly this organisation's deployments of this project's stack. */
export function pulumiDeploymentsTrust(providerArn: pulumi.Input<string>, organization: string, project: string, stack: string): PolicyDocument {
    return webIdentityTrust(providerArn, PULUMI_OIDC_HOST, organization, pulumiDeploymentSubjects(organization, project, stack));
}

export interface DeployPermissionsArgs {
    region: string;
    accountId: pulumi.Input<string>;
    clusterName: string;
    /** This stack's repositories are `<prefix>/<service>`. */
    repositoryPrefix: string;
    /**
     * Where this environment's images come from: it builds and pushes them, or it copies by digest the images of
     * another stack's repositories (`<sourcePrefix>/<service>`, same account and region), never building any.
     */
    images: { kind: "build" } | { kind: "promote"; sourcePrefix: string };
    /** The database the production workflow snapshots before migrations; absent: no snapshot rights. */
    databaseInstanceId?: string;
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
    const repositoriesOf = (prefix: string) => pulumi.interpolate`arn:aws:ecr:${args.region}:${args.accountId}:repository/${prefix}/*`;
    const repositories = repositoriesOf(args.repositoryPrefix);
    const statements: PolicyStatement[] = [
        { Sid: "FindTheCluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: pulumi.interpolate`arn:aws:eks:${args.region}:${args.accountId}:cluster/${args.clusterName}` },
        // ECR's login takes no resource: AWS documents GetAuthorizationToken with Resource "*" only.
        { Sid: "LogInToTheRegistry", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "PullThisStacksImages", Effect: "Allow", Action: PULL_ACTIONS, Resource: repositories },
        { Sid: args.images.kind === "build" ? "PushThisStacksImages" : "CopyPromotedImagesIn", Effect: "Allow", Action: PUSH_ACTIONS, Resource: repositories },
    ];
    if (args.images.kind === "promote") {
        statements.push({ Sid: "ReadTheSourceStacksImages", Effect: "Allow", Action: PULL_ACTIONS, Resource: repositoriesOf(args.images.sourcePrefix) });
        // GetMetricData has no resource-level permissions (Service Authorization Reference): "*" is the only resource.
        statements.push({ Sid: "WatchTheRelease", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" });
    }
    if (args.databaseInstanceId !== undefined) {
        statements.push({
            Sid: "SnapshotBeforeMigrations", Effect: "Allow", Action: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
            Resource: [
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:db:${args.databaseInstanceId}`,
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
            ],
        });
        // `aws rds wait db-snapshot-available` describes the snapshot by its identifier: both the instance and the
        // snapshots this workflow names are listed, whichever of the two the authorisation checks.
        statements.push({
            Sid: "WaitForTheSnapshot", Effect: "Allow", Action: "rds:DescribeDBSnapshots",
            Resource: [
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:db:${args.databaseInstanceId}`,
                pulumi.interpolate`arn:aws:rds:${args.region}:${args.accountId}:snapshot:${args.databaseInstanceId}-predeploy-*`,
            ],
        });
    }
    return policyDocument(...statements);
}
