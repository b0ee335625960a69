/**
 * How Pulumi Deployments runs this stack: previews on pull requests and `pulumi up` on merge to the program's branch
 * (only when files that matter change), AWS credentials through OIDC (every run on the read role, the write operations
 * of merged code on the write role: tools/deployments-write-role.sh), and drift detection on
 * a schedule — remediated automatically only where config allows it (dev); elsewhere drift is reviewed with
 * `pulumi preview`. Each stack owns its own settings.
 */
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import type { PlatformConfig } from "../config";
import { PRODUCTION_STACK_TAG } from "../../policy/types";
import { DEPLOYMENTS_SESSION_SECONDS } from "../identity";
import { NAME_IS_A_CONTRACT } from "../naming";
import { REGION_VARIABLE, WRITE_ROLE_SCRIPT, WRITE_ROLE_VARIABLE, WRITE_SESSION_VARIABLE } from "./names";

export interface PulumiDeploymentsArgs {
    /** The Pulumi Cloud organisation. */
    organization: string;
    project: string;
    stack: string;
    settings: PlatformConfig["deployments"];
    program: PlatformConfig["program"];
    /** The stack's region: the AWS CLI of the pre-run commands (the write-role exchange) and of the kubeconfig reads it. */
    region: string;
    /** The role every run assumes through Pulumi's OIDC provider: the read role. */
    readRoleArn: pulumi.Input<string>;
    /** The role a write operation of merged code exchanges the same token for (tools/deployments-write-role.sh). */
    writeRoleArn: pulumi.Input<string>;
    /** Whether this stack is production (its environment deploys from the default branch): the policy pack reads it. */
    production: boolean;
    /** How the policy pack treats violations in this stack. */
    policyEnforcement: PlatformConfig["policy"]["enforcement"];
    /** Secret environment variables (for example the GitHub App key), as Pulumi secrets; absent ones are skipped. */
    secretEnvironment: Record<string, pulumi.Output<string> | undefined>;
}

/**
 * Commands run before every deployment: the offline checks gate what reaches the cloud, then a write operation takes
 * the write role. Installing dependencies and planning run on the read role whatever the operation.
 */
export function preRunCommands(stack: string): string[] {
    return ["npm ci", `npm run plan -- --stack ${stack} --policy`, `bash ${WRITE_ROLE_SCRIPT}`];
}

export class PulumiDeployments extends pulumi.ComponentResource {
    /** The token the pool's agents start with; undefined on hosted runners. */
    readonly agentPoolToken: pulumi.Output<string> | undefined;

    constructor(name: string, args: PulumiDeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:deployments:PulumiDeployments", name, {}, opts);
        const child = { parent: this };
        const target = { organization: args.organization, project: args.project, stack: args.stack };
        // Agents of this pool run inside the VPC (README, "Running it for real"): they reach the private cluster API.
        const pool = args.settings.runner === "agent-pool" ? new service.AgentPool(`${name}-agents`, {
            organizationName: args.organization,
            name: `${args.project}-${args.stack}`,
            description: `Deployments of ${args.project}/${args.stack}, from inside its VPC`,
        }, child) : undefined;
        this.agentPoolToken = pool ? pulumi.secret(pool.tokenValue) : undefined;
        const secrets = Object.fromEntries(Object.entries(args.secretEnvironment).filter((entry): entry is [string, pulumi.Output<string>] => entry[1] !== undefined));

        new service.DeploymentSettings(`${name}-settings`, {
            ...target,
            agentPoolId: pool?.agentPoolId,
            sourceContext: { git: { branch: `refs/heads/${args.settings.branch}` } },
            vcs: {
                provider: "github",
                repository: args.program.repository,
                installationId: args.program.pulumiAppInstallationId,
                deployCommits: args.settings.deployOnMerge,
                previewPullRequests: args.settings.previewPullRequests,
                paths: [...args.program.paths],
                pullRequestTemplate: false,
            },
            operationContext: {
                preRunCommands: preRunCommands(args.stack),
                // The session lasts as long as the role allows (identity/index.ts): a first `up` outlives one hour.
                oidc: { aws: { roleARN: args.readRoleArn, sessionName: `pulumi-deployments-${args.stack}`, duration: `${DEPLOYMENTS_SESSION_SECONDS / 3600}h0m0s` } },
                environmentVariables: {
                    ...args.settings.environmentVariables,
                    [WRITE_ROLE_VARIABLE]: args.writeRoleArn,
                    [WRITE_SESSION_VARIABLE]: String(DEPLOYMENTS_SESSION_SECONDS),
                    // The AWS CLI and SDKs take their region from AWS_REGION
                    // (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html).
                    [REGION_VARIABLE]: args.region,
                    ...secrets,
                },
                options: { skipIntermediateDeployments: true },
            },
        }, child);

        new service.DriftSchedule(`${name}-drift`, {
            ...target,
            scheduleCron: args.settings.driftSchedule,
            autoRemediate: args.settings.driftAutoRemediate,
        }, child);

        // The policy pack's production-only rules learn in Pulumi Cloud that this stack is production from this tag.
        // Every StackTag input replaces it; the name is the tag's identity, so a new value deletes first (the stack carries
        // no production tag for a moment).
        new service.StackTag(`${name}-production-tag`, { ...target, name: PRODUCTION_STACK_TAG, value: String(args.production) }, { ...child, ...NAME_IS_A_CONTRACT });

        // The published policy pack (`pulumi policy publish <org>` run in policy/, name "platform") applied to this stack alone:
        // blocking where enforcement is mandatory, reporting elsewhere.
        new service.PolicyGroup(`${name}-policy`, {
            name: `${args.project}-${args.stack}`,
            organizationName: args.organization,
            entityType: "stacks",
            mode: args.policyEnforcement === "mandatory" ? "preventative" : "audit",
            stacks: [{ name: args.stack, routingProject: args.project }],
            policyPacks: [{ name: "platform", config: { all: args.policyEnforcement } }],
        }, child);

        if (args.settings.destroyAt) {
            new service.TtlSchedule(`${name}-ttl`, { ...target, timestamp: args.settings.destroyAt, deleteAfterDestroy: false }, child);
        }
        this.registerOutputs({ agentPoolToken: this.agentPoolToken });
    }
}
