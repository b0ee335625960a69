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
    /** The cluster the deploy role may describe (its name is fixed before the cluster exists). */
    clusterName: string;
    /** ECR repositories of this stack are named `<prefix>/<service>`. */
    servicesRepositoryPrefix: string;
    /** The repository prefix of the stack this environment promotes images from; absent: it builds its own. */
    promoteFromRepositoryPrefix?: string;
    /** The RDS instance the production workflow snapshots before migrations (promoting environments only). */
    databaseInstanceId?: string;
}

export class Identity extends pulumi.ComponentResource {
    readonly deployRoleArn: pulumi.Output<string>;
    readonly deployRoleName: pulumi.Output<string>;
    readonly deploymentsRoleArn: pulumi.Output<string>;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:identity:Identity", name, {}, opts);
        const child = { parent: this };
        const providerArn = (host: string, mode: "create" | "reuse", audience: string, key: string): pulumi.Output<string> => mode === "create"
            ? new aws.iam.OpenIdConnectProvider(`${name}-${key}`, {
                url: `https://${host}`,
                clientIdLists: [audience],
                // No thumbprints: IAM verifies these issuers' certificates through its own trusted CAs.
            }, child).arn
            : pulumi.interpolate`arn:aws:iam::${args.accountId}:oidc-provider/${host}`;

        const githubProviderArn = providerArn(GITHUB_OIDC_HOST, args.identity.githubOidcProvider, GITHUB_OIDC_AUDIENCE, "github-oidc");
        const deployRole = new aws.iam.Role(`${name}-deploy`, {
            name: args.github.deployRole.name,
            description: `GitHub Actions deployments to ${args.github.environment} (${args.repository.owner}/${args.repository.name})`,
            assumeRolePolicy: toJson(githubDeployTrust(githubProviderArn, args.repository.owner, args.repository.name, args.github.environment)),
            maxSessionDuration: 3600,
        }, child);
        new aws.iam.RolePolicy(`${name}-deploy`, {
            role: deployRole.id,
            policy: toJson(deployPermissions({
                region: args.region,
                accountId: args.accountId,
                clusterName: args.clusterName,
                repositoryPrefix: args.servicesRepositoryPrefix,
                images: args.promoteFromRepositoryPrefix === undefined ? { kind: "build" } : { kind: "promote", sourcePrefix: args.promoteFromRepositoryPrefix },
                databaseInstanceId: args.databaseInstanceId,
            })),
        }, child);

        const pulumiProviderArn = providerArn(PULUMI_OIDC_HOST, args.identity.pulumiOidcProvider, args.identity.pulumiOrganization, "pulumi-oidc");
        const deploymentsRole = new aws.iam.Role(`${name}-deployments`, {
            name: args.identity.deploymentsRoleName,
            description: `Pulumi Deployments of ${args.project}/${args.stack}`,
            assumeRolePolicy: toJson(pulumiDeploymentsTrust(pulumiProviderArn, args.identity.pulumiOrganization, args.project, args.stack)),
            maxSessionDuration: 3600,
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
