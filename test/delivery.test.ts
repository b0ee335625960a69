import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { SECRETS } from "../github/workflows/names";
import { REVIEW_WORKFLOW_PATH, renderReviewWorkflow } from "../tools/review-workflow";
import { jobReferences } from "../tools/workflow-references";
import { STACKS, ofType, plan, projectCopy, realPlan, rejection } from "./harness";

type Step = { name: string; id?: string; if?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { name?: string; needs?: string[]; if?: string; uses?: string; with?: Record<string, unknown>; environment?: unknown; permissions: Record<string, string>; steps: Step[]; strategy?: { matrix: { include: Record<string, string>[] } }; concurrency?: Record<string, unknown> };
type Workflow = { on: Record<string, Record<string, unknown>>; concurrency?: Record<string, unknown>; jobs: Record<string, Job> };

const workflowsOf = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([path]) => path.startsWith(".github/workflows/")));
const workflow = async (file: string): Promise<Workflow> => parse((await realPlan("prod")).files[`.github/workflows/${file}`]) as Workflow;
const stepIndex = (job: Job, name: string): number => {
    const index = job.steps.findIndex((step) => step.name === name);
    assert.ok(index >= 0, `no step "${name}" in ${job.steps.map((step) => step.name).join(" | ")}`);
    return index;
};

