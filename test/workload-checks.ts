/**
 * Checks over a plan's workloads, each returning the problems it finds (empty: none), so that tests run them over
 * every real plan and over a fixture that breaks them.
 */
import { parse } from "yaml";
import { parseIpv4Cidr } from "../infra/config/cidr";
import { parseQuantity, surgePods } from "../infra/workloads/sizing";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { kind, nameOf, podTemplates, selectorMatches, serviceSelects, type LabelSelector, type Labels, type PodTemplate } from "./k8s-plan";

const annotationsOf = (resource: PlannedResource): Labels => ((resource.inputs.metadata as { annotations?: Labels } | undefined)?.annotations ?? {});
const skipsAwait = (resource: PlannedResource): boolean => annotationsOf(resource)["pulumi.com/skipAwait"] === "true";
const specOf = <T>(resource: PlannedResource): T => resource.inputs.spec as T;

/**
 * Day 0: an object whose readiness needs a running pod must not make `pulumi up` wait for one while its image does not
 * exist. A Deployment waits for `Available`, a Service with a selector for ready endpoints (await conditions in the
 * docs of @pulumi/kubernetes 4.34.2, apps/v1/deployment.d.ts and core/v1/service.d.ts); `pulumi.com/skipAwait: "true"`
 * turns that off, and a Deployment at zero replicas has nothing to wait for.
 */
export function waitsOnPipeline(plan: Plan): string[] {
    const problems: string[] = [];
    const deployments = kind(plan, "Deployment");
    for (const deployment of deployments) {
        const spec = specOf<{ replicas?: number }>(deployment);
        if (!skipsAwait(deployment) && spec.replicas !== 0) problems.push(`Deployment ${nameOf(deployment)}: waits for pods of an image the pipeline has not pushed yet`);
    }
    const templates = deployments.map((deployment) => specOf<{ template: { metadata: { labels: Labels } } }>(deployment).template.metadata.labels);
    for (const service of kind(plan, "Service")) {
        const selector = specOf<{ selector?: Labels }>(service).selector;
        if (!skipsAwait(service) && templates.some((labels) => serviceSelects(selector, labels))) {
            problems.push(`Service ${nameOf(service)}: waits for endpoints that only the first deploy makes ready`);
        }
    }
    return problems;
}

/** `[computed: <resource name>.<attribute>]`, the mock engine's placeholder for a value only the cloud knows. */
const COMPUTED = /^\[computed: ([^.\]]+)\.(.+)\]$/;

/**
 * Day 0: every secret a SecretProviderClass mounts has a value from the first `pulumi up`: a SecretVersion of it in the
 * plan, or a secret that AWS creates with a value (RDS `manageMasterUserPassword`: the master user secret).
 */
export function secretsWithoutValue(plan: Plan): string[] {
    const problems: string[] = [];
    const byName = new Map(plan.resources.filter((resource) => resource.custom).map((resource) => [`${resource.type} ${resource.name}`, resource]));
    const named = (type: string, name: string) => byName.get(`${type} ${name}`);
    const versions = plan.resources.filter((resource) => resource.type === "aws:secretsmanager/secretVersion:SecretVersion");
    for (const spc of kind(plan, "SecretProviderClass")) {
        const objects = parse(String(specOf<{ parameters: { objects: string } }>(spc).parameters.objects)) as { objectName: string }[];
        for (const { objectName } of objects) {
            const match = COMPUTED.exec(objectName);
            const where = `SecretProviderClass ${nameOf(spc)}: ${objectName}`;
            if (!match) {
                problems.push(`${where}: not a secret this plan creates, so nothing proves it has a value`);
                continue;
            }
            const [, resourceName, attribute] = match;
            const secret = named("aws:secretsmanager/secret:Secret", resourceName);
            const database = named("aws:rds/instance:Instance", resourceName) ?? named("aws:rds/cluster:Cluster", resourceName);
            if (secret) {
                const written = versions.some((version) => [`[computed: ${resourceName}.id]`, `[computed: ${resourceName}.arn]`].includes(String(version.inputs.secretId)));
                if (!written) problems.push(`${where}: no SecretVersion gives the secret a value before the pods mount it`);
            } else if (database && attribute.startsWith("masterUserSecrets")) {
                if (database.inputs.manageMasterUserPassword !== true) problems.push(`${where}: the database does not manage its master secret`);
            } else {
                problems.push(`${where}: not a secret this plan creates`);
            }
        }
    }
    return problems;
}

