/**
 * `npm run bench`: what the offline plan of prod costs against loading the SDKs it uses, then how the plan grows with
 * the number of services (prod with its real config, and with 10, 50 and 100 generated services). Every case runs in
 * its own process, so that its time and peak memory are its own.
 *
 * The load comparison (issue #16: the plan at most 2x the CPU of loading the SDKs) runs, in turns, the plan exactly
 * as package.json's `plan` script runs it (without npm's own start-up) and a bare `node` that requires every
 * node_modules/@pulumi module that the plan loaded, nothing else; each reports its own CPU (tools/bench-usage.js).
 * The SDK load is also measured with the plan's V8 compile cache, the ratio against which says what is left when
 * both sides skip compiling JavaScript.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PlanError } from "./mock-engine";
import { PROJECT_DIRECTORY, planStack } from "./plan-stack";
import { DEFAULT_DIRECTORY } from "./ts-cache";

interface CaseResult { label: string; services: number; resources: number; seconds: number; peakMiB: number }

/** `count` services that exercise every path: public and internal, with and without data stores, calling each other. */
export function generatedServices(count: number): Record<string, unknown>[] {
    return Array.from({ length: count }, (_, index) => {
        const name = `svc-${String(index + 1).padStart(3, "0")}`;
        return {
            name, path: `services/${name}`, runtime: ["node", "python", "go", "java"][index % 4], port: 8080, healthPath: "/healthz",
            public: index % 5 === 0, resources: { cpu: "100m", memory: "128Mi" },
            uses: index % 3 === 0 ? ["postgres", "redis"] : [], talksTo: index > 0 ? ["svc-001"] : [],
            ...(index % 3 === 0 ? { migrationCommand: ["./migrate"] } : {}),
        };
    });
}

/**
 * The stack's workloads settings with a quota that admits `count` generated services: each at most 2 colours × (10
 * replicas + 1 surge) pods of 100m and 128Mi, plus a migration pod (the quota rule, config/rules-workloads.ts).
 */
function scaledWorkloads(text: string | undefined, count: number): Record<string, unknown> {
    const workloads = JSON.parse(text ?? "{}") as Record<string, unknown>;
    return { ...workloads, quota: { requestsCpu: String(3 * count), requestsMemory: `${3 * count}Gi`, limitsCpu: String(3 * count), limitsMemory: `${3 * count}Gi`, pods: 25 * count } };
}

