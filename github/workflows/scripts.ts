/**
 * The shell the deploy and rollback workflows run. Every value comes from the environment (`env:` of the step or the
 * job), never from an expression inside the script, so that no event payload, input or ref can become shell. Every
 * wait is bounded: a number of attempts or a timeout, never a fixed sleep standing in for a check.
 *
 * Files under $RUNNER_TEMP carry state between the steps of one job: `rolled-out` (deployment, previous image) for
 * the automatic undo, `switched` (service, previous colour) for switching back, `actions.md` for the summary.
 */

const strict = "set -euo pipefail";

/** Connects kubectl to the environment's cluster (the role's access entry gives it the namespace only). */
export const CONNECT = `${strict}
aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$AWS_REGION"
kubectl -n "$K8S_NAMESPACE" get deployments`;

/**
 * Runs the service's migration Job from the template Pulumi keeps in `<service>-migration`, with the image being
 * deployed, and waits for it to complete or fail (env: SERVICE, IMAGE).
 */
export const MIGRATE = `${strict}
job=$(kubectl -n "$K8S_NAMESPACE" get configmap "$SERVICE-migration" -o jsonpath='{.data.job\\.yaml}' \\
  | kubectl create --dry-run=client -o json -f - \\
  | jq --arg image "$IMAGE" '.spec.template.spec.containers |= map(.image = $image)' \\
  | kubectl -n "$K8S_NAMESPACE" create -o name -f -)
echo "started $job with $IMAGE"
attempts=$(( ROLLOUT_TIMEOUT_SECONDS / HEALTH_INTERVAL_SECONDS ))
for _ in $(seq 1 "$attempts"); do
  state=$(kubectl -n "$K8S_NAMESPACE" get "$job" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
  case "$state" in
    *Complete*) echo "$job completed"; exit 0 ;;
    *Failed*) kubectl -n "$K8S_NAMESPACE" logs "$job" --tail=100 || true; echo "::error::migration $job failed"; exit 1 ;;
  esac
  sleep "$HEALTH_INTERVAL_SECONDS"
done
echo "::error::migration $job did not finish within $ROLLOUT_TIMEOUT_SECONDS seconds"
exit 1`;

/**
 * Points the Deployment at the image by digest and waits for the rollout. Records the previous image first, so the
 * undo step touches only what this run changed (env: SERVICE, DEPLOYMENT, IMAGE).
 */
export const ROLL_OUT = `${strict}
previous=$(kubectl -n "$K8S_NAMESPACE" get "deployment/$DEPLOYMENT" -o json | jq -r --arg c "$SERVICE" '.spec.template.spec.containers[] | select(.name == $c) | .image')
if [ "$previous" = "$IMAGE" ]; then
  echo "$DEPLOYMENT already runs $IMAGE"
else
  kubectl -n "$K8S_NAMESPACE" set image "deployment/$DEPLOYMENT" "$SERVICE=$IMAGE"
  printf '%s %s\\n' "$DEPLOYMENT" "$previous" >> "$RUNNER_TEMP/rolled-out"
fi
kubectl -n "$K8S_NAMESPACE" rollout status "deployment/$DEPLOYMENT" --timeout "\${ROLLOUT_TIMEOUT_SECONDS}s"
echo "- $DEPLOYMENT: $IMAGE" >> "$RUNNER_TEMP/actions.md"`;

/**
 * Asks the Deployment's health path a bounded number of times, each attempt through a new port-forward to a pod chosen
 * for that attempt: Ready, not terminating and, when IMAGE is set, running exactly that image (env: DEPLOYMENT, PORT,
 * HEALTH_PATH, IMAGE optional; K8S_NAMESPACE, HEALTH_ATTEMPTS, HEALTH_INTERVAL_SECONDS from the job).
 *
 * Why not one `kubectl port-forward deployment/X` for all attempts: kubectl resolves a Deployment (or a Service) to one
 * pod, once, when the command starts (kubernetes/kubectl pkg/polymorphichelpers: attachablePodForObject ->
 * GetFirstPod, sorted by podutils.ActivePods), and never re-attaches if that pod goes away (kubernetes/kubernetes#59816,
 * closed unimplemented; kubernetes/kubectl#686: a forward to a Service does not recover either). The Deployment's
 * selector also matches the previous ReplicaSet's pods, and the sort (kubectl pkg/util/podutils ActivePods, reversed)
 * has no criterion for a deletion timestamp and, between two Ready pods, prefers the one Ready the longest: an old pod,
 * possibly terminating. Every attempt would then fail, or pass against the old image. A Service is no better: the
 * forward goes to one pod chosen the same way, never through the Service's endpoints.
 */
