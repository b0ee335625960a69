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

/** `queue: max` keeps every waiting run in line instead of replacing the pending one (deploys are never dropped). */
export interface Concurrency { group: string; "cancel-in-progress": boolean | string; queue?: "single" | "max" }

/** `deployment: false`: the job uses the environment's variables, secrets and branch policy without a deployment record. */
export type JobEnvironment = string | { name: string; url?: string; deployment?: boolean };

export interface Job<Id extends string> {
    name?: string;
    "runs-on": string;
    needs?: Id[];
    if?: string;
    permissions: Permissions;
    "timeout-minutes": number;
    environment?: JobEnvironment;
    concurrency?: Concurrency;
    strategy?: { matrix: Record<string, unknown>; "fail-fast"?: boolean; "max-parallel"?: number };
    services?: Record<string, ServiceContainer>;
    outputs?: Record<string, string>;
    env?: Record<string, string>;
    defaults?: { run: { "working-directory"?: string; shell?: string } };
    steps: Step[];
}

/**
 * A job that calls a reusable workflow of this repository. It grants the called workflow's jobs their permissions
 * (they can only narrow them); their timeouts are set in the called workflow.
 */
export interface CallJob<Id extends string> {
    name?: string;
    needs?: Id[];
    if?: string;
    permissions: Permissions;
    uses: `./.github/workflows/${string}.yml`;
    with?: Record<string, string | number | boolean>;
    secrets?: "inherit" | Record<string, string>;
}

export const isCallJob = <Id extends string>(job: Job<Id> | CallJob<Id>): job is CallJob<Id> => "uses" in job;

export interface Workflow<Id extends string> {
    name: string;
    "run-name"?: string;
    on: Record<string, unknown>;
    /** Top-level permissions: none; each job asks for exactly what it needs. */
    permissions: Record<string, never>;
    concurrency?: Concurrency;
    env?: Record<string, string>;
    jobs: Record<Id, Job<Id> | CallJob<Id>>;
}

/** Infers the job ids from the jobs, so that `needs` is checked against them. */
export function defineWorkflow<const Id extends string>(workflow: Workflow<Id>): Workflow<Id> {
    return workflow;
}
