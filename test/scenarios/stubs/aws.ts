/**
 * The aws CLI v2, for the calls the scripts make: eks update-kubeconfig, ecr describe-images, rds create-db-snapshot
 * and wait db-snapshot-available, cloudwatch get-metric-data, elbv2 describe-rules and modify-rule (weighted forward
 * actions only). Service errors print as the CLI prints them and exit
 * 254; a failed waiter exits 255; missing credentials or region exit 253
 * (https://docs.aws.amazon.com/cli/latest/userguide/cli-chap-returncodes.html).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fail, next, ok, one, parseArgs, UnknownInvocation, type StubResult, type StubState } from "./state";

const serviceError = (code: string, operation: string, message: string) => fail(`\nAn error occurred (${code}) when calling the ${operation} operation: ${message}`, 254);

/** `--query` with the JMESPath the scripts use: a path of names and indexes (imageDetails[0].imageDigest). */
function query(value: unknown, expression: string): unknown {
    if (!/^[A-Za-z]\w*(\[\d+\]|\.[A-Za-z]\w*)*$/.test(expression)) throw new UnknownInvocation(`--query ${expression} is not emulated`);
    let current = value;
    for (const part of expression.match(/[A-Za-z]\w*|\[\d+\]/g) ?? []) {
        if (current === null || current === undefined) return null;
        current = part.startsWith("[") ? (current as unknown[])[Number(part.slice(1, -1))] : (current as Record<string, unknown>)[part];
    }
    return current ?? null;
}

function render(value: unknown, flags: Record<string, string[]>): StubResult {
    const selected = one(flags, "--query") === undefined ? value : query(value, one(flags, "--query")!);
    const format = one(flags, "--output") ?? "json";
    if (format === "json") return ok(`${JSON.stringify(selected, null, 4)}\n`);
    if (format === "text" && (selected === null || typeof selected !== "object")) return ok(`${selected === null ? "None" : String(selected)}\n`);
    throw new UnknownInvocation(`--output ${format} of ${JSON.stringify(selected)}`);
}

