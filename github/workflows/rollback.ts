/**
 * rollback.yml: by dispatch, with the environment (a choice), a version or digest (default: the previous one), the
 * service (one or all) and the reason. One job per environment, each naming its environment, so production's
 * rollback waits for production's reviewers and every job reads only its own environment's variables. Where
 * blue-green runs, traffic goes back to the other colour (or the given version goes there first, smoke-tested);
 * elsewhere the previous ReplicaSet or the given digest. Then an incident issue says why and what was done.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { clusterJobEnv, clusterSteps, reportSteps } from "./deploy";
import { defineWorkflow, type Job, type Step, type Workflow } from "./model";
import { VARIABLES } from "./names";
import { ROLLBACK_PREPARE, SWITCH } from "./release-scripts";
import { SMOKE_TEST } from "./scripts";

type RollbackConfig = Pick<PlatformConfig, "services" | "environments" | "delivery" | "cluster">;

export const ALL_SERVICES = "all";

const KEEP_SUMMARY = `set -euo pipefail
{ echo "summary<<SUMMARY_END"; cat "$RUNNER_TEMP/actions.md" 2>/dev/null || echo "nothing was changed"; echo "SUMMARY_END"; } >> "$GITHUB_OUTPUT"`;

const OPEN_INCIDENT = `set -euo pipefail
body=$(jq -rn --arg reason "$REASON" --arg environment "$TARGET" --arg service "$SERVICE" --arg version "$VERSION" \\
  --arg actor "$ACTOR" --arg run "$RUN_URL" --argjson jobs "$JOBS" '
  "A rollback ran.\\n\\n- environment: \\($environment)\\n- service: \\($service)\\n- version: \\(if $version == "" then "the previous one" else $version end)\\n- requested by: \\($actor)\\n- run: \\($run)\\n\\n## Reason\\n\\n\\($reason)\\n\\n## What was done\\n\\n"
  + ([$jobs | to_entries[] | select(.value.result != "skipped") | "### \\(.key): \\(.value.result)\\n\\n\\(.value.outputs.summary // "no summary")\\n"] | join("\\n"))')
gh issue create --repo "$GITHUB_REPOSITORY" --title "Rollback of $SERVICE in $TARGET" --body "$body"`;

function serviceSteps(service: ServiceConfig, blueGreen: boolean): Step[] {
    const id = `rollback-${service.name}`;
    const selected = `inputs.service == '${ALL_SERVICES}' || inputs.service == '${service.name}'`;
    const steps: Step[] = [
        {
            name: `${service.name}: prepare the previous release`,
            id,
            if: selected,
            env: { SERVICE: service.name, VERSION: "${{ inputs.version }}", REPOSITORY: `\${{ vars.${VARIABLES.repository(service.name)} }}`, BLUE_GREEN: String(blueGreen) },
            run: ROLLBACK_PREPARE,
        },
        { name: `${service.name}: smoke test`, if: selected, env: { DEPLOYMENT: `\${{ steps.${id}.outputs.deployment }}`, PORT: String(service.port), HEALTH_PATH: service.healthPath }, run: SMOKE_TEST },
    ];
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
    const jobs: Record<string, Job<string>> = Object.fromEntries(targets.map(([stack, target]): [string, Job<string>] => [`rollback-${stack}`, {
        name: `roll back ${target.environment}`,
        "runs-on": "ubuntu-latest",
        if: `inputs.environment == '${target.environment}'`,
        environment: target.environment,
        permissions: { contents: "read", "id-token": "write" },
        "timeout-minutes": 15 + 2 * config.services.length * config.delivery.rolloutTimeoutMinutes,
        // Rollbacks have their own queue: one never waits behind a deploy that is still watching its release.
        concurrency: { group: `rollback-${target.environment}`, "cancel-in-progress": false, queue: "max" },
        outputs: { summary: "${{ steps.summary.outputs.summary }}" },
        env: clusterJobEnv(config),
        steps: [
            ...clusterSteps(config),
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
            ...jobs,
            incident: {
                name: "open an incident issue",
                "runs-on": "ubuntu-latest",
                needs: rollbackJobs,
                // Whatever happened (even a failed rollback) is recorded; only a rollback that never started is not.
                if: "always() && !cancelled()",
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
                        RUN_URL: "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
                        JOBS: "${{ toJSON(needs) }}",
                    },
                    run: OPEN_INCIDENT,
                }],
            },
        },
    });
}
