/**
 * Identity for automation, without a static key anywhere: the GitHub Actions OIDC provider and this environment's
 * deploy role, trusted by exactly one repository's one environment; and the role Pulumi Deployments assumes through
 * Pulumi's OIDC provider to run this stack. IAM allows one OIDC provider per URL and account, so config says
 * whether this stack creates each provider or trusts the one another stack created.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { toJson } from "../iam";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, PULUMI_OIDC_HOST, deployPermissions, githubDeployTrust, pulumiDeploymentsTrust } from "./policies";

/**
 * How long the roles' sessions may last. A first `pulumi up` creates the cluster, its node groups, a Multi-AZ database
 * with a replica and a sharded cache, and can run well past an hour; STS refuses a session longer than the role's
 * MaxSessionDuration (IAM User Guide, "Update the maximum session duration for a role"; at most 12 hours).
 */
export const DEPLOYMENTS_SESSION_SECONDS = 4 * 3600;
/**
 * The pipeline's deploy jobs ask for a session as long as their timeout (github/workflows/deploy.ts clusterSteps): a
 * production deploy snapshots, migrates, rolls out and watches for about three hours at most with the shipped config.
 */
export const DEPLOY_SESSION_SECONDS = 4 * 3600;

export interface IdentityArgs {
    namePrefix: string;
    region: string;
    accountId: pulumi.Input<string>;
    repository: PlatformConfig["repository"];
    /** The stack's GitHub environment and its deploy role. */
    github: PlatformConfig["github"];
    identity: PlatformConfig["identity"];
    project: string;
    stack: string;
    /** Which of the account's OIDC providers this stack creates (topology.ts); it looks up the others. */
    createsOidcProviders: { github: boolean; pulumi: boolean };
    /** The application repository's numeric id: the deploy role's trust names it, never its mutable name. */
    repositoryId: pulumi.Input<string | number>;
    /** Drift of this stack may be remediated unseen: its remediation runs are trusted too. */
    driftRemediates: boolean;
    /** The cluster the deploy role may describe (its name is fixed before the cluster exists). */
    clusterName: string;
    /** ECR repositories of this stack are named `<prefix>/<service>`. */
    servicesRepositoryPrefix: string;
    /** The stack this environment promotes images from: its repository prefix and account; absent: it builds its own. */
    promoteFrom?: { repositoryPrefix: string; accountId: string };
    /** The deploy watches its releases' load balancer metrics (environments.<stack>.watchMinutes). */
    watchesReleases: boolean;
    /** The RDS instance the production workflow snapshots before migrations (promoting environments only). */
    databaseInstanceId?: string;
    /** Blue-green: the load balancer whose listener rules' weights the pipeline sets. */
    canaryLoadBalancer?: string;
}

export class Identity extends pulumi.ComponentResource {
    readonly deployRoleArn: pulumi.Output<string>;
    readonly deployRoleName: pulumi.Output<string>;
    readonly deploymentsRoleArn: pulumi.Output<string>;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:identity:Identity", name, {}, opts);
        const child = { parent: this };
        // IAM keeps one provider per issuer URL and account: the first stack of the account creates it, the others look
        // it up, so a missing one fails their preview with its URL instead of a later EntityAlreadyExists.
        const providerArn = (host: string, audience: string, key: string, creates: boolean): pulumi.Output<string> => creates
            ? new aws.iam.OpenIdConnectProvider(`${name}-${key}`, {
                url: `https://${host}`,
                clientIdLists: [audience],
                // No thumbprints: IAM verifies these issuers' certificates through its own trusted CAs.
            }, child).arn
            : aws.iam.getOpenIdConnectProviderOutput({ url: `https://${host}` }, { parent: this }).arn;

        const githubProviderArn = providerArn(GITHUB_OIDC_HOST, GITHUB_OIDC_AUDIENCE, "github-oidc", args.createsOidcProviders.github);
        const deployRole = new aws.iam.Role(`${name}-deploy`, {
            name: args.github.deployRole.name,
            description: `GitHub Actions deployments to ${args.github.environment} (${args.repository.owner}/${args.repository.name})`,
            assumeRolePolicy: toJson(githubDeployTrust(githubProviderArn, args.repositoryId, args.github.environment)),
            maxSessionDuration: DEPLOY_SESSION_SECONDS,
        }, child);
        new aws.iam.RolePolicy(`${name}-deploy`, {
            role: deployRole.id,
            policy: toJson(deployPermissions({
                region: args.region,
                accountId: args.accountId,
                clusterName: args.clusterName,
                repositoryPrefix: args.servicesRepositoryPrefix,
                images: args.promoteFrom === undefined ? { kind: "build" } : { kind: "promote", sourcePrefix: args.promoteFrom.repositoryPrefix, sourceAccountId: args.promoteFrom.accountId },
                databaseInstanceId: args.databaseInstanceId,
                watches: args.watchesReleases,
                canaryLoadBalancer: args.canaryLoadBalancer,
            })),
        }, child);

        const pulumiProviderArn = providerArn(PULUMI_OIDC_HOST, args.identity.pulumiOrganization, "pulumi-oidc", args.createsOidcProviders.pulumi);
        const deploymentsRole = new aws.iam.Role(`${name}-deployments`, {
            name: args.identity.deploymentsRoleName,
            description: `Pulumi Deployments of ${args.project}/${args.stack}`,
            assumeRolePolicy: toJson(pulumiDeploymentsTrust(pulumiProviderArn, args.identity.pulumiOrganization, args.project, args.stack, args.driftRemediates)),
            maxSessionDuration: DEPLOYMENTS_SESSION_SECONDS,
        }, child);
        // This role runs `pulumi up` of the whole stack: it creates IAM roles, KMS keys, clusters and databases, so no
        // narrower AWS policy would let it do its job. What keeps it safe is its trust: one organisation's deployments of
        // this one stack, and nothing else.
        new aws.iam.RolePolicyAttachment(`${name}-deployments-admin`, {
            role: deploymentsRole.name,
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        }, child);

        this.deployRoleArn = deployRole.arn;
        this.deployRoleName = deployRole.name;
        this.deploymentsRoleArn = deploymentsRole.arn;
        this.registerOutputs({ deployRoleArn: this.deployRoleArn, deploymentsRoleArn: this.deploymentsRoleArn });
    }
}
