/**
 * What the pipeline's third-party actions actually do with the inputs the workflows give them, modelled from the
 * actions' own code at the pinned commits (cited beside each model), and checked over every rendered workflow.
 * Each check also runs on a fixture with the defect it exists for, and must find it there.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse, parseDocument, visit } from "yaml";
import { dependabotConfig, firstBuildingBranch } from "../github/files";
import { ACTIONS } from "../github/workflows/catalogue";
import { TRUFFLEHOG_VERSION } from "../github/workflows/scanning";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { plan, projectCopy, realPlan } from "./harness";

type Step = { name: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { permissions?: Record<string, string>; uses?: string; steps?: Step[] };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const workflowsOf = (files: Record<string, string>): Record<string, Workflow> => Object.fromEntries(Object.entries(files)
    .filter(([path]) => path.startsWith(".github/workflows/")).map(([path, content]) => [path, parse(content) as Workflow]));
const name = (uses: string | undefined) => (uses ?? "").split("@")[0];

/** Jobs that run github/codeql-action (init, analyze, upload-sarif) without the permissions it needs. */
function sarifPermissionFindings(workflows: Record<string, Workflow>): string[] {
    const needed = { contents: "read", "security-events": "write", actions: "read" };
    const findings: string[] = [];
    for (const [path, workflow] of Object.entries(workflows)) {
        for (const [id, job] of Object.entries(workflow.jobs)) {
            // A job that calls a reusable workflow grants the called jobs their ceiling: it must grant as much.
            const called = job.uses ? workflows[job.uses.replace(/^\.\//, "")] : undefined;
            const steps = called ? Object.values(called.jobs).flatMap((calledJob) => calledJob.steps ?? []) : job.steps ?? [];
            if (!steps.some((step) => /^github\/codeql-action\/(init|analyze|upload-sarif)$/.test(name(step.uses)))) continue;
            for (const [scope, access] of Object.entries(needed)) {
                if (job.permissions?.[scope] !== access) findings.push(`${path} ${id}: ${scope}: ${job.permissions?.[scope] ?? "none"}, needs ${access}`);
            }
        }
    }
    return findings;
}

/**
 * The severities Trivy reports and fails on, as trivy-action v0.36.0 sets them
 * (aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25): action.yaml exports TRIVY_SEVERITY only when
 * `severity` differs from its default, and entrypoint.sh unsets it for SARIF unless `limit-severities-for-sarif` is
 * "true"; Trivy's own default is every severity.
 */
function trivySeverities(inputs: Record<string, unknown>): string {
    const all = "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL";
    const severity = String(inputs.severity ?? all);
    if (String(inputs.format ?? "table") === "sarif" && String(inputs["limit-severities-for-sarif"] ?? "") !== "true") return all;
    return severity;
}

describe("pipeline checks", () => {
    it("every job that sends results to code scanning may read the workflow run (actions: read) and write security events", async () => {
        const workflows = workflowsOf((await realPlan("prod")).files);
        assert.ok(Object.values(workflows).flatMap((workflow) => Object.values(workflow.jobs)).filter((job) => (job.steps ?? []).some((step) => name(step.uses) === "github/codeql-action/upload-sarif")).length >= 3);
        assert.deepEqual(sarifPermissionFindings(workflows), []);
        // The fixture: the Trivy jobs as they were, without actions: read.
        const before = structuredClone(workflows);
        before[".github/workflows/security.yml"].jobs["trivy-fs"].permissions = { contents: "read", "security-events": "write" };
        assert.deepEqual(sarifPermissionFindings(before), [".github/workflows/security.yml trivy-fs: actions: none, needs read"]);
    });

    it("every Trivy scan fails only on CRITICAL and HIGH, also when it writes SARIF", async () => {
        const steps = Object.values(workflowsOf((await realPlan("prod")).files)).flatMap((workflow) => Object.values(workflow.jobs))
            .flatMap((job) => job.steps ?? []).filter((step) => name(step.uses) === "aquasecurity/trivy-action");
        assert.equal(steps.length, 3, "the image scan, the filesystem scan and the IaC scan");
        for (const step of steps) {
            assert.equal(step.with!["exit-code"], "1", step.name);
            assert.equal(trivySeverities(step.with!), "CRITICAL,HIGH", step.name);
        }
        // The fixture: the inputs as they were, without limit-severities-for-sarif: LOW findings failed the build.
        assert.equal(trivySeverities({ format: "sarif", severity: "CRITICAL,HIGH", "exit-code": "1" }), "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL");
    });

    it("TruffleHog runs the image of the pinned release, not latest", async () => {
        const steps = Object.values(workflowsOf((await realPlan("prod")).files)).flatMap((workflow) => Object.values(workflow.jobs))
            .flatMap((job) => job.steps ?? []).filter((step) => name(step.uses) === "trufflesecurity/trufflehog");
        assert.equal(steps.length, 1);
        // action.yml (bcfcf73a...): `docker run ... "${IMAGE}:${VERSION}"`, VERSION from the `version` input, default "latest".
        const tag = (inputs: Record<string, unknown>) => String(inputs.version ?? "latest");
        assert.equal(ACTIONS["trufflesecurity/trufflehog"].version, "v3.97.0");
        assert.equal(TRUFFLEHOG_VERSION, "3.97.0");
        for (const step of steps) assert.equal(tag(step.with!), "3.97.0");
        assert.equal(tag({ "extra_args": "--results=verified,unknown" }), "latest", "the fixture: the inputs as they were");
    });

    describe("the build hands every digest on, for one service or many", () => {
        const digest = (service: string) => `sha256:${Buffer.from(service.padEnd(32, "x")).toString("hex").slice(0, 64)}`;
        /**
         * Runs the image jobs' "Keep the digest" and the digests job's collect script in bash, with the artifacts in
         * between laid out as the pinned actions lay them out: upload-artifact roots a one-file artifact at the file's
         * directory (README.md at bbbca2ddaa5d8feaa63e36b76fdaad77386f024f, "least common ancestor"), and
         * download-artifact extracts into `path` itself when `merge-multiple` is true or only one artifact matches,
         * else into `path/<artifact name>` (src/download-artifact.ts at 3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c).
         */
        function collect(build: Workflow, services: string[]): Record<string, string> {
            const image = build.jobs.image.steps!;
            const keep = image.find((step) => step.name === "Keep the digest")!;
            const upload = image.find((step) => name(step.uses) === "actions/upload-artifact")!;
            const [download, script] = build.jobs.digests.steps!;
            const fill = (text: string, service: string, temp: string) => text.replaceAll("${{ matrix.service }}", service).replaceAll("${{ runner.temp }}", temp).replaceAll("${{ steps.build.outputs.digest }}", digest(service));
            const artifacts = services.map((service) => {
                const runner = mkdtempSync(join(tmpdir(), "image-job-"));
                const env = Object.fromEntries(Object.entries(keep.env ?? {}).map(([key, value]) => [key, fill(value, service, runner)]));
                execFileSync("bash", ["-c", keep.run!], { env: { ...process.env, ...env, RUNNER_TEMP: runner } });
                const file = fill(String(upload.with!.path), service, runner);
                return { name: fill(String(upload.with!.name), service, runner), file: basename(file), content: readFileSync(file, "utf8") };
            });
            const runner = mkdtempSync(join(tmpdir(), "digests-job-"));
            const into = fill(String(download.with!.path), "", runner);
            const matching = artifacts.filter((artifact) => new RegExp(`^${String(download.with!.pattern).replace("*", ".*")}$`).test(artifact.name));
            for (const artifact of matching) {
                const directory = download.with!["merge-multiple"] === true || matching.length === 1 ? into : join(into, artifact.name);
                mkdirSync(directory, { recursive: true });
                writeFileSync(join(directory, artifact.file), artifact.content);
            }
            const output = join(runner, "output");
            writeFileSync(output, "");
            try {
                execFileSync("bash", ["-c", script.run!], { env: { ...process.env, RUNNER_TEMP: runner, GITHUB_OUTPUT: output }, stdio: "pipe" });
            } catch {
                return {};
            }
            return JSON.parse(readFileSync(output, "utf8").replace(/^digests=/, "")) as Record<string, string>;
        }

        it("three services", async () => {
            const build = workflowsOf((await realPlan("prod")).files)[".github/workflows/docker-build.yml"];
            assert.deepEqual(collect(build, ["api", "web", "worker"]), { api: digest("api"), web: digest("web"), worker: digest("worker") });
        });

        it("one service (a project whose Pulumi.yaml lists one)", async function () {
            this.timeout(120_000);
            const directory = projectCopy("Pulumi.yaml", (document) => {
                const services = document.getIn(["config", "services", "value"]) as { items: unknown[] };
                services.items.splice(1);
            });
            const build = workflowsOf((await plan("prod", { directory })).files)[".github/workflows/docker-build.yml"];
            assert.deepEqual(collect(build, ["api"]), { api: digest("api") });
            // The fixture: the layout and glob as they were (a directory per artifact, no merge-multiple).
            const before = structuredClone(build);
            const steps = before.jobs.image.steps!;
            steps.find((step) => step.name === "Keep the digest")!.run = "mkdir -p \"$RUNNER_TEMP/digest\" && echo \"$DIGEST\" > \"$RUNNER_TEMP/digest/digest\"";
            steps.find((step) => name(step.uses) === "actions/upload-artifact")!.with!.path = "${{ runner.temp }}/digest/digest";
            delete before.jobs.digests.steps![0].with!["merge-multiple"];
            before.jobs.digests.steps![1].run = "set -euo pipefail\ndigests=$(for file in \"$RUNNER_TEMP\"/digests/*/digest; do\n  service=$(basename \"$(dirname \"$file\")\"); service=${service#digest-}\n  jq -n --arg service \"$service\" --arg digest \"$(cat \"$file\")\" '{key: $service, value: $digest}'\ndone | jq -cs 'from_entries')\necho \"$digests\" | jq -e 'length > 0 and (to_entries | all(.value | test(\"^sha256:[0-9a-f]{64}$\")))' > /dev/null\necho \"digests=$digests\" >> \"$GITHUB_OUTPUT\"";
            assert.deepEqual(collect(before, ["api", "web"]), { api: digest("api"), web: digest("web") });
            assert.deepEqual(collect(before, ["api"]), {}, "one artifact is extracted into path itself: the glob found nothing");
        });
    });

    it("CI's change detection on a push never needs git credentials", async () => {
        const ci = workflowsOf((await realPlan("prod")).files)[".github/workflows/ci.yml"];
        assert.ok("push" in ci.on && "pull_request" in ci.on);
        const steps = ci.jobs.changes.steps!;
        /**
         * Whether dorny/paths-filter (src/main.ts, src/git.ts at 7b450fff21473bca461d4b92ce414b9d0420d706) would run
         * `git fetch` on a push to a branch: with `base` the pushed branch it diffs `before..head` and fetches what
         * is not local; with no `base`, the merge-base with the default branch, fetched when not local. A shallow
         * clone (checkout's default fetch-depth 1) has neither; a full clone (fetch-depth 0) has every branch.
         */
        const fetchesOnPush = (checkout: Step, filter: Step) => {
            const fullClone = Number(checkout.with?.["fetch-depth"] ?? 1) === 0;
            const base = String(filter.with?.base ?? "");
            const comparesWithThePush = base.includes("github.ref_name") && base.includes("'push'");
            return !fullClone || (!comparesWithThePush && base !== "");
        };
        const checkout = steps.find((step) => name(step.uses) === "actions/checkout")!;
        const filter = steps.find((step) => name(step.uses) === "dorny/paths-filter")!;
        assert.equal(checkout.with!["persist-credentials"], false);
        assert.equal(fetchesOnPush(checkout, filter), false);
        assert.equal(filter.with!.base, "${{ github.event_name == 'push' && github.ref_name || '' }}");
        assert.equal(fetchesOnPush({ name: "Check out", with: { "persist-credentials": false } }, { name: "filter", with: { filters: "x" } }), true, "the fixture: the steps as they were");
    });

    describe("Dependabot", () => {
        const aliasesOf = (text: string): string[] => {
            const found: string[] = [];
            visit(parseDocument(text), {
                Alias: (_key, node) => void found.push(`*${node.source}`),
                Node: (_key, node) => void (node.anchor ? found.push(`&${node.anchor}`) : undefined),
            });
            return found;
        };

        it("reads a configuration without YAML anchors or aliases, that leaves the generated workflows alone", async () => {
            const text = (await realPlan("prod")).files[".github/dependabot.yml"];
            assert.deepEqual(aliasesOf(text), []);
            const updates = (parse(text) as { updates: Record<string, unknown>[] }).updates;
            assert.ok(updates.length >= 6);
            for (const update of updates) {
                assert.notEqual(update["package-ecosystem"], "github-actions");
                for (const directory of [update.directory, ...(update.directories as string[] | undefined ?? [])].filter(Boolean)) {
                    assert.doesNotMatch(String(directory), /^\/(\.github(\/workflows)?\/?)?$/, "no ecosystem may edit .github/workflows");
                }
            }
            // The fixture: the detector sees what the `yaml` library writes for a shared object by default.
            assert.deepEqual(aliasesOf("a: &a1\n  interval: weekly\nb: *a1\n"), ["&a1", "*a1"]);
        });

        it("opens updates against the branch where images are first built (develop)", () => {
            const project = parse(readFileSync(join(PROJECT_DIRECTORY, "Pulumi.yaml"), "utf8")) as { config: { environments: { value: Parameters<typeof firstBuildingBranch>[0] } } };
            const branch = firstBuildingBranch(project.config.environments.value);
            assert.equal(branch, "develop");
            const services = [{ name: "svc", path: "s/svc", runtime: "go" as const, port: 1, healthPath: "/", public: false, resources: { cpu: "1", memory: "1Mi" }, uses: [], talksTo: [] }];
            const updates = (parse(dependabotConfig(services, branch)) as { updates: Record<string, unknown>[] }).updates;
            assert.deepEqual(updates.map((update) => update["target-branch"]), ["develop", "develop"]);
            assert.deepEqual(aliasesOf(dependabotConfig(services, branch)), []);
            assert.throws(() => firstBuildingBranch({ prod: { environment: "production", branch: "main", promoteFrom: "staging" } } as never), /no environment builds/);
        });
    });

    it("models the actions at the commits they are pinned to (a new pin means reading its code again)", () => {
        const pins = JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "github/workflows/actions-pins.json"), "utf8")) as { actions: Record<string, { sha: string }> };
        assert.equal(pins.actions["aquasecurity/trivy-action"].sha, "ed142fd0673e97e23eac54620cfb913e5ce36c25");
        assert.equal(pins.actions["dorny/paths-filter"].sha, "7b450fff21473bca461d4b92ce414b9d0420d706");
        assert.equal(pins.actions["actions/download-artifact"].sha, "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c");
        assert.equal(pins.actions["trufflesecurity/trufflehog"].sha, "bcfcf73aaf4759d4dadc2783177c245a02792318");
        assert.ok(readdirSync(join(PROJECT_DIRECTORY, "github/workflows")).includes("nested-actions.json"));
    });
});
