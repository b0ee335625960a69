/**
 * The shell of promotion, blue-green and rollback (the conventions of scripts.ts hold: values only from the
 * environment, bounded waits, state in $RUNNER_TEMP). `switched` holds (service, previous colour) for switching back.
 */

import { FIND_LIVE } from "./canary-scripts";

const strict = "set -euo pipefail";
const selectorPatch = (variable: string) => `"$(jq -cn --arg c "$${variable}" '{spec: {selector: {colour: $c}}}')"`;

/**
 * Finds the source environment's successful deploy of exactly the release being promoted, and downloads the digests
 * it deployed (env: GH_TOKEN, VERSION, SOURCE_WORKFLOW, ARTIFACT, SEARCH_LIMIT; outputs: digests, file, run).
 *
 * With no VERSION (a push to the branch, or a dispatch without one) the release is the content of the commit this run
 * is on: the staging run whose head commit has the same content, `.github/` aside, is the one promoted (never merely
 * the newest, which may be newer than what was merged). `.github/` is left out because the program commits workflow
 * files, CODEOWNERS and the like straight to the branches, and those commits never deploy (paths-ignore), so they may
 * differ between the staging run and the merge without changing any image. The rulesets require branches to be up to
 * date before merging, so a merge of staging into main has staging's content. With VERSION (a tag or a commit), the
 * staging run of that tag or commit. At most SEARCH_LIMIT runs are read. Commits and trees by the REST API (Git
 * database: https://docs.github.com/en/rest/git/commits#get-a-commit-object and
 * https://docs.github.com/en/rest/git/trees#get-a-tree), runs by `gh run list --json` with explicit fields.
 */
export const FIND_RELEASE = `${strict}
if [ -n "\${VERSION:-}" ] && ! [[ "$VERSION" =~ ^[A-Za-z0-9._/-]{1,128}$ ]]; then
  echo "::error::version must be a tag or a commit SHA"; exit 1
fi
gh run list --repo "$GITHUB_REPOSITORY" --workflow "$SOURCE_WORKFLOW" --status success --limit "$SEARCH_LIMIT" \\
  --json databaseId,headBranch,headSha,createdAt > "$RUNNER_TEMP/runs.json"
# The content of a commit: its top-level tree entries but .github, one "path sha" a line.
content() {
  tree=$(gh api "repos/$GITHUB_REPOSITORY/git/commits/$1" --jq .tree.sha)
  gh api "repos/$GITHUB_REPOSITORY/git/trees/$tree" --jq '[.tree[] | select(.path != ".github") | "\\(.path) \\(.sha)"] | sort | join("\\n")'
}
run=""
if [ -n "\${VERSION:-}" ]; then
  run=$(jq -r --arg v "$VERSION" '[.[] | select(.headBranch == $v or .headSha == $v
    or (($v | length) >= 7 and (.headSha | startswith($v))))] | sort_by(.createdAt) | last | .databaseId // empty' "$RUNNER_TEMP/runs.json")
  wanted="$VERSION"
else
  wanted="the tree of $GITHUB_SHA ($(gh api "repos/$GITHUB_REPOSITORY/git/commits/$GITHUB_SHA" --jq .tree.sha))"
  mine=$(content "$GITHUB_SHA")
  for candidate in $(jq -r 'sort_by(.createdAt) | reverse | .[] | "\\(.databaseId):\\(.headSha)"' "$RUNNER_TEMP/runs.json"); do
    if [ "$(content "\${candidate#*:}")" = "$mine" ]; then run="\${candidate%%:*}"; break; fi
  done
fi
if [ -z "$run" ]; then
  echo "::error::no successful staging deploy of $wanted among the last $SEARCH_LIMIT successful $SOURCE_WORKFLOW runs: nothing to promote"; exit 1
fi
gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "$ARTIFACT" --dir "$RUNNER_TEMP/release"
{
  echo "digests=$(jq -c . "$RUNNER_TEMP/release/digests.json")"
  echo "file=$RUNNER_TEMP/release/digests.json"
  echo "run=$run"
} >> "$GITHUB_OUTPUT"
echo "- release: the digests $SOURCE_WORKFLOW deployed in run $run ($wanted)" >> "$RUNNER_TEMP/actions.md"`;

/**
 * Copies one service's image, by digest, from the source registry into this environment's, and proves the copy has
 * the same digest (env: SERVICE, RELEASE_FILE, SOURCE_REPOSITORY, TARGET_REPOSITORY).
 */
export const PROMOTE = `${strict}
digest=$(jq -r --arg s "$SERVICE" '.[$s] // empty' "$RELEASE_FILE")
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then echo "::error::the release has no digest for $SERVICE"; exit 1; fi
has_image() { aws ecr describe-images --registry-id "\${1%%.*}" --repository-name "\${1#*/}" --image-ids imageDigest="$digest" > /dev/null 2>&1; }
has_image "$SOURCE_REPOSITORY" || { echo "::error::$SOURCE_REPOSITORY has no image $digest"; exit 1; }
if ! has_image "$TARGET_REPOSITORY"; then
  docker buildx imagetools create --prefer-index=false --tag "$TARGET_REPOSITORY:promoted-\${digest#sha256:}" "$SOURCE_REPOSITORY@$digest"
fi
has_image "$TARGET_REPOSITORY" || { echo "::error::the copy in $TARGET_REPOSITORY does not have the digest $digest"; exit 1; }
echo "image=$TARGET_REPOSITORY@$digest" >> "$GITHUB_OUTPUT"
echo "- $SERVICE: promoted $digest" >> "$RUNNER_TEMP/actions.md"`;

