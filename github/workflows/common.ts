/** Steps and jobs every workflow shares. */
import { action } from "./catalogue";
import type { Job, Step } from "./model";

/** Checkout without leaving the token in the repository's git config. */
export function checkout(fullHistory = false): Step {
    return { name: "Check out", uses: action("actions/checkout"), with: { "persist-credentials": false, ...(fullHistory ? { "fetch-depth": 0 } : {}) } };
}

/**
 * The job a ruleset requires: it always runs, and fails if any job it needs failed or was cancelled, so that skipped
 * jobs (a service whose files did not change) never block a merge while failures always do.
 */
export function aggregateJob<Id extends string>(name: string, needs: Id[]): Job<Id> {
    return {
        name,
        "runs-on": "ubuntu-latest",
        needs,
        if: "always()",
        permissions: {},
        "timeout-minutes": 5,
        steps: [{
            name: "Fail if a needed job failed or was cancelled",
            env: { RESULTS: "${{ toJSON(needs) }}" },
            run: "failed=$(echo \"$RESULTS\" | jq -r 'to_entries[] | select(.value.result == \"failure\" or .value.result == \"cancelled\") | .key')\nif [ -n \"$failed\" ]; then echo \"::error::failed or cancelled: $failed\"; exit 1; fi\necho \"every needed job succeeded or was skipped\"",
        }],
    };
}
