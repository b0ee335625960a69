/**
 * The shell of promotion, blue-green and rollback (the conventions of scripts.ts hold: values only from the
 * environment, bounded waits, state in $RUNNER_TEMP). `switched` holds (service, previous colour) for switching back.
 */

const strict = "set -euo pipefail";
const selectorPatch = (variable: string) => `"$(jq -cn --arg c "$${variable}" '{spec: {selector: {colour: $c}}}')"`;

/**
 * Finds the newest successful run of the source environment's deploy workflow (for VERSION, a tag or commit it ran)
 * and downloads the digests it deployed: what production promotes (env: GH_TOKEN, VERSION, SOURCE_WORKFLOW, ARTIFACT).
 */
export const FIND_RELEASE = `${strict}
if [ -n "\${VERSION:-}" ] && ! [[ "$VERSION" =~ ^[A-Za-z0-9._/-]{1,128}$ ]]; then
  echo "::error::version must be a tag or a commit SHA"; exit 1
fi
gh run list --repo "$GITHUB_REPOSITORY" --workflow "$SOURCE_WORKFLOW" --status success --limit 200 \\
  --json databaseId,headBranch,headSha,createdAt > "$RUNNER_TEMP/runs.json"
run=$(jq -r --arg v "\${VERSION:-}" '[.[] | select($v == "" or .headBranch == $v or .headSha == $v
  or (($v | length) >= 7 and (.headSha | startswith($v))))] | sort_by(.createdAt) | last | .databaseId // empty' "$RUNNER_TEMP/runs.json")
if [ -z "$run" ]; then echo "::error::no successful $SOURCE_WORKFLOW run\${VERSION:+ of $VERSION}: nothing to promote"; exit 1; fi
gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "$ARTIFACT" --dir "$RUNNER_TEMP/release"
echo "digests=$(jq -c . "$RUNNER_TEMP/release/digests.json")" >> "$GITHUB_OUTPUT"
echo "file=$RUNNER_TEMP/release/digests.json" >> "$GITHUB_OUTPUT"
echo "- release: the digests $SOURCE_WORKFLOW deployed in run $run" >> "$RUNNER_TEMP/actions.md"`;

/**
 * Copies one service's image, by digest, from the source registry into this environment's, and proves the copy has
 * the same digest (env: SERVICE, RELEASE_FILE, SOURCE_REPOSITORY, TARGET_REPOSITORY).
 */
export const PROMOTE = `${strict}
digest=$(jq -r --arg s "$SERVICE" '.[$s] // empty' "$RELEASE_FILE")
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then echo "::error::the release has no digest for $SERVICE"; exit 1; fi
has_image() { aws ecr describe-images --repository-name "\${1#*/}" --image-ids imageDigest="$digest" > /dev/null 2>&1; }
has_image "$SOURCE_REPOSITORY" || { echo "::error::$SOURCE_REPOSITORY has no image $digest"; exit 1; }
if ! has_image "$TARGET_REPOSITORY"; then
  docker buildx imagetools create --prefer-index=false --tag "$TARGET_REPOSITORY:promoted-\${digest#sha256:}" "$SOURCE_REPOSITORY@$digest"
fi
has_image "$TARGET_REPOSITORY" || { echo "::error::the copy in $TARGET_REPOSITORY does not have the digest $digest"; exit 1; }
echo "image=$TARGET_REPOSITORY@$digest" >> "$GITHUB_OUTPUT"
echo "- $SERVICE: promoted $digest" >> "$RUNNER_TEMP/actions.md"`;

/** A manual snapshot of the database, waited for, before any migration runs (env: DB_INSTANCE_ID). */
export const SNAPSHOT = `${strict}
snapshot="$DB_INSTANCE_ID-predeploy-$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"
aws rds create-db-snapshot --db-instance-identifier "$DB_INSTANCE_ID" --db-snapshot-identifier "$snapshot" \\
  --tags Key=Purpose,Value=predeploy "Key=Run,Value=$GITHUB_RUN_ID" > /dev/null
aws rds wait db-snapshot-available --db-snapshot-identifier "$snapshot"
echo "- database snapshot before migrations: $snapshot" >> "$RUNNER_TEMP/actions.md"`;

