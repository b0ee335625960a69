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