function describeImages(state: StubState, flags: Record<string, string[]>): StubResult {
    const name = one(flags, "--repository-name") ?? "";
    const images = state.registries[name];
    if (!images) return serviceError("RepositoryNotFoundException", "DescribeImages", `The repository with name '${name}' does not exist in the registry with id '${state.aws.account}'`);
    const details = (flags["--image-ids"] ?? []).map((id) => {
        const [key, value] = [id.slice(0, id.indexOf("=")), id.slice(id.indexOf("=") + 1)];
        if (key !== "imageDigest" && key !== "imageTag") throw new UnknownInvocation(`--image-ids ${id}`);
        const image = images.find((i) => (key === "imageDigest" ? i.digest === value : (i.tags ?? []).includes(value)));
        return { id: { [key]: value }, image };
    });
    const missing = details.find((d) => !d.image);
    if (missing) {
        const id = missing.id as { imageDigest?: string; imageTag?: string };
        return serviceError("ImageNotFoundException", "DescribeImages", `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${name}' in the registry with id '${state.aws.account}'`);
    }
    return render({ imageDetails: details.map(({ image }) => ({ registryId: state.aws.account, repositoryName: name, imageDigest: image!.digest, imageTags: image!.tags ?? [], imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json" })) }, flags);
}

interface MetricQuery { Id: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }; Period: number; Stat: string } }

function metricData(state: StubState, flags: Record<string, string[]>): StubResult {
    const queries = JSON.parse(one(flags, "--metric-data-queries") ?? "[]") as MetricQuery[];
    const start = Date.parse(one(flags, "--start-time") ?? ""), end = Date.parse(one(flags, "--end-time") ?? "");
    if (!(start < end)) return fail("\nAn error occurred (InvalidParameterValue) when calling the GetMetricData operation: The parameter StartTime must be less than the parameter EndTime.", 254);
    const call = state.counters["get-metric-data"] ?? 0;
    state.counters["get-metric-data"] = call + 1;
    const results = queries.filter((q) => q.ReturnData !== false).map((q) => {
        if (!q.MetricStat) throw new UnknownInvocation(`metric query ${q.Id} without MetricStat`);
        const dimensions = Object.fromEntries((q.MetricStat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
        // CloudWatch matches a metric by its exact set of dimensions.
        const series = state.metrics.find((s) => s.metric === q.MetricStat!.Metric.MetricName
            && Object.keys(s.dimensions).length === Object.keys(dimensions).length
            && Object.entries(s.dimensions).every(([k, v]) => dimensions[k] === v));
        const values = series && series.values.length > 0 ? [series.values[Math.min(call, series.values.length - 1)]] : [];
        return { Id: q.Id, Label: q.MetricStat.Metric.MetricName, Timestamps: values.map(() => new Date(end).toISOString()), Values: values, StatusCode: "Complete" };
    });
    return render({ MetricDataResults: results, Messages: [] }, flags);
}

interface ForwardAction { Type: string; ForwardConfig?: { TargetGroups?: { TargetGroupArn: string; Weight?: number }[] } }

/** A weighted forward rule as DescribeRules and ModifyRule answer it (Rule: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html). */
const ruleOf = (arn: string, weights: Record<string, number>) => ({
    RuleArn: arn, Priority: "10", IsDefault: false, Conditions: [],
    Actions: [{ Type: "forward", Order: 1, ForwardConfig: { TargetGroups: Object.entries(weights).map(([group, weight]) => ({ TargetGroupArn: group, Weight: weight })), TargetGroupStickinessConfig: { Enabled: false } } }],
});

function modifyRule(state: StubState, flags: Record<string, string[]>): StubResult {
    const arn = one(flags, "--rule-arn") ?? "";
    const current = state.rules[arn];
    if (!current) return serviceError("RuleNotFound", "ModifyRule", "One or more rules not found");
    const actions = JSON.parse(one(flags, "--actions") ?? "[]") as ForwardAction[];
    const groups = actions.length === 1 && actions[0].Type === "forward" ? actions[0].ForwardConfig?.TargetGroups : undefined;
    if (!groups || groups.length === 0) throw new UnknownInvocation(`modify-rule --actions other than one weighted forward: ${one(flags, "--actions")}`);
    // The ELB API accepts weights 0 to 999 (TargetGroupTuple.Weight); the stub also refuses a group the rule never had.
    const bad = groups.find((group) => !(group.TargetGroupArn in current) || (group.Weight ?? 1) < 0 || (group.Weight ?? 1) > 999);
    if (bad) return serviceError("ValidationError", "ModifyRule", `Target group '${bad.TargetGroupArn}' (weight ${bad.Weight}) is not valid for this rule`);
    state.rules[arn] = Object.fromEntries(groups.map((group) => [group.TargetGroupArn, group.Weight ?? 1]));
    return render({ Rules: [ruleOf(arn, state.rules[arn])] }, flags);
}

export function aws(state: StubState, args: string[]): StubResult {
    const { positional, flags } = parseArgs(args, [
        "--region", "--output", "--query", "--name", "--kubeconfig", "--repository-name", "--image-ids", "--db-instance-identifier",
        "--db-snapshot-identifier", "--tags", "--metric-data-queries", "--start-time", "--end-time", "--snapshot-type", "--max-items",
        "--registry-id", "--rule-arns", "--rule-arn", "--actions",
    ], ["--no-cli-pager"]);
    // --image-ids and --tags take several values: the parser keeps the first; gather the rest here.
    for (const name of ["--image-ids", "--tags"]) {
        const at = args.indexOf(name);
        if (at >= 0) {
            let i = at + 2;
            while (i < args.length && !args[i].startsWith("--")) { flags[name].push(args[i]); positional.splice(positional.indexOf(args[i]), 1); i++; }
        }
    }
    const [service, command, ...rest] = positional;
    if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_WEB_IDENTITY_TOKEN_FILE) return fail("\nUnable to locate credentials. You can configure credentials by running \"aws configure\".", 253);
    const region = one(flags, "--region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) return fail("\nYou must specify a region. You can also configure your region by running \"aws configure\".", 253);
    const here = region === state.aws.region;
    switch (`${service} ${command}`) {
        case "eks update-kubeconfig": {
            const name = one(flags, "--name");
            if (!here || name !== state.aws.cluster) return serviceError("ResourceNotFoundException", "DescribeCluster", `No cluster found for name: ${name}.`);
            const file = one(flags, "--kubeconfig") ?? process.env.KUBECONFIG ?? join(process.env.HOME ?? "/nonexistent", ".kube", "config");
            mkdirSync(dirname(file), { recursive: true });
            const arn = `arn:aws:eks:${region}:${state.aws.account}:cluster/${name}`;
            writeFileSync(file, `apiVersion: v1\nkind: Config\ncurrent-context: ${arn}\n`);
            return ok(`Added new context ${arn} to ${file}\n`);
        }
        case "ecr describe-images":
            // The state has one account's registry; another --registry-id (the default is the caller's own) has none.
            if (one(flags, "--registry-id") !== undefined && one(flags, "--registry-id") !== state.aws.account) {
                return serviceError("RepositoryNotFoundException", "DescribeImages", `The repository with name '${one(flags, "--repository-name")}' does not exist in the registry with id '${one(flags, "--registry-id")}'`);
            }
            if (!here) return serviceError("RepositoryNotFoundException", "DescribeImages", `The repository with name '${one(flags, "--repository-name")}' does not exist in the registry with id '${state.aws.account}'`);
            return describeImages(state, flags);
        case "rds create-db-snapshot": {
            const instance = one(flags, "--db-instance-identifier") ?? "", snapshot = one(flags, "--db-snapshot-identifier") ?? "";
            if (!here || !state.rds.instances.includes(instance)) return serviceError("DBInstanceNotFound", "CreateDBSnapshot", `DBInstance ${instance} not found.`);
            if (state.rds.snapshots[snapshot]) return serviceError("DBSnapshotAlreadyExists", "CreateDBSnapshot", `Cannot create the snapshot because a snapshot with the identifier ${snapshot} already exists.`);
            state.rds.snapshots[snapshot] = { instance, tags: flags["--tags"] ?? [] };
            return render({ DBSnapshot: { DBSnapshotIdentifier: snapshot, DBInstanceIdentifier: instance, Status: "creating", SnapshotType: "manual" } }, flags);
        }
        case "rds describe-db-snapshots": {
            const id = one(flags, "--db-snapshot-identifier"), instance = one(flags, "--db-instance-identifier"), type = one(flags, "--snapshot-type");
            if (id !== undefined && !state.rds.snapshots[id]) return serviceError("DBSnapshotNotFound", "DescribeDBSnapshots", `DBSnapshot ${id} not found.`);
            const status = (name: string, s: StubState["rds"]["snapshots"][string]) => s.status
                ?? (state.rds.snapshotOutcome === "available" ? next(state, `snapshot:${name}`, ["creating", "available"], "available") : state.rds.snapshotOutcome);
            const found = Object.entries(state.rds.snapshots)
                .filter(([name, s]) => (id === undefined || name === id) && (instance === undefined || s.instance === instance) && (type === undefined || (s.type ?? "manual") === type))
                .slice(0, Number(one(flags, "--max-items") ?? 1000))
                .map(([name, s]) => ({ DBSnapshotIdentifier: name, DBInstanceIdentifier: s.instance, Status: status(name, s), SnapshotType: s.type ?? "manual", SnapshotCreateTime: s.created ?? "2026-12-01T12:00:00.000Z", TagList: s.tags.map((t) => Object.fromEntries(t.split(",").map((kv) => kv.split("=")))) }));
            return render({ DBSnapshots: found }, flags);
        }
        case "rds delete-db-snapshot": {
            const id = one(flags, "--db-snapshot-identifier") ?? "";
            const snapshot = state.rds.snapshots[id];
            if (!snapshot) return serviceError("DBSnapshotNotFound", "DeleteDBSnapshot", `DBSnapshot ${id} not found.`);
            delete state.rds.snapshots[id];
            return render({ DBSnapshot: { DBSnapshotIdentifier: id, DBInstanceIdentifier: snapshot.instance, Status: "deleted" } }, flags);
        }
        case "rds wait": {
            const snapshot = one(flags, "--db-snapshot-identifier") ?? "";
            if (rest[0] !== "db-snapshot-available") throw new UnknownInvocation(`aws rds wait ${rest[0]}`);
            // The waiter polls every 30 s, 60 times (aws rds wait db-snapshot-available help).
            if (!state.rds.snapshots[snapshot] || state.rds.snapshotOutcome === "creating") return fail("\nWaiter DBSnapshotAvailable failed: Max attempts exceeded", 255);
            if (state.rds.snapshotOutcome === "failed") return fail("\nWaiter DBSnapshotAvailable failed: Waiter encountered a terminal failure state: For expression \"DBSnapshots[].Status\" we matched expected path: \"failed\" at least once", 255);
            return ok();
        }
        case "cloudwatch get-metric-data":
            return metricData(state, flags);
        case "elbv2 describe-rules": {
            const arns = flags["--rule-arns"] ?? [];
            const missing = arns.find((arn) => !state.rules[arn]);
            if (!here || arns.length === 0 || missing) return serviceError("RuleNotFound", "DescribeRules", "One or more rules not found");
            return render({ Rules: arns.map((arn) => ruleOf(arn, state.rules[arn])) }, flags);
        }
        case "elbv2 modify-rule":
            return modifyRule(state, flags);
        default:
            throw new UnknownInvocation(`aws ${service} ${command} is not emulated`);
    }
}