/** Which colour serves the service now, and which Deployment is idle (env: SERVICE). */
export const FIND_IDLE_COLOUR = `${strict}
live=$(kubectl -n "$K8S_NAMESPACE" get service "$SERVICE" -o jsonpath='{.spec.selector.colour}')
case "$live" in
  blue) idle=green ;;
  green) idle=blue ;;
  *) echo "::error::the Service $SERVICE selects no colour; expected blue or green"; exit 1 ;;
esac
{ echo "live=$live"; echo "idle=$idle"; echo "deployment=$SERVICE-$idle"; } >> "$GITHUB_OUTPUT"`;

/** Sends the service's traffic to COLOUR, remembering PREVIOUS for a switch back (env: SERVICE, COLOUR, PREVIOUS). */
export const SWITCH = `${strict}
kubectl -n "$K8S_NAMESPACE" patch service "$SERVICE" --type merge -p ${selectorPatch("COLOUR")}
printf '%s %s\\n' "$SERVICE" "$PREVIOUS" >> "$RUNNER_TEMP/switched"
echo "- $SERVICE: live colour $PREVIOUS -> $COLOUR" >> "$RUNNER_TEMP/actions.md"`;

/**
 * Watches the release for WATCH_MINUTES after the switch: the 5xx share of the load balancer's and each public
 * service's target group's requests since the switch, each target group's p95 response time, and that the new
 * Deployments stay available. Fails at the first breach (env: LOAD_BALANCER, TARGET_GROUPS "service=suffix ...",
 * DEPLOYMENTS, WATCH_MINUTES, MAX_ERROR_RATE_PERCENT, MAX_P95_LATENCY_MS).
 */
export const WATCH = `${strict}
start=$(date +%s)
query() {
  jq -cn --arg id "$1" --arg metric "$2" --arg stat "$3" --argjson dimensions "$4" --argjson period "$period" \\
    '{Id: $id, ReturnData: true, MetricStat: {Metric: {Namespace: "AWS/ApplicationELB", MetricName: $metric, Dimensions: $dimensions}, Period: $period, Stat: $stat}}'
}
value() { jq -r --arg id "$1" '[.MetricDataResults[] | select(.Id == $id) | .Values[]] | max // 0' "$RUNNER_TEMP/metrics.json"; }
breach() { echo "::error::$1"; exit 1; }
for minute in $(seq 1 "$WATCH_MINUTES"); do
  sleep 60
  now=$(date +%s)
  period=$(( ((now - start) / 60 + 1) * 60 ))
  lb=$(jq -cn --arg lb "$LOAD_BALANCER" '[{Name: "LoadBalancer", Value: $lb}]')
  queries="$(query lb_requests RequestCount Sum "$lb"),$(query lb_errors HTTPCode_ELB_5XX_Count Sum "$lb")"
  for pair in $TARGET_GROUPS; do
    id=$(echo "\${pair%%=*}" | tr '-' '_')
    dimensions=$(jq -cn --arg lb "$LOAD_BALANCER" --arg tg "\${pair#*=}" '[{Name: "LoadBalancer", Value: $lb}, {Name: "TargetGroup", Value: $tg}]')
    queries="$queries,$(query "r_$id" RequestCount Sum "$dimensions"),$(query "e_$id" HTTPCode_Target_5XX_Count Sum "$dimensions"),$(query "l_$id" TargetResponseTime p95 "$dimensions")"
  done
  aws cloudwatch get-metric-data --metric-data-queries "[$queries]" \\
    --start-time "$(date -u -d "@$((now - period))" +%FT%TZ)" --end-time "$(date -u -d "@$now" +%FT%TZ)" > "$RUNNER_TEMP/metrics.json"
  over() { awk -v errors="$1" -v requests="$2" -v max="$MAX_ERROR_RATE_PERCENT" 'BEGIN { exit !(requests > 0 && errors * 100 / requests > max) }'; }
  # The load balancer's own 5xx (no healthy target) never reach RequestCount: they count on both sides.
  lb_errors=$(value lb_errors)
  if over "$lb_errors" "$(awk -v a="$(value lb_requests)" -v b="$lb_errors" 'BEGIN { print a + b }')"; then
    breach "load balancer 5xx above $MAX_ERROR_RATE_PERCENT% after $minute minute(s)"
  fi
  for pair in $TARGET_GROUPS; do
    id=$(echo "\${pair%%=*}" | tr '-' '_')
    if over "$(value "e_$id")" "$(value "r_$id")"; then breach "\${pair%%=*}: 5xx above $MAX_ERROR_RATE_PERCENT% after $minute minute(s)"; fi
    if awk -v seconds="$(value "l_$id")" -v max="$MAX_P95_LATENCY_MS" 'BEGIN { exit !(seconds * 1000 > max) }'; then
      breach "\${pair%%=*}: p95 latency above \${MAX_P95_LATENCY_MS} ms after $minute minute(s)"
    fi
  done
  for deployment in $DEPLOYMENTS; do
    unavailable=$(kubectl -n "$K8S_NAMESPACE" get "deployment/$deployment" -o jsonpath='{.status.unavailableReplicas}')
    if [ "\${unavailable:-0}" -gt 0 ]; then breach "$deployment has $unavailable unavailable replica(s) after $minute minute(s)"; fi
  done
  echo "minute $minute of $WATCH_MINUTES: within bounds"
done
echo "- watched $WATCH_MINUTES minute(s): error rate and latency within bounds" >> "$RUNNER_TEMP/actions.md"`;

