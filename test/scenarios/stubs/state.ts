/**
 * The world the stub commands serve and change: one JSON file (path in SCENARIO_STUB_STATE) that every stub call
 * reads and writes under a lock, and a calls log (SCENARIO_STUB_CALLS, one JSON argv per line). The scenario file's
 * `state:` is this shape; the runner fills the defaults and reads the file back to check the final images, colours
 * and issues. Stubs are compiled to plain JavaScript by tools/scenario-stubs.ts and run by node, one process per call.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

/** One step of a sequence the stubs serve per call (the last value repeats): a rollout, a health answer. */
export type RolloutOutcome = "success" | "fail";
export type HealthAnswer = number | "refused";

export interface ImageRecord { digest: string; tags?: string[] }
export interface DeploymentState {
    /** The container the pipeline sets (default: the Deployment's name without -blue/-green). */
    container?: string;
    image: string;
    /** Earlier images, oldest first: what `rollout undo` goes back to. */
    history?: string[];
    replicas?: number;
    /** What `rollout status` answers, per call. */
    rollout?: RolloutOutcome | RolloutOutcome[];
    /** `.status.unavailableReplicas`, per read. */
    unavailableReplicas?: number | number[];
    /** The pods' labels and the Deployment's selector (default: app, and colour for -blue/-green). */
    labels?: Record<string, string>;
    /** The only path the pods answer (anything else: 404); default: any path. */
    healthPath?: string;
}
export interface ServiceState { selector: Record<string, string> }
export interface MigrationState { result?: "Complete" | "Failed" | "Running"; logs?: string; template?: Record<string, unknown> }
export interface MetricSeries { metric: string; dimensions: Record<string, string>; values: number[] }
export interface RunRecord {
    workflow: string;
    databaseId: number;
    headBranch: string;
    headSha: string;
    createdAt: string;
    status?: string;
    conclusion: string;
    /** Artifact name → file name → content (text, or JSON written as JSON). */
    artifacts?: Record<string, Record<string, unknown>>;
}
export interface IssueRecord { number: number; title: string; body: string; labels: string[] }

export interface StubState {
    github: { repository: string };
    aws: { account: string; region: string; cluster: string };
    namespace: string;
    /** ECR repository name (platform-staging/api) → its images. */
    registries: Record<string, ImageRecord[]>;
    /** A copy made by `docker buildx imagetools create` gets this digest instead of its source's (a broken copy). */
    copyDigest?: string;
    deployments: Record<string, DeploymentState>;
    services: Record<string, ServiceState>;
    /** Deployment → the HTTP status its health path answers, per request (default 200). */
    health: Record<string, HealthAnswer[]>;
    /** Service → its migration Job template and how the Job ends (default Complete). */
    migrations: Record<string, MigrationState>;
    /** CloudWatch series: the nth get-metric-data call sees values[n] (the last repeats; none: no datapoints). */
    metrics: MetricSeries[];
    runs: RunRecord[];
    /** Load balancer listener rules that forward by weight: rule ARN → target group ARN → weight, in the rule's order. */
    rules: Record<string, Record<string, number>>;
    /** `gh api PATH` → the JSON GitHub's REST API would answer (repos/OWNER/REPO/git/commits/SHA ...). */
    api?: Record<string, unknown>;
    rds: {
        instances: string[];
        /** How a new snapshot ends: what the waiter and describe-db-snapshots see. */
        snapshotOutcome: "available" | "failed" | "creating";
        /** Snapshots that exist, with their status and creation time (the run's own are added). */
        snapshots: Record<string, { instance: string; tags: string[]; status?: string; created?: string; type?: string }>;
    };
    issues: IssueRecord[];
    slack: { url: string; payload: string }[];
    /** Written by the stubs: Jobs created, port-forwards open, per-sequence counters. */
    jobs: Record<string, { service: string; image: string }>;
    forwards: Record<string, string>;
    counters: Record<string, number>;
}

export interface StubResult { out?: string; err?: string; code?: number }

/** A call the stubs do not know: the scripts changed, so the stub (and the scenarios) must be looked at. */
export class UnknownInvocation extends Error {}

export const ok = (out = ""): StubResult => ({ out, code: 0 });
export const fail = (err: string, code = 1): StubResult => ({ err: err.endsWith("\n") ? err : `${err}\n`, code });

/** The value of a per-call sequence at its counter, advancing the counter (the last value repeats). */
export function next<T>(state: StubState, key: string, values: T | T[] | undefined, fallback: T): T {
    const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
    const index = state.counters[key] ?? 0;
    state.counters[key] = index + 1;
    if (list.length === 0) return fallback;
    return list[Math.min(index, list.length - 1)];
}

export function env(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`scenario stub: ${name} is not set (the stubs run only under tools/scenario.ts)`);
    return value;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export const pause = (ms: number): void => { Atomics.wait(sleeper, 0, 0, ms); };

/** Runs `change` on the state under an exclusive lock (background port-forwards and curl can overlap). */
export function withState<T>(change: (state: StubState) => T): T {
    const file = env("SCENARIO_STUB_STATE");
    const lock = `${file}.lock`;
    for (let waited = 0; ; waited += 5) {
        try { closeSync(openSync(lock, "wx")); break; } catch {
            if (waited > 10_000) throw new Error(`scenario stub: ${lock} held for 10 s`);
            pause(5);
        }
    }
    try {
        const state = JSON.parse(readFileSync(file, "utf8")) as StubState;
        const result = change(state);
        writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
        renameSync(`${file}.tmp`, file);
        return result;
    } finally {
        if (existsSync(lock)) unlinkSync(lock);
    }
}

export function logCall(argv: readonly string[]): void {
    appendFileSync(env("SCENARIO_STUB_CALLS"), `${JSON.stringify(argv)}\n`);
}

export function logUnknown(argv: readonly string[], reason: string): void {
    appendFileSync(`${env("SCENARIO_STUB_CALLS")}.unknown`, `${JSON.stringify({ argv, reason })}\n`);
}

/**
 * Splits argv into positionals and flags, knowing which flags take a value (`--flag value` or `--flag=value`) and
 * which are switches. Any other flag is an unknown invocation: the scripts use a flag this stub does not emulate.
 */
export function parseArgs(args: readonly string[], valued: readonly string[], switches: readonly string[] = []): { positional: string[]; flags: Record<string, string[]> } {
    const positional: string[] = [];
    const flags: Record<string, string[]> = {};
    const add = (name: string, value: string) => { (flags[name] ??= []).push(value); };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (arg === "-" || !arg.startsWith("-")) { positional.push(arg); continue; }
        const eq = arg.indexOf("=");
        const name = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
        if (valued.includes(name)) {
            if (eq > 0 && arg.startsWith("--")) add(name, arg.slice(eq + 1));
            else if (i + 1 < args.length) add(name, args[++i]);
            else throw new UnknownInvocation(`${name} needs a value`);
        } else if (switches.includes(name) || switches.includes(arg)) {
            add(switches.includes(arg) ? arg : name, eq > 0 ? arg.slice(eq + 1) : "true");
        } else {
            throw new UnknownInvocation(`the flag ${arg} is not emulated`);
        }
    }
    return { positional, flags };
}

export const one = (flags: Record<string, string[]>, name: string): string | undefined => flags[name]?.at(-1);
