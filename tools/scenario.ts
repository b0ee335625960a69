/**
 * The scenario runner: runs jobs of the workflows the real plan renders, with stub cloud tools, and checks what they
 * did. `npm run scenario -- FILE...` runs scenarios; `--list` lists them; `--keep` keeps each run's directory
 * (scripts, calls log, state) for reading. The format is in docs-scenarios.md and tools/scenario-format.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import type { StubState } from "../test/scenarios/stubs/state";
import { planStack } from "./plan-stack";
import { checkExpectations, callLine, type Observed } from "./scenario-check";
import { validateEvent } from "./scenario-event";
import { listScenarios, loadScenario, stubState, type Scenario } from "./scenario-format";
import { jobWillRun, needsOf, runJob, ScenarioError, type JobRun, type NeedResult, type WorkflowJob } from "./scenario-job";
import { prepareStubs } from "./scenario-stubs";

export interface ScenarioReport {
    file: string;
    description: string;
    status: "passed" | "failed" | "pending";
    failures: string[];
    pending?: string;
    observed?: Observed;
    directory?: string;
}

/** Rendered workflow files per stack: one plan per stack and process. */
const plans = new Map<string, Promise<Record<string, string>>>();

/** Hands the runner files of a plan made elsewhere (a test's cached plan), so the stack is not planned twice. */
export function usePlanFiles(stack: string, files: Promise<Record<string, string>>): void {
    plans.set(stack, files);
}
export function workflowFiles(stack: string): Promise<Record<string, string>> {
    if (!plans.has(stack)) plans.set(stack, planStack(stack).then((plan) => plan.files));
    return plans.get(stack)!;
}

interface Workflow { env?: Record<string, unknown>; on?: unknown; jobs: Record<string, WorkflowJob> }

/**
 * The jobs to run: the scenario's list, or with "all" every job that has steps, each after the jobs it needs (in
 * declaration order otherwise); jobs that call a reusable workflow come from the scenario's `needs`.
 */
function jobOrder(scenario: Scenario, workflow: Workflow): string[] {
    if (scenario.jobs !== "all") return scenario.jobs;
    const order: string[] = [];
    const visit = (id: string, path: string[]) => {
        if (order.includes(id) || id in scenario.needs) return;
        const job = workflow.jobs[id];
        if (!job) throw new ScenarioError(`a job needs ${id}, which the workflow does not have`);
        if (path.includes(id)) throw new ScenarioError(`the jobs' needs form a cycle: ${[...path, id].join(" → ")}`);
        for (const need of needsOf(job)) visit(need, [...path, id]);
        if (job.steps === undefined) throw new ScenarioError(`job ${id} calls a reusable workflow: give its result under needs`);
        order.push(id);
    };
    for (const id of Object.keys(workflow.jobs)) visit(id, []);
    return order;
}

function ancestorsOf(id: string, workflow: Workflow, seen = new Set<string>()): string[] {
    for (const need of needsOf(workflow.jobs[id] ?? {})) {
        if (!seen.has(need)) { seen.add(need); ancestorsOf(need, workflow, seen); }
    }
    return [...seen];
}

async function execute(scenario: Scenario, root: string): Promise<Observed> {
    const files = await workflowFiles(scenario.stack);
    const path = `.github/workflows/${scenario.workflow}`;
    if (!(path in files)) throw new ScenarioError(`the ${scenario.stack} plan commits no ${path} (it commits ${Object.keys(files).filter((f) => f.startsWith(".github/workflows/")).join(", ")})`);
    const workflow = parse(files[path]) as Workflow;
    const { github, inputs } = validateEvent(scenario, workflow.on, path);
    const dirs = { root, temp: join(root, "runner-temp"), workspace: join(root, "workspace"), home: join(root, "home"), bin: prepareStubs(), artifacts: join(root, "artifacts") };
    for (const dir of [dirs.temp, dirs.workspace, dirs.home, dirs.artifacts]) mkdirSync(dir, { recursive: true });
    const initial = stubState(scenario);
    const stateFile = join(root, "state.json"), callsFile = join(root, "calls.log"), eventFile = join(root, "event.json");
    writeFileSync(stateFile, JSON.stringify(initial, null, 2));
    writeFileSync(callsFile, "");
    writeFileSync(eventFile, JSON.stringify(github.event));
    // The variables a GitHub-hosted runner sets for every step (https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables).
    const baseEnv: Record<string, string> = {
        PATH: `${dirs.bin}:/usr/local/bin:/usr/bin:/bin`, HOME: dirs.home, LANG: "C.UTF-8", CI: "true", GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: String(github.repository), GITHUB_REPOSITORY_OWNER: String(github.repository_owner), GITHUB_RUN_ID: String(github.run_id),
        GITHUB_RUN_ATTEMPT: String(github.run_attempt), GITHUB_RUN_NUMBER: String(github.run_number), GITHUB_SHA: String(github.sha), GITHUB_REF: String(github.ref),
        GITHUB_REF_NAME: String(github.ref_name), GITHUB_EVENT_NAME: String(github.event_name), GITHUB_EVENT_PATH: eventFile, GITHUB_ACTOR: String(github.actor),
        GITHUB_SERVER_URL: String(github.server_url), GITHUB_API_URL: String(github.api_url), GITHUB_WORKSPACE: dirs.workspace, RUNNER_TEMP: dirs.temp, RUNNER_OS: "Linux",
        SCENARIO_STUB_STATE: stateFile, SCENARIO_STUB_CALLS: callsFile, SCENARIO_STUB_NODE: process.execPath,
    };
    const contexts = { github, inputs, vars: scenario.vars, secrets: { GITHUB_TOKEN: String(github.token), ...scenario.secrets }, matrix: scenario.matrix ?? null, strategy: null };
    const results: Record<string, NeedResult> = { ...scenario.needs };
    const jobs: Observed["jobs"] = {};
    const missingVars = new Set<string>();
    for (const id of jobOrder(scenario, workflow)) {
        const job = workflow.jobs[id];
        if (!job) throw new ScenarioError(`${path} has no job ${id} (jobs: ${Object.keys(workflow.jobs).join(", ")})`);
        const needs: Record<string, NeedResult> = {};
        for (const need of needsOf(job)) {
            if (!results[need]) throw new ScenarioError(`job ${id} needs ${need}: run it earlier in \`jobs\` or give its result under \`needs\``);
            needs[need] = results[need];
        }
        if (!jobWillRun(job, { ...contexts, vars: scenario.vars }, needs, ancestorsOf(id, workflow).map((a) => results[a]?.result ?? "skipped"))) {
            jobs[id] = { result: "skipped" };
            results[id] = { result: "skipped", outputs: {} };
            continue;
        }
        const run: JobRun = await runJob({ id, job, workflowEnv: workflow.env ?? {}, contexts: { ...contexts, github: { ...github, job: id } }, needs, dirs, baseEnv, account: initial.aws, missingVars });
        jobs[id] = run;
        results[id] = { result: run.result, outputs: run.outputs };
    }
    const unknownJobs = Object.keys(scenario.expect.results).filter((id) => !(id in jobs));
    if (unknownJobs.length > 0) throw new ScenarioError(`expect.results names jobs that did not run or do not exist: ${unknownJobs.join(", ")}`);
    const calls = readFileSync(callsFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as string[]);
    let unknown: Observed["unknown"] = [];
    try { unknown = readFileSync(`${callsFile}.unknown`, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Observed["unknown"][number]); } catch { /* none */ }
    const final = JSON.parse(readFileSync(stateFile, "utf8")) as StubState;
    return { jobs, calls, unknown, initial, final, missingVars: [...missingVars].sort() };
}