/**
 * A manual snapshot of the database before any migration runs, waited for by polling its status a bounded number of
 * times (env: DB_INSTANCE_ID, SNAPSHOT_TIMEOUT_MINUTES, SNAPSHOT_POLL_SECONDS). Not `aws rds wait
 * db-snapshot-available`: it polls every 30 seconds and gives up after 60 checks, whatever the job allows
 * (https://boto3.amazonaws.com/v1/documentation/api/1.34.56/reference/services/rds/waiter/DBSnapshotAvailable.html, the
 * same waiter model the CLI uses; the CLI then exits 255). The waiter's failure states (deleted, deleting, failed,
 * incompatible-*) fail here at once; any other status is waited on.
 */
export const SNAPSHOT = `${strict}
snapshot="$DB_INSTANCE_ID-predeploy-$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"
aws rds create-db-snapshot --db-instance-identifier "$DB_INSTANCE_ID" --db-snapshot-identifier "$snapshot" \\
  --tags Key=Purpose,Value=predeploy "Key=Run,Value=$GITHUB_RUN_ID" > /dev/null
attempts=$(( SNAPSHOT_TIMEOUT_MINUTES * 60 / SNAPSHOT_POLL_SECONDS ))
for attempt in $(seq 1 "$attempts"); do
  status=$(aws rds describe-db-snapshots --db-snapshot-identifier "$snapshot" --query 'DBSnapshots[0].Status' --output text)
  case "$status" in
    available) echo "$snapshot available (check $attempt)"; echo "- database snapshot before migrations: $snapshot" >> "$RUNNER_TEMP/actions.md"; exit 0 ;;
    deleted|deleting|failed|incompatible-*) echo "::error::snapshot $snapshot is $status"; exit 1 ;;
    *) sleep "$SNAPSHOT_POLL_SECONDS" ;;
  esac
done
echo "::error::snapshot $snapshot was not available within $SNAPSHOT_TIMEOUT_MINUTES minutes; no migration ran"
exit 1`;

/**
 * After a successful production deploy: deletes this database's own pre-deploy snapshots older than RETENTION_DAYS,
 * oldest first, at most MAX_DELETIONS a run. Only manual snapshots named `<db>-predeploy-*` that also carry the tag
 * Purpose=predeploy (both set by SNAPSHOT), never any other (env: DB_INSTANCE_ID, RETENTION_DAYS, MAX_DELETIONS).
 * DescribeDBSnapshots returns TagList with each snapshot
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html).
 */
export const PRUNE_SNAPSHOTS = `${strict}
cutoff=$(date -u -d "-$RETENTION_DAYS days" +%Y-%m-%dT%H:%M:%S)
aws rds describe-db-snapshots --db-instance-identifier "$DB_INSTANCE_ID" --snapshot-type manual --max-items 100 \\
  --output json > "$RUNNER_TEMP/snapshots.json"
jq -r --arg prefix "$DB_INSTANCE_ID-predeploy-" --arg cutoff "$cutoff" --argjson max "$MAX_DELETIONS" '[.DBSnapshots[]
  | select(.DBSnapshotIdentifier | startswith($prefix))
  | select(any(.TagList[]?; .Key == "Purpose" and .Value == "predeploy"))
  | select(.Status == "available" and .SnapshotCreateTime[0:19] < $cutoff)]
  | sort_by(.SnapshotCreateTime) | .[:$max][] | .DBSnapshotIdentifier' "$RUNNER_TEMP/snapshots.json" > "$RUNNER_TEMP/expired"
while read -r snapshot; do
  aws rds delete-db-snapshot --db-snapshot-identifier "$snapshot" > /dev/null
  echo "- deleted the pre-deploy snapshot $snapshot (older than $RETENTION_DAYS days)" >> "$RUNNER_TEMP/actions.md"
done < "$RUNNER_TEMP/expired"
echo "$(wc -l < "$RUNNER_TEMP/expired") pre-deploy snapshot(s) older than $RETENTION_DAYS days deleted"`;

/**
 * Which colour serves the service now, and which Deployment is idle (env: SERVICE; a public service where blue-green
 * runs also RULE_ARN, BLUE_GROUP, GREEN_GROUP: its live colour is the one with all the weight, canary-scripts.ts).
 * A public service is written to \$RUNNER_TEMP/canary for the canary steps, and its idle colour's target group is the
 * output `group` (the ARN suffix CloudWatch names it by).
 */
