/** Rules over the GitHub repository and the workflow files committed to it. */
import { parse } from "yaml";
import type { Rule } from "../types";

const T = {
    environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
    file: "github:index/repositoryFile:RepositoryFile",
} as const;

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
        description: "The default branch's ruleset requires reviews, signed commits and status checks",
        appliesTo: [T.ruleset],
        check(resource) {
            const includes = ((resource.inputs.conditions as { refName?: { includes?: string[] } } | undefined)?.refName?.includes ?? []);
            if (!includes.some((ref) => ref === "~DEFAULT_BRANCH" || ref === "refs/heads/main")) return [];
            const rules = (resource.inputs.rules ?? {}) as { pullRequest?: { requiredApprovingReviewCount?: number }; requiredSignatures?: boolean; requiredStatusChecks?: { requiredChecks?: unknown[] } };
            return [
                ...(Number(rules.pullRequest?.requiredApprovingReviewCount ?? 0) < 1 ? ["pull request reviews are not required"] : []),
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
