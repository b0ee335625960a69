/**
 * The scenario file (YAML or JSON under test/scenarios/): which job of which rendered workflow runs, on what event,
 * with which vars and secrets, against what state of the world, and what must come out. `extends: _base.yaml` merges
 * a shared base under the file (objects merge, lists and values replace); files whose name starts with `_` are bases,
 * not scenarios. The schema is strict: an unknown key is an error, so a typo never silently weakens a scenario.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { StubState } from "../test/scenarios/stubs/state";

export const SCENARIO_DIRECTORY = resolve(__dirname, "..", "test", "scenarios");

const text = z.string();
const strings = z.record(z.string(), z.string());
const jobResult = z.enum(["success", "failure", "skipped", "cancelled"]);
const sequence = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]);

const stateSchema = z.strictObject({
    github: z.strictObject({ repository: text }).optional(),
    aws: z.strictObject({ account: z.string().regex(/^\d{12}$/), region: text, cluster: text }),
    namespace: text,
    registries: z.record(z.string(), z.array(z.strictObject({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), tags: z.array(text).optional() }))).default({}),
    copyDigest: z.string().optional(),
    deployments: z.record(z.string(), z.strictObject({
        container: text.optional(), image: text, history: z.array(text).optional(), replicas: z.number().int().optional(),
        rollout: sequence(z.enum(["success", "fail"])).optional(), unavailableReplicas: sequence(z.number().int()).optional(), healthPath: text.optional(),
        labels: strings.optional(),
    })).default({}),
    /** Shorthand: `colour: blue` is the selector {app: <service>, colour: blue}. */
    services: z.record(z.string(), z.strictObject({ colour: text.optional(), selector: strings.optional() })).default({}),
    health: z.record(z.string(), z.array(z.union([z.number().int(), z.literal("refused")]))).default({}),
    migrations: z.record(z.string(), z.strictObject({ result: z.enum(["Complete", "Failed", "Running"]).optional(), logs: text.optional(), template: z.record(z.string(), z.unknown()).optional() })).default({}),
    metrics: z.array(z.strictObject({ metric: text, dimensions: strings, values: z.array(z.number()) })).default([]),
    runs: z.array(z.strictObject({
        workflow: text, databaseId: z.number().int(), headBranch: text, headSha: text, createdAt: text, status: text.optional(), conclusion: text,
        artifacts: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })).default([]),
    /** Weighted listener rules: rule ARN → target group ARN → weight (what describe-rules answers, modify-rule changes). */
    rules: z.record(z.string(), z.record(z.string(), z.number().int().min(0).max(999))).default({}),
    api: z.record(z.string(), z.unknown()).optional(),
    rds: z.strictObject({
        instances: z.array(text).default([]),
        snapshotOutcome: z.enum(["available", "failed", "creating"]).default("available"),
        snapshots: z.record(z.string(), z.strictObject({ instance: text, status: text.optional(), created: text.optional(), type: text.optional(), tags: z.array(text).default([]) })).default({}),
    }).default({ instances: [], snapshotOutcome: "available", snapshots: {} }),
});

const scenarioSchema = z.strictObject({
    description: text,
    /** Behaviour the current workflows do not have: the scenario is reported pending, not run as a pass. */
    pending: text.optional(),
    /** The stack whose offline plan renders the workflows (the control stack commits them all). */
    stack: text.default("prod"),
    workflow: text,
    /** One job, several in order (later ones see earlier ones in `needs`), or "all": every job of the workflow, in the order of its `needs`. */
    jobs: z.union([z.array(text).min(1), z.literal("all")]),
    event: z.strictObject({
        name: text,
        ref: text.optional(),
        sha: z.string().regex(/^[0-9a-f]{40}$/).optional(),
        actor: text.default("octocat"),
        inputs: z.record(z.string(), z.union([z.string(), z.boolean(), z.number()])).default({}),
        payload: z.record(z.string(), z.unknown()).default({}),
    }),
    run: z.strictObject({ id: z.number().int().default(4242), attempt: z.number().int().default(1), number: z.number().int().default(17) }).default({ id: 4242, attempt: 1, number: 17 }),
    /** Jobs that do not run here (reusable workflow calls): their result and outputs. */
    needs: z.record(z.string(), z.strictObject({ result: jobResult, outputs: strings.default({}) })).default({}),
    vars: strings.default({}),
    secrets: strings.default({}),
    matrix: z.record(z.string(), z.unknown()).optional(),
    state: stateSchema,
    expect: z.strictObject({
        /** The result of each job named in `jobs`. */
        results: z.record(z.string(), jobResult),
        /** Regular expressions that the recorded calls (argv joined by spaces) must match, in this order (a subsequence). */
        calls: z.array(text).default([]),
        /** How many recorded calls match each pattern (bounded waits: attempts, watch minutes). */
        counts: z.record(z.string(), z.number().int().nonnegative()).default({}),
        /** Regular expressions no recorded call may match. */
        absent: z.array(text).default([]),
        /** Each Deployment's image at the end (name → image; `unchanged` keeps the one of the state). */
        images: strings.default({}),
        /** The image of each migration Job created, by service, in order. */
        migrations: z.record(z.string(), z.array(text)).default({}),
        /** Each Service's live colour at the end. */
        colours: strings.default({}),
        /** Each listener rule's weights at the end (rule ARN → target group ARN → weight). */
        weights: z.record(z.string(), z.record(z.string(), z.number().int())).default({}),
        /** The issues opened, in order (a title pattern, or title and body patterns); an empty list: none. */
        issues: z.array(z.union([text, z.strictObject({ title: text, body: z.array(text).default([]) })])).optional(),
        /** Patterns that `::error::` annotations must match, each by at least one. */
        errors: z.array(text).default([]),
        /** Messages posted to Slack. */
        slack: z.number().int().optional(),
    }),
});

