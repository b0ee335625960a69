/** The workflow files the control stack commits, and the status checks the rulesets require, from the same models. */
import type { PlatformConfig } from "../../infra/config";
import type { RepositoryFileSpec } from "../files";
import { CI_AGGREGATE_JOB, ciWorkflow } from "./ci";
import { renderWorkflow } from "./render";
import { SECURITY_AGGREGATE_JOB, securityWorkflow } from "./security";

type WorkflowConfig = Pick<PlatformConfig, "services" | "environments" | "ci">;

export function workflowFiles(config: WorkflowConfig): RepositoryFileSpec[] {
    return [
        { path: ".github/workflows/ci.yml", content: renderWorkflow(ciWorkflow(config)), purpose: "CI from the services of Pulumi.yaml" },
        { path: ".github/workflows/security.yml", content: renderWorkflow(securityWorkflow(config)), purpose: "security scans" },
    ];
}

/**
 * The checks each branch rule level requires, taken from the models: `basic` is CI's aggregate job, `all` adds the
 * security workflow's.
 */
export function requiredChecks(config: WorkflowConfig): { basic: string[]; all: string[] } {
    for (const [workflow, job] of [[ciWorkflow(config), CI_AGGREGATE_JOB], [securityWorkflow(config), SECURITY_AGGREGATE_JOB]] as const) {
        if (!(job in workflow.jobs)) throw new Error(`the ${workflow.name} workflow has no ${job} job`);
    }
    return { basic: [CI_AGGREGATE_JOB], all: [CI_AGGREGATE_JOB, SECURITY_AGGREGATE_JOB] };
}
