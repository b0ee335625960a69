/**
 * The shell of rollbacks and of the incident a failed production deploy opens (the conventions of scripts.ts hold:
 * values only from the environment, bounded loops, state in $RUNNER_TEMP).
 */

import { FIND_LIVE } from "./canary-scripts";

const strict = "set -euo pipefail";

/**
 * Downloads the digests of the environment's last successful deploys, newest first, at most SEARCH_LIMIT runs read and
 * downloaded: what a rollback without a version goes back by. Writes `$RUNNER_TEMP/releases`, one "<run id> <digests
 * file>" a line, newest first; a run whose artifact has expired (90 days) is skipped (env: GH_TOKEN, DEPLOY_WORKFLOW,
 * ARTIFACT, SEARCH_LIMIT; output: count).
 */
export const FIND_RELEASES = `${strict}
gh run list --repo "$GITHUB_REPOSITORY" --workflow "$DEPLOY_WORKFLOW" --status success --limit "$SEARCH_LIMIT" \\
  --json databaseId,createdAt > "$RUNNER_TEMP/deploy-runs.json"
: > "$RUNNER_TEMP/releases"
for run in $(jq -r 'sort_by(.createdAt) | reverse | .[].databaseId' "$RUNNER_TEMP/deploy-runs.json"); do
  if gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "$ARTIFACT" --dir "$RUNNER_TEMP/releases.d/$run" > /dev/null 2>&1; then
    echo "$run $RUNNER_TEMP/releases.d/$run/digests.json" >> "$RUNNER_TEMP/releases"
  else
    echo "run $run: no $ARTIFACT artifact (expired or never uploaded), skipped"
  fi
done
echo "count=$(wc -l < "$RUNNER_TEMP/releases")" >> "$GITHUB_OUTPUT"`;

/**
 * Rollback, one service. The image: VERSION (a digest, or a tag resolved to its digest) or, with none, the digest the
 * last successful deploy before the current one deployed: the newest release in `releases` whose digest is the one
 * running now, then the next older one with a different digest. Never `kubectl rollout undo` and never "the other
 * colour" as they are: a deploy's own undo is itself a new revision, and after a switch-back the idle colour still runs
 * the failed release, so either could bring back the release that just failed. Blue-green: the image goes on the
 * idle colour, which is then verified and switched to; rolling: on the Deployment (env: SERVICE, VERSION, REPOSITORY,
 * BLUE_GREEN, RELEASES, and for a public blue-green service RULE_ARN, BLUE_GROUP, GREEN_GROUP: its live colour is the
 * one with all the weight, and it is written to \$RUNNER_TEMP/canary for the weight switch; outputs: deployment, image,
 * and for blue-green switch and previous).
 */
export const rollbackPrepare = (blueGreen: boolean): string => `${strict}
${blueGreen ? `${FIND_LIVE}
if [ "$BLUE_GREEN" = true ]; then
  find_live
  target="$idle"
  running="$SERVICE-$live"
  deployment="$SERVICE-$target"
else
  running="$SERVICE"
  deployment="$SERVICE"
fi` : `running="$SERVICE"
deployment="$SERVICE"`}
current=$(kubectl -n "$K8S_NAMESPACE" get "deployment/$running" -o json | jq -r --arg c "$SERVICE" '.spec.template.spec.containers[] | select(.name == $c) | .image')
current_digest="\${current##*@}"
if [ -n "\${VERSION:-}" ]; then
  if [[ "$VERSION" =~ ^sha256:[0-9a-f]{64}$ ]]; then digest="$VERSION"
  elif [[ "$VERSION" =~ ^[A-Za-z0-9._-]{1,128}$ ]]; then
    digest=$(aws ecr describe-images --repository-name "\${REPOSITORY#*/}" --image-ids imageTag="$VERSION" --query 'imageDetails[0].imageDigest' --output text)
  else echo "::error::version must be an image digest (sha256:...) or an image tag"; exit 1; fi
else
  if ! [[ "$current_digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "::error::$running runs $current, not an image by digest: give the version to roll back to"; exit 1
  fi
  found=""
  digest=""
  while read -r run file; do
    release=$(jq -r --arg s "$SERVICE" '.[$s] // empty' "$file")
    if [ -z "$found" ]; then
      if [ "$release" = "$current_digest" ]; then found="$run"; fi
    elif [ -n "$release" ] && [ "$release" != "$current_digest" ]; then
      digest="$release"; echo "previous release of $SERVICE: run $run (the current one: run $found)"; break
    fi
  done < "$RELEASES"
  if [ -z "$found" ]; then
    echo "::error::$SERVICE runs $current_digest, which no successful deploy among the last $(wc -l < "$RELEASES") recorded: give the version to roll back to"; exit 1
  fi
  if [ -z "$digest" ]; then
    echo "::error::no successful deploy of $SERVICE before the current one (run $found) among the last $(wc -l < "$RELEASES"): nothing to roll back to"; exit 1
  fi
fi
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then echo "::error::no image digest for $SERVICE \${VERSION:-}"; exit 1; fi
# A digest the registry does not hold would leave the Deployment's new pods failing to pull until the rollout times
# out: refuse it before anything changes (describe-images fails with ImageNotFoundException).
if ! aws ecr describe-images --repository-name "\${REPOSITORY#*/}" --image-ids imageDigest="$digest" --query 'imageDetails[0].imageDigest' --output text > /dev/null; then
  echo "::error::$SERVICE: the registry has no image $digest: nothing was changed"; exit 1
fi
image="$REPOSITORY@$digest"
kubectl -n "$K8S_NAMESPACE" set image "deployment/$deployment" "$SERVICE=$image"
kubectl -n "$K8S_NAMESPACE" rollout status "deployment/$deployment" --timeout "\${ROLLOUT_TIMEOUT_SECONDS}s"
${blueGreen ? `if [ "$BLUE_GREEN" = true ]; then { echo "switch=$target"; echo "previous=$live"; } >> "$GITHUB_OUTPUT"; fi
# A public service's traffic moves by weight (canary-scripts.ts SHIFT, at 100 %).
if [ -n "\${RULE_ARN:-}" ]; then printf '%s %s %s %s %s %s\\n' "$SERVICE" "$RULE_ARN" "$live" "$live_arn" "$idle" "$idle_arn" >> "$RUNNER_TEMP/canary"; fi
` : ""}{ echo "deployment=$deployment"; echo "image=$image"; } >> "$GITHUB_OUTPUT"
echo "- $SERVICE: $deployment now runs $image (was $current)" >> "$RUNNER_TEMP/actions.md"`;

