/**
 * The one harness every test uses: it plans a stack from its real files with the real program under the mock
 * engine, and offers fixtures that change a stack file in a temporary copy of the project's config.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { ofType, type Plan, type PlannedResource } from "../tools/mock-engine";
import { PROJECT_DIRECTORY, planStack, type PlanOptions } from "../tools/plan-stack";

export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

const cache = new Map<StackName, Promise<Plan>>();

/** The plan of a stack from its real files, computed once per test run (tests must not mutate it). */
export function realPlan(stack: StackName): Promise<Plan> {
    if (!cache.has(stack)) cache.set(stack, planStack(stack));
    return cache.get(stack)!;
}

export function plan(stack: string, options?: PlanOptions): Promise<Plan> {
    return planStack(stack, options);
}

export { ofType };

export function one(plan: Plan, type: string, namePart = ""): PlannedResource {
    const matches = ofType(plan, type).filter((resource) => resource.name.includes(namePart));
    if (matches.length !== 1) throw new Error(`expected one ${type} named *${namePart}*, found ${matches.length}`);
    return matches[0];
}

/**
 * A temporary copy of the project's Pulumi.yaml and stack files in which `edit` changes the YAML of one file
 * (keeping its comments); returns the copy's directory, for `plan(stack, { directory })` or the CLI's --dir.
 */
export function projectCopy(file: string, edit: (document: ReturnType<typeof parseDocument>) => void): string {
    const directory = mkdtempSync(join(tmpdir(), "platform-fixture-"));
    for (const name of ["Pulumi.yaml", ...STACKS.map((stack) => `Pulumi.${stack}.yaml`)]) {
        copyFileSync(join(PROJECT_DIRECTORY, name), join(directory, name));
    }
    const document = parseDocument(readFileSync(join(directory, file), "utf8"));
    edit(document);
    writeFileSync(join(directory, file), document.toString());
    return directory;
}

/** Sets `platform:<key>` at a path in a stack file, e.g. setStackValue("prod", ["network", "natGateways"], 4). */
export function withStackValue(stack: StackName, path: (string | number)[], value: unknown): string {
    const [key, ...rest] = path;
    return projectCopy(`Pulumi.${stack}.yaml`, (document) => document.setIn(["config", `platform:${key}`, ...rest], value));
}

/** The AWS account a stack deploys into, as the shipped Pulumi.yaml says (`environments.<stack>.awsAccountId`). */
export function accountOf(stack: StackName): string {
    const project = parseDocument(readFileSync(join(PROJECT_DIRECTORY, "Pulumi.yaml"), "utf8")).toJS() as { config: { environments: { value: Record<string, { awsAccountId: string }> } } };
    return project.config.environments.value[stack].awsAccountId;
}

/** Runs a promise that must fail and returns its error. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected a failure, but it succeeded");
}
