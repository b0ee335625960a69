/** The readable summary of an offline plan: resources by component, counts by type, and the settings that matter. */
import { ofType, type Plan, type PlannedResource } from "./mock-engine";

/** One line of "key settings": a name and what the plan says about it. */
type Highlight = (plan: Plan) => [string, string] | undefined;

const distinct = (values: unknown[]): string[] => [...new Set(values.map(String))].sort();

const HIGHLIGHTS: Highlight[] = [
    (plan) => {
        const subnets = ofType(plan, "aws:ec2/subnet:Subnet");
        return ["subnets", `${subnets.length} in ${distinct(subnets.map((s) => s.inputs.availabilityZone)).join(", ")}`];
    },
    (plan) => ["NAT gateways", String(ofType(plan, "aws:ec2/natGateway:NatGateway").length)],
    (plan) => {
        const groups = ofType(plan, "aws:cloudwatch/logGroup:LogGroup");
        return ["log retention (days)", groups.map((group) => `${group.inputs.name}: ${group.inputs.retentionInDays ?? "never expires"}`).join("; ")];
    },
    (plan) => {
        const groups = ofType(plan, "eks:index:ManagedNodeGroup").map((group) => {
            const scaling = (group.inputs.scalingConfig ?? {}) as Record<string, unknown>;
            return `${group.name}: ${distinct((group.inputs.instanceTypes as unknown[]) ?? []).join(",")} ${group.inputs.capacityType ?? ""} ${scaling.minSize}-${scaling.maxSize}`;
        });
        return groups.length > 0 ? ["EKS node groups", groups.join("; ")] : undefined;
    },
    (plan) => {
        const databases = ofType(plan, "aws:rds/instance:Instance").map((db) =>
            `${db.inputs.identifier}: ${db.inputs.instanceClass}${db.inputs.multiAz ? " Multi-AZ" : ""}${db.inputs.replicateSourceDb ? " (replica)" : ` backups ${db.inputs.backupRetentionPeriod} d`}`);
        return databases.length > 0 ? ["PostgreSQL", databases.join("; ")] : undefined;
    },
    (plan) => {
        const caches = ofType(plan, "aws:elasticache/replicationGroup:ReplicationGroup").map((cache) =>
            `${cache.inputs.nodeType}${cache.inputs.clusterMode === "enabled" ? `, cluster mode, ${cache.inputs.numNodeGroups} shards` : ""}`);
        return caches.length > 0 ? ["cache", caches.join("; ")] : undefined;
    },
    (plan) => {
        const cluster = ofType(plan, "eks:index:Cluster")[0];
        if (!cluster) return undefined;
        return ["cluster API endpoint", cluster.inputs.endpointPublicAccess ? `private, and public to ${JSON.stringify(cluster.inputs.publicAccessCidrs)} (day 0 only)` : "private only"];
    },
    (plan) => {
        const providers = ofType(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((provider) => String(provider.inputs.url));
        const lookedUp = plan.invokes.filter((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider").map((invoke) => String(invoke.args.url));
        return ["IAM OIDC providers", [...providers.map((url) => `creates ${url}`), ...lookedUp.map((url) => `looks up ${url}`)].join("; ")];
    },
    (plan) => ["WAF", ofType(plan, "aws:wafv2/webAcl:WebAcl").length > 0 ? "on the load balancer" : "none"],
    (plan) => {
        // Each listener rule's forward, by target group name; a weighted one says whose its weights are after creation.
        const groupName = (arn: unknown) => String(ofType(plan, "aws:lb/targetGroup:TargetGroup").find((group) => arn === `[computed: ${group.name}.arn]`)?.inputs.name ?? arn);
        const rules = ofType(plan, "aws:lb/listenerRule:ListenerRule").map((rule) => {
            const [action] = (rule.inputs.actions ?? []) as { targetGroupArn?: string; forward?: { targetGroups: { arn: string; weight: number }[] } }[];
            const to = action?.forward ? action.forward.targetGroups.map((group) => `${groupName(group.arn)} ${group.weight}`).join(" / ") : groupName(action?.targetGroupArn);
            const ignored = rule.options.ignoreChanges ?? [];
            return `${rule.inputs.priority}: ${to}${ignored.length > 0 ? ` (ignoreChanges ${ignored.join(", ")}: the pipeline's)` : ""}`;
        });
        return rules.length > 0 ? ["listener rules", rules.join("; ")] : undefined;
    },
    (plan) => {
        const protectedResources = plan.resources.filter((resource) => resource.options.protect);
        return ["protected resources", String(protectedResources.length)];
    },
];

export function summarize(plan: Plan, seconds: number): string {
    const lines: string[] = [];
    const custom = plan.resources.filter((resource) => resource.custom);
    lines.push(`Offline plan of ${plan.project}/${plan.stack} (mock engine: no cloud, no credentials)`);
    lines.push(`${plan.resources.length} resources (${custom.length} cloud resources, ${plan.resources.length - custom.length} components) in ${seconds.toFixed(1)} s`);

    lines.push("", "By component:");
    const byUrn = new Map(plan.resources.map((resource) => [resource.urn, resource]));
    const topComponentOf = (resource: PlannedResource): PlannedResource | undefined => {
        let current: PlannedResource | undefined = resource;
        while (current?.parent && byUrn.get(current.parent)) current = byUrn.get(current.parent);
        return current && !current.custom ? current : undefined;
    };
    const groups = new Map<string, number>();
    for (const resource of custom) {
        const component = topComponentOf(resource);
        const label = component ? `${component.type} ${component.name}` : "(top level)";
        groups.set(label, (groups.get(label) ?? 0) + 1);
    }
    for (const [label, count] of [...groups].sort()) lines.push(`  ${label}: ${count}`);

    lines.push("", "By type:");
    const counts = new Map<string, number>();
    for (const resource of custom) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    for (const [type, count] of [...counts].sort()) lines.push(`  ${type.padEnd(60)} ${count}`);

    lines.push("", "Key settings:");
    for (const highlight of HIGHLIGHTS) {
        const line = highlight(plan);
        if (line) lines.push(`  ${line[0]}: ${line[1]}`);
    }

    lines.push("", plan.invokes.length > 0 ? "Must already exist (read by the preview):" : "Must already exist: nothing");
    for (const invoke of plan.invokes) lines.push(`  ${invoke.token} ${JSON.stringify(invoke.args)}`);

    lines.push("", "Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) lines.push(`  ${key}: ${JSON.stringify(value)}`);
    const files = Object.keys(plan.files).sort();
    lines.push("", files.length > 0 ? `Files committed to GitHub (${files.length}):` : "Files committed to GitHub: none");
    for (const file of files) lines.push(`  ${file}`);
    return lines.join("\n");
}
