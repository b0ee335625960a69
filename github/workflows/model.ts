/**
 * GitHub Actions workflows as typed values. Job ids are a type parameter, so `needs` can only name jobs of the same
 * workflow (the compiler checks it), and every job must state its permissions and a timeout.
 */
import type { ActionReference } from "./catalogue";

export type Access = "read" | "write" | "none";
export type Scope = "actions" | "attestations" | "checks" | "contents" | "deployments" | "id-token" | "issues" | "packages" | "pull-requests" | "security-events" | "statuses";
export type Permissions = Partial<Record<Scope, Access>>;

export interface Step {
    name: string;
    id?: string;
    if?: string;
    uses?: ActionReference;
    with?: Record<string, string | number | boolean>;
    /** Shell to run. Untrusted values (event payloads, inputs, refs) never appear here: pass them through `env`. */
    run?: string;
    env?: Record<string, string>;
    "working-directory"?: string;
    "continue-on-error"?: boolean;
}

export interface ServiceContainer {
    image: string;
    env?: Record<string, string>;
    ports?: string[];
    options?: string;
}

export interface Job<Id extends string> {
    name?: string;
    "runs-on": string;
    needs?: Id[];
    if?: string;
    permissions: Permissions;
    "timeout-minutes": number;
    environment?: string | { name: string; url?: string };
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, unknown>; "fail-fast"?: boolean; "max-parallel"?: number };
    services?: Record<string, ServiceContainer>;
    outputs?: Record<string, string>;
    env?: Record<string, string>;
    defaults?: { run: { "working-directory"?: string; shell?: string } };
    steps: Step[];
}

export interface Workflow<Id extends string> {
    name: string;
    on: Record<string, unknown>;
    /** Top-level permissions: none; each job asks for exactly what it needs. */
    permissions: Record<string, never>;
    concurrency?: { group: string; "cancel-in-progress": boolean | string };
    env?: Record<string, string>;
    jobs: Record<Id, Job<Id>>;
}

/** Infers the job ids from the jobs, so that `needs` is checked against them. */
export function defineWorkflow<const Id extends string>(workflow: Workflow<Id>): Workflow<Id> {
    return workflow;
}
