/**
 * The shell of the canary: which colour is live, shifting a public service's traffic by load balancer weight, and
 * putting all of it back on the live colour (the conventions of scripts.ts hold: values only from the environment,
 * bounded loops, state in $RUNNER_TEMP).
 *
 * Where blue-green runs, a public service's listener rule forwards to both colours' target groups by weight
 * (infra/edge); the weights are the pipeline's, and they are the record of which colour is live: the colour that has
 * all of them. An internal service's live colour is its Service's selector, as before; after a canary reaches 100 %
 * the public service's Service selector follows too, for callers inside the cluster. The weights are read with
 * DescribeRules and set with ModifyRule, whose forward action replaces the rule's actions as a whole
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyRule.html; weights 0 to 999 per
 * target group, https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html).
 *
 * `$RUNNER_TEMP/canary` holds one line per public service, "service rule live live-arn idle idle-arn";
 * `$RUNNER_TEMP/shifted` the same lines of the services whose weights this run changed (what a failure restores).
 */

/**
 * A shell function, `find_live`, that sets `live` and `idle` for SERVICE: from the weights of RULE_ARN where it is set
 * (a public service in a blue-green environment; BLUE_GROUP and GREEN_GROUP are the colours' target group ARN
 * suffixes), and then also `live_arn` and `idle_arn`; otherwise from the Service's selector. Split weights (a canary
 * that never finished: the runner died, or nothing restored them) are refused rather than guessed.
 */
export const FIND_LIVE = `find_live() {
  if [ -z "\${RULE_ARN:-}" ]; then
    live=$(kubectl -n "$K8S_NAMESPACE" get service "$SERVICE" -o jsonpath='{.spec.selector.colour}')
  else
    aws elbv2 describe-rules --rule-arns "$RULE_ARN" --output json > "$RUNNER_TEMP/rule-$SERVICE.json"
    # "colour arn weight" for each target group the rule forwards to, its colour known by its ARN suffix.
    groups=$(jq -r --arg blue "$BLUE_GROUP" --arg green "$GREEN_GROUP" '.Rules[0].Actions[] | select(.Type == "forward")
      | .ForwardConfig.TargetGroups[]? | (if (.TargetGroupArn | endswith(":" + $blue)) then "blue"
        elif (.TargetGroupArn | endswith(":" + $green)) then "green" else "other" end) as $colour
      | "\\($colour) \\(.TargetGroupArn) \\(.Weight // 1)"' "$RUNNER_TEMP/rule-$SERVICE.json")
    field() { awk -v c="$1" -v f="$2" '$1 == c { print $f; exit }' <<< "$groups"; }
    blue_arn=$(field blue 2); blue_weight=$(field blue 3); green_arn=$(field green 2); green_weight=$(field green 3)
    if [ -z "$blue_arn" ] || [ -z "$green_arn" ]; then
      echo "::error::the listener rule of $SERVICE does not forward to both colours' target groups ($BLUE_GROUP, $GREEN_GROUP)"; exit 1
    fi
    if [ "$blue_weight" -gt 0 ] && [ "$green_weight" -eq 0 ]; then live=blue
    elif [ "$green_weight" -gt 0 ] && [ "$blue_weight" -eq 0 ]; then live=green
    else
      echo "::error::$SERVICE's traffic is split (blue $blue_weight, green $green_weight): a canary did not finish. Put all weight on the colour its Service selects (the last finished release) with the elbv2 modify-rule command, then run again"
      exit 1
    fi
  fi
  case "$live" in
    blue) idle=green ;;
    green) idle=blue ;;
    *) echo "::error::the Service $SERVICE selects no colour; expected blue or green"; exit 1 ;;
  esac
  if [ -n "\${RULE_ARN:-}" ]; then
    if [ "$live" = blue ]; then live_arn="$blue_arn"; idle_arn="$green_arn"; else live_arn="$green_arn"; idle_arn="$blue_arn"; fi
  fi
}`;

/** One forward action over the two target groups with the given weights, as ModifyRule's --actions takes it. */
const FORWARD = `forward() {
  jq -cn --arg a "$1" --argjson wa "$2" --arg b "$3" --argjson wb "$4" \\
    '[{Type: "forward", ForwardConfig: {TargetGroups: [{TargetGroupArn: $a, Weight: $wa}, {TargetGroupArn: $b, Weight: $wb}]}}]'
}`;

/**
 * Gives the new colour PERCENT of every public service's traffic (of the one SERVICE names, where set) and the live
 * colour the rest. Each service is written to `shifted` before its rule changes, so a failure at any point restores it.
 * Only the rules RULE_ARNS lists (this environment's, from its variables) are ever modified.
 */
export const SHIFT = `set -euo pipefail
${FORWARD}
touch "$RUNNER_TEMP/shifted"
while read -r service rule live live_arn idle idle_arn; do
  if [ -n "\${SERVICE:-}" ] && [ "$service" != "$SERVICE" ]; then continue; fi
  case " $RULE_ARNS " in *" $rule "*) ;; *) echo "::error::$service: $rule is not one of this environment's listener rules"; exit 1 ;; esac
  if ! grep -q "^$service " "$RUNNER_TEMP/shifted"; then
    printf '%s %s %s %s %s %s\\n' "$service" "$rule" "$live" "$live_arn" "$idle" "$idle_arn" >> "$RUNNER_TEMP/shifted"
  fi
  aws elbv2 modify-rule --rule-arn "$rule" --actions "$(forward "$live_arn" $((100 - PERCENT)) "$idle_arn" "$PERCENT")" > /dev/null
  echo "$service: $PERCENT % of its traffic on $idle, $((100 - PERCENT)) % on $live"
  echo "- $service: $PERCENT % of traffic on $idle" >> "$RUNNER_TEMP/actions.md"
done < "$RUNNER_TEMP/canary"`;

/**
 * After a failure (or a cancellation): every public service whose weights this run changed gets all of its traffic back
 * on its live colour, then every Service this run switched goes back to its previous colour, and the run fails.
 */
export const SWITCH_BACK = `set -uo pipefail
${FORWARD}
restored=0
if [ -s "$RUNNER_TEMP/shifted" ]; then
  while read -r service rule live live_arn idle idle_arn; do
    case " $RULE_ARNS " in *" $rule "*) ;; *) echo "::error::$service: $rule is not one of this environment's listener rules"; continue ;; esac
    aws elbv2 modify-rule --rule-arn "$rule" --actions "$(forward "$live_arn" 100 "$idle_arn" 0)" > /dev/null \\
      && echo "- $service: all traffic back on $live, none on $idle" >> "$RUNNER_TEMP/actions.md" \\
      || echo "::error::$service: could not put its traffic back on $live (rule $rule)"
    restored=1
  done < "$RUNNER_TEMP/shifted"
fi
if [ -s "$RUNNER_TEMP/switched" ]; then
  while read -r service colour; do
    kubectl -n "$K8S_NAMESPACE" patch service "$service" --type merge -p "$(jq -cn --arg c "$colour" '{spec: {selector: {colour: $c}}}')"
    echo "- switched $service back to $colour" >> "$RUNNER_TEMP/actions.md"
  done < "$RUNNER_TEMP/switched"
  restored=1
fi
if [ "$restored" = 0 ]; then echo "no traffic was shifted and no Service was switched"; exit 1; fi
echo "::error::the release failed and traffic went back to the previous colour"
exit 1`;
