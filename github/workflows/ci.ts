/**
 * ci.yml: on pull requests and pushes to the deploy branches. Per service, only when its files changed: lint,
 * type-check, unit tests with the coverage threshold, dependency audit; integration tests against PostgreSQL and Redis
 * service containers; and one aggregate job that always runs and fails if any job it needs failed or was cancelled:
 * the only check the rulesets require, so that a skipped service never blocks a merge.
 */
import type { PlatformConfig } from "../../infra/config";
import { action } from "./catalogue";
import { aggregateJob, checkout } from "./common";
import { defineWorkflow, type Job, type Step, type Workflow } from "./model";
import { RECIPES } from "./recipes";

/** The aggregate job: its id is the status check's name. */
export const CI_AGGREGATE_JOB = "ci-status";

const read = { contents: "read" } as const;

/**
 * How dorny/paths-filter finds the changed files (src/main.ts and src/git.ts at the pinned
 * 7b450fff21473bca461d4b92ce414b9d0420d706):
 * - on `pull_request` it lists the pull request's files through the REST API with its `token` input (default
 *   `github.token`; the job grants `pull-requests: read`) and ignores `base` (with a warning when it is set);
 * - on `push` it never uses the API: it runs git. With no `base` it compares the pushed branch with the merge-base of
 *   the default branch, and with `base` equal to the pushed branch it compares the push's `before` commit with the
 *   head ("changes are detected against the most recent commit before the push", action.yml). Either way a commit
 *   that is not in the local clone is fetched with `git fetch origin ...`, which has no credentials here (checkout
 *   runs with `persist-credentials: false`), so on a private repository the job failed on every push.
 * So: on push, `base` is the pushed branch (what changed in this push), and the checkout has the full history of
 * every branch (`fetch-depth: 0`: "all history for all branches and tags", actions/checkout action.yml), so that
 * the `before` commit, and on a branch's first push (`before` all zeros) the default branch's `origin/<branch>`
 * ref, are local and getLocalRef finds them without a fetch. On pull requests `base` is empty, as if unset.
 * Not covered: a force push whose `before` commit is no longer on any branch still needs a fetch and fails.
 */
export const PATHS_FILTER_BASE = "${{ github.event_name == 'push' && github.ref_name || '' }}";

export function ciWorkflow(config: Pick<PlatformConfig, "services" | "environments" | "ci">): Workflow<string> {
    const branches = [...new Set(Object.values(config.environments).map((target) => target.branch))].sort();
    const changed = (service: string) => `needs.changes.outputs.${service} == 'true'`;
    const serviceJobs = Object.fromEntries(config.services.map((service): [string, Job<string>] => {
        const recipe = RECIPES[service.runtime];
        return [`test-${service.name}`, {
            name: `${service.name}: lint, types, tests, audit`,
            "runs-on": "ubuntu-latest",
            needs: ["changes"],
            if: changed(service.name),
            permissions: read,
            "timeout-minutes": 20,
            defaults: { run: { "working-directory": service.path } },
            env: { COVERAGE_THRESHOLD: String(config.ci.coverageThreshold) },
            steps: [
                checkout(),
                recipe.setup(service, config.ci.versions),
                { name: "Install", run: recipe.install },
                { name: "Lint", run: recipe.lint },
                { name: "Type-check", run: recipe.typecheck },
                { name: "Unit tests with coverage", run: recipe.test },
                { name: "Dependency audit", run: recipe.audit },
            ],
        }];
    }));
    const storeUsers = config.services.filter((service) => service.uses.length > 0);
    const integration: Record<string, Job<string>> = storeUsers.length === 0 ? {} : {
        integration: {
            name: "integration tests (PostgreSQL, Redis)",
            "runs-on": "ubuntu-latest",
            needs: ["changes"],
            if: storeUsers.map((service) => changed(service.name)).join(" || "),
            permissions: read,
            "timeout-minutes": 30,
            services: {
                postgres: { image: "postgres:17", env: { POSTGRES_PASSWORD: "postgres", POSTGRES_DB: "app" }, ports: ["5432:5432"], options: "--health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 10" },
                redis: { image: "redis:7", ports: ["6379:6379"], options: "--health-cmd \"redis-cli ping\" --health-interval 5s --health-timeout 5s --health-retries 10" },
            },
            env: { DATABASE_URL: "postgresql://postgres:postgres@localhost:5432/app", REDIS_URL: "redis://localhost:6379" },
            steps: [
                checkout(),
                ...storeUsers.flatMap((service): Step[] => [
                    RECIPES[service.runtime].setup(service, config.ci.versions),
                    { name: `${service.name}: install`, run: RECIPES[service.runtime].install, "working-directory": service.path },
                    { name: `${service.name}: integration tests`, run: RECIPES[service.runtime].integration, "working-directory": service.path },
                ]),
            ],
        },
    };
    const needed = ["changes", ...Object.keys(serviceJobs), ...Object.keys(integration)];
    return defineWorkflow({
        name: "CI",
        on: {
            pull_request: { branches },
            push: { branches },
        },
        permissions: {},
        // A new push to a pull request cancels the run it supersedes; runs on the branches always finish.
        concurrency: { group: "ci-${{ github.event.pull_request.number || github.ref }}", "cancel-in-progress": "${{ github.event_name == 'pull_request' }}" },
        jobs: {
            changes: {
                name: "which services changed",
                "runs-on": "ubuntu-latest",
                permissions: { contents: "read", "pull-requests": "read" },
                "timeout-minutes": 5,
                outputs: Object.fromEntries(config.services.map((service) => [service.name, `\${{ steps.filter.outputs.${service.name} }}`])),
                steps: [
                    // Full history of every branch, so that paths-filter never has to fetch (see PATHS_FILTER_BASE).
                    checkout(true),
                    {
                        name: "Compare with the base",
                        id: "filter",
                        uses: action("dorny/paths-filter"),
                        with: {
                            filters: config.services.map((service) => `${service.name}:\n  - '${service.path}/**'`).join("\n"),
                            base: PATHS_FILTER_BASE,
                        },
                    },
                ],
            },
            ...serviceJobs,
            ...integration,
            [CI_AGGREGATE_JOB]: aggregateJob(CI_AGGREGATE_JOB, needed),
        },
    });
}
