import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type * as github from "@pulumi/github";
import { deliverySchema } from "../infra/config/pipeline";
import { releaseManagerTeamIds, releaseTagRuleset } from "../github/rulesets";
import { clusterRunnerScaleSet } from "../github/workflows/names";
import { FIND_RELEASE, PRUNE_SNAPSHOTS, RECORD_RELEASE, SNAPSHOT } from "../github/workflows/release-scripts";
import { DEPLOY_INCIDENT, FIND_RELEASES, ROLLBACK_PREPARE, ROUTE_ROLLBACK } from "../github/workflows/rollback-scripts";
import { SMOKE_TEST } from "../github/workflows/scripts";
import { STACKS, ofType, plan, projectCopy, realPlan, rejection } from "./harness";
import { NO_SLEEP, runScript } from "./release-stubs";

type Step = { name: string; id?: string; if?: string; uses?: string; run?: string; env?: Record<string, string> };
type Job = { name?: string; "runs-on"?: string; needs?: string[]; if?: string; uses?: string; with?: Record<string, unknown>; environment?: unknown; permissions: Record<string, string>; "timeout-minutes"?: number; steps?: Step[] };
type Workflow = { on: Record<string, Record<string, unknown> | null>; jobs: Record<string, Job> };
type Files = Record<string, string>;

const workflowsOf = (files: Files): Record<string, Workflow> => Object.fromEntries(Object.entries(files)
    .filter(([path]) => path.startsWith(".github/workflows/")).map(([path, content]) => [path, parse(content) as Workflow]));
const prodFiles = async (): Promise<Files> => (await realPlan("prod")).files;
const environmentName = (job: Job): string | undefined => {
    const named = job.uses ? job.with?.environment : typeof job.environment === "object" ? (job.environment as { name: string }).name : job.environment;
    return typeof named === "string" && !named.includes("${{") ? named : undefined;
};
const talksToCluster = (job: Job): boolean => (job.steps ?? []).some((step) => /\bkubectl\b/.test(step.run ?? "") || (step.uses ?? "").startsWith("Azure/setup-kubectl@"));

/** Jobs that talk to a cluster must run on their environment's scale set; no other job may. */
function runnerViolations(workflows: Record<string, Workflow>, scaleSetOf: Record<string, string>): string[] {
    const scaleSets = new Set(Object.values(scaleSetOf));
    return Object.entries(workflows).flatMap(([path, workflow]) => Object.entries(workflow.jobs).flatMap(([id, job]) => {
        if (job.uses) return [];
        const environment = environmentName(job);
        if (talksToCluster(job)) {
            const wanted = environment === undefined ? undefined : scaleSetOf[environment];
            return job["runs-on"] === wanted && wanted !== undefined ? [] : [`${path} ${id}: talks to a cluster on ${job["runs-on"]}, not ${wanted ?? "its environment's scale set"}`];
        }
        return scaleSets.has(String(job["runs-on"])) ? [`${path} ${id}: does not talk to a cluster but runs on ${job["runs-on"]}`] : [];
    }));
}

/** GitHub's filter patterns: `**` any characters, `*` any but `/` (workflow syntax, "Filter pattern cheat sheet"). */
const globMatches = (pattern: string, path: string): boolean =>
    new RegExp(`^${pattern.split("**").map((part) => part.split("*").map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")).join(".*")}$`).test(path);

/** Whether a branch push changing these paths starts the workflow: not when every path matches `paths-ignore`. */
function pushStarts(workflow: Workflow, changed: string[]): boolean {
    const push = workflow.on.push as { "paths-ignore"?: string[] } | undefined;
    if (!push) return false;
    const ignore = push["paths-ignore"] ?? [];
    return changed.some((path) => !ignore.some((pattern) => globMatches(pattern, path)));
}

/** The refs a job with an environment can run on: its `github.ref ==` guard, else the branches and tags its pushes run on. */
function refsOf(workflow: Workflow, job: Job, defaultBranch: string): string[] {
    const guard = /github\.ref == 'refs\/heads\/([^']+)'/.exec(job.if ?? "");
    if (guard) return [`refs/heads/${guard[1]}`];
    const push = workflow.on.push as { branches?: string[]; tags?: string[] } | undefined;
    if (!push) return [`refs/heads/${defaultBranch}`]; // dispatched, from the default branch unless told otherwise
    return [...(push.branches ?? []).map((branch) => `refs/heads/${branch}`), ...(push.tags ?? []).map((tag) => `refs/tags/${tag}`)];
}

