/**
 * Runs one job of a rendered workflow the way a GitHub-hosted runner would, step by step:
 * - `if:` (default `success()`) and every `${{ }}` of `env`, `with` and `run` through GitHub's evaluator
 *   (scenario-expressions.ts), with the contexts github, env, vars, secrets, inputs, steps, needs, matrix, job, runner;
 * - `run:` under bash as GitHub starts it: `bash -e {0}` when `shell` is not given, `bash --noprofile --norc -eo
 *   pipefail {0}` for `shell: bash` (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell);
 * - $GITHUB_OUTPUT, $GITHUB_ENV (`name=value` and `name<<DELIMITER` blocks), $GITHUB_PATH, $GITHUB_STEP_SUMMARY and
 *   $RUNNER_TEMP as the runner provides them (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands);
 * - `::error::` lines collected as annotations;
 * - a failed step fails the job unless it has `continue-on-error`; `failure()` is true after it.
 * The stubs come first on PATH; nothing of the caller's environment leaks in.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emulation } from "./scenario-actions";
import { ExpressionScope, type Contexts } from "./scenario-expressions";

export type JobResult = "success" | "failure" | "skipped" | "cancelled";
export interface NeedResult { result: JobResult; outputs: Record<string, string> }

export interface WorkflowStep {
    id?: string; name?: string; if?: string | boolean; uses?: string; run?: string; shell?: string;
    env?: Record<string, unknown>; with?: Record<string, unknown>; "continue-on-error"?: boolean | string; "working-directory"?: string;
}
export interface WorkflowJob {
    name?: string; if?: string | boolean; needs?: string | string[]; uses?: string; env?: Record<string, unknown>;
    outputs?: Record<string, string>; steps?: WorkflowStep[]; "runs-on"?: unknown;
}

export interface StepRecord { id?: string; name: string; outcome: "success" | "failure" | "skipped"; conclusion: "success" | "failure" | "skipped"; outputs: Record<string, string>; log: string; ms?: number }
export interface JobRun { id: string; result: JobResult; outputs: Record<string, string>; steps: StepRecord[]; annotations: string[]; summary: string }

export interface RunnerDirs { root: string; temp: string; workspace: string; home: string; bin: string; artifacts: string }

export interface JobInput {
    id: string;
    job: WorkflowJob;
    workflowEnv: Record<string, unknown>;
    /** github, inputs, vars, secrets, matrix: the same for every job of the run. */
    contexts: Contexts;
    needs: Record<string, NeedResult>;
    dirs: RunnerDirs;
    /** Variables every process of the job gets (the stubs' state and calls log, GitHub's defaults). */
    baseEnv: Record<string, string>;
    account: { account: string; region: string };
    /** A `run:` step that takes longer is killed: the stubs never wait, so this is a hang. */
    stepTimeoutMs?: number;
    missingVars: Set<string>;
}

export class ScenarioError extends Error {}

const asText = (value: unknown): string => (typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));

/** `name=value` lines and `name<<DELIMITER` blocks of $GITHUB_OUTPUT and $GITHUB_ENV. */
export function parseCommandFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line) continue;
        const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
        if (heredoc) {
            const value: string[] = [];
            for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
            if (i >= lines.length) throw new ScenarioError(`the delimiter ${heredoc[2]} of ${heredoc[1]} never closes`);
            out[heredoc[1]] = value.join("\n");
            continue;
        }
        const eq = line.indexOf("=");
        if (eq <= 0) throw new ScenarioError(`invalid line in a command file: ${line}`);
        out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
}

function runBash(script: string, shell: string | undefined, env: Record<string, string>, cwd: string, timeoutMs: number): Promise<{ code: number; log: string }> {
    const args = shell === undefined ? ["-e", script] : shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail", script] : undefined;
    if (!args) throw new ScenarioError(`shell: ${shell} is not emulated`);
    return new Promise((resolve) => {
        const child = spawn("bash", args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        child.stdout.on("data", (chunk: Buffer) => { log += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { log += chunk.toString(); });
        const timer = setTimeout(() => { log += `\n[scenario runner: killed after ${timeoutMs} ms]\n`; child.kill("SIGKILL"); }, timeoutMs);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? 1, log }); });
    });
}

