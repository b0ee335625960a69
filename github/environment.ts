/**
 * The stack's own GitHub deployment environment: its reviewers and wait timer, the branches and tags that may
 * deploy to it, and its variables (the stack's outputs themselves) and secrets (from secret config).
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../infra/config";

export interface GithubEnvironmentArgs {
    /** The repository's name (the provider carries the owner). */
    repository: string;
    /** This stack's environment settings (name, branch, tag patterns, reviewers, wait timer...). */
    settings: PlatformConfig["github"];
    /** Team keys to numeric ids, for reviewers. */
    teams: PlatformConfig["teams"];
    /** Environment variables: the stack's own outputs (the same Output objects, not copies). */
    variables: Record<string, pulumi.Input<string>>;
    /** Environment secrets from secret config; absent keys are skipped. */
    secrets: Record<string, pulumi.Output<string> | undefined>;
}

export class GithubEnvironment extends pulumi.ComponentResource {
    readonly environmentName: pulumi.Output<string>;

    constructor(name: string, args: GithubEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:github:Environment", name, {}, opts);
        const child = { parent: this };
        const settings = args.settings;
        const teamIds = settings.reviewers.teams.map((team) => args.teams[team].id);
        const hasReviewers = teamIds.length + settings.reviewers.users.length > 0;

        const environment = new github.RepositoryEnvironment(`${name}`, {
            repository: args.repository,
            environment: settings.environment,
            reviewers: hasReviewers ? [{ teams: teamIds, users: [...settings.reviewers.users] }] : undefined,
            preventSelfReview: settings.preventSelfReview,
            waitTimer: settings.waitTimerMinutes,
            canAdminsBypass: settings.adminsBypass,
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        }, child);
        const scoped = { repository: args.repository, environment: environment.environment };

        new github.RepositoryEnvironmentDeploymentPolicy(`${name}-branch-${settings.branch}`, { ...scoped, branchPattern: settings.branch }, child);
        for (const pattern of settings.tagPatterns) {
            new github.RepositoryEnvironmentDeploymentPolicy(`${name}-tag-${pattern.replace(/[^A-Za-z0-9]+/g, "-")}`, { ...scoped, tagPattern: pattern }, child);
        }
        for (const [variableName, value] of Object.entries(args.variables)) {
            new github.ActionsEnvironmentVariable(`${name}-var-${variableName}`, { ...scoped, variableName, value }, child);
        }
        for (const [secretName, value] of Object.entries(args.secrets)) {
            if (value !== undefined) new github.ActionsEnvironmentSecret(`${name}-secret-${secretName}`, { ...scoped, secretName, plaintextValue: value }, child);
        }
        this.environmentName = environment.environment;
        this.registerOutputs({ environmentName: this.environmentName });
    }
}
