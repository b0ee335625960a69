/**
 * The monthly cost of a plan, at the bottom and the top of every range it declares (node group sizes, database
 * storage), from the price table in `tools/prices.json`: on-demand USD of one region, each price with its source and
 * date. A price the table lacks is reported as missing, never guessed; usage-priced items (data processed, requests,
 * log volume, stored images) are listed as not estimated, because the plan cannot know the traffic.
 */
import type { PlannedResource } from "./mock-engine";

type PlanResources = { resources: PlannedResource[] };
import priceTable from "./prices.json";

export interface Price { key: string; unit: string; price: number; source: string; date: string; authority?: string; quote?: string }
export interface PriceTable { region: string; currency: string; hoursPerMonth: number; items: Price[] }

export interface CostLine {
    component: string;
    item: string;
    priceKey: string;
    /** Units per month at the bottom and the top of the range (hours, GB-months, keys...). */
    quantity: { min: number; max: number };
    unitPrice?: number;
    monthly?: { min: number; max: number };
    source?: string;
}

export interface CostEstimate {
    stack: string;
    region: string;
    lines: CostLine[];
    total: { min: number; max: number };
    byComponent: Record<string, { min: number; max: number }>;
    /** Price keys the table does not have: the lines that need them have no figure. */
    missing: string[];
    notEstimated: string[];
    sources: { key: string; source: string; date: string }[];
}

export const PRICES = priceTable as PriceTable;

const NOT_ESTIMATED = [
    "NAT gateway data processed (per GB)", "load balancer capacity units (LCU)", "WAF requests", "CloudWatch Logs ingestion and storage",
    "ECR and S3 storage", "data transfer out", "RDS backup storage beyond the free allowance", "Spot discounts (Spot node groups are priced at on-demand, the upper bound)",
    "KMS key rotation ($1 a month more per key for each rotation, per AWS's KMS pricing page)",
    "the internet-facing load balancer's public IPv4 addresses (one per zone it serves, more as it scales; $0.005 an hour each)",
    "EBS gp3 IOPS and throughput beyond the included baseline (no volume here provisions more)", "free tiers",
];

/**
 * What every price in a table must carry to be checked by a reader: a link, a date, the authority and the quoted words;
 * a GitHub source pinned to a commit; and, where the quote is a Price List record, the quoted figure equal to the price.
 */
