/**
 * Who and what the repository lets in, beyond its settings (control stack only):
 * - every team of Pulumi.yaml gets access, because GitHub ignores reviewers and code owners who lack it: "The
 *   reviewers must have at least read access to the repository" (REST API, "Create or update an environment",
 *   `reviewers`); "When the code owner is a team, that team must be visible and it must have write permissions, even
 *   if all the individual members of the team already have write permissions" (GitHub Docs, "About code owners");
 * - the OIDC subject template of the repository's jobs (identity/policies.ts GITHUB_SUBJECT_CLAIMS), which the deploy
 *   roles of every stack trust.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../infra/config";
import { GITHUB_SUBJECT_CLAIMS } from "../infra/identity/policies";

export interface GithubAccessArgs {
    /** The repository's name (the provider carries the owner). */
    repository: pulumi.Input<string>;
    teams: PlatformConfig["teams"];
    codeOwners: PlatformConfig["codeOwners"];
}

/** `push` (write) for teams that own code, `pull` (read) for the others, who may still review deployments. */
export function teamPermissions(teams: PlatformConfig["teams"], codeOwners: PlatformConfig["codeOwners"]): Record<string, "push" | "pull"> {
    const owners = new Set(codeOwners.flatMap((rule) => rule.teams));
    return Object.fromEntries(Object.keys(teams).map((key) => [key, owners.has(key) ? "push" : "pull"]));
}

export class GithubAccess extends pulumi.ComponentResource {
    constructor(name: string, args: GithubAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:github:Access", name, {}, opts);
        const child = { parent: this };
        for (const [key, permission] of Object.entries(teamPermissions(args.teams, args.codeOwners))) {
            new github.TeamRepository(`${name}-team-${key}`, {
                teamId: String(args.teams[key].id),
                repository: args.repository,
                permission,
            }, child);
        }
        // Every job's subject becomes `repository_id:<id>:environment:<name>` for jobs that name an environment.
        new github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(`${name}-oidc-subject`, {
            repository: args.repository,
            useDefault: false,
            includeClaimKeys: [...GITHUB_SUBJECT_CLAIMS],
        }, child);
        this.registerOutputs({});
    }
}
