/**
 * The pipeline's behaviour, scenario by scenario (test/scenarios/*.yaml, run by tools/scenario.ts against the jobs
 * the prod plan renders): the plan runs once, the scenarios two at a time (each is a chain of short processes).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listScenarios, loadScenario, SCENARIO_DIRECTORY } from "../tools/scenario-format";
import { formatReport, runScenario, usePlanFiles, workflowFiles, type ScenarioReport } from "../tools/scenario";
import { realPlan } from "./harness";
import { prepareStubs } from "../tools/scenario-stubs";

const files = listScenarios();
const CONCURRENCY = 2;

function runAll(paths: string[]): Map<string, Promise<ScenarioReport>> {
    const reports = new Map<string, Promise<ScenarioReport>>();
    const slots: Promise<unknown>[] = Array.from({ length: CONCURRENCY }, () => Promise.resolve());
    paths.forEach((path, index) => {
        const slot = index % CONCURRENCY;
        const report = slots[slot].then(() => runScenario(path));
        slots[slot] = report.catch(() => undefined);
        reports.set(path, report);
    });
    return reports;
}

describe("pipeline scenarios", function () {
    this.timeout(120_000);
    let reports: Map<string, Promise<ScenarioReport>>;
    const wrong = join(SCENARIO_DIRECTORY, "fixtures", "wrong-expectation.yaml");

    before(async () => {
        // The workflows come from the real prod plan (the control stack commits them), shared with the other tests.
        usePlanFiles("prod", realPlan("prod").then((plan) => plan.files));
        await workflowFiles("prod");
        reports = runAll([...files, wrong]);
    });

    it("has the scenarios the pipeline promises, each loadable", () => {
        assert.ok(files.length >= 8, `only ${files.length} scenarios`);
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

    it("a stub fails loudly on an invocation it does not emulate, and logs it for the runner", () => {
        const bin = prepareStubs();
        const dir = mkdtempSync(join(tmpdir(), "scenario-stub-"));
        try {
            writeFileSync(join(dir, "state.json"), "{}");
            writeFileSync(join(dir, "calls.log"), "");
            const env = { PATH: `${bin}:/usr/bin:/bin`, SCENARIO_STUB_STATE: join(dir, "state.json"), SCENARIO_STUB_CALLS: join(dir, "calls.log"), SCENARIO_STUB_NODE: process.execPath };
            const result = spawnSync("kubectl", ["drain", "node-1"], { env, encoding: "utf8" });
            assert.equal(result.status, 2);
            assert.match(result.stderr, /unknown invocation.*\["kubectl","drain","node-1"\]/);
            assert.match(readFileSync(join(dir, "calls.log.unknown"), "utf8"), /"drain"/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
