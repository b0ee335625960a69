/**
 * rollback.yml: by dispatch, with the environment (a choice), a version or digest (default: the previous release), the
 * service (one or all) and the reason. One job per environment, each naming its environment, so production's
 * rollback waits for production's reviewers and every job reads only its own environment's variables; each runs on the
 * runner scale set in its environment's cluster. "The previous release" is the one the environment's last successful
 * deploy before the current one deployed (its digests artifact), put on the idle colour (blue-green) or the Deployment,
 * smoke-tested, then switched to: a public service's traffic by the listener rule's weights (all of it at once), then
 * the Service's selector. Then an incident issue says why and what was done.
 *
 * Refs: an environment's deployment branch policy is checked against the ref the run is on, and development and
 * staging admit only their own branches (github/environment.ts). Rather than admit the default branch there too (every
 * workflow on main could then use development's and staging's roles, and a dispatch of deploy-dev.yml on main would
 * deploy main to development), a rollback of an environment runs on that environment's branch: each job runs only
 * there, and a dispatch on any other ref is sent again, with the same inputs, to the environment's branch.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { SHIFT } from "./canary-scripts";
import { RUN_URL, clusterJobEnv, clusterRunner, clusterSteps, deployWorkflowFile, reportSteps, ruleArns, smokeTestMinutes, weightEnv } from "./deploy";
import { defineWorkflow, type Job, type Step, type Workflow } from "./model";
import { VARIABLES, deployedImagesArtifact } from "./names";
import { SWITCH } from "./release-scripts";
import { FIND_RELEASES, ROUTE_ROLLBACK, rollbackPrepare } from "./rollback-scripts";
import { KEEP_SUMMARY, SMOKE_TEST } from "./scripts";

type RollbackConfig = Pick<PlatformConfig, "project" | "services" | "environments" | "delivery" | "cluster">;

export const ALL_SERVICES = "all";
export const ROLLBACK_WORKFLOW_FILE = "rollback.yml";

const OPEN_INCIDENT = `set -euo pipefail
body=$(jq -rn --arg reason "$REASON" --arg environment "$TARGET" --arg service "$SERVICE" --arg version "$VERSION" \\
  --arg actor "$ACTOR" --arg run "$RUN_URL" --argjson jobs "$JOBS" '
  "A rollback ran.\\n\\n- environment: \\($environment)\\n- service: \\($service)\\n- version: \\(if $version == "" then "the previous release" else $version end)\\n- requested by: \\($actor)\\n- run: \\($run)\\n\\n## Reason\\n\\n\\($reason)\\n\\n## What was done\\n\\n"
  + ([$jobs | to_entries[] | select(.value.result != "skipped") | "### \\(.key): \\(.value.result)\\n\\n\\(.value.outputs.summary // "no summary")\\n"] | join("\\n"))')
gh issue create --repo "$GITHUB_REPOSITORY" --title "Rollback of $SERVICE in $TARGET" --body "$body"`;

/** The condition of an environment's rollback job: its environment was chosen and the run is on its branch. */
export const rollbackCondition = (environment: string, branch: string): string => `inputs.environment == '${environment}' && github.ref == 'refs/heads/${branch}'`;

function serviceSteps(service: ServiceConfig, blueGreen: boolean): Step[] {
    const id = `rollback-${service.name}`;
    const selected = `inputs.service == '${ALL_SERVICES}' || inputs.service == '${service.name}'`;
    const steps: Step[] = [
        {
            name: `${service.name}: prepare the previous release`,
            id,
            if: selected,
            env: {
                SERVICE: service.name,
                VERSION: "${{ inputs.version }}",
                REPOSITORY: `\${{ vars.${VARIABLES.repository(service.name)} }}`,
                BLUE_GREEN: String(blueGreen),
                RELEASES: "${{ runner.temp }}/releases",
                ...(blueGreen ? weightEnv(service) : {}),
            },
            run: rollbackPrepare(blueGreen),
        },
        {
            name: `${service.name}: smoke test`,
            if: selected,
            env: { DEPLOYMENT: `\${{ steps.${id}.outputs.deployment }}`, PORT: String(service.port), HEALTH_PATH: service.healthPath, IMAGE: `\${{ steps.${id}.outputs.image }}` },
            run: SMOKE_TEST,
        },
    ];
    if (blueGreen && service.public) {
        // A public service's traffic is the listener rule's weights: all of it moves to the verified colour at once.
        steps.push({ name: `${service.name}: move its traffic back by weight`, if: selected, env: { SERVICE: service.name, PERCENT: "100", RULE_ARNS: ruleArns([service]) }, run: SHIFT });
    }
    if (blueGreen) {
        steps.push({
            name: `${service.name}: switch the Service back`,
            if: selected,
            env: { SERVICE: service.name, COLOUR: `\${{ steps.${id}.outputs.switch }}`, PREVIOUS: `\${{ steps.${id}.outputs.previous }}` },
            run: SWITCH,
        });
    }
    return steps;
}

