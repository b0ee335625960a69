/**
 * Pod specs as plain data. Every pod of the platform meets Pod Security `restricted` (non-root with a fixed non-zero
 * user, RuntimeDefault seccomp, no privilege escalation, no capabilities) and also runs on a read-only root filesystem
 * with a writable /tmp, with requests and limits, and (for long-running pods) startup, readiness and liveness probes.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "../config";

export const APP_USER = 10001;
export const SECRETS_MOUNT = "/mnt/secrets";
/** Seconds the pod keeps serving after it is told to stop, so that the load balancer deregisters it first. */
export const DRAIN_SECONDS = 10;

export interface PodOptions {
    image: pulumi.Input<string>;
    serviceAccountName: string;
    configMapName: string;
    /** The SecretProviderClass whose secrets are mounted read-only at SECRETS_MOUNT. */
    secretProviderClass: string;
    labels: Record<string, string>;
}

export type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

const securityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};

function container(service: ServiceConfig, options: PodOptions, extra: Partial<Container>): Container {
    return {
        name: service.name,
        image: options.image,
        ports: [{ name: "http", containerPort: service.port, protocol: "TCP" }],
        envFrom: [{ configMapRef: { name: options.configMapName } }],
        // Requests equal limits: the scheduler reserves what the pod may use, and memory is never overcommitted.
        resources: { requests: { ...service.resources }, limits: { ...service.resources } },
        securityContext,
        volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "secrets", mountPath: SECRETS_MOUNT, readOnly: true },
        ],
        ...extra,
    };
}

function podBase(options: PodOptions): Omit<PodSpec, "containers"> {
    return {
        serviceAccountName: options.serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: APP_USER, runAsGroup: APP_USER, fsGroup: APP_USER, seccompProfile: { type: "RuntimeDefault" } },
        volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            { name: "secrets", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: options.secretProviderClass } } },
        ],
    };
}

/** A long-running service's pod. */
export function servicePod(service: ServiceConfig, options: PodOptions): PodSpec {
    const probe = (periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path: service.healthPath, port: "http" }, periodSeconds, failureThreshold, timeoutSeconds: 2,
    });
    return {
        ...podBase(options),
        containers: [container(service, options, {
            startupProbe: probe(5, 30),
            readinessProbe: probe(10, 3),
            livenessProbe: probe(20, 3),
            lifecycle: { preStop: { sleep: { seconds: DRAIN_SECONDS } } },
        })],
        terminationGracePeriodSeconds: DRAIN_SECONDS + 30,
        // Spread over zones, but never refuse to schedule: dev has fewer nodes than zones.
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: options.labels } }],
    };
}

/** A one-off pod that runs a command to completion (the migrations), with variables of its own beside the ConfigMap's. */
export function jobPod(service: ServiceConfig, options: PodOptions, command: readonly string[], env: Record<string, string> = {}): PodSpec {
    return {
        ...podBase(options),
        restartPolicy: "Never",
        containers: [container(service, options, { command: [...command], ...(Object.keys(env).length > 0 ? { env: Object.entries(env).map(([name, value]) => ({ name, value })) } : {}) })],
    };
}

type Spec = Record<string, unknown>;

function containersOf(spec: Spec): Spec[] {
    return [...((spec.containers ?? []) as Spec[]), ...((spec.initContainers ?? []) as Spec[])];
}

/** Every way a pod spec falls short of Pod Security `restricted`; empty when it meets it. */
export function restrictedViolations(spec: Spec): string[] {
    const problems: string[] = [];
    const pod = (spec.securityContext ?? {}) as Spec;
    const containers = containersOf(spec);
    if (containers.length === 0) problems.push("no containers");
    const podSeccomp = (pod.seccompProfile as { type?: string } | undefined)?.type;
    for (const c of containers) {
        const name = String(c.name);
        const context = (c.securityContext ?? {}) as Spec;
        const runAsNonRoot = context.runAsNonRoot ?? pod.runAsNonRoot;
        const runAsUser = context.runAsUser ?? pod.runAsUser;
        const seccomp = (context.seccompProfile as { type?: string } | undefined)?.type ?? podSeccomp;
        if (runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not true`);
        if (typeof runAsUser !== "number" || runAsUser === 0) problems.push(`${name}: no non-zero runAsUser`);
        if (!["RuntimeDefault", "Localhost"].includes(String(seccomp))) problems.push(`${name}: seccomp profile is not RuntimeDefault`);
        if (context.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation is not false`);
        if (!((context.capabilities as { drop?: string[] } | undefined)?.drop ?? []).includes("ALL")) problems.push(`${name}: capabilities not dropped`);
        if (((context.capabilities as { add?: string[] } | undefined)?.add ?? []).some((cap) => cap !== "NET_BIND_SERVICE")) problems.push(`${name}: adds capabilities`);
        if (context.privileged === true) problems.push(`${name}: privileged`);
    }
    if (spec.hostNetwork === true || spec.hostPID === true || spec.hostIPC === true) problems.push("shares a host namespace");
    for (const volume of (spec.volumes ?? []) as Spec[]) if (volume.hostPath) problems.push(`volume ${String(volume.name)} mounts a host path`);
    return problems;
}

/**
 * Every way a pod spec falls short of the platform's rules (restricted, plus a read-only root filesystem, requests and
 * limits, and probes for long-running pods); empty when it meets them. Tests run it over every pod of every plan.
 */
export function podSpecViolations(spec: Spec, { longRunning }: { longRunning: boolean }): string[] {
    const problems = restrictedViolations(spec);
    for (const c of containersOf(spec)) {
        const name = String(c.name);
        if (((c.securityContext ?? {}) as Spec).readOnlyRootFilesystem !== true) problems.push(`${name}: root filesystem is writable`);
        const resources = (c.resources ?? {}) as { requests?: Spec; limits?: Spec };
        if (!resources.requests?.cpu || !resources.requests?.memory) problems.push(`${name}: no CPU and memory requests`);
        if (!resources.limits?.cpu || !resources.limits?.memory) problems.push(`${name}: no CPU and memory limits`);
        if (longRunning) {
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) if (!c[probe]) problems.push(`${name}: no ${probe}`);
        }
    }
    return problems;
}
