/**
 * The repository's Actions policy as a pure function: does it let a workflow run an action, directly or nested in a
 * composite action? GitHub applies the allow-list and SHA pinning to the actions that composite actions run too:
 * trivy-action's own action.yaml pins setup-trivy by SHA "so that GitHub Actions 'allowing select actions' feature
 * can be used to whitelist the dependent action by a hash" (aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25,
 * action.yaml; aquasecurity/trivy-action#409), and a nested tag reference fails a run with "The action
 * actions/cache@v5 is not allowed in <repo> because all actions must be pinned to a full-length commit SHA"
 * (subosito/flutter-action#404, oxsecurity/megalinter#8556; the enforcement itself:
 * https://github.blog/changelog/2025-08-15-github-actions-policy-now-supports-blocking-and-sha-pinning-actions).
 */
import nested from "./nested-actions.json";

export interface ActionsPolicy {
    /** Actions in the `actions` and `github` organizations ("Allow actions created by GitHub"). */
    githubOwnedAllowed: boolean;
    /** `patterns_allowed`: entries as GitHub takes them; a `!` prefix blocks. */
    patterns: readonly string[];
    /** "Require actions to be pinned to a full-length commit SHA". */
    shaPinningRequired: boolean;
}

/**
 * "Actions created by GitHub are located in the `actions` and `github` organizations"
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/enabling-features-for-your-repository/managing-github-actions-settings-for-a-repository#managing-github-actions-permissions-for-your-repository).
 */
export const GITHUB_OWNED_OWNERS: readonly string[] = ["actions", "github"];

/** `owner/repo[/path]@ref` split; the policy names actions by `OWNER/REPOSITORY@TAG-OR-SHA`, without the path. */
export function parseReference(reference: string): { owner: string; repository: string; ref: string } {
    const match = /^([^/@\s]+)\/([^/@\s]+)(?:\/[^@\s]+)?@(\S+)$/.exec(reference);
    if (!match) throw new Error(`${reference} is not an owner/repo[/path]@ref action reference`);
    return { owner: match[1], repository: `${match[1]}/${match[2]}`, ref: match[3] };
}

/**
 * One allow-list pattern against `owner/repo@ref`. GitHub's syntax
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/enabling-features-for-your-repository/managing-github-actions-settings-for-a-repository#allowing-select-actions-and-reusable-workflows-to-run):
 * the workflow's own `OWNER/REPOSITORY@TAG-OR-SHA` for one version; `*` as a wildcard ("space-org*&#47;*" for every
 * repository of organizations starting with space-org, "*&#47;octocat**@*" for every repository starting with
 * octocat), with the wildcard rules of the filter pattern cheat sheet
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet):
 * `*` matches any characters but `/`, `**` any characters. A pattern matches the whole reference.
 */
export function patternMatches(pattern: string, reference: string): boolean {
    const { repository, ref } = parseReference(reference);
    const regex = new RegExp(`^${pattern.split(/(\*\*|\*)/).map((part) => part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("")}$`);
    return regex.test(`${repository}@${ref}`);
}

/** Why the policy refuses a reference, or undefined when it admits it. Blocks (`!`) win over everything else. */
export function policyRefusal(policy: ActionsPolicy, reference: string): string | undefined {
    const { owner, ref } = parseReference(reference);
    const blocked = policy.patterns.filter((pattern) => pattern.startsWith("!")).find((pattern) => patternMatches(pattern.slice(1), reference));
    if (blocked) return `${reference} is blocked by ${blocked}`;
    if (policy.shaPinningRequired && !/^[0-9a-f]{40}$/.test(ref)) return `${reference} is not pinned to a full-length commit SHA`;
    if (policy.githubOwnedAllowed && GITHUB_OWNED_OWNERS.includes(owner)) return undefined;
    if (policy.patterns.some((pattern) => !pattern.startsWith("!") && patternMatches(pattern, reference))) return undefined;
    return `${reference} is not allowed: no pattern admits it${GITHUB_OWNED_OWNERS.includes(owner) ? " and GitHub-owned actions are not allowed" : ""}`;
}

export interface NestedAction {
    repository: string;
    /** The metadata file read, in `repository` at `commit`. */
    path: string;
    commit: string;
    source: string;
    using: string;
    uses: string[];
}

/** The recorded nested actions (github/workflows/nested-actions.json), by reference as written. */
export const NESTED_ACTIONS: Readonly<Record<string, NestedAction>> = nested.actions;

/**
 * Every action a reference runs, itself first, then what its composite steps run, recursively (from the record).
 * Throws when a reference is not recorded: the record must be refreshed when a pin changes.
 */
export function actionsRunBy(reference: string, record: Readonly<Record<string, NestedAction>> = NESTED_ACTIONS): string[] {
    const seen: string[] = [];
    const visit = (current: string): void => {
        if (seen.includes(current)) return;
        const entry = record[current];
        if (!entry) throw new Error(`${current} is not in github/workflows/nested-actions.json: record what its action.yml runs`);
        seen.push(current);
        // `./` steps are files of the caller's workspace, which the policy never restricts; Docker images are not actions.
        for (const use of entry.uses) if (!use.startsWith("./") && !use.startsWith("docker://")) visit(use);
    };
    visit(reference);
    return seen;
}