export const SMOKE_TEST = `${strict}
selector=$(kubectl -n "$K8S_NAMESPACE" get "deployment/$DEPLOYMENT" -o json | jq -r '.spec.selector.matchLabels | to_entries | map("\\(.key)=\\(.value)") | join(",")')
forward=""
stop_forward() { if [ -n "$forward" ]; then kill "$forward" 2>/dev/null || true; wait "$forward" 2>/dev/null || true; forward=""; fi; }
trap stop_forward EXIT
for attempt in $(seq 1 "$HEALTH_ATTEMPTS"); do
  pod=$(kubectl -n "$K8S_NAMESPACE" get pods -l "$selector" -o json | jq -r --arg image "\${IMAGE:-}" '[.items[]
    | select(.metadata.deletionTimestamp == null)
    | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))
    | select($image == "" or any(.spec.containers[]; .image == $image))] | first | .metadata.name // empty')
  if [ -n "$pod" ]; then
    kubectl -n "$K8S_NAMESPACE" port-forward "pod/$pod" "18080:$PORT" > "$RUNNER_TEMP/port-forward.log" 2>&1 &
    forward=$!
    for _ in $(seq 1 20); do grep -q "Forwarding from" "$RUNNER_TEMP/port-forward.log" && break; sleep 0.5; done
    if curl --fail --silent --show-error --max-time 5 --output /dev/null "http://127.0.0.1:18080$HEALTH_PATH"; then
      echo "$DEPLOYMENT answered $HEALTH_PATH from $pod (attempt $attempt)"
      exit 0
    fi
    stop_forward
  else
    echo "attempt $attempt: no Ready pod of $DEPLOYMENT\${IMAGE:+ running $IMAGE} yet"
  fi
  sleep "$HEALTH_INTERVAL_SECONDS"
done
echo "::error::$DEPLOYMENT did not answer $HEALTH_PATH after $HEALTH_ATTEMPTS attempts"
exit 1`;

/** After a failure: `kubectl rollout undo` of every Deployment this run changed, then a failed run. */
export const UNDO_ROLLOUTS = `set -uo pipefail
if [ ! -s "$RUNNER_TEMP/rolled-out" ]; then echo "no Deployment was changed"; exit 1; fi
while read -r deployment previous; do
  echo "undoing $deployment (back to $previous)"
  kubectl -n "$K8S_NAMESPACE" rollout undo "deployment/$deployment"
  kubectl -n "$K8S_NAMESPACE" rollout status "deployment/$deployment" --timeout "\${ROLLOUT_TIMEOUT_SECONDS}s"
  echo "- rolled back $deployment to $previous" >> "$RUNNER_TEMP/actions.md"
done < "$RUNNER_TEMP/rolled-out"
echo "::error::the deploy failed and was rolled back"
exit 1`;

/** Writes the digests this run deployed, for the artifact a promotion reads (env: DIGESTS, JSON). */
export const RECORD_DIGESTS = `${strict}
mkdir -p "$RUNNER_TEMP/deployed"
echo "$DIGESTS" | jq -e 'to_entries | all(.value | test("^sha256:[0-9a-f]{64}$"))' > /dev/null
echo "$DIGESTS" | jq . > "$RUNNER_TEMP/deployed/digests.json"`;

/** Sends the run's outcome to Slack when the environment has a webhook (env: SLACK_WEBHOOK_URL, STATUS, TITLE, RUN_URL). */
export const NOTIFY_SLACK = `${strict}
if [ -z "\${SLACK_WEBHOOK_URL:-}" ]; then echo "no Slack webhook in this environment"; exit 0; fi
details=$(cat "$RUNNER_TEMP/actions.md" 2>/dev/null || true)
payload=$(jq -n --arg text "$TITLE: $STATUS ($RUN_URL)
$details" '{text: $text}')
curl --fail --silent --show-error --max-time 10 -H 'Content-Type: application/json' --data "$payload" "$SLACK_WEBHOOK_URL"`;

/** Hands what the job did (`actions.md`) to later jobs as the step output `summary`, for an incident issue. */
export const KEEP_SUMMARY = `${strict}
{ echo "summary<<SUMMARY_END"; cat "$RUNNER_TEMP/actions.md" 2>/dev/null || echo "nothing was changed"; echo "SUMMARY_END"; } >> "$GITHUB_OUTPUT"`;

/** Appends what the job did to the job summary. */
export const SUMMARY = `${strict}
{ echo "## $TITLE"; echo; cat "$RUNNER_TEMP/actions.md" 2>/dev/null || echo "nothing was changed"; } >> "$GITHUB_STEP_SUMMARY"`;