export const FIND_IDLE_COLOUR = `${strict}
${FIND_LIVE}
find_live
{ echo "live=$live"; echo "idle=$idle"; echo "deployment=$SERVICE-$idle"; } >> "$GITHUB_OUTPUT"
if [ -n "\${RULE_ARN:-}" ]; then
  printf '%s %s %s %s %s %s\\n' "$SERVICE" "$RULE_ARN" "$live" "$live_arn" "$idle" "$idle_arn" >> "$RUNNER_TEMP/canary"
  echo "group=\${idle_arn##*:}" >> "$GITHUB_OUTPUT"
fi`;

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
breach() { echo "::error::$1"; exit 1; }
over() { awk -v errors="$1" -v requests="$2" -v max="$MAX_ERROR_RATE_PERCENT" 'BEGIN { exit !(requests > 0 && errors * 100 / requests > max) }'; }
for minute in $(seq 1 "$WATCH_MINUTES"); do
  sleep 60
  now=$(date +%s)
  period=$(( ((now - start) / 60 + 1) * 60 ))
  # One query per metric, built in one jq run: the load balancer's requests and its own 5xx, then each target group's
  # requests, 5xx and p95 latency (TARGET_GROUPS is "service=targetgroup/name/id" pairs; a query id is the service
  # name with "-" as "_", which CloudWatch ids do not allow).
  queries=$(jq -cn --arg lb "$LOAD_BALANCER" --arg groups "$TARGET_GROUPS" --argjson period "$period" '
    def query($id; $metric; $stat; $dimensions):
      {Id: $id, ReturnData: true, MetricStat: {Metric: {Namespace: "AWS/ApplicationELB", MetricName: $metric, Dimensions: $dimensions}, Period: $period, Stat: $stat}};
    [{Name: "LoadBalancer", Value: $lb}] as $balancer
    | [query("lb_requests"; "RequestCount"; "Sum"; $balancer), query("lb_errors"; "HTTPCode_ELB_5XX_Count"; "Sum"; $balancer)]
      + [$groups | split(" ")[] | select(length > 0) | (index("=")) as $at | {id: (.[:$at] | gsub("-"; "_")), group: .[$at + 1:]}
         | . as $g | ($balancer + [{Name: "TargetGroup", Value: $g.group}]) as $dimensions
         | query("r_\\($g.id)"; "RequestCount"; "Sum"; $dimensions), query("e_\\($g.id)"; "HTTPCode_Target_5XX_Count"; "Sum"; $dimensions),
           query("l_\\($g.id)"; "TargetResponseTime"; "p95"; $dimensions)]')
  aws cloudwatch get-metric-data --metric-data-queries "$queries" \\
    --start-time "$(date -u -d "@$((now - period))" +%FT%TZ)" --end-time "$(date -u -d "@$now" +%FT%TZ)" > "$RUNNER_TEMP/metrics.json"
  # Each query's highest value in the window, as "id value" lines (0 where it has no data point).
  values=$(jq -r '.MetricDataResults[] | "\\(.Id) \\([.Values[]] | max // 0)"' "$RUNNER_TEMP/metrics.json")
  value() { awk -v id="$1" '$1 == id && (!found || $2 > v) { v = $2; found = 1 } END { print (found ? v : 0) }' <<< "$values"; }
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

/**
 * Keeps a production release of a release tag on record: finds the `v*` tag (TAG_PREFIX) that points at the commit the
 * promoted staging run deployed, and creates a GitHub Release for it with the digests production runs and a link to
 * the run; GitHub appends the notes it generates from the changes since the previous release (REST API, "Create a
 * release": "If body is specified, the body will be pre-pended to the automatically generated notes"). A release
 * that exists already is left alone; a release of no tag (a merge to main) is not recorded
 * (env: GH_TOKEN, RUN, DIGESTS, TAG_PREFIX, RUN_URL).
 */
export const RECORD_RELEASE = `${strict}
sha=$(gh run view "$RUN" --repo "$GITHUB_REPOSITORY" --json headSha --jq .headSha)
gh api "repos/$GITHUB_REPOSITORY/tags?per_page=100" > "$RUNNER_TEMP/tags.json"
tag=$(jq -r --arg sha "$sha" --arg prefix "$TAG_PREFIX" '[.[] | select(.commit.sha == $sha and (.name | startswith($prefix))) | .name] | sort | last // empty' "$RUNNER_TEMP/tags.json")
if [ -z "$tag" ]; then echo "no $TAG_PREFIX* tag points at $sha: a release of no tag, nothing to record"; exit 0; fi
if gh api "repos/$GITHUB_REPOSITORY/releases/tags/$tag" > /dev/null 2>&1; then echo "release $tag is on record already"; exit 0; fi
body=$(jq -rn --argjson digests "$DIGESTS" --arg run "$RUN_URL" '"Deployed to production by \\($run).\\n\\n" + ($digests | to_entries | map("- \\(.key): \\(.value)") | join("\\n"))')
gh api --method POST "repos/$GITHUB_REPOSITORY/releases" -f tag_name="$tag" -f name="$tag" -f body="$body" -F generate_release_notes=true > /dev/null
echo "- release $tag recorded" >> "$GITHUB_STEP_SUMMARY"`;
