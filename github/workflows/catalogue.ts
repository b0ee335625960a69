/**
 * The actions the workflows may use, each pinned to the commit of a release tag. The data is a copy of the shared
 * pin list (`github/workflows/actions-pins.json`; a test keeps it equal to the source when the source is beside the
 * checkout). Nothing else may name an action.
 */
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

/** The Actions policy's allow-list: every catalogued repository, any ref (SHA pinning is enforced separately). */
export function allowedActionPatterns(): string[] {
    return Object.keys(ACTIONS).sort().map((repository) => `${repository}@*`);
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
