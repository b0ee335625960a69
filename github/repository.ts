/**
 * Everything repository-wide, owned by the control stack alone: the repository and its settings, the branches, the
 * Actions policy, the rulesets, and the files (CODEOWNERS, Dependabot, the pull request template, the workflows).
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../infra/config";
import { RepositoryFiles, codeOwners, dependabotConfig, firstBuildingBranch, neededOnEveryBranch, pullRequestTemplate, type RepositoryFileSpec } from "./files";
import { branchRuleset, releaseTagRuleset, type RulesetSpec } from "./rulesets";

export type { RepositoryFileSpec } from "./files";

export interface GithubRepositoryArgs {
    repository: PlatformConfig["repository"];
    branches: PlatformConfig["branches"];
    teams: PlatformConfig["teams"];
    codeOwners: PlatformConfig["codeOwners"];
    githubApp: PlatformConfig["githubApp"];
    services: PlatformConfig["services"];
    /** Status check names by level: `basic` and `all` (from the workflow model). */
    requiredChecks: { basic: readonly string[]; all: readonly string[] };
    /** Action reference patterns allowed to run (from the pinned action catalogue). */
    allowedActions: readonly string[];
    /** Files beyond the ones this component writes itself (the workflows). */
    extraFiles: readonly RepositoryFileSpec[];
    /** Numeric ids of the teams that may create release tags (besides the App). */
    releaseManagerTeamIds: readonly number[];
    /** The branch model's environments: Dependabot's updates target the branch where images are first built (firstBuildingBranch). */
    environments: PlatformConfig["environments"];
}

export class GithubRepository extends pulumi.ComponentResource {
    /** The repository's numeric id, which never changes with its name (the deploy roles trust it). */
    readonly repositoryId: pulumi.Output<number>;
    readonly repositoryName: pulumi.Output<string>;

    constructor(name: string, args: GithubRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:github:Repository", name, {}, opts);
        const child = { parent: this };
        const settings = args.repository;
        const secretScanning = settings.visibility === "public" || settings.advancedSecurity;

        const repository = new github.Repository(`${name}`, {
            name: settings.name,
            visibility: settings.visibility,
            allowSquashMerge: settings.mergeMethods.squash,
            allowMergeCommit: settings.mergeMethods.merge,
            allowRebaseMerge: settings.mergeMethods.rebase,
            deleteBranchOnMerge: true,
            vulnerabilityAlerts: true,
            hasIssues: true,
            // Destroying the stack archives the repository; it never deletes the code.
            archiveOnDestroy: true,
            securityAndAnalysis: secretScanning ? {
                ...(settings.visibility === "public" ? {} : settings.securityLicence === "standalone"
                    ? { codeSecurity: { status: "enabled" } }
                    : { advancedSecurity: { status: "enabled" } }),
                secretScanning: { status: "enabled" },
                secretScanningPushProtection: { status: "enabled" },
            } : undefined,
        }, {
            parent: this,
            protect: true,
            // Adopting: the first `pulumi up` imports the existing repository. Pulumi refuses an import whose settings
            // differ from the program's and lists the differences: align them (or `pulumi import` it and let the next
            // `up` change them). Creating: nothing to import.
            import: settings.mode === "adopt" ? settings.name : undefined,
        });

        const defaultBranch = new github.BranchDefault(`${name}-default-branch`, { repository: repository.name, branch: settings.defaultBranch }, child);
        const branches = Object.keys(args.branches).filter((branch) => branch !== settings.defaultBranch).map((branch): [string, github.Branch] =>
            [branch, new github.Branch(`${name}-branch-${branch}`, { repository: repository.name, branch, sourceBranch: settings.defaultBranch }, { parent: this, dependsOn: [defaultBranch] })]);

        new github.RepositoryDependabotSecurityUpdates(`${name}`, { repository: repository.name, enabled: true }, child);
        new github.ActionsRepositoryPermissions(`${name}`, {
            repository: repository.name,
            enabled: true,
            allowedActions: "selected",
            allowedActionsConfig: { githubOwnedAllowed: true, verifiedAllowed: false, patternsAlloweds: [...args.allowedActions] },
            shaPinningRequired: true,
        }, child);
        new github.WorkflowRepositoryPermissions(`${name}`, {
            repository: repository.name,
            defaultWorkflowPermissions: "read",
            canApprovePullRequestReviews: false,
        }, child);

        const rulesets: [string, RulesetSpec][] = [
            ...Object.entries(args.branches).map(([branch, rule]): [string, RulesetSpec] =>
                [`branch-${branch}`, branchRuleset(branch, rule, args.requiredChecks[rule.checks], args.githubApp.id, settings.defaultBranch)]),
            ["release-tags", releaseTagRuleset(args.githubApp.id, args.releaseManagerTeamIds)],
        ];
        for (const [key, spec] of rulesets) {
            new github.RepositoryRuleset(`${name}-${key}`, { repository: repository.name, ...spec }, { parent: this, dependsOn: branches.map(([, resource]) => resource) });
        }

        const files: RepositoryFileSpec[] = [
            { path: ".github/CODEOWNERS", content: codeOwners(settings.owner, args.codeOwners, args.teams), purpose: "code owners from Pulumi.yaml" },
            { path: ".github/dependabot.yml", content: dependabotConfig(args.services, firstBuildingBranch(args.environments)), purpose: "weekly grouped dependency updates" },
            { path: ".github/pull_request_template.md", content: pullRequestTemplate(), purpose: "pull request template" },
            ...args.extraFiles,
        ];
        // The default branch keeps its original logical names (`<name>-files`), so its files keep their URNs.
        new RepositoryFiles(`${name}-files`, { repository: repository.name, branch: settings.defaultBranch, files, after: [defaultBranch] }, child);
        // Every other branch of the branch model gets the files GitHub reads from that branch (neededOnEveryBranch),
        // one chain per branch: writes to one branch are serialised (GitHub answers 409 to concurrent commits on a
        // branch); chains on different branches are independent. Each starts once its branch exists.
        const perBranch = files.filter((file) => neededOnEveryBranch(file.path));
        for (const [branch, resource] of branches) {
            new RepositoryFiles(`${name}-files-${branch}`, { repository: repository.name, branch, files: perBranch, after: [resource] }, child);
        }
        this.repositoryId = repository.repoId;
        this.repositoryName = repository.name;
        this.registerOutputs({ repositoryId: this.repositoryId });
    }
}
