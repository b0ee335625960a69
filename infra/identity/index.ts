/**
 * Identity for automation, without a static key anywhere: the GitHub Actions OIDC provider and this environment's
 * deploy role, trusted by exactly one repository's one environment; and the two roles Pulumi Deployments assumes
 * through Pulumi's OIDC provider to run this stack: a read role for every run (previews of pull requests, drift
 * checks) and a write role that only merged code's operations may take. IAM allows one OIDC provider per URL and
 * account: the topology says which stack creates each provider and which trust the one another stack created.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { toJson } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, PULUMI_OIDC_HOST, deployPermissions, githubDeployTrust, pulumiDeploymentsTrust, pulumiReadOperations, pulumiWriteOperations } from "./policies";
import { deploymentsReadPermissions, stateSecretReadPermissions, type StateSecretVersion } from "./read-only";

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

// Every role here is named: its ARN is in GitHub variables, the Deployments settings and trusts before it exists. A
// replacement (a new `path`) deletes first: a job or deployment that assumes the role in those seconds fails, so run it
// between deployments.
export class Identity extends pulumi.ComponentResource {
    readonly deployRoleArn: pulumi.Output<string>;
    readonly deployRoleName: pulumi.Output<string>;
    /** The write role: only update, refresh, destroy (and remediation where allowed) of merged code may take it. */
    readonly deploymentsRoleArn: pulumi.Output<string>;
    /** The read role of every Deployments run: the one the stack's DeploymentSettings name. */
    readonly deploymentsReadRoleArn: pulumi.Output<string>;
    readonly deploymentsReadRoleName: pulumi.Output<string>;

    private readonly region: string;
    private readonly logicalName: string;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:identity:Identity", name, {}, opts);
        this.region = args.region;
        this.logicalName = name;
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
        }, { ...child, ...NAME_IS_A_CONTRACT });
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
        const pulumiTrust = (operations: readonly string[]) => toJson(pulumiDeploymentsTrust(pulumiProviderArn, args.identity.pulumiOrganization, args.project, args.stack, operations));
        const deploymentsRole = new aws.iam.Role(`${name}-deployments`, {
            name: args.identity.deploymentsRoleName,
            description: `Pulumi Deployments of ${args.project}/${args.stack}: merged code's update, refresh and destroy`,
            assumeRolePolicy: pulumiTrust(pulumiWriteOperations(args.driftRemediates)),
            maxSessionDuration: DEPLOYMENTS_SESSION_SECONDS,
        }, { ...child, ...NAME_IS_A_CONTRACT });
        // The write role runs `pulumi up` of the whole stack in an account that holds only this environment: it creates
        // IAM roles and their policies, KMS keys, the cluster, the database and the cache, so it needs IAM's write
        // actions, which no narrower managed policy grants without granting the rest (PowerUserAccess excludes IAM). What
        // keeps it safe is its trust: merged code's write operations of this one stack, and nothing else.
        new aws.iam.RolePolicyAttachment(`${name}-deployments-admin`, {
            role: deploymentsRole.name,
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        }, child);

        const readRole = new aws.iam.Role(`${name}-pulumi-read`, {
            name: args.identity.deploymentsReadRoleName,
            description: `Pulumi Deployments of ${args.project}/${args.stack}: every run starts here; previews and drift checks stay here`,
            assumeRolePolicy: pulumiTrust(pulumiReadOperations(args.driftRemediates)),
            maxSessionDuration: DEPLOYMENTS_SESSION_SECONDS,
        }, { ...child, ...NAME_IS_A_CONTRACT });
        new aws.iam.RolePolicy(`${name}-pulumi-read`, {
            role: readRole.id,
            policy: toJson(deploymentsReadPermissions({ region: args.region })),
        }, child);

        this.deployRoleArn = deployRole.arn;
        this.deployRoleName = deployRole.name;
        this.deploymentsRoleArn = deploymentsRole.arn;
        this.deploymentsReadRoleArn = readRole.arn;
        this.deploymentsReadRoleName = readRole.name;
        this.registerOutputs({ deployRoleArn: this.deployRoleArn, deploymentsRoleArn: this.deploymentsRoleArn, deploymentsReadRoleArn: this.deploymentsReadRoleArn });
    }

    /**
     * Lets the read role read the secret versions the stack wrote, once they all exist: a drift check reads each one
     * (identity/read-only.ts, stateSecretReadPermissions). Called once, after every component that writes a secret.
     */
    grantStateSecretReads(versions: readonly StateSecretVersion[], secretsKeyArn: pulumi.Input<string>): void {
        new aws.iam.RolePolicy(`${this.logicalName}-pulumi-read-state-secrets`, {
            role: this.deploymentsReadRoleName,
            policy: toJson(stateSecretReadPermissions(versions, secretsKeyArn, this.region)),
        }, { parent: this });
    }
}