export function rollbackWorkflow(config: RollbackConfig): Workflow<string> {
    const targets = Object.entries(config.environments);
    const delivery = config.delivery;
    // Reading and downloading the releases: about 10 runs a minute.
    const rollbackTimeout = 15 + Math.ceil(delivery.releaseSearchLimit / 10) + config.services.length * (delivery.rolloutTimeoutMinutes + smokeTestMinutes(config));
    const jobs: Record<string, Job<string>> = Object.fromEntries(targets.map(([stack, target]): [string, Job<string>] => [`rollback-${stack}`, {
        name: `roll back ${target.environment}`,
        "runs-on": clusterRunner(config, stack),
        if: rollbackCondition(target.environment, target.branch),
        environment: target.environment,
        permissions: { contents: "read", "id-token": "write", actions: "read" },
        "timeout-minutes": rollbackTimeout,
        // Rollbacks have their own queue: one never waits behind a deploy that is still watching its release.
        concurrency: { group: `rollback-${target.environment}`, "cancel-in-progress": false, queue: "max" },
        outputs: { summary: "${{ steps.summary.outputs.summary }}" },
        env: clusterJobEnv(config),
        steps: [
            ...clusterSteps(config, rollbackTimeout),
            {
                name: "Find the previous releases",
                id: "releases",
                if: "inputs.version == ''",
                env: { GH_TOKEN: "${{ github.token }}", DEPLOY_WORKFLOW: deployWorkflowFile(stack, target), ARTIFACT: deployedImagesArtifact(stack), SEARCH_LIMIT: String(delivery.releaseSearchLimit) },
                run: FIND_RELEASES,
            },
            ...config.services.flatMap((service) => serviceSteps(service, target.blueGreen)),
            { name: "Keep the summary for the incident", id: "summary", if: "always()", run: KEEP_SUMMARY },
            ...reportSteps(`Rollback in ${target.environment}`),
        ],
    }]));
    const rollbackJobs = Object.keys(jobs);
    return defineWorkflow<string>({
        name: "Rollback",
        "run-name": "Rollback of ${{ inputs.service }} in ${{ inputs.environment }}",
        on: {
            workflow_dispatch: {
                inputs: {
                    environment: { description: "Where to roll back", type: "choice", required: true, options: targets.map(([, target]) => target.environment) },
                    version: { description: "An image digest (sha256:...) or tag; empty: the previous release", type: "string", required: false },
                    service: { description: "Which service", type: "choice", required: true, default: ALL_SERVICES, options: [ALL_SERVICES, ...config.services.map((service) => service.name)] },
                    reason: { description: "Why: goes into the incident issue", type: "string", required: true },
                },
            },
        },
        permissions: {},
        jobs: {
            route: {
                name: "run on the environment's branch",
                "runs-on": "ubuntu-latest",
                permissions: { actions: "write" },
                "timeout-minutes": 5,
                steps: [{
                    name: "Dispatch again on the environment's branch if this is not it",
                    env: {
                        GH_TOKEN: "${{ github.token }}",
                        WORKFLOW_FILE: ROLLBACK_WORKFLOW_FILE,
                        BRANCHES: JSON.stringify(Object.fromEntries(targets.map(([, target]) => [target.environment, target.branch]))),
                        TARGET: "${{ inputs.environment }}",
                        VERSION: "${{ inputs.version }}",
                        SERVICE: "${{ inputs.service }}",
                        REASON: "${{ inputs.reason }}",
                    },
                    run: ROUTE_ROLLBACK,
                }],
            },
            ...jobs,
            incident: {
                name: "open an incident issue",
                "runs-on": "ubuntu-latest",
                needs: rollbackJobs,
                // Whatever happened (even a failed rollback) is recorded; not a run that only sent the rollback to its branch.
                if: "!cancelled() && (contains(needs.*.result, 'success') || contains(needs.*.result, 'failure'))",
                permissions: { issues: "write" },
                "timeout-minutes": 5,
                steps: [{
                    name: "Open the issue",
                    env: {
                        GH_TOKEN: "${{ github.token }}",
                        REASON: "${{ inputs.reason }}",
                        TARGET: "${{ inputs.environment }}",
                        SERVICE: "${{ inputs.service }}",
                        VERSION: "${{ inputs.version }}",
                        ACTOR: "${{ github.actor }}",
                        RUN_URL,
                        JOBS: "${{ toJSON(needs) }}",
                    },
                    run: OPEN_INCIDENT,
                }],
            },
        },
    });
}