/**
 * The rollback of a blue-green environment (it still reads BLUE_GREEN); a rolling one's (`rollbackPrepare(false)`) leaves
 * out the colours and `find_live`, whose load balancer reads it never makes and its deploy role may not make.
 */
export const ROLLBACK_PREPARE = rollbackPrepare(true);

/**
 * A rollback must run on the branch its environment admits (an environment's deployment branch policy is checked
 * against the ref the run is on). Dispatched on another ref, this re-dispatches the same workflow with the same inputs
 * on the environment's branch and says so; on the right ref it does nothing. A workflow_dispatch sent with the job's
 * GITHUB_TOKEN does start a run (https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/trigger-a-workflow,
 * "Triggering a workflow from a workflow") (env: GH_TOKEN, WORKFLOW_FILE, BRANCHES (JSON: environment -> branch),
 * TARGET, VERSION, SERVICE, REASON).
 */
export const ROUTE_ROLLBACK = `${strict}
branch=$(echo "$BRANCHES" | jq -r --arg e "$TARGET" '.[$e] // empty')
if [ -z "$branch" ]; then echo "::error::no branch deploys to $TARGET"; exit 1; fi
if [ "$GITHUB_REF" = "refs/heads/$branch" ]; then echo "on $branch: the rollback of $TARGET runs here"; exit 0; fi
gh workflow run "$WORKFLOW_FILE" --repo "$GITHUB_REPOSITORY" --ref "$branch" \\
  -f environment="$TARGET" -f service="$SERVICE" -f version="\${VERSION:-}" -f reason="$REASON"
echo "$TARGET admits only $branch: the rollback was dispatched again on $branch (see the $WORKFLOW_FILE runs of $branch)" | tee -a "$GITHUB_STEP_SUMMARY"`;

/**
 * After a failed production deploy: an issue with what ran (the services and digests of the release, the step that
 * failed, what the job did, the run) (env: GH_TOKEN, TITLE, ENVIRONMENT, SERVICES, DIGESTS, SUMMARY, RUN_URL). The
 * failed step comes from the run attempt's jobs (https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt).
 */
export const DEPLOY_INCIDENT = `${strict}
gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT/jobs" > "$RUNNER_TEMP/jobs.json"
failed=$(jq -r '[.jobs[] | select(.conclusion == "failure") | .name as $job | (.steps // [])[] | select(.conclusion == "failure") | "\\($job): \\(.name)"] | join("; ")' "$RUNNER_TEMP/jobs.json")
body=$(jq -rn --arg environment "$ENVIRONMENT" --arg services "$SERVICES" --arg digests "\${DIGESTS:-}" --arg failed "\${failed:-unknown}" \\
  --arg summary "\${SUMMARY:-}" --arg run "$RUN_URL" '
  "The deploy to \\($environment) failed.\\n\\n- run: \\($run)\\n- failed step: \\($failed)\\n- services: \\($services)\\n\\n## Release\\n\\n"
  + (if $digests == "" then "no release was found" else ($digests | fromjson | to_entries | map("- \\(.key): \\(.value)") | join("\\n")) end)
  + "\\n\\n## What the job did\\n\\n" + (if $summary == "" then "nothing was recorded" else $summary end)')
gh issue create --repo "$GITHUB_REPOSITORY" --title "$TITLE failed (run $GITHUB_RUN_ID)" --body "$body"`;
