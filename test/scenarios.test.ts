/**
 * The pipeline's behaviour, scenario by scenario (test/scenarios/*.yaml, run by tools/scenario.ts against the jobs
 * the prod plan renders): the plan runs once, the scenarios two at a time (each is a chain of short processes).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listScenarios, loadScenario, SCENARIO_DIRECTORY } from "../tools/scenario-format";
import { formatReport, runScenario, usePlanFiles, workflowFiles, type ScenarioReport } from "../tools/scenario";
import { realPlan } from "./harness";
import { prepareStubs } from "../tools/scenario-stubs";

const files = listScenarios();
const CONCURRENCY = 2;

/**
 * Runs the scenarios two at a time from one queue, the long pole first: the promotion's 15-minute watch (about 300
 * jq calls of the real script) takes as long as all the others together.
 */
function runAll(paths: string[]): Map<string, Promise<ScenarioReport>> {
    const queue = [...paths].sort((a, b) => Number(b.endsWith("prod-promotion.yaml")) - Number(a.endsWith("prod-promotion.yaml")));
    const reports = new Map<string, Promise<ScenarioReport>>();
    const settled = new Map<string, (report: Promise<ScenarioReport>) => void>();
    for (const path of queue) reports.set(path, new Promise((resolve) => settled.set(path, resolve)));
    const worker = async () => {
        for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
            const report = runScenario(path);
            settled.get(path)!(report);
            await report.catch(() => undefined);
        }
    };
    for (let i = 0; i < CONCURRENCY; i++) void worker();
    return reports;
}

describe("pipeline scenarios", function () {
    this.timeout(120_000);
    let reports: Map<string, Promise<ScenarioReport>>;
    const wrong = join(SCENARIO_DIRECTORY, "fixtures", "wrong-expectation.yaml");
    const stale = join(SCENARIO_DIRECTORY, "fixtures", "pending-but-holds.yaml");

    before(async () => {
        // The workflows come from the real prod plan (the control stack commits them), shared with the other tests.
        usePlanFiles("prod", realPlan("prod").then((plan) => plan.files));
        await workflowFiles("prod");
        reports = runAll([...files, wrong, stale]);
    });

    it("has a scenario for each behaviour the pipeline promises, each loadable", () => {
        const names = files.map((file) => file.slice(SCENARIO_DIRECTORY.length + 1));
        for (const name of ["dev-clean-deploy.yaml", "dev-smoke-failure.yaml", "prod-promotion.yaml", "prod-missing-digest.yaml", "prod-watch-breach.yaml",
            "rollback-failure-incident.yaml", "rollback-prod-other-colour.yaml", "rollback-staging-digest.yaml",
            "prod-canary-breach-10.yaml", "prod-canary-breach-50.yaml", "prod-canary-split-refused.yaml"]) assert.ok(names.includes(name), `no ${name}`);
        for (const file of files) assert.doesNotThrow(() => loadScenario(file));
    });

    for (const file of files) {
        const scenario = loadScenario(file);
        it(scenario.description, async function () {
            const report = await reports.get(file)!;
            if (report.status === "pending") this.skip();
            assert.equal(report.status, "passed", formatReport(report, false));
        });
    }

    it("reports a scenario with a wrong expectation as failing, naming each wrong expectation", async () => {
        const report = await reports.get(wrong)!;
        assert.equal(report.status, "failed");
        assert.ok(report.failures.some((f) => f === "job deploy: expected failure, got success"), report.failures.join("\n"));
        assert.ok(report.failures.some((f) => f.startsWith("no call matches /^kubectl -n platform rollout undo deployment/api$/")), report.failures.join("\n"));
        assert.ok(report.failures.some((f) => f.startsWith("deployment web: expected image")), report.failures.join("\n"));
        assert.equal(report.failures.length, 3, report.failures.join("\n"));
    });

    it("fails a pending scenario whose expectations all hold, so that `pending` goes once the behaviour arrives", async () => {
        const report = await reports.get(stale)!;
        assert.equal(report.status, "failed");
        assert.match(report.failures.join("\n"), /every expectation now holds: remove `pending`/);
    });

    it("a stub fails loudly on an invocation it does not emulate, and logs it for the runner", () => {
        const result = stub("kubectl", ["drain", "node-1"]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /unknown invocation.*\["kubectl","drain","node-1"\]/);
        assert.match(result.unknown, /"drain"/);
    });
});

