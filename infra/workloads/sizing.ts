/**
 * What the namespace must admit, as plain data: the rolling-update shape every Deployment uses, Kubernetes quantity
 * arithmetic, and the worst case of pods that can exist at once. The config rule (config/rules-workloads.ts) compares
 * it with the ResourceQuota, so that a quota too small for a scale-out or a rollout is refused before `pulumi up`
 * rather than discovered when the ReplicaSet controller cannot create a pod.
 */

/**
 * Every Deployment's rolling update: never below the desired count, one extra pod at a time. The surge pod counts
 * against the quota like any other, so the quota must leave room for it.
 */
export const ROLLING_UPDATE = { maxUnavailable: 0, maxSurge: 1 } as const;

/** A migration Job runs one pod at a time (Job `parallelism` defaults to 1; a retry starts after the failed pod ends). */
export const MIGRATION_PODS = 1;

// Kubernetes quantity grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go, and the "Quantity" definition of the
// API reference https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
// <signedNumber><suffix>, suffix = binary SI (Ki Mi Gi Ti Pi Ei) | decimal SI (n u m "" k M G T P E) | e<exponent>.
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The value of a Kubernetes quantity in base units (cores for CPU, bytes for memory); throws on anything else. */
export function parseQuantity(text: string | number): number {
    if (typeof text === "number") return text;
    const match = QUANTITY.exec(text.trim());
    if (!match) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
    const [, number, suffix = ""] = match;
    const scale = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
    return Number(number) * scale;
}

/** CPU as Kubernetes writes it: whole cores when whole, else millicores. */
export function formatCpu(cores: number): string {
    const milli = Math.ceil(Math.round(cores * 1e6) / 1e3);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Memory as Kubernetes writes it: Gi when whole, else Mi (rounded up). */
export function formatMemory(bytes: number): string {
    return bytes % BINARY.Gi === 0 ? `${bytes / BINARY.Gi}Gi` : `${Math.ceil(bytes / BINARY.Mi)}Mi`;
}

/**
 * Pods a rolling update adds above the desired count. A percentage is of the desired count, rounded up (the
 * Deployment documentation: "The absolute number is calculated from percentage by rounding up").
 * https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge
 */
export function surgePods(maxSurge: number | string, replicas: number): number {
    if (typeof maxSurge === "number") return maxSurge;
    const percent = /^(\d+)%$/.exec(maxSurge);
    if (!percent) throw new Error(`not a maxSurge: ${JSON.stringify(maxSurge)}`);
    return Math.ceil((Number(percent[1]) * replicas) / 100);
}

export interface PodDemand {
    /** Cores and bytes the pods request and are limited to, and how many pods. */
    requestsCpu: number;
    requestsMemory: number;
    limitsCpu: number;
    limitsMemory: number;
    pods: number;
}

export interface SizedService {
    name: string;
    /** One container: requests equal limits (workloads/pods.ts). */
    resources: { cpu: string; memory: string };
    maxReplicas: number;
    hasMigration: boolean;
}

/** One line of the worst case, for the message that refuses a quota. */
export interface DemandItem {
    what: string;
    pods: number;
    cpu: number;
    memory: number;
}

/**
 * The most the namespace can hold at once: every Deployment (both colours where blue-green runs) at its autoscaler's
 * maximum, each in the middle of a rollout (plus its surge pods), and one migration pod per service that migrates.
 */
export function worstCase(services: readonly SizedService[], deploymentsPerService: number, maxSurge: number | string = ROLLING_UPDATE.maxSurge): { items: DemandItem[]; total: PodDemand } {
    const items: DemandItem[] = [];
    for (const service of services) {
        const cpu = parseQuantity(service.resources.cpu);
        const memory = parseQuantity(service.resources.memory);
        const pods = deploymentsPerService * (service.maxReplicas + surgePods(maxSurge, service.maxReplicas));
        items.push({ what: `${service.name}: ${deploymentsPerService} × (${service.maxReplicas} + surge)`, pods, cpu: pods * cpu, memory: pods * memory });
        if (service.hasMigration) items.push({ what: `${service.name}: migration`, pods: MIGRATION_PODS, cpu: MIGRATION_PODS * cpu, memory: MIGRATION_PODS * memory });
    }
    const sum = (pick: (item: DemandItem) => number) => items.reduce((total, item) => total + pick(item), 0);
    const cpu = sum((item) => item.cpu);
    const memory = sum((item) => item.memory);
    // Requests equal limits for every container the platform runs, so the two demands are the same.
    return { items, total: { requestsCpu: cpu, requestsMemory: memory, limitsCpu: cpu, limitsMemory: memory, pods: sum((item) => item.pods) } };
}