/** Every selector that must reach servers only, with what it belongs to. */
function serverSelectors(plan: Plan): { what: string; matches: (labels: Labels) => boolean }[] {
    const selectors: { what: string; matches: (labels: Labels) => boolean }[] = [];
    for (const service of kind(plan, "Service")) {
        selectors.push({ what: `Service ${nameOf(service)}`, matches: (labels) => serviceSelects(specOf<{ selector?: Labels }>(service).selector, labels) });
    }
    for (const budget of kind(plan, "PodDisruptionBudget")) {
        selectors.push({ what: `PodDisruptionBudget ${nameOf(budget)}`, matches: (labels) => selectorMatches(specOf<{ selector?: LabelSelector }>(budget).selector, labels) });
    }
    // An autoscaler averages the metrics of the pods its target's selector selects (the scale subresource's selector).
    for (const deployment of kind(plan, "Deployment")) {
        selectors.push({ what: `Deployment ${nameOf(deployment)} (and its autoscaler)`, matches: (labels) => selectorMatches(specOf<{ selector: LabelSelector }>(deployment).selector, labels) });
    }
    // Policies that admit ingress serve servers; the empty selectors of default-deny and DNS rightly cover every pod.
    for (const policy of kind(plan, "NetworkPolicy")) {
        const spec = specOf<{ podSelector: LabelSelector; ingress?: unknown[] }>(policy);
        const everyPod = Object.keys(spec.podSelector.matchLabels ?? {}).length + (spec.podSelector.matchExpressions ?? []).length === 0;
        if ((spec.ingress ?? []).length > 0 && !everyPod) selectors.push({ what: `NetworkPolicy ${nameOf(policy)}`, matches: (labels) => selectorMatches(spec.podSelector, labels) });
    }
    return selectors;
}

/** Migration pods that a server's selector would select: traffic, budgets or autoscaling would count them. */
export function migrationPodsSelected(plan: Plan): string[] {
    const migrations = podTemplates(plan).filter((template) => template.job);
    return serverSelectors(plan).flatMap(({ what, matches }) => migrations.filter((template) => matches(template.labels)).map((template) => `${what} selects the migration pods of ${template.where}`));
}

/** Server selectors that select no server: a check over them would pass for the wrong reason. */
export function selectorsWithoutServers(plan: Plan): string[] {
    const servers = podTemplates(plan).filter((template) => !template.job);
    return serverSelectors(plan).filter(({ matches }) => !servers.some((template) => matches(template.labels))).map(({ what }) => what);
}

function cidrWithin(inner: string, outer: string, except: readonly string[] = []): boolean {
    const a = parseIpv4Cidr(inner);
    const b = parseIpv4Cidr(outer);
    if (!a || !b || a.prefix < b.prefix) return false;
    const size = (block: { prefix: number }) => 2 ** (32 - block.prefix);
    const overlaps = (x: { base: number; prefix: number }, y: { base: number; prefix: number }) => x.base < y.base + size(y) && y.base < x.base + size(x);
    return a.base >= b.base && a.base + size(a) <= b.base + size(b) && !except.some((text) => { const hole = parseIpv4Cidr(text); return !hole || overlaps(a, hole); });
}

