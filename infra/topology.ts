/**
 * The account topology, read from the branch model every stack sees (`environments.<stack>.awsAccountId` in
 * Pulumi.yaml): which account each stack deploys into, which stack of an account creates its IAM OIDC providers,
 * and which accounts pull the images a stack builds. One account per environment (seed 002) and one shared account
 * are both valid; nothing here needs a flag that a person must remember to flip.
 */
import type { PlatformConfig } from "./config";

type Environments = PlatformConfig["environments"];

/**
 * Whether a stack is production: its environment deploys from the repository's default branch, whatever its name. The
 * config rules, the policy pack's context and the stack tag the pack reads in Pulumi Cloud all ask this one question.
 */
export function isProduction(settings: { github: { branch: string }; repository: { defaultBranch: string } }): boolean {
    return settings.github.branch === settings.repository.defaultBranch;
}

/** The account a stack deploys into. */
export function accountOf(environments: Environments, stack: string): string {
    const target = environments[stack];
    if (!target) throw new Error(`no environment for the stack "${stack}"`);
    return target.awsAccountId;
}

/** The stacks that deploy into an account, in the order of `environments`. */
export function stacksInAccount(environments: Environments, accountId: string): string[] {
    return Object.entries(environments).filter(([, target]) => target.awsAccountId === accountId).map(([stack]) => stack);
}

export type OidcIssuer = "github" | "pulumi";

/**
 * Whether this stack creates the account's IAM OIDC provider of an issuer (GitHub's or Pulumi's). IAM allows one
 * provider per issuer URL in an account ("EntityAlreadyExists" on a second CreateOpenIDConnectProvider:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html), so exactly one stack of
 * each account creates it, the first in the order of `environments`, and the others look it up; where config says the
 * provider exists already (`existingOidcProviders`), every stack of the account looks it up. The day-0 runbook brings
 * the stacks up in that order.
 */
export function createsOidcProvider(config: Pick<PlatformConfig, "environments" | "existingOidcProviders">, stack: string, issuer: OidcIssuer): boolean {
    const account = accountOf(config.environments, stack);
    if ((config.existingOidcProviders[account] ?? []).includes(issuer)) return false;
    return stacksInAccount(config.environments, account)[0] === stack;
}

/** The accounts of the stacks that promote this stack's images (`promoteFrom: <this stack>`), other than its own. */
export function promotingAccounts(environments: Environments, stack: string): string[] {
    const own = accountOf(environments, stack);
    const accounts = Object.values(environments).filter((target) => target.promoteFrom === stack).map((target) => target.awsAccountId);
    return [...new Set(accounts)].filter((account) => account !== own);
}

/** An ECR registry's host: `<account>.dkr.ecr.<region>.amazonaws.com` (Amazon ECR User Guide, "Private registry concepts"). */
export function registryHost(accountId: string, region: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}
