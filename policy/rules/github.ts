/** Rules over the GitHub repository and the workflow files committed to it. */
import { parse } from "yaml";
import type { Rule } from "../types";

const T = {
    environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
    file: "github:index/repositoryFile:RepositoryFile",
} as const;

/** Approvals a change to the default branch needs (design, section 4: production's branch rules). */
export const MAIN_APPROVALS = 2;

const isWorkflow = (file: unknown): boolean => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(String(file));
type Jobs = Record<string, Record<string, unknown>>;
function jobsOf(content: unknown): Jobs | undefined {
    try {
        return (parse(String(content)) as { jobs?: Jobs } | null)?.jobs ?? {};
    } catch {
        return undefined;
    }
}

export const GITHUB_RULES: Rule[] = [
    {
        name: "production-environment-gated",
        description: "The production environment needs reviewers, and nobody approves their own deployment",
        appliesTo: [T.environment],
        check(resource, context) {
            if (!context.production) return [];
            const reviewers = (resource.inputs.reviewers ?? []) as { teams?: unknown[]; users?: unknown[] }[];
            const count = reviewers.reduce((sum, reviewer) => sum + (reviewer.teams?.length ?? 0) + (reviewer.users?.length ?? 0), 0);
            return [
                ...(count === 0 ? ["no required reviewers"] : []),
                ...(resource.inputs.preventSelfReview !== true ? ["self-review is allowed"] : []),
            ];
        },
    },
    {
        name: "main-ruleset-strict",
        description: "The default branch's ruleset requires two approvals, a code owner's review, signed commits and status checks",
        appliesTo: [T.ruleset],
        // The default branch is what deploys to production (the environment whose branch it is, infra/config/rules.ts), so
        // its ruleset is held to production's row of the design: 2 approvals, all checks, signed commits. Field names are
        // the provider's (github.RepositoryRuleset `rules.pullRequest.requiredApprovingReviewCount`,
        // `requireCodeOwnerReview`, `rules.requiredSignatures`); GitHub's rule types are `pull_request`
        // (required_approving_review_count, require_code_owner_review) and `required_signatures`
        // (GitHub's OpenAPI description, github/rest-api-description, schemas repository-rule-pull-request and
        // repository-rule-required-signatures; provider fields in node_modules/@pulumi/github/types/input.d.ts).
        check(resource) {
            const includes = ((resource.inputs.conditions as { refName?: { includes?: string[] } } | undefined)?.refName?.includes ?? []);
            if (!includes.some((ref) => ref === "~DEFAULT_BRANCH" || ref === "refs/heads/main")) return [];
            const rules = (resource.inputs.rules ?? {}) as {
                pullRequest?: { requiredApprovingReviewCount?: number; requireCodeOwnerReview?: boolean };
                requiredSignatures?: boolean;
                requiredStatusChecks?: { requiredChecks?: unknown[] };
            };
            const approvals = Number(rules.pullRequest?.requiredApprovingReviewCount ?? 0);
            return [
                ...(approvals < MAIN_APPROVALS ? [approvals === 0 ? "pull request reviews are not required" : `${approvals} approval(s) required, fewer than ${MAIN_APPROVALS}`] : []),
                ...(rules.pullRequest?.requireCodeOwnerReview !== true ? ["a code owner's review is not required"] : []),
                ...(rules.requiredSignatures !== true ? ["signed commits are not required"] : []),
                ...((rules.requiredStatusChecks?.requiredChecks ?? []).length === 0 ? ["no status check is required"] : []),
            ];
        },
    },
    {
        name: "workflow-jobs-explicit",
        description: "Every workflow job states its permissions and a timeout",
        appliesTo: [T.file],
        check(resource) {
            if (!isWorkflow(resource.inputs.file)) return [];
            const jobs = jobsOf(resource.inputs.content);
            if (!jobs) return ["the workflow is not valid YAML"];
            return Object.entries(jobs).flatMap(([id, job]) => [
                // A job that calls a reusable workflow takes its timeouts from that workflow.
                ...(job.permissions === undefined ? [`job ${id} has no permissions`] : []),
                ...(job["timeout-minutes"] === undefined && job.uses === undefined ? [`job ${id} has no timeout-minutes`] : []),
            ]);
        },
    },
    {
        name: "actions-pinned-by-sha",
        description: "Every action a workflow uses is pinned to a full commit SHA",
        appliesTo: [T.file],
        check(resource) {
            if (!isWorkflow(resource.inputs.file)) return [];
            const jobs = jobsOf(resource.inputs.content) ?? {};
            const uses = Object.values(jobs).flatMap((job) => [job.uses, ...((job.steps ?? []) as { uses?: unknown }[]).map((step) => step.uses)])
                .filter((reference): reference is string => typeof reference === "string" && !reference.startsWith("./") && !reference.startsWith("docker://"));
            return uses.filter((reference) => !/@[0-9a-f]{40}$/.test(reference)).map((reference) => `${reference} is not pinned to a commit SHA`);
        },
    },
];
