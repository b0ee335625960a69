/**
 * The actions the workflows may use, each pinned to the commit of a release tag. The data is a copy of the shared
 * pin list (`github/workflows/actions-pins.json`; a test keeps it equal to the source when the source is beside the
 * checkout). Nothing else may name an action.
 */
import { GITHUB_OWNED_OWNERS, NESTED_ACTIONS, actionsRunBy, parseReference } from "./actions-policy";
import pins from "./actions-pins.json";

export interface PinnedAction {
    /** `owner/repo`, as GitHub names the action's repository. */
    repository: string;
    version: string;
    sha: string;
}

export const ACTIONS: Readonly<Record<string, PinnedAction>> = Object.freeze(Object.fromEntries(
    Object.entries(pins.actions).map(([repository, pin]) => [repository, Object.freeze({ repository, ...pin })]),
));

/**
 * The Actions policy's allow-list: every catalogued repository at any ref (SHA pinning is enforced separately), and
 * every third-party action that a catalogued action runs itself (its composite steps, recursively, as recorded in
 * nested-actions.json), at exactly the reference it is run by. Without the second part the policy blocked
 * aquasecurity/setup-trivy, which trivy-action v0.36.0 runs, and with it every Trivy step (aquasecurity/trivy-action#409).
 * Actions of the `actions` and `github` organizations are admitted by `githubOwnedAllowed` instead.
 */
export function allowedActionPatterns(): string[] {
    const catalogued = Object.keys(ACTIONS).map((repository) => `${repository}@*`);
    const roots = Object.entries(NESTED_ACTIONS).filter(([, entry]) => ACTIONS[entry.repository]?.sha === entry.commit).map(([reference]) => reference);
    const nested = roots.flatMap((root) => actionsRunBy(root).slice(1)).map(parseReference)
        .filter(({ owner, repository }) => !GITHUB_OWNED_OWNERS.includes(owner) && !(repository in ACTIONS))
        .map(({ repository, ref }) => `${repository}@${ref}`);
    return [...new Set([...catalogued, ...nested])].sort();
}

/** `owner/repo[/path]@<sha>`: the only way a workflow names an action. The version comment is added when rendering. */
export type ActionReference = string & { readonly __pinned: unique symbol };

/** A reference to a catalogued action (optionally a sub-action path, as github/codeql-action/init), pinned by SHA. */
export function action(repository: keyof typeof pins.actions, path?: string): ActionReference {
    const pin = ACTIONS[repository];
    return `${repository}${path ? `/${path}` : ""}@${pin.sha}` as ActionReference;
}

/** The version a pinned reference stands for, for the comment beside it. */
export function versionOf(reference: string): string | undefined {
    const [name, sha] = reference.split("@");
    const repository = name.split("/").slice(0, 2).join("/");
    const pin = ACTIONS[repository];
    return pin && pin.sha === sha ? pin.version : undefined;
}
