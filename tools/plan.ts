/**
 * `npm run plan -- --stack <name> [--out DIR]`: the offline plan. Runs the real program with the stack's real config
 * under the mock engine, prints a summary, and with --out writes DIR/plan.json and DIR/files/<repository path>.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../infra/config";
import { PlanError } from "./mock-engine";
import { checkPlan, formatViolations } from "./policy-check";
import { estimateCost, formatCost, formatCostChange } from "./cost";
import { diffPlans, failuresOf, formatDiff, planAtRevision } from "./diff";
import { PROJECT_DIRECTORY, planDocument, planStack } from "./plan-stack";
import { StackFileError, readStackConfig } from "./stack-files";
import { summarize } from "./summary";

const USAGE = "usage: npm run plan -- --stack <dev|staging|prod> [--out DIR] [--dir PROJECT_DIR] [--policy] [--diff GIT_REF] [--cost]";

async function main(argv: string[]): Promise<number> {
    let values: { stack?: string; out?: string; dir?: string; policy?: boolean; diff?: string; cost?: boolean };
    try {
        ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, out: { type: "string" }, dir: { type: "string" }, policy: { type: "boolean" }, diff: { type: "string" }, cost: { type: "boolean" } }, strict: true }));
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (!values.stack) {
        process.stderr.write(`--stack is required\n${USAGE}\n`);
        return 2;
    }

    const started = process.hrtime.bigint();
    // --dir reads Pulumi.yaml and the stack files from another checkout of this project.
    const directory = values.dir ? resolve(values.dir) : PROJECT_DIRECTORY;
    const plan = await planStack(values.stack, { directory });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${summarize(plan, seconds)}\n`);

    if (values.out) {
        const out = resolve(values.out);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, "plan.json"), `${JSON.stringify(planDocument(plan), null, 2)}\n`);
        for (const [path, content] of Object.entries(plan.files)) {
            const target = resolve(out, "files", path);
            if (!target.startsWith(join(out, "files") + "/")) throw new PlanError(`refusing to write ${path}: it leaves ${out}/files`);
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, content);
        }
        process.stdout.write(`\nWrote ${join(out, "plan.json")} and ${Object.keys(plan.files).length} files under ${join(out, "files")}\n`);
    }
    const cost = values.cost ? estimateCost(plan, values.stack) : undefined;
    if (cost) {
        process.stdout.write(`\n${formatCost(cost)}\n`);
        if (values.out) writeFileSync(join(resolve(values.out), "cost.json"), `${JSON.stringify(cost, null, 2)}\n`);
    }
    // A diff with a collision or a refusal describes an update that fails half-way: the run says so by its exit code.
    let diffFails = false;
    if (values.diff) {
        const base = planAtRevision(directory, values.diff, values.stack);
        const changes = diffPlans(base, plan);
        process.stdout.write(`\n${formatDiff(changes)}\n`);
        if (values.out) writeFileSync(join(resolve(values.out), "diff.json"), `${JSON.stringify(changes, null, 2)}\n`);
        if (cost) process.stdout.write(`\n${formatCostChange(estimateCost(base, values.stack), cost)}\n`);
        diffFails = failuresOf(changes).length > 0;
    }
    if (values.policy) {
        const { project, config } = readStackConfig(directory, values.stack);
        const violations = checkPlan(plan, parseConfig(project, values.stack, config));
        process.stdout.write(`\n${formatViolations(violations)}\n`);
        if (violations.some((violation) => violation.enforcement === "mandatory")) return 1;
    }
    return diffFails ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
        // Bad config and bad stack files are the user's to fix: say what, without a stack trace.
        if (error instanceof PlanError || error instanceof StackFileError) {
            process.stderr.write(`${error.message}\n`);
            process.exitCode = 1;
        } else {
            process.stderr.write(`The offline plan failed: ${error instanceof Error ? error.stack : String(error)}\n`);
            process.exitCode = 70;
        }
    },
);
