/** The workflow files the control stack commits, and the status checks the rulesets require, from the same models. */
import type { PlatformConfig } from "../../infra/config";
import type { RepositoryFileSpec } from "../files";
import { CI_AGGREGATE_JOB, ciWorkflow } from "./ci";
import { renderWorkflow } from "./render";

type WorkflowConfig = Pick<PlatformConfig, "services" | "environments" | "ci">;

export function workflowFiles(config: WorkflowConfig): RepositoryFileSpec[] {
    return [
        { path: ".github/workflows/ci.yml", content: renderWorkflow(ciWorkflow(config)), purpose: "CI from the services of Pulumi.yaml" },
    ];
}

/**
 * The checks each branch rule level requires: the CI aggregate job's name, taken from the CI model. (`all` gains the
 * security workflow's aggregate when that workflow exists.)
 */
export function requiredChecks(config: WorkflowConfig): { basic: string[]; all: string[] } {
    const ci = ciWorkflow(config);
    if (!(CI_AGGREGATE_JOB in ci.jobs)) throw new Error(`the CI workflow has no ${CI_AGGREGATE_JOB} job`);
    return { basic: [CI_AGGREGATE_JOB], all: [CI_AGGREGATE_JOB] };
}