/** After a failure: every Service this run switched goes back to its previous colour, and the run fails. */
export const SWITCH_BACK = `set -uo pipefail
if [ ! -s "$RUNNER_TEMP/switched" ]; then echo "no Service was switched"; exit 1; fi
while read -r service colour; do
  kubectl -n "$K8S_NAMESPACE" patch service "$service" --type merge -p ${selectorPatch("colour")}
  echo "- switched $service back to $colour" >> "$RUNNER_TEMP/actions.md"
done < "$RUNNER_TEMP/switched"
echo "::error::the release failed and traffic went back to the previous colour"
exit 1`;

/**
 * Rollback, one service: with no VERSION, the previous colour (blue-green) or the previous ReplicaSet; with one, that
 * image (digest, or tag resolved to its digest) on the idle colour or the Deployment. Writes the Deployment to verify
 * and, for blue-green, the colour to switch to (env: SERVICE, VERSION, REPOSITORY, BLUE_GREEN).
 */
export const ROLLBACK_PREPARE = `${strict}
image=""
if [ -n "\${VERSION:-}" ]; then
  if [[ "$VERSION" =~ ^sha256:[0-9a-f]{64}$ ]]; then digest="$VERSION"
  elif [[ "$VERSION" =~ ^[A-Za-z0-9._-]{1,128}$ ]]; then
    digest=$(aws ecr describe-images --repository-name "\${REPOSITORY#*/}" --image-ids imageTag="$VERSION" --query 'imageDetails[0].imageDigest' --output text)
  else echo "::error::version must be an image digest (sha256:...) or an image tag"; exit 1; fi
  image="$REPOSITORY@$digest"
fi
if [ "$BLUE_GREEN" = true ]; then
  live=$(kubectl -n "$K8S_NAMESPACE" get service "$SERVICE" -o jsonpath='{.spec.selector.colour}')
  case "$live" in blue) target=green ;; green) target=blue ;; *) echo "::error::the Service $SERVICE selects no colour"; exit 1 ;; esac
  deployment="$SERVICE-$target"
  if [ -n "$image" ]; then kubectl -n "$K8S_NAMESPACE" set image "deployment/$deployment" "$SERVICE=$image"; fi
  { echo "switch=$target"; echo "previous=$live"; } >> "$GITHUB_OUTPUT"
else
  deployment="$SERVICE"
  if [ -n "$image" ]; then kubectl -n "$K8S_NAMESPACE" set image "deployment/$deployment" "$SERVICE=$image"
  else kubectl -n "$K8S_NAMESPACE" rollout undo "deployment/$deployment"; fi
fi
kubectl -n "$K8S_NAMESPACE" rollout status "deployment/$deployment" --timeout "\${ROLLOUT_TIMEOUT_SECONDS}s"
echo "deployment=$deployment" >> "$GITHUB_OUTPUT"
echo "- $SERVICE: $deployment now runs \${image:-its previous image}" >> "$RUNNER_TEMP/actions.md"`;
