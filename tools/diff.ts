/**
 * What a change to the program or its stack files does to a stack, without a cloud: two offline plans compared by URN,
 * reported the way `pulumi preview` does (create, delete, replace, update, with property paths).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlanError, type Plan, type PlannedResource } from "./mock-engine";
import { STATEFUL, changesScope, fixedName, forcesReplacement, ruleFor } from "./replacements";

export type PlanResources = Pick<Plan, "resources">;

export interface PropertyChange {
    path: string;
    before: unknown;
    after: unknown;
    forcesReplacement: boolean;
}

export interface ResourceChange {
    kind: "create" | "delete" | "replace" | "update";
    urn: string;
    type: string;
    changes: PropertyChange[];
    /**
     * Why applying this change fails, or must not apply unreviewed: "refused" is a replacement or deletion of a
     * protected resource, which Pulumi refuses to delete (https://www.pulumi.com/docs/iac/concepts/options/protect/);
     * "data-loss" is a replacement of a resource that holds data (`STATEFUL` in tools/replacements.ts: the new one
     * starts empty); "collision" is a replacement that keeps a fixed physical name without deleteBeforeReplace (Pulumi
     * creates the new resource first, and the name is taken); "rejected" is an update the cloud's API refuses as
     * written (`rejectionOf`). Absent when the change applies.
     */
    failure?: "collision" | "refused" | "data-loss" | "rejected";
    reason?: string;
}

/** Collisions and refusals, in the order of the diff. */
export function failuresOf(changes: readonly ResourceChange[]): ResourceChange[] {
    return changes.filter((change) => change.failure !== undefined);
}

function failureOf(kind: ResourceChange["kind"], before: PlannedResource, after: PlannedResource | undefined, changes: readonly PropertyChange[] = []): Pick<ResourceChange, "failure" | "reason"> {
    if ((kind === "replace" || kind === "delete") && before.options.protect) {
        return { failure: "refused", reason: `protected: Pulumi refuses to ${kind} it until protect is removed in a separate update` };
    }
    if (kind === "update" && after) {
        const rejected = rejectionOf(before, after);
        return rejected === undefined ? {} : { failure: "rejected", reason: rejected };
    }
    if (kind !== "replace" || !after) return {};
    if (STATEFUL[after.type] !== undefined) {
        return { failure: "data-loss", reason: `it holds ${STATEFUL[after.type]}, which its replacement would not have: follow the path in docs/day2.md ("Stateful resources") instead` };
    }
    const name = fixedName(after.type, after.inputs);
    if (name === undefined || name !== fixedName(before.type, before.inputs) || after.options.deleteBeforeReplace || ruleFor(after.type)?.providerDeletesFirst) return {};
    // A new scope (another VPC, cluster, namespace) holds the name free for the new resource.
    if (changes.some((change) => change.forcesReplacement && changesScope(after.type, change.path))) return {};
    return { failure: "collision", reason: `the replacement is created before the old one is deleted and keeps the name ${JSON.stringify(name)}: set deleteBeforeReplace or change the name` };
}

/**
 * Updates that the provider sends but the cloud refuses. RDS: "Major version upgrades must be allowed when specifying
 * a value for the EngineVersion parameter that's a different major version than the DB instance's current version"
 * (ModifyDBInstance, AllowMajorVersionUpgrade: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html).
 * A read replica that takes no engineVersion of its own is upgraded with its primary and is not checked.
 */
export function rejectionOf(before: PlannedResource, after: PlannedResource): string | undefined {
    if (after.type !== "aws:rds/instance:Instance") return undefined;
    const major = (resource: PlannedResource) => (typeof resource.inputs.engineVersion === "string" ? resource.inputs.engineVersion.split(".")[0] : undefined);
    if (major(after) === undefined || major(before) === major(after) || after.inputs.allowMajorVersionUpgrade === true) return undefined;
    return `engineVersion moves from major ${major(before)} to ${major(after)} without allowMajorVersionUpgrade: RDS refuses the modification (set it, with applyImmediately or a maintenance window, in the same change)`;
}

