/** Rulesets as plain data: one per branch rule of Pulumi.yaml, and one that keeps release tags immutable. */
import type { PlatformConfig } from "../infra/config";

type BranchRule = PlatformConfig["branches"][string];

export interface RulesetSpec {
    name: string;
    target: "branch" | "tag";
    enforcement: "active";
    conditions: { refName: { includes: string[]; excludes: string[] } };
    bypassActors: { actorId: number; actorType: "Integration"; bypassMode: "always" }[];
    rules: Record<string, unknown>;
}

/** Only the GitHub App that runs this program bypasses rulesets: it commits the workflow files straight to main. */
export function appBypass(appId: number): RulesetSpec["bypassActors"] {
    return [{ actorId: appId, actorType: "Integration", bypassMode: "always" }];
}

export function branchRuleset(branch: string, rule: BranchRule, checks: readonly string[], appId: number, defaultBranch: string): RulesetSpec {
    return {
        name: `branch ${branch}`,
        target: "branch",
        enforcement: "active",
        conditions: { refName: { includes: [branch === defaultBranch ? "~DEFAULT_BRANCH" : `refs/heads/${branch}`], excludes: [] } },
        bypassActors: appBypass(appId),
        rules: {
            deletion: true,
            nonFastForward: true,
            requiredLinearHistory: true,
            requiredSignatures: rule.signedCommits,
            ...(rule.noDirectPush ? {
                pullRequest: {
                    requiredApprovingReviewCount: rule.approvals,
                    dismissStaleReviewsOnPush: true,
                    requireCodeOwnerReview: rule.codeOwnerReview,
                    requireLastPushApproval: rule.codeOwnerReview,
                    requiredReviewThreadResolution: true,
                },
            } : {}),
            requiredStatusChecks: {
                requiredChecks: checks.map((context) => ({ context })),
                // Up to date with the branch before merging.
                strictRequiredStatusChecksPolicy: true,
            },
        },
    };
}

/** Release tags `v*` can be created, never moved or deleted. */
export function releaseTagRuleset(appId: number): RulesetSpec {
    return {
        name: "release tags",
        target: "tag",
        enforcement: "active",
        conditions: { refName: { includes: ["refs/tags/v*"], excludes: [] } },
        bypassActors: appBypass(appId),
        rules: { deletion: true, update: true, nonFastForward: true },
    };
}
