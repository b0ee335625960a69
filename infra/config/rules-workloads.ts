/**
 * Rules about the workloads' namespace. A ResourceQuota is enforced at admission: a pod that would take the namespace
 * over `hard` is refused ("exceeded quota"), so the ReplicaSet controller simply fails to create it and the autoscaler's
 * scale-out or the rollout's surge pod never appears (https://kubernetes.io/docs/concepts/policy/resource-quotas/).
 * Nothing in `pulumi up` would notice; this rule does, from config alone.
 */
import type { PlatformSettings as Settings } from "./index";
import type { Report } from "./rules";
import { formatCpu, formatMemory, parseQuantity, worstCase, type PodDemand } from "../workloads/sizing";

const QUOTA_KEYS = [
    ["requestsCpu", "requestsCpu", formatCpu],
    ["requestsMemory", "requestsMemory", formatMemory],
    ["limitsCpu", "limitsCpu", formatCpu],
    ["limitsMemory", "limitsMemory", formatMemory],
] as const satisfies readonly (readonly [keyof Settings["workloads"]["quota"], keyof PodDemand, (value: number) => string])[];

/** Refuses a quota that cannot hold the worst case of `worstCase` (workloads/sizing.ts), naming the key to raise. */
export function checkWorkloads(settings: Settings, report: Report): void {
    checkDatabaseUsers(settings, report);
    const { quota, replicas } = settings.workloads;
    // Blue-green runs two Deployments per service, and both colours can be at their maximum during a switch.
    const colours = settings.github.blueGreen ? 2 : 1;
    const { items, total } = worstCase(settings.services.map((service) => ({
        name: service.name,
        resources: service.resources,
        maxReplicas: (replicas.services[service.name] ?? replicas.default).max,
        hasMigration: service.migrationCommand !== undefined,
    })), colours);
    const breakdown = items.map((item) => `${item.what} = ${item.pods} pod(s), ${formatCpu(item.cpu)} CPU, ${formatMemory(item.memory)}`).join("; ");
    const why = `to admit every Deployment${colours === 2 ? " of both colours (blue-green)" : ""} at its maximum replicas, one surge pod each during a rollout, and one migration pod per service that migrates (${breakdown})`;
    for (const [key, demandKey, format] of QUOTA_KEYS) {
        let given: number;
        try {
            given = parseQuantity(quota[key]);
        } catch {
            report(["workloads", "quota", key], quota[key], "expected a Kubernetes quantity");
            continue;
        }
        if (given < total[demandKey]) report(["workloads", "quota", key], quota[key], `expected at least ${format(total[demandKey])} ${why}`);
    }
    if (quota.pods < total.pods) report(["workloads", "quota", "pods"], quota.pods, `expected at least ${total.pods} ${why}`);
}

/**
 * The services connect to PostgreSQL as their own users (IAM database authentication), which only the master user can
 * create: the migrations, the one identity that reads the master secret, create them (docs/kubernetes.md, "Database
 * users"). Services that use PostgreSQL without any service migrating it would have users nobody creates.
 */
function checkDatabaseUsers(settings: Settings, report: Report): void {
    const users = settings.services.filter((service) => service.uses.includes("postgres"));
    if (users.length > 0 && !users.some((service) => service.migrationCommand !== undefined)) {
        report(["services"], users.map((service) => service.name), "expected a migrationCommand on at least one service that uses postgres: the migrations alone hold the master user, which creates the services' database users");
    }
}