export function priceTableFindings(table: PriceTable): string[] {
    const findings: string[] = [];
    const seen = new Set<string>();
    for (const item of table.items) {
        if (seen.has(item.key)) findings.push(`${item.key}: listed twice`);
        seen.add(item.key);
        if (!/^https?:\/\//.test(item.source)) findings.push(`${item.key}: the source is not a link`);
        if (/^https:\/\/github\.com\//.test(item.source) && !/\/blob\/[0-9a-f]{40}\//.test(item.source)) findings.push(`${item.key}: a GitHub source names no commit`);
        for (const field of ["date", "authority", "quote"] as const) if (!(item[field] ?? "").trim()) findings.push(`${item.key}: no ${field}`);
        if (!(item.price > 0)) findings.push(`${item.key}: no price`);
        // An RDS reserved-instance record quotes its reserved "price" too; the on-demand figure is OnDemand:PricePerUnit.
        const figure = (/"OnDemand:PricePerUnit":"([0-9.]+)"/.exec(item.quote ?? "") ?? /"price":"([0-9.]+)"/.exec(item.quote ?? ""))?.[1];
        if (/aws-price-list \(via ec2\.shop/.test(item.authority ?? "") && Number(figure) !== item.price) findings.push(`${item.key}: the quoted Price List figure (${figure}) is not the price (${item.price})`);
    }
    return findings;
}

type Quantity = { min: number; max: number };
const fixed = (amount: number): Quantity => ({ min: amount, max: amount });
const num = (value: unknown, fallback = 0): number => (typeof value === "number" ? value : fallback);

/** The platform component a resource belongs to: its nearest `platform:` ancestor, named after the logical name. */
function componentOf(resource: PlannedResource, byUrn: Map<string, PlannedResource>): string {
    let current: PlannedResource | undefined = resource;
    while (current) {
        if (current.type.startsWith("platform:")) return current.type.split(":").pop()!;
        current = current.parent ? byUrn.get(current.parent) : undefined;
    }
    return "stack";
}

/** What each priced resource of a plan consumes per month; hours are the table's month. */
function consumption(resource: PlannedResource, hours: number, source: (identifier: string) => PlannedResource | undefined): { item: string; priceKey: string; quantity: Quantity }[] {
    const inputs = resource.inputs;
    switch (resource.type) {
        case "eks:index:Cluster":
            return [{ item: "EKS control plane", priceKey: "eks:cluster", quantity: fixed(hours) }];
        case "eks:index:ManagedNodeGroup": {
            const scaling = (inputs.scalingConfig ?? {}) as Record<string, unknown>;
            const type = ((inputs.instanceTypes as string[] | undefined) ?? ["unknown"])[0];
            return [{ item: `${resource.name}: ${type} (${String(inputs.capacityType ?? "ON_DEMAND")})`, priceKey: `ec2:${type}`, quantity: { min: num(scaling.minSize) * hours, max: num(scaling.maxSize) * hours } }];
        }
        case "aws:ec2/launchTemplate:LaunchTemplate":
            // One volume set per instance; the instance count is the group's, counted once below from the group that uses it.
            return [];
        case "aws:rds/instance:Instance": {
            const az = inputs.multiAz === true ? "multi-az" : "single-az";
            const lines = [{ item: `${String(inputs.identifier ?? resource.name)}: ${String(inputs.instanceClass)} ${az}`, priceKey: `rds:${String(inputs.instanceClass)}:${az}`, quantity: fixed(hours) }];
            // A replica stores what its source stores; its storage type and bounds are the source's.
            const storage = inputs.replicateSourceDb === undefined ? inputs : (source(String(inputs.replicateSourceDb))?.inputs ?? {});
            const allocated = num(storage.allocatedStorage);
            const storageType = String(storage.storageType ?? "gp2");
            lines.push({ item: `${String(inputs.identifier ?? resource.name)}: ${storageType} storage (GB)`, priceKey: `rds:storage:${storageType}:${az}`, quantity: { min: allocated, max: num(storage.maxAllocatedStorage, allocated) } });
            // RDS keeps the master password in a Secrets Manager secret it creates, billed like any other.
            if (inputs.manageMasterUserPassword === true) lines.push({ item: "secret (RDS-managed master password)", priceKey: "secretsmanager:secret", quantity: fixed(1) });
            return lines;
        }
        case "aws:elasticache/replicationGroup:ReplicationGroup": {
            const nodes = inputs.numNodeGroups !== undefined ? num(inputs.numNodeGroups) * (1 + num(inputs.replicasPerNodeGroup)) : num(inputs.numCacheClusters, 1);
            // The node-hour price depends on the engine: the Price List prices Valkey nodes below Redis OSS ones.
            const engine = String(inputs.engine ?? "redis");
            return [{ item: `${nodes} × ${String(inputs.nodeType)} (${engine})`, priceKey: `elasticache:${String(inputs.nodeType)}:${engine}`, quantity: fixed(nodes * hours) }];
        }
        case "aws:ec2/natGateway:NatGateway":
            return [{ item: "NAT gateway", priceKey: "nat:hour", quantity: fixed(hours) }];
        case "aws:ec2/eip:Eip":
            // Every public IPv4 address is billed by the hour since February 2024, attached or not (the NAT gateways' ones here).
            return [{ item: "public IPv4 address (Elastic IP)", priceKey: "ec2:public-ipv4", quantity: fixed(hours) }];
        case "aws:lb/loadBalancer:LoadBalancer":
            return [{ item: "application load balancer", priceKey: "alb:hour", quantity: fixed(hours) }];
        case "aws:wafv2/webAcl:WebAcl":
            return [
                { item: "WAF web ACL", priceKey: "waf:web-acl", quantity: fixed(1) },
                { item: "WAF rules", priceKey: "waf:rule", quantity: fixed(((inputs.rules as unknown[] | undefined) ?? []).length) },
            ];
        case "aws:kms/key:Key":
            return [{ item: "KMS key", priceKey: "kms:key", quantity: fixed(1) }];
        case "aws:secretsmanager/secret:Secret":
            return [{ item: "secret", priceKey: "secretsmanager:secret", quantity: fixed(1) }];
        case "aws:cloudwatch/metricAlarm:MetricAlarm": {
            // CloudWatch bills alarms per metric they watch: a metric-math alarm counts each metric it reads.
            const metrics = ((inputs.metricQueries as { metric?: unknown }[] | undefined) ?? []).filter((query) => query.metric).length;
            return [{ item: "alarm (billed per metric it watches)", priceKey: "cloudwatch:alarm", quantity: fixed(Math.max(metrics, 1)) }];
        }
        case "aws:cloudwatch/dashboard:Dashboard":
            return [{ item: "dashboard", priceKey: "cloudwatch:dashboard", quantity: fixed(1) }];
        default:
            return [];
    }
}

/** The launch template a node group or an Auto Scaling group uses: named in its reference, or sharing its name. */
function templateOf(group: PlannedResource, plan: PlanResources): PlannedResource | undefined {
    const reference = String(((group.inputs.launchTemplate ?? {}) as Record<string, unknown>).id ?? "");
    const named = /^\[computed: (.+)\.id\]$/.exec(reference)?.[1] ?? group.name;
    return plan.resources.find((resource) => resource.type === "aws:ec2/launchTemplate:LaunchTemplate" && resource.name === named);
}

/**
 * Instances that groups launch from a launch template: the Auto Scaling group's instances (the node groups' are priced
 * from the node group itself), and every instance's EBS volumes, size × instance count at both ends of the range.
 */
function groupInstances(plan: PlanResources, hours: number, byUrn: Map<string, PlannedResource>): { component: string; item: string; priceKey: string; quantity: Quantity }[] {
    return plan.resources.filter((resource) => resource.type === "eks:index:ManagedNodeGroup" || resource.type === "aws:autoscaling/group:Group").flatMap((group) => {
        const template = templateOf(group, plan);
        const scaling = (group.type === "eks:index:ManagedNodeGroup" ? group.inputs.scalingConfig ?? {} : group.inputs) as Record<string, unknown>;
        const count = { min: num(scaling.minSize), max: num(scaling.maxSize) };
        const component = componentOf(group, byUrn);
        const lines: { component: string; item: string; priceKey: string; quantity: Quantity }[] = [];
        if (group.type === "aws:autoscaling/group:Group") {
            const type = String(template?.inputs.instanceType ?? "unknown");
            lines.push({ component, item: `${group.name}: ${type} (ON_DEMAND)`, priceKey: `ec2:${type}`, quantity: { min: count.min * hours, max: count.max * hours } });
        }
        const mappings = (template?.inputs.blockDeviceMappings ?? []) as { ebs?: { volumeSize?: number; volumeType?: string } }[];
        for (const mapping of mappings.filter((candidate) => candidate.ebs?.volumeSize)) {
            const size = mapping.ebs!.volumeSize!;
            // EC2 creates gp2 when a mapping names no type.
            const volumeType = mapping.ebs!.volumeType ?? "gp2";
            lines.push({ component, item: `${group.name}: ${size} GB ${volumeType} per instance`, priceKey: `ebs:${volumeType}`, quantity: { min: count.min * size, max: count.max * size } });
        }
        return lines;
    });
}

const round = (value: number): number => Math.round(value * 100) / 100;

export function estimateCost(plan: PlanResources, stack: string, table: PriceTable = PRICES): CostEstimate {
    const byUrn = new Map(plan.resources.map((resource) => [resource.urn, resource]));
    const prices = new Map(table.items.map((price) => [price.key, price]));
    const instanceNamed = (identifier: string) => plan.resources.find((resource) => resource.type === "aws:rds/instance:Instance" && resource.inputs.identifier === identifier);
    // Identical lines (eight KMS keys, fifteen alarms) become one line with their count.
    const grouped = new Map<string, { component: string; item: string; priceKey: string; quantity: Quantity; count: number }>();
    for (const line of [
        ...plan.resources.flatMap((resource) => consumption(resource, table.hoursPerMonth, instanceNamed).map((entry) => ({ component: componentOf(resource, byUrn), ...entry }))),
        ...groupInstances(plan, table.hoursPerMonth, byUrn),
    ]) {
        const key = `${line.component}|${line.item}|${line.priceKey}`;
        const existing = grouped.get(key);
        if (existing) {
            existing.quantity = { min: existing.quantity.min + line.quantity.min, max: existing.quantity.max + line.quantity.max };
            existing.count += 1;
        } else grouped.set(key, { ...line, count: 1 });
    }
    const wanted = [...grouped.values()].map(({ count, ...line }) => ({ ...line, item: count > 1 ? `${count} × ${line.item}` : line.item }))
        .sort((a, b) => a.component.localeCompare(b.component) || a.item.localeCompare(b.item));
    const lines: CostLine[] = wanted.map((line) => {
        const price = prices.get(line.priceKey);
        if (!price) return line;
        return { ...line, unitPrice: price.price, source: price.source, monthly: { min: round(line.quantity.min * price.price), max: round(line.quantity.max * price.price) } };
    });
    const byComponent: Record<string, { min: number; max: number }> = {};
    for (const line of lines.filter((candidate) => candidate.monthly)) {
        const sum = (byComponent[line.component] ??= { min: 0, max: 0 });
        sum.min = round(sum.min + line.monthly!.min);
        sum.max = round(sum.max + line.monthly!.max);
    }
    const total = Object.values(byComponent).reduce((sum, part) => ({ min: round(sum.min + part.min), max: round(sum.max + part.max) }), { min: 0, max: 0 });
    const used = [...new Set(lines.filter((line) => line.monthly).map((line) => line.priceKey))].sort();
    return {
        stack,
        region: table.region,
        lines,
        total,
        byComponent,
        missing: [...new Set(lines.filter((line) => !line.monthly).map((line) => line.priceKey))].sort(),
        notEstimated: NOT_ESTIMATED,
        sources: used.map((key) => ({ key, source: prices.get(key)!.source, date: prices.get(key)!.date })),
    };
}

const usd = (value: number): string => `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const range = (value: { min: number; max: number }): string => (value.min === value.max ? usd(value.min) : `${usd(value.min)} to ${usd(value.max)}`);

export function formatCost(estimate: CostEstimate): string {
    const unpriced = estimate.lines.filter((line) => !line.monthly).length;
    const scope = unpriced === 0 ? "" : ` for the lines with a price; ${unpriced} line(s) have none and are not in this figure`;
    const out = [`Monthly cost of ${estimate.stack} (${estimate.region}, on-demand USD; ranges are the autoscaling and storage bounds): ${range(estimate.total)}${scope}`];
    for (const [component, sum] of Object.entries(estimate.byComponent).sort(([a], [b]) => a.localeCompare(b))) out.push(`  ${component.padEnd(16)} ${range(sum)}`);
    out.push("", "Lines:");
    for (const line of estimate.lines) {
        out.push(`  ${line.component.padEnd(16)} ${line.item.padEnd(58)} ${line.monthly ? range(line.monthly) : `no price for ${line.priceKey}`}`);
    }
    if (estimate.missing.length > 0) out.push("", `Not in the price table (not guessed; these lines have no figure): ${estimate.missing.join(", ")}`);
    out.push("", `Not estimated (priced by usage the plan cannot know): ${estimate.notEstimated.join("; ")}`);
    out.push("", "Price sources:", ...estimate.sources.map((source) => `  ${source.key}: ${source.source} (${source.date})`));
    return out.join("\n");
}

/** The change from a base revision's estimate to this one's, per component and in total. */
export function formatCostChange(base: CostEstimate, head: CostEstimate): string {
    const delta = (before: { min: number; max: number } | undefined, after: { min: number; max: number } | undefined) => {
        const change = { min: round((after?.min ?? 0) - (before?.min ?? 0)), max: round((after?.max ?? 0) - (before?.max ?? 0)) };
        const signed = (value: number) => `${value >= 0 ? "+" : "-"}${usd(Math.abs(value))}`;
        return change.min === change.max ? signed(change.min) : `${signed(change.min)} to ${signed(change.max)}`;
    };
    const components = [...new Set([...Object.keys(base.byComponent), ...Object.keys(head.byComponent)])].sort();
    const changed = components.filter((component) => JSON.stringify(base.byComponent[component]) !== JSON.stringify(head.byComponent[component]));
    return [
        `Monthly cost change of ${head.stack}: ${delta(base.total, head.total)} (from ${range(base.total)} to ${range(head.total)})`,
        ...changed.map((component) => `  ${component.padEnd(16)} ${delta(base.byComponent[component], head.byComponent[component])}`),
        ...(changed.length === 0 ? ["  no component changes cost"] : []),
    ].join("\n");
}