/** One stub call against a state, with a kubeconfig and credentials in place: its exit, output and the state after. */
function stub(tool: string, args: string[], state: Record<string, unknown> = {}, stdin = "") {
    const bin = prepareStubs();
    const dir = mkdtempSync(join(tmpdir(), "scenario-stub-"));
    try {
        const full = {
            github: { repository: "example-org/platform-app" }, aws: { account: "111111111111", region: "us-east-1", cluster: "c" }, namespace: "platform",
            registries: {}, deployments: {}, services: {}, health: {}, migrations: {}, metrics: [], runs: [],
            rds: { instances: [], snapshotOutcome: "available", snapshots: {} }, issues: [], slack: [], jobs: {}, forwards: {}, counters: {}, ...state,
        };
        writeFileSync(join(dir, "state.json"), JSON.stringify(full));
        writeFileSync(join(dir, "calls.log"), "");
        mkdirSync(join(dir, ".kube"));
        writeFileSync(join(dir, ".kube", "config"), "");
        const env = {
            PATH: `${bin}:/usr/bin:/bin`, HOME: dir, SCENARIO_STUB_STATE: join(dir, "state.json"), SCENARIO_STUB_CALLS: join(dir, "calls.log"), SCENARIO_STUB_NODE: process.execPath,
            AWS_ACCESS_KEY_ID: "x", AWS_REGION: "us-east-1", GH_TOKEN: "x",
        };
        const result = spawnSync(tool, args, { env, encoding: "utf8", input: stdin });
        const unknown = existsSync(join(dir, "calls.log.unknown")) ? readFileSync(join(dir, "calls.log.unknown"), "utf8") : "";
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, unknown, state: JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as Record<string, unknown> };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Calls the pipeline helpers are adding to the scripts (a smoke test through a pod of the Deployment's selector,
 * promotion by the commit's tree, a polled snapshot with pruning): emulated ahead, and proven here until a scenario does.
 */
describe("scenario stubs, for calls beyond the current scripts", () => {
    const deployments = { "api-green": { image: "r/api@sha256:b0", replicas: 2, unavailableReplicas: 1 }, "api-blue": { image: "r/api@sha256:a0" } };

    it("kubectl lists the pods of a Deployment's selector, with their image and readiness", () => {
        const selector = JSON.parse(stub("kubectl", ["-n", "platform", "get", "deployment/api-green", "-o", "json"], { deployments }).stdout) as { spec: { selector: { matchLabels: Record<string, string> } } };
        assert.deepEqual(selector.spec.selector.matchLabels, { app: "api", colour: "green" });
        const pods = JSON.parse(stub("kubectl", ["-n", "platform", "get", "pods", "-l", "app=api,colour=green", "-o", "json"], { deployments }).stdout) as { items: { spec: { containers: { image: string }[] }; status: { conditions: { status: string }[] } }[] };
        assert.equal(pods.items.length, 2);
        assert.ok(pods.items.every((pod) => pod.spec.containers[0].image === "r/api@sha256:b0"));
        assert.deepEqual(pods.items.map((pod) => pod.status.conditions[0].status), ["True", "False"]);
        assert.equal(stub("kubectl", ["-n", "platform", "get", "pods", "-l", "app in (api)", "-o", "json"], { deployments }).status, 2);
    });

    it("kubectl forwards to a pod of a Deployment, and refuses a pod that does not exist", () => {
        const pods = JSON.parse(stub("kubectl", ["-n", "platform", "get", "pods", "-l", "app=api,colour=blue", "-o", "json"], { deployments }).stdout) as { items: { metadata: { name: string } }[] };
        const forwarded = stub("kubectl", ["-n", "platform", "port-forward", `pod/${pods.items[0].metadata.name}`, "18080:3000"], { deployments });
        assert.equal(forwarded.status, 0);
        assert.match(forwarded.stdout, /^Forwarding from 127\.0\.0\.1:18080 -> 3000/);
        assert.deepEqual(Object.values(forwarded.state.forwards as Record<string, string>), ["api-blue"]);
        assert.equal(stub("kubectl", ["-n", "platform", "port-forward", "pod/api-green-0", "18080:3000"], { deployments }).status, 1);
    });

    it("gh api answers the paths the state gives, through --jq, and 404s the rest", () => {
        const api = { "repos/example-org/platform-app/git/commits/abc": { tree: { sha: "t1" } } };
        const tree = stub("gh", ["api", "repos/example-org/platform-app/git/commits/abc", "--jq", ".tree.sha"], { api });
        assert.equal(tree.status, 0);
        assert.equal(tree.stdout, "t1\n");
        const missing = stub("gh", ["api", "repos/example-org/platform-app/git/commits/def", "--jq", ".tree.sha"], { api });
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /HTTP 404/);
    });

    it("aws rds reports a new snapshot creating, then available, lists an instance's manual snapshots and deletes one", () => {
        const rds = { instances: ["db"], snapshotOutcome: "available", snapshots: { "db-predeploy-1-1": { instance: "db", tags: [], created: "2026-10-01T00:00:00Z" } } };
        const describe = ["rds", "describe-db-snapshots", "--db-snapshot-identifier", "db-predeploy-1-1", "--query", "DBSnapshots[0].Status", "--output", "text"];
        assert.equal(stub("aws", describe, { rds }).stdout, "creating\n");
        assert.equal(stub("aws", describe, { rds, counters: { "snapshot:db-predeploy-1-1": 1 } }).stdout, "available\n");
        assert.equal(stub("aws", describe, { rds: { ...rds, snapshotOutcome: "failed" } }).stdout, "failed\n");
        const listed = JSON.parse(stub("aws", ["rds", "describe-db-snapshots", "--db-instance-identifier", "db", "--snapshot-type", "manual", "--max-items", "100"], { rds }).stdout) as { DBSnapshots: { DBSnapshotIdentifier: string }[] };
        assert.deepEqual(listed.DBSnapshots.map((s) => s.DBSnapshotIdentifier), ["db-predeploy-1-1"]);
        const deleted = stub("aws", ["rds", "delete-db-snapshot", "--db-snapshot-identifier", "db-predeploy-1-1"], { rds });
        assert.equal(deleted.status, 0);
        assert.deepEqual((deleted.state.rds as { snapshots: object }).snapshots, {});
        assert.equal(stub("aws", ["rds", "delete-db-snapshot", "--db-snapshot-identifier", "nope"], { rds }).status, 254);
    });
});
