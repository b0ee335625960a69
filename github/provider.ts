/**
 * The GitHub provider, configured explicitly: the repository owner and the GitHub App this program acts as. It never
 * takes a token: with `app_auth` set, the provider authenticates as the App even where a GITHUB_TOKEN is in the
 * environment (as in Pulumi Deployments, whose own token must not be used). Checked in the provider's code: @pulumi/github
 * 6.15.0 bundles terraform-provider-github v6.13.0, whose `github/provider.go` reads `token` (and GITHUB_TOKEN) only
 * when no App is configured; the docs' "token first" wording describes the schema, not that order.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../infra/config";
import { GITHUB_APP_KEY_VARIABLE } from "../infra/deployments/names";

/**
 * The App's key: secret config, else the GITHUB_APP_PEM_FILE variable of the run (an ESC environment or the
 * Deployments settings provide it). Either way it travels as a secret and is never printed; undefined when neither is
 * set. The GitHub provider and the runner scale sets (infra/addons/runners.ts) authenticate with it.
 */
export function githubAppPrivateKey(config: Pick<PlatformConfig, "secrets">): pulumi.Output<string> | undefined {
    const fromRun = process.env[GITHUB_APP_KEY_VARIABLE];
    return config.secrets.githubAppPrivateKey ?? (fromRun ? pulumi.secret(fromRun) : undefined);
}

export function createGithubProvider(config: PlatformConfig, name: string): github.Provider {
    const pemFile = githubAppPrivateKey(config) ?? pulumi.secret("");
    return new github.Provider(name, {
        owner: config.repository.owner,
        appAuth: { id: String(config.githubApp.id), installationId: String(config.githubApp.installationId), pemFile },
    });
}