export async function runScenario(file: string, options: { keep?: boolean } = {}): Promise<ScenarioReport> {
    const scenario = loadScenario(file);
    const base = { file, description: scenario.description };
    const root = mkdtempSync(join(tmpdir(), "scenario-"));
    try {
        const observed = await execute(scenario, root);
        const failures = checkExpectations(scenario, observed);
        // A pending scenario whose expectations now hold fails: the behaviour arrived, so `pending` must go.
        if (scenario.pending !== undefined && failures.length === 0) return { ...base, status: "failed", failures: [`pending (${scenario.pending}), but every expectation now holds: remove \`pending\``], observed };
        if (scenario.pending !== undefined) return { ...base, status: "pending", pending: scenario.pending, failures, observed };
        return { ...base, status: failures.length === 0 ? "passed" : "failed", failures, observed, directory: options.keep ? root : undefined };
    } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        if (scenario.pending !== undefined) return { ...base, status: "pending", pending: scenario.pending, failures: [error.message] };
        return { ...base, status: "failed", failures: [error.message], directory: options.keep ? root : undefined };
    } finally {
        if (!options.keep) rmSync(root, { recursive: true, force: true });
    }
}

/** What a person reads: the result, each failure, and for a failure the steps and the calls. */
export function formatReport(report: ScenarioReport, verbose: boolean): string {
    const name = relative(process.cwd(), report.file);
    const lines = [`${report.status.toUpperCase()}  ${name}: ${report.description}`];
    if (report.pending) lines.push(`  pending: ${report.pending}`);
    for (const failure of report.failures) lines.push(`  - ${failure}`);
    if (report.observed && (verbose || report.status === "failed")) {
        for (const job of Object.values(report.observed.jobs)) {
            if (!("steps" in job)) continue;
            lines.push(`  job ${job.id}: ${job.result}`);
            for (const step of job.steps) lines.push(`    ${step.conclusion.padEnd(7)} ${step.name}${step.ms === undefined ? "" : ` (${step.ms} ms)`}${step.outcome === "failure" ? `\n${step.log.trim().split("\n").slice(-6).map((l) => `        | ${l}`).join("\n")}` : ""}`);
        }
        lines.push("  calls:", ...report.observed.calls.map((argv, i) => `    ${String(i + 1).padStart(3)} ${callLine(argv).slice(0, 200)}`));
    }
    if (report.directory) lines.push(`  kept: ${report.directory}`);
    return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
    if (argv.includes("--list")) {
        for (const file of listScenarios()) {
            const scenario = loadScenario(file);
            console.log(`${relative(process.cwd(), file)}\t${scenario.workflow} ${scenario.jobs === "all" ? "(all jobs)" : scenario.jobs.join(",")}\t${scenario.pending ? `(pending) ` : ""}${scenario.description}`);
        }
        return 0;
    }
    const files = argv.filter((a) => !a.startsWith("--"));
    if (files.length === 0) { console.error("usage: npm run scenario -- [--keep] [--verbose] FILE... | --list"); return 2; }
    let failed = 0;
    for (const file of files) {
        const report = await runScenario(file, { keep: argv.includes("--keep") });
        console.log(formatReport(report, argv.includes("--verbose")));
        if (report.status === "failed") failed++;
    }
    return failed === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => { console.error(error instanceof Error ? error.message : error); process.exit(2); });
}
