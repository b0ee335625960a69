/** The workflow files the control stack commits, and the status checks the rulesets require, from the same models. */
import type { PlatformConfig } from "../../infra/config";
import type { RepositoryFileSpec } from "../files";
import { buildWorkflow } from "./build";
import { CI_AGGREGATE_JOB, ciWorkflow } from "./ci";
import { deployWorkflow, deployWorkflowFile } from "./deploy";
import { BUILD_WORKFLOW_FILE } from "./names";
import { renderWorkflow } from "./render";
import { rollbackWorkflow } from "./rollback";
import { RUNNER_IMAGE_DOCKERFILE, RUNNER_IMAGE_WORKFLOW_FILE, runnerDockerfile, runnerImageWorkflow } from "./runner-image";
import { SECURITY_AGGREGATE_JOB, securityWorkflow } from "./security";

type WorkflowConfig = Pick<PlatformConfig, "project" | "services" | "environments" | "ci" | "delivery" | "cluster">;

const file = (name: string, content: string, purpose: string): RepositoryFileSpec => ({ path: `.github/workflows/${name}`, content, purpose });

export function workflowFiles(config: WorkflowConfig): RepositoryFileSpec[] {
    const deploys = Object.entries(config.environments).map(([stack, target]) =>
        file(deployWorkflowFile(stack, target), renderWorkflow(deployWorkflow(config, stack)), `deploys ${target.environment}`));
    return [
        file("ci.yml", renderWorkflow(ciWorkflow(config)), "CI from the services of Pulumi.yaml"),
        file(BUILD_WORKFLOW_FILE, renderWorkflow(buildWorkflow(config)), "builds, scans and attests the images"),
        ...deploys,
        file("rollback.yml", renderWorkflow(rollbackWorkflow(config)), "rolls an environment back"),
        file("security.yml", renderWorkflow(securityWorkflow(config)), "security scans"),
        file(RUNNER_IMAGE_WORKFLOW_FILE, renderWorkflow(runnerImageWorkflow(config)), "builds the cluster jobs' runner image"),
        { path: RUNNER_IMAGE_DOCKERFILE, content: runnerDockerfile(), purpose: "the cluster jobs' runner image" },
    ];
}

/**
 * The checks each branch rule level requires, taken from the models: `basic` is CI's aggregate job, `all` adds the
 * security workflow's.
 */
export function requiredChecks(config: Pick<PlatformConfig, "services" | "environments" | "ci">): { basic: string[]; all: string[] } {
    for (const [workflow, job] of [[ciWorkflow(config), CI_AGGREGATE_JOB], [securityWorkflow(config), SECURITY_AGGREGATE_JOB]] as const) {
        if (!(job in workflow.jobs)) throw new Error(`the ${workflow.name} workflow has no ${job} job`);
    }
    return { basic: [CI_AGGREGATE_JOB], all: [CI_AGGREGATE_JOB, SECURITY_AGGREGATE_JOB] };
}
