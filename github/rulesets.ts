/** Rulesets as plain data: one per branch rule of Pulumi.yaml, and one that keeps release tags immutable. */
import type { PlatformConfig } from "../infra/config";

type BranchRule = PlatformConfig["branches"][string];

export interface RulesetSpec {
    name: string;
    target: "branch" | "tag";
    enforcement: "active";
    conditions: { refName: { includes: string[]; excludes: string[] } };
    bypassActors: { actorId: number; actorType: "Integration" | "Team"; bypassMode: "always" }[];
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

/**
 * The numeric ids of the release managers' teams (`delivery.releaseManagers`, team keys of `teams`): who besides the
 * App may create release tags.
 */
export function releaseManagerTeamIds(config: Pick<PlatformConfig, "teams" | "delivery">): number[] {
    return config.delivery.releaseManagers.map((key) => {
        const team = config.teams[key];
        // A config rule (config/rules.ts, checkGithub) refuses an unknown key before this runs.
        if (team === undefined) throw new Error(`unknown team key in delivery.releaseManagers: ${key}`);
        return team.id;
    });
}

/**
 * Release tags `v*`: created only by the App and the release managers' teams, never moved or deleted by anyone. The
 * `creation` rule lets only bypass actors create matching refs (@pulumi/github 6.15.0 types/input.d.ts,
 * RepositoryRulesetRules.creation: "Only allow users with bypass permission to create matching refs"); a team bypasses
 * as actorType "Team" with its numeric id, an App as "Integration" with its App id (RepositoryRulesetBypassActor).
 * The bypass also lifts `deletion` and `update` for them: they are the people trusted with releases.
 * With no release managers in config, only the App creates release tags.
 */
export function releaseTagRuleset(appId: number, releaseManagers: readonly number[]): RulesetSpec {
    return {
        name: "release tags",
        target: "tag",
        enforcement: "active",
        conditions: { refName: { includes: ["refs/tags/v*"], excludes: [] } },
        bypassActors: [...appBypass(appId), ...releaseManagers.map((actorId) => ({ actorId, actorType: "Team" as const, bypassMode: "always" as const }))],
        rules: { creation: true, deletion: true, update: true, nonFastForward: true },
    };
}
