/** Plans one stack of the program offline: its real stack files, the real program, the mock engine. */
import { resolve } from "node:path";
import { program } from "../infra/program";
import { runUnderMocks, type Plan, type Program } from "./mock-engine";
import { readStackConfig, type StackConfig } from "./stack-files";

/** The repository root: Pulumi.yaml and the stack files live here. */
export const PROJECT_DIRECTORY = resolve(__dirname, "..");

export interface PlanOptions {
    /** Where Pulumi.yaml and the stack files are read from (default: this repository). */
    directory?: string;
    /** Rewrites the stack's config before the program sees it, as a test fixture would. */
    transformConfig?: (config: StackConfig) => StackConfig;
    /** The program to run (default: the platform program). */
    program?: Program;
}

export async function planStack(stack: string, options: PlanOptions = {}): Promise<Plan> {
    const stackConfig = readStackConfig(options.directory ?? PROJECT_DIRECTORY, stack);
    return runUnderMocks(options.transformConfig ? options.transformConfig(stackConfig) : stackConfig, options.program ?? program);
}

/** plan.json: the stable interface of DESIGN.md section 7 (files are written beside it, not inside it). */
export function planDocument(plan: Plan): Omit<Plan, "files"> {
    return { project: plan.project, stack: plan.stack, resources: plan.resources, invokes: plan.invokes, outputs: plan.outputs };
}