interface Policy { branches: string[]; tags: string[] }
function refViolations(workflows: Record<string, Workflow>, policies: Record<string, Policy>, defaultBranch: string): string[] {
    return Object.entries(workflows).flatMap(([path, workflow]) => Object.entries(workflow.jobs).flatMap(([id, job]) => {
        const environment = environmentName(job);
        if (environment === undefined) return [];
        const policy = policies[environment];
        return refsOf(workflow, job, defaultBranch).filter((ref) => !(ref.startsWith("refs/heads/")
            ? policy.branches.some((pattern) => globMatches(pattern, ref.slice(11)))
            : policy.tags.some((pattern) => globMatches(pattern, ref.slice(10))))).map((ref) => `${path} ${id}: ${environment} does not admit ${ref}`);
    }));
}

async function environmentsOfStacks(): Promise<{ scaleSetOf: Record<string, string>; policies: Record<string, Policy> }> {
    const scaleSetOf: Record<string, string> = {};
    const policies: Record<string, Policy> = {};
    for (const stack of STACKS) {
        const stackPlan = await realPlan(stack);
        const environment = String(ofType(stackPlan, "github:index/repositoryEnvironment:RepositoryEnvironment")[0].inputs.environment);
        scaleSetOf[environment] = clusterRunnerScaleSet(stackPlan.project, stack);
        const rules = ofType(stackPlan, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy").map((resource) => resource.inputs);
        policies[environment] = { branches: rules.flatMap((rule) => rule.branchPattern ? [String(rule.branchPattern)] : []), tags: rules.flatMap((rule) => rule.tagPattern ? [String(rule.tagPattern)] : []) };
    }
    return { scaleSetOf, policies };
}

const digest = (n: number): string => `sha256:${String(n).repeat(64)}`;

describe("pipeline release", () => {
    it("every job that talks to a cluster runs on its environment's scale set; builds and CI stay hosted", async () => {
        const { scaleSetOf } = await environmentsOfStacks();
        assert.deepEqual(scaleSetOf, { development: "platform-dev-deploy", staging: "platform-staging-deploy", production: "platform-prod-deploy" });
        const workflows = workflowsOf(await prodFiles());
        assert.deepEqual(runnerViolations(workflows, scaleSetOf), []);
        assert.equal(workflows[".github/workflows/rollback.yml"].jobs["rollback-staging"]["runs-on"], "platform-staging-deploy");
        // The check sees a kubectl job on a hosted runner, and a job without kubectl on a scale set.
        const broken: Workflow = { on: {}, jobs: {
            a: { "runs-on": "ubuntu-latest", environment: "production", permissions: {}, steps: [{ name: "x", run: "kubectl get pods" }] },
            b: { "runs-on": "platform-dev-deploy", permissions: {}, steps: [{ name: "y", run: "echo" }] },
        } };
        assert.equal(runnerViolations({ x: broken }, scaleSetOf).length, 2);
    });

    it("the program's own commits (everything it writes, all under .github/) start no deploy; a change to a service does", async () => {
        const files = Object.keys(await prodFiles());
        assert.ok(files.includes(".github/CODEOWNERS") && files.includes(".github/workflows/deploy-production.yml"));
        const workflows = workflowsOf(await prodFiles());
        const deploys = Object.entries(workflows).filter(([path]) => /deploy-[\w-]+\.yml$/.test(path));
        assert.equal(deploys.length, 3);
        for (const [path, workflow] of deploys) {
            for (const file of files) assert.equal(pushStarts(workflow, [file]), false, `${path} would deploy on a commit of ${file}`);
            assert.equal(pushStarts(workflow, [".github/workflows/ci.yml", "services/api/src/index.ts"]), true, path);
            assert.ok(workflow.on.workflow_dispatch !== undefined, `${path} can be dispatched by hand`);
        }
        // Without the filter, each of the program's commits would queue a deploy.
        const unfiltered: Workflow = { on: { push: { branches: ["main"] } }, jobs: {} };
        assert.equal(pushStarts(unfiltered, [".github/CODEOWNERS"]), true);
    });

    it("every job with an environment runs only on refs that environment admits (rollbacks on the environment's own branch)", async () => {
        const { policies } = await environmentsOfStacks();
        assert.deepEqual(policies.development, { branches: ["develop"], tags: [] });
        const workflows = workflowsOf(await prodFiles());
        assert.deepEqual(refViolations(workflows, policies, "main"), []);
        // The old rollback job (environment chosen, no ref guard) ran on main, which development refuses.
        const old: Workflow = { on: { workflow_dispatch: {} }, jobs: { r: { environment: "development", if: "inputs.environment == 'development'", permissions: {}, steps: [] } } };
        assert.deepEqual(refViolations({ "rollback.yml": old }, policies, "main"), ["rollback.yml r: development does not admit refs/heads/main"]);
        const route = workflows[".github/workflows/rollback.yml"].jobs.route;
        assert.deepEqual([route.permissions, route.environment], [{ actions: "write" }, undefined]);
    });

    it("a rollback dispatched on another ref is sent again, with its inputs, to the environment's branch", () => {
        const gh = 'echo "gh $*" >> "$CALLS"';
        const env = { GH_TOKEN: "t", WORKFLOW_FILE: "rollback.yml", BRANCHES: '{"development":"develop","production":"main"}', TARGET: "development", VERSION: "", SERVICE: "api", REASON: "500s" };
        const away = runScript(ROUTE_ROLLBACK, { ...env, GITHUB_REF: "refs/heads/main" }, { gh });
        assert.equal(away.status, 0, away.stderr);
        assert.deepEqual(away.calls, ["gh workflow run rollback.yml --repo example-org/app --ref develop -f environment=development -f service=api -f version= -f reason=500s"]);
        const home = runScript(ROUTE_ROLLBACK, { ...env, GITHUB_REF: "refs/heads/develop" }, { gh });
        assert.deepEqual([home.status, home.calls], [0, []]);
    });

    describe("production promotes exactly the merged release", () => {
        const gh = `echo "gh $*" >> "$CALLS"
fix="$RUNNER_TEMP/fix"
case "$1 $2" in
  "run list") cat "$fix/runs.json" ;;
  "run download") dir=""; run="$3"; while [ $# -gt 0 ]; do [ "$1" = --dir ] && dir="$2"; shift; done
    [ -f "$fix/artifacts/$run.json" ] || exit 1; mkdir -p "$dir"; cp "$fix/artifacts/$run.json" "$dir/digests.json" ;;
  api\\ *) path="$2"; shift 2; filter=""; while [ $# -gt 0 ]; do [ "$1" = --jq ] && filter="$2"; shift; done
    file="$fix/api/$(echo "$path" | tr / _).json"; [ -f "$file" ] || { echo "HTTP 404: $path" >&2; exit 1; }
    if [ -n "$filter" ]; then jq -r "$filter" "$file"; else cat "$file"; fi ;;
esac`;
        const fixtures = (temp: string) => {
            const fix = join(temp, "fix");
            mkdirSync(join(fix, "api"), { recursive: true });
            mkdirSync(join(fix, "artifacts"));
            const api = (path: string, body: unknown) => writeFileSync(join(fix, "api", `${path.replace(/\//g, "_")}.json`), JSON.stringify(body));
            const commit = (sha: string, entries: Record<string, string>) => {
                api(`repos/example-org/app/git/commits/${sha}`, { sha, tree: { sha: `tree-${sha}` } });
                api(`repos/example-org/app/git/trees/tree-${sha}`, { tree: Object.entries(entries).map(([path, sha]) => ({ path, sha })) });
            };
            commit("merged", { services: "S2", ".github": "G9", "package.json": "P1" });
            commit("newer", { services: "S3", ".github": "G1", "package.json": "P1" });
            commit("released", { services: "S2", ".github": "G1", "package.json": "P1" });
            commit("other", { services: "S4", ".github": "G1", "package.json": "P1" });
            writeFileSync(join(fix, "runs.json"), JSON.stringify([
                { databaseId: 301, headBranch: "staging", headSha: "newer", createdAt: "2026-11-30T10:00:00Z" },
                { databaseId: 302, headBranch: "staging", headSha: "released", createdAt: "2026-11-29T10:00:00Z" },
                { databaseId: 250, headBranch: "v1.2.0", headSha: "c1", createdAt: "2026-11-01T10:00:00Z" },
            ]));
            for (const run of [301, 302, 250]) writeFileSync(join(fix, "artifacts", `${run}.json`), JSON.stringify({ api: digest(run % 10) }));
        };
        const env = { GH_TOKEN: "t", VERSION: "", SOURCE_WORKFLOW: "deploy-staging.yml", ARTIFACT: "deployed-images-staging", SEARCH_LIMIT: "50" };

        it("takes the staging run of the pushed commit's content (.github aside), not the newest one", () => {
            const result = runScript(FIND_RELEASE, { ...env, GITHUB_SHA: "merged" }, { gh }, fixtures);
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.equal(result.outputs.run, "302");
            assert.deepEqual(JSON.parse(result.outputs.digests), { api: digest(2) });
            assert.ok(result.calls.includes("gh run list --repo example-org/app --workflow deploy-staging.yml --status success --limit 50 --json databaseId,headBranch,headSha,createdAt"));
        });

        it("fails clearly when no staging deploy has that content, and takes the tag's run for a version", () => {
            const missing = runScript(FIND_RELEASE, { ...env, GITHUB_SHA: "other" }, { gh }, fixtures);
            assert.equal(missing.status, 1);
            assert.match(missing.stdout, /::error::no successful staging deploy of the tree of other \(tree-other\) among the last 50 successful deploy-staging\.yml runs/);
            const tagged = runScript(FIND_RELEASE, { ...env, VERSION: "v1.2.0", GITHUB_SHA: "merged" }, { gh }, fixtures);
            assert.deepEqual([tagged.status, tagged.outputs.run], [0, "250"]);
        });
    });

    describe("rollback goes to the last successful deploy before the current one", () => {
        const kubectl = `echo "kubectl $*" >> "$CALLS"
case "$*" in
  *"get service api -o jsonpath"*) cat "$RUNNER_TEMP/fix/live" ;;
  *"get deployment/"*"-o json"*) name=$(echo "$*" | sed -E 's#.*deployment/([^ ]+) .*#\\1#'); cat "$RUNNER_TEMP/fix/$name.json" ;;
esac`;
        // The registry holds every release's image: describe-images answers with the digest it was asked for.
        const aws = `echo "aws $*" >> "$CALLS"; echo "$*" | sed -E 's#.*imageDigest=([^ ]+).*#\\1#'`;
        const running = (image: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: "api", image }] } } } });
        const repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-prod/api";
        const fixtures = (releases: [number, number][], deployments: Record<string, number>, live = "blue") => (temp: string) => {
            mkdirSync(join(temp, "fix"));
            writeFileSync(join(temp, "fix", "live"), live);
            for (const [name, n] of Object.entries(deployments)) writeFileSync(join(temp, "fix", `${name}.json`), running(`${repository}@${digest(n)}`));
            writeFileSync(join(temp, "releases"), releases.map(([run, n]) => {
                writeFileSync(join(temp, "fix", `release-${run}.json`), JSON.stringify({ api: digest(n) }));
                return `${run} ${join(temp, "fix", `release-${run}.json`)}\n`;
            }).join(""));
        };
        const env = { SERVICE: "api", VERSION: "", REPOSITORY: repository, RELEASES: "{temp}/releases", K8S_NAMESPACE: "platform", ROLLOUT_TIMEOUT_SECONDS: "60" };

        it("rolling: skips the current release (even deployed twice) and never the newer one a rollback left", () => {
            const afterUndo = runScript(ROLLBACK_PREPARE, { ...env, BLUE_GREEN: "false" }, { kubectl, aws }, fixtures([[500, 2], [499, 2], [498, 1]], { api: 2 }));
            assert.equal(afterUndo.status, 0, afterUndo.stdout + afterUndo.stderr);
            assert.ok(afterUndo.calls.includes(`kubectl -n platform set image deployment/api api=${repository}@${digest(1)}`));
            assert.ok(!afterUndo.calls.some((call) => call.includes("rollout undo")));
            // Rolled back once already (runs 1 of 2 and 3): the next rollback goes further back, not forward to 3.
            const again = runScript(ROLLBACK_PREPARE, { ...env, BLUE_GREEN: "false" }, { kubectl, aws }, fixtures([[600, 3], [500, 2], [498, 1]], { api: 2 }));
            assert.equal(again.outputs.image, `${repository}@${digest(1)}`);
        });

        it("blue-green: the idle colour gets the previous release, whatever it ran (the failed one after a switch-back)", () => {
            const result = runScript(ROLLBACK_PREPARE, { ...env, BLUE_GREEN: "true" }, { kubectl, aws }, fixtures([[500, 2], [498, 1]], { "api-blue": 2, "api-green": 3 }));
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.deepEqual([result.outputs.deployment, result.outputs.switch, result.outputs.previous, result.outputs.image], ["api-green", "green", "blue", `${repository}@${digest(1)}`]);
        });

        it("fails clearly with nothing before the current release, or a running digest no deploy recorded", () => {
            const first = runScript(ROLLBACK_PREPARE, { ...env, BLUE_GREEN: "false" }, { kubectl, aws }, fixtures([[500, 2], [498, 1]], { api: 1 }));
            assert.equal(first.status, 1);
            assert.match(first.stdout, /::error::no successful deploy of api before the current one \(run 498\) among the last 2: nothing to roll back to/);
            const unknown = runScript(ROLLBACK_PREPARE, { ...env, BLUE_GREEN: "false" }, { kubectl, aws }, fixtures([[500, 2]], { api: 7 }));
            assert.match(unknown.stdout, /which no successful deploy among the last 1 recorded: give the version/);
            assert.ok(!unknown.calls.some((call) => call.includes("set image")));
        });

        it("reads a bounded number of runs and skips expired artifacts", async () => {
            const gh = `echo "gh $*" >> "$CALLS"
case "$1 $2" in
  "run list") echo '[{"databaseId":2,"createdAt":"2026-11-02T00:00:00Z"},{"databaseId":1,"createdAt":"2026-11-01T00:00:00Z"}]' ;;
  "run download") dir=""; run="$3"; while [ $# -gt 0 ]; do [ "$1" = --dir ] && dir="$2"; shift; done
    [ "$run" = 1 ] || exit 1; mkdir -p "$dir"; echo '{"api":"x"}' > "$dir/digests.json" ;;
esac`;
            const result = runScript(FIND_RELEASES, { GH_TOKEN: "t", DEPLOY_WORKFLOW: "deploy-production.yml", ARTIFACT: "deployed-images-prod", SEARCH_LIMIT: "50" }, { gh });
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.outputs.count, "1");
            assert.match(readFileSync(join(result.temp, "releases"), "utf8"), /^1 .*releases\.d\/1\/digests\.json\n$/);
            const rollback = workflowsOf(await prodFiles())[".github/workflows/rollback.yml"].jobs["rollback-prod"];
            const find = rollback.steps!.find((step) => step.id === "releases")!;
            assert.deepEqual([find.if, find.env!.SEARCH_LIMIT, find.env!.ARTIFACT, find.env!.DEPLOY_WORKFLOW], ["inputs.version == ''", "50", "deployed-images-prod", "deploy-production.yml"]);
        });
    });

    describe("the pre-deploy snapshot", () => {
        const aws = `echo "aws $*" >> "$CALLS"
case "$*" in
  *create-db-snapshot*) echo '{}' ;;
  *"describe-db-snapshots --db-snapshot-identifier"*) n=$(grep -c "describe-db-snapshots" "$CALLS")
    if [ "$n" -ge "$(cat "$RUNNER_TEMP/ready-after")" ]; then echo available; else echo creating; fi ;;
  *"describe-db-snapshots --db-instance-identifier"*) cat "$RUNNER_TEMP/snapshots.fixture.json" ;;
esac`;
        const env = { DB_INSTANCE_ID: "platform-prod-postgres", SNAPSHOT_TIMEOUT_MINUTES: "2", SNAPSHOT_POLL_SECONDS: "30" };

        it("is waited for by a bounded loop: done when available, a clear failure at the bound (never the CLI waiter)", () => {
            const ready = runScript(SNAPSHOT, env, { aws, sleep: NO_SLEEP }, (temp) => writeFileSync(join(temp, "ready-after"), "3"));
            assert.equal(ready.status, 0, ready.stdout + ready.stderr);
            const slow = runScript(SNAPSHOT, env, { aws, sleep: NO_SLEEP }, (temp) => writeFileSync(join(temp, "ready-after"), "99"));
            assert.equal(slow.status, 1);
            assert.equal(slow.calls.filter((call) => call.includes("describe-db-snapshots")).length, 4);
            assert.match(slow.stdout, /::error::snapshot platform-prod-postgres-predeploy-9001-1 was not available within 2 minutes; no migration ran/);
            assert.doesNotMatch(SNAPSHOT, /aws rds wait/);
        });

        it("the production job's timeout covers the snapshot bound and every other wait", async () => {
            const production = workflowsOf(await prodFiles())[".github/workflows/deploy-production.yml"].jobs.deploy;
            const step = production.steps!.find((candidate) => candidate.name === "Snapshot the database before migrations")!;
            assert.equal(step.env!.SNAPSHOT_TIMEOUT_MINUTES, "60");
            // Snapshot 60, 3 rollouts and a migration of 10 each, 3 smoke tests of 13, watch 15, and slack.
            assert.ok(production["timeout-minutes"]! >= 60 + 4 * 10 + 3 * 13 + 15, String(production["timeout-minutes"]));
        });

        it("pruning deletes only this database's own pre-deploy snapshots older than the retention, oldest first, bounded", () => {
            const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace("Z", "000+00:00");
            const predeploy = [{ Key: "Purpose", Value: "predeploy" }];
            const snapshots = { DBSnapshots: [
                { DBSnapshotIdentifier: "platform-prod-postgres-predeploy-1-1", SnapshotCreateTime: at(30), Status: "available", TagList: predeploy },
                { DBSnapshotIdentifier: "platform-prod-postgres-predeploy-2-1", SnapshotCreateTime: at(20), Status: "available", TagList: predeploy },
                { DBSnapshotIdentifier: "platform-prod-postgres-predeploy-3-1", SnapshotCreateTime: at(2), Status: "available", TagList: predeploy },
                { DBSnapshotIdentifier: "platform-prod-postgres-predeploy-4-1", SnapshotCreateTime: at(40), Status: "available", TagList: [] },
                { DBSnapshotIdentifier: "platform-prod-postgres-before-upgrade", SnapshotCreateTime: at(90), Status: "available", TagList: predeploy },
                { DBSnapshotIdentifier: "platform-prod-postgres-predeploy-5-1", SnapshotCreateTime: at(50), Status: "creating", TagList: predeploy },
            ] };
            const run = (max: string) => runScript(PRUNE_SNAPSHOTS, { DB_INSTANCE_ID: "platform-prod-postgres", RETENTION_DAYS: "14", MAX_DELETIONS: max }, { aws },
                (temp) => writeFileSync(join(temp, "snapshots.fixture.json"), JSON.stringify(snapshots)));
            const deleted = (result: ReturnType<typeof run>) => result.calls.filter((call) => call.includes("delete-db-snapshot")).map((call) => call.split(" ").pop());
            const all = run("20");
            assert.equal(all.status, 0, all.stdout + all.stderr);
            assert.deepEqual(deleted(all), ["platform-prod-postgres-predeploy-1-1", "platform-prod-postgres-predeploy-2-1"]);
            assert.deepEqual(deleted(run("1")), ["platform-prod-postgres-predeploy-1-1"]);
            assert.equal(deliverySchema.parse({}).snapshotRetentionDays, 14);
        });

        it("runs after the release is live, and neither it nor a notification can fail a deployed release", async () => {
            const steps = workflowsOf(await prodFiles())[".github/workflows/deploy-production.yml"].jobs.deploy.steps! as (Step & { "continue-on-error"?: boolean })[];
            const index = (name: string) => steps.findIndex((step) => step.name === name);
            const prune = steps[index("Delete pre-deploy snapshots older than 14 days")];
            assert.deepEqual([prune.if, prune["continue-on-error"], prune.env!.RETENTION_DAYS], [undefined, true, "14"]);
            assert.ok(index("Keep them for promotion") < index("Delete pre-deploy snapshots older than 14 days"));
            assert.equal(steps[index("Notify Slack")]["continue-on-error"], true);
        });
    });

    it("a failed production deploy opens an issue with the release, the failed step and the run; only that job writes issues", async () => {
        const workflows = workflowsOf(await prodFiles());
        const production = workflows[".github/workflows/deploy-production.yml"];
        const incident = production.jobs.incident;
        assert.deepEqual([incident.needs, incident.if, incident.permissions], [["deploy"], "failure()", { issues: "write", actions: "read" }]);
        for (const [path, workflow] of Object.entries(workflows)) {
            for (const [id, job] of Object.entries(workflow.jobs)) {
                if (job.permissions.issues === "write") assert.ok(id === "incident", `${path} ${id} writes issues`);
            }
        }
        const gh = `case "$1 $2" in
  "api repos/example-org/app/actions/runs/9001/attempts/1/jobs") echo '{"jobs":[{"name":"deploy to production","conclusion":"failure","steps":[{"name":"api: smoke test","conclusion":"failure"},{"name":"Summary","conclusion":"success"}]},{"name":"open an incident issue","conclusion":null}]}' ;;
  "issue create") while [ $# -gt 0 ]; do [ "$1" = --body ] && printf '%s' "$2" > "$RUNNER_TEMP/body"; [ "$1" = --title ] && echo "title: $2" >> "$CALLS"; shift; done ;;
esac`;
        const result = runScript(DEPLOY_INCIDENT, {
            GH_TOKEN: "t", TITLE: "Deploy to production", ENVIRONMENT: "production", SERVICES: "api, web, worker",
            DIGESTS: JSON.stringify({ api: digest(4) }), SUMMARY: "- api: promoted", RUN_URL: "https://github.com/example-org/app/actions/runs/9001",
        }, { gh });
        assert.equal(result.status, 0, result.stdout + result.stderr);
        const body = readFileSync(join(result.temp, "body"), "utf8");
        for (const expected of ["failed step: deploy to production: api: smoke test", `- api: ${digest(4)}`, "services: api, web, worker", "runs/9001", "- api: promoted"]) {
            assert.ok(body.includes(expected), `${expected} in\n${body}`);
        }
        assert.deepEqual(result.calls, ["title: Deploy to production failed (run 9001)"]);
    });

    it("only the App and the release managers may create v* tags; nobody moves or deletes them", async () => {
        const prod = await realPlan("prod");
        const planned = ofType(prod, "github:index/repositoryRuleset:RepositoryRuleset").find((resource) => resource.inputs.name === "release tags")!;
        const appId = (planned.inputs.bypassActors as { actorId: number }[])[0].actorId;
        // The plan carries the App and the release-managers team of Pulumi.yaml (id 1000002) as the only bypass actors.
        assert.deepEqual(planned.inputs.bypassActors, [{ actorId: appId, actorType: "Integration", bypassMode: "always" }, { actorId: 1000002, actorType: "Team", bypassMode: "always" }]);
        assert.deepEqual(planned.inputs.rules, { creation: true, deletion: true, update: true, nonFastForward: true });
        const config = { teams: { platform: { slug: "platform", id: 1000001 }, "release-managers": { slug: "release-managers", id: 1000002 } }, delivery: deliverySchema.parse({}) };
        const spec = releaseTagRuleset(appId, releaseManagerTeamIds(config));
        // The same shape as the provider's input type (checked by the compiler).
        const actors: github.types.input.RepositoryRulesetBypassActor[] = spec.bypassActors;
        assert.equal(actors.length, 2);
        // With no release managers, only the App creates release tags.
        assert.deepEqual(releaseTagRuleset(appId, []).bypassActors.map((actor) => actor.actorType), ["Integration"]);
        const error = await rejection(plan("prod", { directory: projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "delivery", "value", "releaseManagers"], ["releasers"])) }));
        assert.match(error.message, /platform:delivery\.releaseManagers\.0: got "releasers"; expected a team key of teams \(platform, release-managers\)/);
    });

    describe("release record", () => {
        const sha = "1234567890123456789012345678901234567890";
        // gh: the staging run's head commit, the repository's tags, an existing release for v1.0.0 only, and the POST.
        const gh = (tags: { name: string; sha: string }[]) => `echo "gh $*" >> "$CALLS"
case "$*" in
  "run view 950 "*) echo "${sha}" ;;
  "api repos/example-org/app/tags?per_page=100") echo '${JSON.stringify(tags.map((tag) => ({ name: tag.name, commit: { sha: tag.sha } })))}' ;;
  "api repos/example-org/app/releases/tags/v1.0.0") echo '{}' ;;
  "api repos/example-org/app/releases/tags/"*) exit 1 ;;
  "api --method POST"*) while [ $# -gt 0 ]; do [ "$1" = -f ] && printf '%s\\n' "$2" >> "$RUNNER_TEMP/fields"; shift; done ;;
esac`;
        const env = { GH_TOKEN: "t", RUN: "950", DIGESTS: JSON.stringify({ api: digest(1), web: digest(2) }), TAG_PREFIX: "v", RUN_URL: "https://github.com/example-org/app/actions/runs/9001" };

        it("records the release of the tag the promoted staging run deployed, with its digests, the run and generated notes", () => {
            const result = runScript(RECORD_RELEASE, env, { gh: gh([{ name: "v1.2.0", sha }, { name: "v1.1.0", sha: "0".repeat(40) }, { name: "nightly", sha }]) });
            assert.equal(result.status, 0, result.stdout + result.stderr);
            const fields = readFileSync(join(result.temp, "fields"), "utf8");
            for (const expected of ["tag_name=v1.2.0", "name=v1.2.0", `- api: ${digest(1)}`, "runs/9001"]) assert.ok(fields.includes(expected), `${expected} in\n${fields}`);
            // The body spans lines, so the logged call does too: its start and its end.
            assert.ok(result.calls.some((call) => call.startsWith("gh api --method POST repos/example-org/app/releases -f tag_name=v1.2.0")));
            assert.ok(result.calls.join("\n").endsWith("-F generate_release_notes=true"));
        });

        it("records nothing for a release of no tag, and leaves an existing release alone", () => {
            const untagged = runScript(RECORD_RELEASE, env, { gh: gh([{ name: "v1.1.0", sha: "0".repeat(40) }]) });
            assert.equal(untagged.status, 0, untagged.stdout + untagged.stderr);
            assert.ok(!untagged.calls.some((call) => call.includes("--method POST")));
            const existing = runScript(RECORD_RELEASE, env, { gh: gh([{ name: "v1.0.0", sha }]) });
            assert.equal(existing.status, 0, existing.stdout + existing.stderr);
            assert.ok(!existing.calls.some((call) => call.includes("--method POST")));
        });

        it("runs after a successful production deploy only, in the only job that may write contents", async () => {
            const workflows = workflowsOf(await prodFiles());
            const record = workflows[".github/workflows/deploy-production.yml"].jobs.record;
            assert.deepEqual([record.needs, record.if, record.permissions, record["runs-on"]], [["deploy"], "success()", { contents: "write", actions: "read" }, "ubuntu-latest"]);
            const writers = Object.entries(workflows).flatMap(([path, workflow]) => Object.entries(workflow.jobs)
                .filter(([, job]) => job.permissions?.contents === "write").map(([id]) => `${path} ${id}`));
            assert.deepEqual(writers, [".github/workflows/deploy-production.yml record"]);
        });
    });

    describe("smoke test", () => {
        const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform-prod/api@" + digest(5);
        const pod = (name: string, podImage: string, ready: boolean, terminating = false) => ({
            metadata: { name, ...(terminating ? { deletionTimestamp: "2026-12-01T00:00:00Z" } : {}) },
            spec: { containers: [{ name: "api", image: podImage }] },
            status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
        });
        const kubectl = `case "$*" in
  *"get deployment/api-green -o json"*) echo '{"spec":{"selector":{"matchLabels":{"app":"api","colour":"green"}}}}' ;;
  *"get pods"*) n=$(grep -c "get pods" "$CALLS" || true); echo "get pods" >> "$CALLS"; cat "$RUNNER_TEMP/pods-$(( n < 1 ? n : 1 )).json" ;;
  *port-forward*) echo "kubectl $*" >> "$CALLS"; echo "Forwarding from 127.0.0.1:18080 -> 8080"; exec /bin/sleep 20 ;;
esac`;
        const env = { DEPLOYMENT: "api-green", PORT: "8080", HEALTH_PATH: "/healthz", IMAGE: image, K8S_NAMESPACE: "platform", HEALTH_ATTEMPTS: "3", HEALTH_INTERVAL_SECONDS: "1" };
        const pods = (first: unknown[], later: unknown[]) => (temp: string) => {
            writeFileSync(join(temp, "pods-0.json"), JSON.stringify({ items: first }));
            writeFileSync(join(temp, "pods-1.json"), JSON.stringify({ items: later }));
        };

        it("forwards, per attempt, to a Ready pod running the image, never a terminating or older one", () => {
            const old = pod("api-green-old", "repo/api@" + digest(4), true, true);
            const result = runScript(SMOKE_TEST, env, { kubectl, curl: "exit 0", sleep: NO_SLEEP }, pods([old], [old, pod("api-green-new", image, true)]));
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.deepEqual(result.calls.filter((call) => call.includes("port-forward")), ["kubectl -n platform port-forward pod/api-green-new 18080:8080"]);
            assert.match(result.stdout, /attempt 1: no Ready pod of api-green running .* yet/);
        });

        it("fails after its attempts when no pod of the release answers", () => {
            const result = runScript(SMOKE_TEST, env, { kubectl, curl: "exit 22", sleep: NO_SLEEP }, pods([pod("a", image, true)], [pod("a", image, true)]));
            assert.equal(result.status, 1);
            assert.equal(result.calls.filter((call) => call.includes("port-forward")).length, 3, "a new forward for every attempt");
            assert.match(result.stdout, /::error::api-green did not answer \/healthz after 3 attempts/);
        });
    });
});
