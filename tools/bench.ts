/**
 * `npm run bench`: the offline plan of prod with its real config, and with 10, 50 and 100 generated services. Each
 * case runs in its own process, so that its time and peak memory are its own; times are compared with the 10-service
 * case, which must not grow faster than the number of services.
 */
import { spawnSync } from "node:child_process";
import { PlanError } from "./mock-engine";
import { planStack } from "./plan-stack";

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
    const child = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", __filename, "--case", String(services)], { encoding: "utf8", maxBuffer: 1 << 24 });
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

if (require.main === module) {
    const caseIndex = process.argv.indexOf("--case");
    if (caseIndex > 0) {
        runCase(Number(process.argv[caseIndex + 1])).catch((error: unknown) => { process.stderr.write(String(error)); process.exitCode = 1; });
    } else {
        const results = [measure("prod (real config)", 0), ...[10, 50, 100].map((count) => measure(`prod, ${count} services`, count))];
        process.stdout.write(`${benchTable(results)}\n`);
    }
}