describe("delivery workflows", () => {
    it("every job's environment is one a stack declares, and every vars.X and secrets.X it reads is declared there", async () => {
        const plans = await Promise.all(STACKS.map((stack) => realPlan(stack)));
        const declared = new Map<string, { variables: Set<string>; secrets: Set<string> }>();
        for (const stackPlan of plans) {
            const names = (type: string, key: string) => new Set(ofType(stackPlan, type).map((resource) => String(resource.inputs[key])));
            for (const environment of names("github:index/repositoryEnvironment:RepositoryEnvironment", "environment")) {
                declared.set(environment, {
                    variables: names("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", "variableName"),
                    secrets: names("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret", "secretName"),
                });
            }
        }
        assert.deepEqual([...declared.keys()].sort(), ["development", "production", "staging"]);
        const references = jobReferences(workflowsOf(plans[2].files));
        assert.ok(references.filter((reference) => reference.environment !== undefined).length >= 8);
        // Environment secrets exist only where their secret config key is set; the jobs read them only to skip if empty.
        const optionalSecrets = new Set<string>(Object.values(SECRETS));
        for (const reference of references) {
            const where = `${reference.workflow} ${reference.job} (${reference.environment ?? "no environment"})`;
            if (reference.environment === undefined) {
                assert.deepEqual([reference.variables, reference.secrets], [[], []], `${where} reads environment values without naming an environment`);
                continue;
            }
            const environment = declared.get(reference.environment);
            assert.ok(environment, `${where}: no stack declares the environment`);
            for (const name of reference.variables) assert.ok(environment.variables.has(name), `${where} reads vars.${name}, which the environment does not declare`);
            for (const name of reference.secrets) assert.ok(environment.secrets.has(name) || optionalSecrets.has(name), `${where} reads secrets.${name}`);
        }
    });

    it("the cross-check sees a variable an environment does not declare", () => {
        const files = { ".github/workflows/x.yml": "jobs:\n  a:\n    environment: production\n    steps:\n      - run: echo\n        env:\n          X: ${{ vars.NOT_DECLARED }}\n" };
        assert.deepEqual(jobReferences(files), [{ workflow: ".github/workflows/x.yml", job: "a", environment: "production", variables: ["NOT_DECLARED"], secrets: [] }]);
    });

    it("builds every service in a matrix, pushes by digest, fails on CRITICAL or HIGH findings, attests and hands the digests on", async () => {
        const build = await workflow("docker-build.yml");
        assert.deepEqual(Object.keys(build.on), ["workflow_call"]);
        const image = build.jobs.image;
        assert.deepEqual(image.strategy!.matrix.include.map((entry) => entry.service), ["api", "web", "worker"]);
        assert.deepEqual(image.environment, { name: "${{ inputs.environment }}", deployment: false });
        const step = (name: string) => image.steps[stepIndex(image, name)];
        assert.equal(step("Build and push").with!.platforms, "${{ startsWith(github.ref, 'refs/tags/') && 'linux/amd64,linux/arm64' || 'linux/amd64' }}");
        assert.deepEqual([step("Trivy: fail on CRITICAL or HIGH").with!.severity, step("Trivy: fail on CRITICAL or HIGH").with!["exit-code"]], ["CRITICAL,HIGH", "1"]);
        assert.match(String(step("Trivy: fail on CRITICAL or HIGH").with!["image-ref"]), /@\$\{\{ steps\.build\.outputs\.digest \}\}$/);
        assert.equal(step("Upload to code scanning").if, "always()");
        assert.equal(step("Build provenance attestation").with!["subject-digest"], "${{ steps.build.outputs.digest }}");
        assert.ok(step("SBOM").uses!.startsWith("anchore/sbom-action@"));
        assert.deepEqual(build.jobs.digests.needs, ["image"]);
        assert.equal((build.on.workflow_call.outputs as Record<string, { value: string }>).digests.value, "${{ jobs.digests.outputs.digests }}");
    });

    for (const [stack, environment, branch] of [["dev", "development", "develop"], ["staging", "staging", "staging"]] as const) {
        it(`${stack}: builds on its branch, migrates, rolls out by digest, smoke-tests, undoes a failed rollout, queues deploys`, async () => {
            const deploy = await workflow(`deploy-${stack}.yml`);
            assert.deepEqual((deploy.on.push as { branches: string[] }).branches, [branch]);
            assert.deepEqual(deploy.concurrency, { group: `deploy-${environment}`, "cancel-in-progress": false, queue: "max" });
            assert.deepEqual([deploy.jobs.build.uses, deploy.jobs.build.with], ["./.github/workflows/docker-build.yml", { environment }]);
            const job = deploy.jobs.deploy;
            assert.deepEqual([job.needs, job.environment], [["build"], environment]);
            assert.ok(stepIndex(job, "api: migrate") < stepIndex(job, "api: roll out"));
            assert.equal(job.steps[stepIndex(job, "api: roll out")].env!.IMAGE, "${{ vars.ECR_REPOSITORY_API }}@${{ fromJSON(needs.build.outputs.digests)['api'] }}");
            assert.ok(stepIndex(job, "worker: roll out") < stepIndex(job, "worker: smoke test"));
            const undo = job.steps[stepIndex(job, "Roll back on failure")];
            assert.equal(undo.if, "failure()");
            assert.match(undo.run!, /kubectl -n "\$K8S_NAMESPACE" rollout undo/);
            assert.match(job.steps[stepIndex(job, "worker: smoke test")].run!, /for attempt in \$\(seq 1 "\$HEALTH_ATTEMPTS"\)/);
            assert.equal((job as unknown as { env: Record<string, string> }).env.HEALTH_ATTEMPTS, "30");
        });
    }

    it("staging builds release tags for two platforms; production promotes what staging ran, never building", async () => {
        assert.deepEqual(((await workflow("deploy-staging.yml")).on.push as { tags: string[] }).tags, ["v*"]);
        const production = await workflow("deploy-production.yml");
        // No build job: the deploy, its incident on failure, and the release record on success.
        assert.deepEqual(Object.keys(production.jobs), ["deploy", "incident", "record"]);
        assert.deepEqual((production.on.push as { branches: string[] }).branches, ["main"]);
        assert.ok((production.on.workflow_dispatch.inputs as Record<string, unknown>).version);
        const job = production.jobs.deploy;
        assert.equal(job.environment, "production");
        const release = job.steps[stepIndex(job, "Find the release staging ran")];
        // The artifact production reads is the one staging's deploy uploads.
        const staging = (await workflow("deploy-staging.yml")).jobs.deploy;
        assert.equal(staging.steps[stepIndex(staging, "Keep them for promotion")].with!.name, release.env!.ARTIFACT);
        assert.equal(release.env!.SOURCE_WORKFLOW, "deploy-staging.yml");
        const order = ["Find the release staging ran", "api: promote by digest", "Snapshot the database before migrations", "api: migrate",
            "api: deploy the idle colour", "api: smoke test", "worker: smoke test",
            "Canary 10 %: shift the public services' traffic to the new colour", "Canary 10 %: watch the new colour's target groups for 5 minutes",
            "Canary 50 %: shift the public services' traffic to the new colour", "Canary 100 %: watch the new colour's target groups for 5 minutes",
            "api: switch the Service", "worker: switch the Service", "Watch error rate and latency for 15 minutes", "Switch back on failure"];
        const indices = order.map((name) => stepIndex(job, name));
        assert.deepEqual(indices, [...indices].sort((a, b) => a - b));
        const watch = job.steps[stepIndex(job, "Watch error rate and latency for 15 minutes")].env!;
        // The colour the release went to: its target groups, found by the idle-colour steps (the weights record which).
        assert.deepEqual([watch.MAX_ERROR_RATE_PERCENT, watch.MAX_P95_LATENCY_MS, watch.TARGET_GROUPS],
            ["5", "1000", "api=${{ steps.idle-api.outputs.group }} web=${{ steps.idle-web.outputs.group }}"]);
        // Each canary step watches the new colour's own target groups with the same bounds, and only the public services'.
        const step = job.steps[stepIndex(job, "Canary 50 %: watch the new colour's target groups for 5 minutes")].env!;
        assert.deepEqual([step.WATCH_MINUTES, step.MAX_ERROR_RATE_PERCENT, step.MAX_P95_LATENCY_MS, step.TARGET_GROUPS, step.DEPLOYMENTS],
            ["5", "5", "1000", watch.TARGET_GROUPS, "${{ steps.idle-api.outputs.deployment }} ${{ steps.idle-web.outputs.deployment }}"]);
        assert.deepEqual(job.steps[stepIndex(job, "Canary 50 %: shift the public services' traffic to the new colour")].env,
            { PERCENT: "50", RULE_ARNS: "${{ vars.LISTENER_RULE_ARN_API }} ${{ vars.LISTENER_RULE_ARN_WEB }}" });
        // A cancelled run restores the weights too.
        assert.equal(job.steps[stepIndex(job, "Switch back on failure")].if, "failure() || cancelled()");
        assert.match(job.steps[stepIndex(job, "api: promote by digest")].run!, /imagetools create --prefer-index=false/);
    });

    it("rolls back by dispatch: an environment choice, one job per environment behind its own gate, and an incident issue", async () => {
        const rollback = await workflow("rollback.yml");
        const inputs = rollback.on.workflow_dispatch.inputs as Record<string, { options?: string[]; required: boolean }>;
        assert.deepEqual(inputs.environment.options, ["development", "staging", "production"]);
        assert.deepEqual(inputs.service.options, ["all", "api", "web", "worker"]);
        assert.equal(inputs.reason.required, true);
        assert.deepEqual([rollback.jobs["rollback-prod"].environment, rollback.jobs["rollback-prod"].if], ["production", "inputs.environment == 'production' && github.ref == 'refs/heads/main'"]);
        const names = (id: string) => rollback.jobs[id].steps.map((step) => step.name);
        assert.ok(names("rollback-prod").includes("api: switch the Service back"), "production switches colours");
        assert.ok(!names("rollback-dev").includes("api: switch the Service back"), "dev rolls back its ReplicaSet");
        const incident = rollback.jobs.incident;
        assert.deepEqual([incident.needs, incident.permissions], [["rollback-dev", "rollback-staging", "rollback-prod"], { issues: "write" }]);
        assert.equal(incident.steps[0].env!.REASON, "${{ inputs.reason }}");
        assert.match(incident.steps[0].run!, /gh issue create/);
    });

    it("a new service gets its build, deploy and rollback work with no code change", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => {
            document.addIn(["config", "services", "value"], { name: "billing", path: "services/billing", runtime: "go", port: 8080, healthPath: "/healthz", public: false, resources: { cpu: "100m", memory: "128Mi" } });
        });
        const files = (await plan("prod", { directory })).files;
        const read = (file: string) => parse(files[`.github/workflows/${file}`]) as Workflow;
        assert.ok(read("docker-build.yml").jobs.image.strategy!.matrix.include.some((entry) => entry.service === "billing" && entry.variable === "ECR_REPOSITORY_BILLING"));
        for (const file of ["deploy-dev.yml", "deploy-staging.yml"]) stepIndex(read(file).jobs.deploy, "billing: roll out");
        stepIndex(read("deploy-production.yml").jobs.deploy, "billing: promote by digest");
        stepIndex(read("rollback.yml").jobs["rollback-staging"], "billing: prepare the previous release");
        assert.ok((read("rollback.yml").on.workflow_dispatch.inputs as Record<string, { options?: string[] }>).service.options!.includes("billing"));
    });

    it("refuses a promotion from a stack that is not there, or that itself promotes", async () => {
        const missing = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "environments", "value", "prod", "promoteFrom"], "qa"));
        assert.match((await rejection(plan("prod", { directory: missing }))).message, /platform:environments\.prod\.promoteFrom: got "qa"; expected a stack of environments \(dev, staging, prod\)/);
        const chained = projectCopy("Pulumi.yaml", (document) => {
            document.setIn(["config", "environments", "value", "staging", "promoteFrom"], "dev");
            document.setIn(["config", "environments", "value", "prod", "promoteFrom"], "staging");
        });
        assert.match((await rejection(plan("prod", { directory: chained }))).message, /expected a stack that builds its images; staging itself promotes from dev/);
    });

    it("every run script, generated or this repository's own, passes shellcheck", async function () {
        this.timeout(30_000);
        const available = spawnSync("shellcheck", ["--version"]).status === 0;
        if (!available) {
            // CI installs shellcheck (.ci/run) and sets REQUIRE_SHELLCHECK, so this never passes there without running.
            assert.notEqual(process.env.REQUIRE_SHELLCHECK, "1", "shellcheck is required here but not installed");
            this.skip();
        }
        const directory = mkdtempSync(join(tmpdir(), "platform-shell-"));
        const scripts: string[] = [];
        const files = { ...workflowsOf((await realPlan("prod")).files), [REVIEW_WORKFLOW_PATH]: renderReviewWorkflow() };
        for (const [path, content] of Object.entries(files)) {
            for (const [id, job] of Object.entries((parse(content) as Workflow).jobs)) {
                (job.steps ?? []).forEach((step, index) => {
                    if (!step.run) return;
                    const file = join(directory, `${path.split("/").pop()}-${id}-${index}.sh`);
                    writeFileSync(file, `#!/usr/bin/env bash\n${step.run}\n`);
                    scripts.push(file);
                });
            }
        }
        assert.ok(scripts.length > 50);
        const result = spawnSync("shellcheck", ["--shell=bash", "--severity=info", ...scripts], { encoding: "utf8" });
        assert.equal(result.status, 0, result.stdout);
    });
});