/** Paths where two values differ: `a.b[2].c`. Objects are compared key by key, arrays index by index. */
function differences(before: unknown, after: unknown, path: string): { path: string; before: unknown; after: unknown }[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const bothObjects = before !== null && after !== null && typeof before === "object" && typeof after === "object";
    if (!bothObjects || Array.isArray(before) !== Array.isArray(after)) return [{ path, before, after }];
    if (Array.isArray(before) && Array.isArray(after)) {
        return Array.from({ length: Math.max(before.length, after.length) }, (_, index) => differences(before[index], after[index], `${path}[${index}]`)).flat();
    }
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    return keys.flatMap((key) => differences((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
}

function changesOf(before: PlannedResource, after: PlannedResource): PropertyChange[] {
    return [
        ...differences(before.inputs, after.inputs, "").map((change) => ({ ...change, forcesReplacement: forcesReplacement(after.type, change.path) })),
        ...differences(before.options, after.options, "options").map((change) => ({ ...change, forcesReplacement: false })),
    ];
}

export function diffPlans(before: PlanResources, after: PlanResources): ResourceChange[] {
    const old = new Map(before.resources.map((resource) => [resource.urn, resource]));
    const next = new Map(after.resources.map((resource) => [resource.urn, resource]));
    const result: ResourceChange[] = [];
    for (const [urn, resource] of next) {
        const previous = old.get(urn);
        if (!previous) {
            result.push({ kind: "create", urn, type: resource.type, changes: [] });
            continue;
        }
        const changes = changesOf(previous, resource);
        if (changes.length === 0) continue;
        const kind = changes.some((change) => change.forcesReplacement) ? "replace" : "update";
        result.push({ kind, urn, type: resource.type, changes, ...failureOf(kind, previous, resource, changes) });
    }
    for (const [urn, resource] of old) if (!next.has(urn)) result.push({ kind: "delete", urn, type: resource.type, changes: [], ...failureOf("delete", resource, undefined) });
    return result;
}

const SYMBOL = { create: "+", delete: "-", replace: "+-", update: "~" } as const;
const show = (value: unknown): string => (value === undefined ? "(absent)" : JSON.stringify(value));

export function formatDiff(changes: readonly ResourceChange[]): string {
    if (changes.length === 0) return "Diff: nothing to change";
    const counts = (["create", "update", "replace", "delete"] as const).map((kind) => `${changes.filter((change) => change.kind === kind).length} to ${kind}`);
    const lines = [`Diff: ${counts.join(", ")}`];
    for (const change of changes) {
        lines.push(`  ${SYMBOL[change.kind].padEnd(2)} ${change.kind} ${change.urn}${change.failure ? `  [${change.failure.toUpperCase()}]` : ""}`);
        for (const property of change.changes) {
            lines.push(`      ${property.path}: ${show(property.before)} => ${show(property.after)}${property.forcesReplacement ? "  [forces replacement]" : ""}`);
        }
    }
    const failures = failuresOf(changes);
    if (failures.length > 0) {
        lines.push("", `FAILS: ${failures.length} change(s) would fail to apply:`);
        for (const change of failures) lines.push(`  ${change.failure!.toUpperCase()} ${change.kind} ${change.urn}: ${change.reason ?? ""}`);
    }
    return lines.join("\n");
}

/**
 * Plans a stack as it was at a git revision: the revision is checked out in a temporary worktree, which borrows this
 * checkout's node_modules, and its own plan command writes plan.json. The worktree is removed whatever happens.
 */
export function planAtRevision(repository: string, revision: string, stack: string): PlanResources {
    const worktree = mkdtempSync(join(tmpdir(), "plan-diff-"));
    const out = mkdtempSync(join(tmpdir(), "plan-diff-out-"));
    const git = (...args: string[]) => spawnSync("git", ["-C", repository, ...args], { encoding: "utf8" });
    try {
        const added = git("worktree", "add", "--detach", "--force", worktree, revision);
        if (added.status !== 0) throw new PlanError(`--diff: cannot check out ${revision}: ${added.stderr.trim()}`);
        symlinkSync(join(repository, "node_modules"), join(worktree, "node_modules"), "dir");
        const planned = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "tools/plan.ts", "--stack", stack, "--out", out], { cwd: worktree, encoding: "utf8" });
        if (planned.status !== 0) throw new PlanError(`--diff: planning ${stack} at ${revision} failed:\n${planned.stderr.trim()}`);
        return JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as PlanResources;
    } finally {
        git("worktree", "remove", "--force", worktree);
        rmSync(worktree, { recursive: true, force: true });
        rmSync(out, { recursive: true, force: true });
        git("worktree", "prune");
    }
}