/** One case, measured inside its own process. */
async function runCase(services: number): Promise<void> {
    const started = process.hrtime.bigint();
    const plan = await planStack("prod", {
        transformConfig: (config) => services === 0 ? config : {
            ...config,
            config: { ...config.config, "platform:services": JSON.stringify(generatedServices(services)), "platform:workloads": JSON.stringify(scaledWorkloads(config.config["platform:workloads"], services)) },
        },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify({ resources: plan.resources.length, seconds, peakMiB: process.resourceUsage().maxRSS / 1024 }));
}

function measure(label: string, services: number): CaseResult {
    const child = spawnSync(process.execPath, ["--require", join(__dirname, "ts-register.js"), __filename, "--case", String(services)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new PlanError(`bench case ${label} failed:\n${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split("\n").pop()!) as Omit<CaseResult, "label" | "services">;
    return { label, services, ...result };
}

export function benchTable(results: readonly CaseResult[]): string {
    const base = results.find((result) => result.services === 10);
    const rows = results.map((result) => [
        result.label, String(result.resources), result.seconds.toFixed(2), result.peakMiB.toFixed(0),
        base ? (result.seconds / base.seconds).toFixed(2) : "-",
        base && result.services > 0 ? (result.services / 10).toFixed(0) : "-",
    ]);
    const header = ["case", "resources", "seconds", "peak MiB", "time / 10-service time", "services / 10"];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
    const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ");
    return [line(header), ...rows.map(line)].join("\n");
}

/** What one measured process reported of itself (tools/bench-usage.js). */
interface Usage { cpuSeconds: number; peakMiB: number; sdkModules: string[] }

/** The medians (and ranges) of the load comparison's three cases over the same runs. */
export interface LoadComparison {
    runs: number;
    sdkModules: number;
    command: string;
    sdk: readonly number[];
    sdkCompileCache: readonly number[];
    plan: readonly number[];
    planPeakMiB: number;
}

/** The plan's command line as package.json's `plan` script gives it, for `node` to run without npm. */
export function planCommand(script: string | undefined): string[] {
    const words = (script ?? "").trim().split(/\s+/);
    if (words[0] !== "node") throw new PlanError(`package.json's plan script should start with "node", not: ${script}`);
    return words.slice(1);
}

function runMeasured(args: readonly string[], env: Record<string, string> = {}): Usage {
    const directory = mkdtempSync(join(tmpdir(), "platform-bench-"));
    try {
        const report = join(directory, "usage.json");
        const child = spawnSync(process.execPath, ["--require", join(__dirname, "bench-usage.js"), ...args], {
            cwd: PROJECT_DIRECTORY, env: { ...process.env, ...env, PLATFORM_BENCH_USAGE: report }, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8",
        });
        if (child.status !== 0) throw new PlanError(`bench: ${args.join(" ")} exited ${child.status}:\n${child.stderr}`);
        return JSON.parse(readFileSync(report, "utf8")) as Usage;
    } finally {
        rmSync(directory, { recursive: true, force: true });
    }
}

/**
 * The plan and the SDK load, `runs` times each in turns (so that a machine that slows down slows both), after one
 * run of each that is not counted: it records which SDK modules the plan loads and fills the plan's caches, as any
 * earlier `npm run plan` on this checkout would have.
 */
function compareLoad(runs: number): LoadComparison {
    const packageJson = JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    const plan = [...planCommand(packageJson.scripts?.plan), "--stack", "prod"];
    const warm = runMeasured(plan);
    const directory = mkdtempSync(join(tmpdir(), "platform-bench-"));
    try {
        const list = join(directory, "sdk-modules.json");
        writeFileSync(list, JSON.stringify(warm.sdkModules));
        const sdk = ["-e", `for (const path of require(${JSON.stringify(list)})) require(path);`];
        // The V8 cache that the plan's loader keeps (tools/ts-cache.js), which the plan has just filled.
        const compileCache = { NODE_COMPILE_CACHE: join(process.env.PLATFORM_TS_CACHE ?? DEFAULT_DIRECTORY, "v8") };
        runMeasured(sdk);
        const result = { runs, sdkModules: warm.sdkModules.length, command: `node ${plan.join(" ")}`, sdk: [] as number[], sdkCompileCache: [] as number[], plan: [] as number[], planPeakMiB: 0 };
        for (let run = 0; run < runs; run += 1) {
            result.sdk.push(runMeasured(sdk).cpuSeconds);
            result.sdkCompileCache.push(runMeasured(sdk, compileCache).cpuSeconds);
            const planned = runMeasured(plan);
            result.plan.push(planned.cpuSeconds);
            result.planPeakMiB = Math.max(result.planPeakMiB, planned.peakMiB);
        }
        return result;
    } finally {
        rmSync(directory, { recursive: true, force: true });
    }
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function loadTable(comparison: LoadComparison): string {
    const range = (values: readonly number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
    const rows = [
        [`load the SDKs (the ${comparison.sdkModules} @pulumi modules the plan loads)`, comparison.sdk],
        ["load the SDKs, with the plan's compile cache", comparison.sdkCompileCache],
        [`plan prod: ${comparison.command}`, comparison.plan],
    ] as const;
    const cells = rows.map(([label, values]) => [label, median(values).toFixed(2), range(values)]);
    const header = ["process", "cpu s (median)", "min-max"];
    const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column].length)));
    const line = (row: readonly string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
    const plan = median(comparison.plan);
    return [
        `CPU of each whole process, ${comparison.runs} runs each in turns (Node ${process.version}); the plan's peak memory ${comparison.planPeakMiB.toFixed(0)} MiB`,
        line(header), ...cells.map(line),
        `plan / SDK load: ${(plan / median(comparison.sdk)).toFixed(2)}`,
        `plan / SDK load with the compile cache: ${(plan / median(comparison.sdkCompileCache)).toFixed(2)}`,
    ].join("\n");
}

if (require.main === module) {
    const caseIndex = process.argv.indexOf("--case");
    if (caseIndex > 0) {
        runCase(Number(process.argv[caseIndex + 1])).catch((error: unknown) => { process.stderr.write(String(error)); process.exitCode = 1; });
    } else {
        const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "load-only": { type: "boolean" } } });
        const runs = Number(values.runs);
        if (!Number.isInteger(runs) || runs < 1) throw new PlanError(`--runs must be a whole number of at least 1, not ${values.runs}`);
        process.stdout.write(`${loadTable(compareLoad(runs))}\n`);
        if (!values["load-only"]) {
            const results = [measure("prod (real config)", 0), ...[10, 50, 100].map((count) => measure(`prod, ${count} services`, count))];
            process.stdout.write(`\n${benchTable(results)}\n`);
        }
    }
}