interface IngressPeer { ipBlock?: { cidr: string; except?: string[] }; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
interface IngressRule { from?: IngressPeer[]; ports?: { port?: number | string; protocol?: string }[] }

export interface Reachability {
    /** Services that should be reachable and are not: errors. */
    unreachable: string[];
    /** Internal Services that nothing calls, so nothing may reach: a warning, listed. */
    idle: string[];
}

/**
 * Who may reach each Service under the plan's network policies (ingress is allowed only by a rule of a policy that
 * selects the pod: https://kubernetes.io/docs/concepts/services-networking/network-policies/). A public Service
 * (one a TargetGroupBinding serves) must admit every subnet of the load balancer; an internal one, some server of
 * another service. An internal one that no policy admits from anywhere is idle: nothing calls it.
 */
export function reachability(plan: Plan): Reachability {
    const result: Reachability = { unreachable: [], idle: [] };
    const servers = podTemplates(plan).filter((template) => !template.job);
    const policies = kind(plan, "NetworkPolicy").map((policy) => specOf<{ podSelector: LabelSelector; policyTypes?: string[]; ingress?: IngressRule[] }>(policy))
        .filter((spec) => (spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
    const egress = kind(plan, "NetworkPolicy").map((policy) => specOf<{ podSelector: LabelSelector; policyTypes?: string[]; egress?: { to?: IngressPeer[] }[] }>(policy))
        .filter((spec) => (spec.policyTypes ?? []).includes("Egress"));
    const balancerCidrs = plan.resources.filter((resource) => resource.type === "aws:lb/loadBalancer:LoadBalancer")
        .flatMap((balancer) => (balancer.inputs.subnets ?? []) as string[])
        .map((subnet) => plan.resources.find((resource) => resource.type === "aws:ec2/subnet:Subnet" && subnet === `[computed: ${resource.name}.id]`)?.inputs.cidrBlock as string | undefined);
    const bound = new Set(kind(plan, "TargetGroupBinding").map((binding) => specOf<{ serviceRef: { name: string } }>(binding).serviceRef.name));
    // Blue-green: the bindings name each colour's own Service; the service's switched Service selects the same pods,
    // so it is public too (the load balancer reaches those pods through the colour Services).
    const boundPods = new Set(kind(plan, "Service").filter((service) => bound.has(nameOf(service)))
        .flatMap((service) => servers.filter((template) => serviceSelects(specOf<{ selector?: Labels }>(service).selector, template.labels))));
    for (const service of kind(plan, "Service")) {
        const name = nameOf(service);
        const spec = specOf<{ selector?: Labels; ports: { port: number; targetPort?: number | string }[] }>(service);
        const pods = servers.filter((template) => serviceSelects(spec.selector, template.labels));
        const portsOf = (template: PodTemplate) => spec.ports.map((port) => targetPort(template, port.targetPort ?? port.port));
        const rules = pods.flatMap((template) => policies.filter((policy) => selectorMatches(policy.podSelector, template.labels))
            .flatMap((policy) => policy.ingress ?? [])
            .filter((rule) => !rule.ports || rule.ports.some((port) => port.port === undefined || portsOf(template).includes(Number(port.port)))));
        const peers = rules.flatMap((rule) => rule.from ?? [{}]);
        if (pods.length === 0) {
            result.unreachable.push(`${name}: selects no server`);
            continue;
        }
        if (bound.has(name) || pods.some((pod) => boundPods.has(pod))) {
            const admitted = (cidr: string | undefined) => cidr !== undefined && peers.some((peer) => (peer.ipBlock && cidrWithin(cidr, peer.ipBlock.cidr, peer.ipBlock.except)) || Object.keys(peer).length === 0);
            if (pods.length === 0 || balancerCidrs.length === 0 || !balancerCidrs.every(admitted)) result.unreachable.push(`${name}: public, but not every load balancer subnet may reach its pods`);
            continue;
        }
        if (peers.some((peer) => Object.keys(peer).length === 0)) continue;
        const others = servers.filter((caller) => !pods.includes(caller));
        const admitted = others.filter((caller) => peers.some((peer) => peer.podSelector && !peer.namespaceSelector && selectorMatches(peer.podSelector, caller.labels)));
        // Who means to call it: servers whose egress policies open a path to its pods (the `talksTo` edges).
        const calling = others.filter((caller) => egress.some((policy) => selectorMatches(policy.podSelector, caller.labels)
            && (policy.egress ?? []).some((rule) => (rule.to ?? []).some((peer) => peer.podSelector && pods.some((pod) => selectorMatches(peer.podSelector, pod.labels))))));
        for (const caller of calling.filter((candidate) => !admitted.includes(candidate))) result.unreachable.push(`${name}: ${caller.where} calls it, but no ingress rule admits it`);
        if (admitted.length === 0 && calling.length === 0) result.idle.push(name);
    }
    return result;
}

function targetPort(template: PodTemplate, port: number | string): number {
    if (typeof port === "number") return port;
    const containers = (template.spec.containers ?? []) as { ports?: { name?: string; containerPort: number }[] }[];
    return containers.flatMap((container) => container.ports ?? []).find((candidate) => candidate.name === port)?.containerPort ?? Number.NaN;
}

/**
 * What the namespace can hold at once, read from the plan itself (not from config): each Deployment at its
 * autoscaler's maximum plus its rolling update's surge, plus one pod of each Job template; compared with the quota.
 */
export function quotaShortfalls(plan: Plan): string[] {
    const quota = kind(plan, "ResourceQuota").map((resource) => specOf<{ hard: Record<string, string> }>(resource).hard);
    if (quota.length !== 1) return [`expected one ResourceQuota, found ${quota.length}`];
    const hard = quota[0];
    const maxima = new Map(kind(plan, "HorizontalPodAutoscaler").map((hpa) => [specOf<{ scaleTargetRef: { name: string } }>(hpa).scaleTargetRef.name, specOf<{ maxReplicas: number }>(hpa).maxReplicas]));
    const demand: Record<string, number> = { "requests.cpu": 0, "requests.memory": 0, "limits.cpu": 0, "limits.memory": 0, pods: 0 };
    const add = (spec: { containers: { resources?: { requests?: Labels; limits?: Labels } }[] }, pods: number) => {
        demand.pods += pods;
        for (const container of spec.containers) {
            for (const [section, resource] of [["requests", "cpu"], ["requests", "memory"], ["limits", "cpu"], ["limits", "memory"]] as const) {
                const value = container.resources?.[section]?.[resource];
                if (value !== undefined) demand[`${section}.${resource}`] += pods * parseQuantity(value);
            }
        }
    };
    for (const deployment of kind(plan, "Deployment")) {
        const spec = specOf<{ replicas?: number; strategy?: { rollingUpdate?: { maxSurge?: number | string } }; template: { spec: { containers: [] } } }>(deployment);
        const replicas = maxima.get(nameOf(deployment)) ?? spec.replicas ?? 1;
        // maxSurge defaults to 25% (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge).
        add(spec.template.spec, replicas + surgePods(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas));
    }
    for (const template of podTemplates(plan).filter((candidate) => candidate.job)) add(template.spec as { containers: [] }, 1);
    return Object.entries(demand).filter(([key, needed]) => hard[key] !== undefined && parseQuantity(hard[key]) < needed - 1e-9)
        .map(([key, needed]) => `quota ${key} ${hard[key]} < ${needed} needed`);
}

/**
 * The load balancer controller injects its readiness gate only into pods of a namespace labelled
 * `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`, and only target type ip is gated
 * (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/).
 */
export function ungatedBindings(plan: Plan): string[] {
    const gated = new Set(kind(plan, "Namespace")
        .filter((namespace) => (namespace.inputs.metadata as { labels?: Labels }).labels?.["elbv2.k8s.aws/pod-readiness-gate-inject"] === "enabled")
        .map(nameOf));
    return kind(plan, "TargetGroupBinding").flatMap((binding) => {
        const namespace = String((binding.inputs.metadata as { namespace?: string }).namespace);
        const problems: string[] = [];
        if (!gated.has(namespace)) problems.push(`TargetGroupBinding ${nameOf(binding)}: namespace ${namespace} does not enable the pod readiness gate`);
        if ((binding.inputs.spec as { targetType?: string }).targetType !== "ip") problems.push(`TargetGroupBinding ${nameOf(binding)}: the readiness gate needs target type ip`);
        return problems;
    });
}