export async function runJob(input: JobInput): Promise<JobRun> {
    const { job, dirs } = input;
    if (!job.steps) throw new ScenarioError(`job ${input.id} has no steps (a reusable workflow call): give its result under needs`);
    const steps: StepRecord[] = [];
    const annotations: string[] = [];
    let summary = "";
    let failed = false;
    const addedEnv: Record<string, string> = {};
    const addedPath: string[] = [];
    const stepsContext = () => Object.fromEntries(steps.filter((s) => s.id).map((s) => [s.id!, { outputs: s.outputs, outcome: s.outcome, conclusion: s.conclusion }]));
    const scope = (env: Record<string, string>) => {
        const scope = new ExpressionScope({ ...input.contexts, needs: input.needs, env, steps: stepsContext(), job: { status: failed ? "failure" : "success" }, runner: { os: "Linux", arch: "X64", temp: dirs.temp, name: "scenario-runner", environment: "github-hosted" } }, { failed, cancelled: false });
        return scope;
    };
    const evaluateMap = (map: Record<string, unknown> | undefined, env: Record<string, string>) => {
        const s = scope(env);
        const result = Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key, s.interpolate(asText(value))]));
        s.missingVars.forEach((name) => input.missingVars.add(name));
        return result;
    };
    const workflowEnv = evaluateMap(input.workflowEnv, {});
    const jobEnv = { ...workflowEnv, ...evaluateMap(job.env, workflowEnv) };

    for (const [index, step] of job.steps.entries()) {
        const envContext = { ...jobEnv, ...addedEnv };
        const conditionScope = scope(envContext);
        const run = conditionScope.condition(step.if);
        conditionScope.missingVars.forEach((name) => input.missingVars.add(name));
        const name = step.name ?? (step.run ? `Run ${step.run.split("\n")[0]}` : `Run ${step.uses}`);
        if (!run) {
            steps.push({ id: step.id, name, outcome: "skipped", conclusion: "skipped", outputs: {}, log: "" });
            continue;
        }
        const started = Date.now();
        const stepEnv = { ...envContext, ...evaluateMap(step.env, envContext) };
        const processEnv = { ...input.baseEnv, ...stepEnv, PATH: [...[...addedPath].reverse(), input.baseEnv.PATH].join(":") };
        let outcome: "success" | "failure";
        let outputs: Record<string, string>;
        let log: string;
        if (step.run !== undefined) {
            const s = scope(stepEnv);
            const script = s.interpolate(step.run);
            s.missingVars.forEach((v) => input.missingVars.add(v));
            const file = join(dirs.root, "steps", `${index}.sh`);
            const commandFiles = { GITHUB_OUTPUT: join(dirs.root, "steps", `${index}.output`), GITHUB_ENV: join(dirs.root, "steps", `${index}.env`), GITHUB_PATH: join(dirs.root, "steps", `${index}.path`), GITHUB_STEP_SUMMARY: join(dirs.root, "steps", `${index}.summary`) };
            mkdirSync(join(dirs.root, "steps"), { recursive: true });
            writeFileSync(file, script);
            for (const path of Object.values(commandFiles)) writeFileSync(path, "");
            const cwd = step["working-directory"] ? join(dirs.workspace, s.interpolate(step["working-directory"])) : dirs.workspace;
            const result = await runBash(file, step.shell, { ...processEnv, ...commandFiles }, cwd, input.stepTimeoutMs ?? 60_000);
            log = result.log;
            outcome = result.code === 0 ? "success" : "failure";
            outputs = parseCommandFile(readFileSync(commandFiles.GITHUB_OUTPUT, "utf8"));
            Object.assign(addedEnv, parseCommandFile(readFileSync(commandFiles.GITHUB_ENV, "utf8")));
            addedPath.push(...readFileSync(commandFiles.GITHUB_PATH, "utf8").split("\n").filter(Boolean));
            summary += readFileSync(commandFiles.GITHUB_STEP_SUMMARY, "utf8");
            for (const line of log.split("\n")) {
                const annotation = /^::error(?: [^:]*)?::(.*)$/.exec(line);
                if (annotation) annotations.push(annotation[1]);
            }
            if (result.code !== 0) log += `\n[exit code ${result.code}]`;
        } else if (step.uses !== undefined) {
            const found = emulation(step.uses);
            if (!found) throw new ScenarioError(`step "${name}" uses ${step.uses}, which the scenario runner does not emulate (tools/scenario-actions.ts)`);
            const withValues = evaluateMap(step.with, stepEnv);
            appendFileSync(input.baseEnv.SCENARIO_STUB_CALLS, `${JSON.stringify(["uses", found.action, ...Object.entries(withValues).map(([k, v]) => `${k}=${v}`)])}\n`);
            const result = found.run({ action: found.action, with: withValues, env: processEnv, home: dirs.home, artifacts: dirs.artifacts, state: input.account });
            outcome = result.failure ? "failure" : "success";
            outputs = result.outputs ?? {};
            Object.assign(addedEnv, result.env ?? {});
            log = result.failure ? `::error::${result.failure}` : result.log;
            if (result.failure) annotations.push(result.failure);
        } else {
            throw new ScenarioError(`step "${name}" has neither run nor uses`);
        }
        const continueOnError = step["continue-on-error"] === true || (typeof step["continue-on-error"] === "string" && scope(stepEnv).interpolate(step["continue-on-error"]) === "true");
        const conclusion = outcome === "failure" && !continueOnError ? "failure" : "success";
        if (conclusion === "failure") failed = true;
        steps.push({ id: step.id, name, outcome, conclusion, outputs, log, ms: Date.now() - started });
    }
    const result: JobResult = failed ? "failure" : "success";
    const outputScope = scope({ ...jobEnv, ...addedEnv });
    const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([key, value]) => [key, outputScope.interpolate(value)]));
    return { id: input.id, result, outputs, steps, annotations, summary };
}

/**
 * The job's `if:` over its needs: success() when every needed job succeeded, failure() when any ancestor failed
 * ("If you have a chain of dependent jobs, failure() returns true if any ancestor job fails": github/docs
 * content/actions/learn-github-actions/expressions.md, PR 12477).
 */
export function jobWillRun(job: WorkflowJob, contexts: Contexts, needs: Record<string, NeedResult>, ancestors: readonly JobResult[]): boolean {
    const results = Object.values(needs).map((n) => n.result);
    const scope = new ExpressionScope({ ...contexts, needs }, { failed: ancestors.includes("failure"), cancelled: ancestors.includes("cancelled"), succeeded: results.every((r) => r === "success") });
    return scope.condition(job.if);
}

export const needsOf = (job: WorkflowJob): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