export type Scenario = z.infer<typeof scenarioSchema> & { file: string };
export type ScenarioState = z.infer<typeof stateSchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const ONLY_JOB = "(the only job)";

/** Job results replace the base's as a whole: a file that runs other jobs must not inherit results for the base's. */
const REPLACED = new Set(["results"]);

function merge(base: unknown, over: unknown): unknown {
    if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) out[key] = REPLACED.has(key) ? value : merge(base[key], value);
    return out;
}

/** Per file, before merging: `job: x` is `jobs: [x]`, and `expect.result: r` is the result of the one job. */
function normalise(raw: Record<string, unknown>): Record<string, unknown> {
    const out = { ...raw };
    if ("job" in out) { out.jobs = [out.job]; delete out.job; }
    if (isObject(out.expect) && "result" in out.expect) {
        const { result, ...expect } = out.expect;
        out.expect = { ...expect, results: { [ONLY_JOB]: result } };
    }
    return out;
}

function readRaw(file: string, seen: string[] = []): Record<string, unknown> {
    if (seen.includes(file)) throw new Error(`${file}: extends itself through ${seen.join(" → ")}`);
    const raw = parse(readFileSync(file, "utf8")) as unknown;
    if (!isObject(raw)) throw new Error(`${file}: a scenario is a mapping`);
    const { extends: base, ...rest } = normalise(raw);
    if (base === undefined) return rest;
    if (typeof base !== "string") throw new Error(`${file}: extends names one file`);
    return merge(readRaw(resolve(dirname(file), base), [...seen, file]), rest) as Record<string, unknown>;
}

export function loadScenario(file: string): Scenario {
    const raw = readRaw(resolve(file));
    const expect = raw.expect;
    if (isObject(expect) && isObject(expect.results) && ONLY_JOB in expect.results) {
        if (!Array.isArray(raw.jobs) || raw.jobs.length !== 1) throw new Error(`${file}: expect.result needs exactly one job; give expect.results per job`);
        expect.results = { [String(raw.jobs[0])]: expect.results[ONLY_JOB] };
    }
    const parsed = scenarioSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    const missing = parsed.data.jobs === "all" ? [] : parsed.data.jobs.filter((job) => !(job in parsed.data.expect.results));
    if (Object.keys(parsed.data.expect.results).length === 0) throw new Error(`${file}: expect.results names no job`);
    if (missing.length > 0) throw new Error(`${file}: expect.results has no result for ${missing.join(", ")}`);
    return { ...parsed.data, file: resolve(file) };
}

/** The state file the stubs start from: the scenario's state with its defaults and shorthands filled in. */
export function stubState(scenario: Scenario): StubState {
    const s = scenario.state;
    return {
        github: s.github ?? { repository: "example-org/platform-app" },
        aws: s.aws, namespace: s.namespace, registries: s.registries, copyDigest: s.copyDigest, deployments: s.deployments,
        services: Object.fromEntries(Object.entries(s.services).map(([name, svc]) => [name, { selector: svc.selector ?? { app: name, ...(svc.colour ? { colour: svc.colour } : {}) } }])),
        health: s.health, migrations: s.migrations, metrics: s.metrics, runs: s.runs, rules: s.rules, api: s.api,
        rds: { instances: s.rds.instances, snapshotOutcome: s.rds.snapshotOutcome, snapshots: s.rds.snapshots },
        issues: [], slack: [], jobs: {}, forwards: {}, counters: {},
    };
}

/** Every scenario file (bases excluded), sorted. */
export function listScenarios(directory = SCENARIO_DIRECTORY): string[] {
    return readdirSync(directory).filter((f) => /\.(ya?ml|json)$/.test(f) && !basename(f).startsWith("_")).sort().map((f) => join(directory, f));
}
