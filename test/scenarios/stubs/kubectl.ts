/**
 * kubectl, as the deploy and rollback scripts call it, against the Deployments, Services, ConfigMaps and Jobs of the
 * state. Messages and exit codes follow kubectl's (NotFound from the server, `error: ...` from the client, exit 1).
 * It needs the kubeconfig `aws eks update-kubeconfig` writes, as the real one does, so a script that talks to the
 * cluster before connecting fails here too.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { jsonPath } from "./jsonpath";
import { fail, next, ok, one, parseArgs, UnknownInvocation, type DeploymentState, type StubResult, type StubState } from "./state";

const VALUED = ["-n", "--namespace", "-o", "--output", "--timeout", "--type", "-p", "--patch", "-f", "--filename", "--tail", "--dry-run", "-l", "--selector"];

const containerOf = (name: string, d: DeploymentState) => d.container ?? name.replace(/-(blue|green)$/, "");

/** The pods' labels (the Deployment's selector): app, and the colour for a blue-green pair (infra/workloads). */
const labelsOf = (name: string, d: DeploymentState): Record<string, string> => {
    const colour = /-(blue|green)$/.exec(name)?.[1];
    return d.labels ?? { app: containerOf(name, d), ...(colour ? { colour } : {}) };
};

/** Pod names as a ReplicaSet makes them (deployment-hash-suffix); the hash follows the image, as a new template's would. */
function podsOf(state: StubState, name: string, d: DeploymentState): Record<string, unknown>[] {
    const hash = [...d.image].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(36).slice(0, 9);
    const replicas = d.replicas ?? 2;
    const counter = state.counters[`unavailable:${name}`] ?? 0;
    const list = d.unavailableReplicas === undefined ? [] : Array.isArray(d.unavailableReplicas) ? d.unavailableReplicas : [d.unavailableReplicas];
    const unavailable = list.length === 0 ? 0 : list[Math.min(counter, list.length - 1)];
    return Array.from({ length: replicas }, (_, i) => ({
        apiVersion: "v1", kind: "Pod",
        metadata: { name: `${name}-${hash}-${String.fromCharCode(97 + i)}${i}x9z`, namespace: state.namespace, labels: labelsOf(name, d) },
        spec: { containers: [{ name: containerOf(name, d), image: d.image }] },
        status: { phase: "Running", conditions: [{ type: "Ready", status: i < replicas - unavailable ? "True" : "False" }] },
    }));
}

/** The Deployment a pod belongs to, by the pods the state's Deployments have now. */
function deploymentOfPod(state: StubState, pod: string): string | undefined {
    return Object.entries(state.deployments).find(([name, d]) => podsOf(state, name, d).some((p) => (p.metadata as { name: string }).name === pod))?.[0];
}

function deploymentObject(state: StubState, name: string, d: DeploymentState): Record<string, unknown> {
    const replicas = d.replicas ?? 2;
    const unavailable = next(state, `unavailable:${name}`, d.unavailableReplicas, 0);
    return {
        apiVersion: "apps/v1", kind: "Deployment",
        metadata: { name, namespace: state.namespace, generation: (d.history?.length ?? 0) + 1 },
        spec: { replicas, selector: { matchLabels: labelsOf(name, d) }, template: { metadata: { labels: labelsOf(name, d) }, spec: { containers: [{ name: containerOf(name, d), image: d.image }] } } },
        // Kubernetes omits zero-valued status counters, so an available Deployment has no unavailableReplicas.
        status: { replicas, availableReplicas: replicas - unavailable, readyReplicas: replicas - unavailable, ...(unavailable > 0 ? { unavailableReplicas: unavailable } : {}) },
    };
}

/** The migration template Pulumi keeps per service (infra/workloads/index.ts: generateName `<service>-migrate-`). */
function migrationTemplate(state: StubState, service: string): Record<string, unknown> {
    return state.migrations[service]?.template ?? {
        apiVersion: "batch/v1", kind: "Job",
        metadata: { generateName: `${service}-migrate-`, namespace: state.namespace },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "set-by-the-pipeline" }] } } },
    };
}

function parseDocument(text: string | undefined): Record<string, unknown> {
    // `yaml` comes from the project's node_modules (NODE_PATH); JSON is YAML too.
    const { parse } = require("yaml") as { parse(text: string): unknown };
    const document = parse(text ?? "");
    if (!document || typeof document !== "object") throw new UnknownInvocation("stdin is not one YAML or JSON object");
    return document as Record<string, unknown>;
}

function resource(args: string[]): { kind: string; name?: string } {
    const [first, second] = args;
    if (first === undefined) throw new UnknownInvocation("no resource named");
    const slash = first.indexOf("/");
    const kind = (slash > 0 ? first.slice(0, slash) : first).toLowerCase();
    const name = slash > 0 ? first.slice(slash + 1) : second;
    const canonical = ({ pod: "pod", pods: "pod", po: "pod", deployment: "deployment", deployments: "deployment", "deployment.apps": "deployment", service: "service", svc: "service", configmap: "configmap", cm: "configmap", job: "job", "job.batch": "job" } as Record<string, string>)[kind];
    if (!canonical) throw new UnknownInvocation(`resource kind ${kind} is not emulated`);
    return { kind: canonical, name };
}

function lookup(state: StubState, kind: string, name: string): Record<string, unknown> | undefined {
    if (kind === "deployment") { const d = state.deployments[name]; return d && deploymentObject(state, name, d); }
    if (kind === "service") {
        const s = state.services[name];
        return s && { apiVersion: "v1", kind: "Service", metadata: { name, namespace: state.namespace }, spec: { selector: s.selector } };
    }
    if (kind === "configmap") {
        const service = /^(.+)-migration$/.exec(name)?.[1];
        if (!service || !(service in state.migrations)) return undefined;
        const { stringify } = require("yaml") as { stringify(value: unknown): string };
        return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: state.namespace }, data: { "job.yaml": stringify(migrationTemplate(state, service)) } };
    }
    const job = state.jobs[name];
    if (!job) return undefined;
    const result = state.migrations[job.service]?.result ?? "Complete";
    return { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: state.namespace }, status: result === "Running" ? { active: 1 } : { conditions: [{ type: result, status: "True" }] } };
}

const notFound = (kind: string, name: string) => fail(`Error from server (NotFound): ${kind === "deployment" ? "deployments.apps" : kind === "job" ? "jobs.batch" : `${kind}s`} "${name}" not found`);

function output(object: Record<string, unknown>, format: string | undefined, kind: string, name: string): StubResult {
    if (format === "json") return ok(`${JSON.stringify(object, null, 4)}\n`);
    if (format === "name") return ok(`${kind === "deployment" ? "deployment.apps" : kind === "job" ? "job.batch" : kind}/${name}\n`);
    if (format?.startsWith("jsonpath=")) return ok(jsonPath(format.slice("jsonpath=".length), object));
    throw new UnknownInvocation(`output format ${format ?? "(table)"} for one ${kind} is not emulated`);
}

export function kubectl(state: StubState, args: string[], stdin?: string): StubResult {
    const { positional, flags } = parseArgs(args, VALUED);
    const [verb, ...rest] = positional;
    const format = one(flags, "-o") ?? one(flags, "--output");
    const namespace = one(flags, "-n") ?? one(flags, "--namespace") ?? "default";
    if (!["get", "set", "rollout", "port-forward", "patch", "create", "logs"].includes(verb)) throw new UnknownInvocation(`kubectl ${verb} is not emulated`);
    const clientOnly = verb === "create" && one(flags, "--dry-run") === "client";
    const kubeconfig = process.env.KUBECONFIG ?? join(process.env.HOME ?? "/nonexistent", ".kube", "config");
    if (!clientOnly && !existsSync(kubeconfig)) {
        return fail("The connection to the server localhost:8080 was refused - did you specify the right host or port?");
    }
    if (!clientOnly && namespace !== state.namespace) {
        // The deploy role's access entry is scoped to its namespace: anything else is forbidden.
        return fail(`Error from server (Forbidden): the deploy role cannot act in the namespace "${namespace}"`);
    }
    switch (verb) {
        case "get": {
            const { kind, name } = resource(rest);
            const selector = one(flags, "-l") ?? one(flags, "--selector");
            if (kind === "pod" && name === undefined && selector !== undefined && format === "json") {
                // Equality selectors only (k=v,k2=v2): what the scripts build from a Deployment's matchLabels.
                const wanted = selector.split(",").map((term) => {
                    const match = /^([\w./-]+)=([\w.-]*)$/.exec(term);
                    if (!match) throw new UnknownInvocation(`label selector ${term}`);
                    return [match[1], match[2]] as const;
                });
                const items = Object.entries(state.deployments).flatMap(([n, d]) => podsOf(state, n, d))
                    .filter((pod) => wanted.every(([k, v]) => (pod.metadata as { labels: Record<string, string> }).labels[k] === v));
                return ok(`${JSON.stringify({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } }, null, 4)}\n`);
            }
            if (name === undefined) {
                if (kind !== "deployment" || format !== undefined) throw new UnknownInvocation(`listing ${kind} with -o ${format} is not emulated`);
                const rows = Object.entries(state.deployments).map(([n, d]) => `${n}   ${d.replicas ?? 2}/${d.replicas ?? 2}   ${d.replicas ?? 2}   ${d.replicas ?? 2}   3d`);
                return ok(`NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n${rows.join("\n")}\n`);
            }
            const object = lookup(state, kind, name);
            return object ? output(object, format, kind, name) : notFound(kind, name);
        }
        case "set": {
            if (rest[0] !== "image") throw new UnknownInvocation(`set ${rest[0]} is not emulated`);
            const { kind, name } = resource(rest.slice(1, 2));
            if (kind !== "deployment" || !name) throw new UnknownInvocation("set image on anything but deployment/NAME");
            const d = state.deployments[name];
            if (!d) return notFound(kind, name);
            for (const pair of rest.slice(2)) {
                const [container, image] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
                if (container !== containerOf(name, d)) return fail(`error: unable to find container named "${container}"`);
                if (!image) return fail(`error: invalid image "${pair}"`);
                if (image !== d.image) { d.history = [...(d.history ?? []), d.image]; d.image = image; }
            }
            return ok(`deployment.apps/${name} image updated\n`);
        }
        case "rollout": {
            const [action, target] = rest;
            const { kind, name } = resource([target]);
            if (kind !== "deployment" || !name) throw new UnknownInvocation(`rollout ${action} of ${target}`);
            const d = state.deployments[name];
            if (!d) return notFound(kind, name);
            if (action === "status") {
                if (next(state, `rollout:${name}`, d.rollout, "success") === "fail") {
                    return { out: `Waiting for deployment "${name}" rollout to finish: 1 of 2 updated replicas are available...\n`, err: `error: deployment "${name}" exceeded its progress deadline\n`, code: 1 };
                }
                return ok(`deployment "${name}" successfully rolled out\n`);
            }
            if (action === "undo") {
                const previous = d.history?.at(-1);
                if (previous === undefined) return fail(`error: no rollout history found for deployment "${name}"`);
                // Undo makes the previous revision the newest: the current image becomes the one to go back to.
                d.history = [...d.history!.slice(0, -1), d.image];
                d.image = previous;
                return ok(`deployment.apps/${name} rolled back\n`);
            }
            throw new UnknownInvocation(`rollout ${action} is not emulated`);
        }
        case "port-forward": {
            const { kind, name } = resource([rest[0]]);
            const [local, remote] = (rest[1] ?? "").split(":");
            if ((kind !== "deployment" && kind !== "pod") || !name || !local || !remote) throw new UnknownInvocation("port-forward other than deployment/NAME or pod/NAME LOCAL:REMOTE");
            const deployment = kind === "pod" ? deploymentOfPod(state, name) : state.deployments[name] ? name : undefined;
            if (!deployment) return fail(`Error from server (NotFound): ${kind === "pod" ? "pods" : "deployments.apps"} "${name}" not found`);
            // Keyed by the calling shell: curl in the same script finds its own forward, never an older step's.
            state.forwards[`${process.ppid}:${local}`] = deployment;
            return ok(`Forwarding from 127.0.0.1:${local} -> ${remote}\n`);
        }
        case "patch": {
            const { kind, name } = resource(rest);
            if (kind !== "service" || !name || one(flags, "--type") !== "merge") throw new UnknownInvocation("patch other than a merge patch of a Service");
            const service = state.services[name];
            if (!service) return notFound(kind, name);
            const patch = JSON.parse(one(flags, "-p") ?? one(flags, "--patch") ?? "{}") as { spec?: { selector?: Record<string, string | null> }; [key: string]: unknown };
            if (Object.keys(patch).some((key) => key !== "spec") || Object.keys(patch.spec ?? {}).some((key) => key !== "selector")) throw new UnknownInvocation(`patch ${JSON.stringify(patch)} touches more than spec.selector`);
            // JSON merge patch (RFC 7386): null deletes a key.
            for (const [key, value] of Object.entries(patch.spec?.selector ?? {})) {
                if (value === null) delete service.selector[key]; else service.selector[key] = value;
            }
            return ok(`service/${name} patched\n`);
        }
        case "create": {
            if (one(flags, "-f") !== "-" && one(flags, "--filename") !== "-") throw new UnknownInvocation("create from anything but stdin");
            const document = parseDocument(stdin);
            if (clientOnly) {
                if (format !== "json") throw new UnknownInvocation(`create --dry-run=client -o ${format}`);
                return ok(`${JSON.stringify(document, null, 4)}\n`);
            }
            if (document.kind !== "Job") throw new UnknownInvocation(`create of a ${String(document.kind)}`);
            const metadata = (document.metadata ?? {}) as { name?: string; generateName?: string };
            const service = Object.keys(state.migrations).find((s) => {
                const t = (migrationTemplate(state, s).metadata ?? {}) as { name?: string; generateName?: string };
                return (t.generateName !== undefined && t.generateName === metadata.generateName) || (t.name !== undefined && t.name === metadata.name);
            });
            if (!service) throw new UnknownInvocation(`a Job that is no service's migration template: ${JSON.stringify(metadata)}`);
            state.counters["generated-names"] = (state.counters["generated-names"] ?? 0) + 1;
            const name = metadata.name ?? `${metadata.generateName}${String(state.counters["generated-names"]).padStart(5, "0")}`;
            if (state.jobs[name]) return fail(`Error from server (AlreadyExists): jobs.batch "${name}" already exists`);
            const containers = ((document.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers) ?? [];
            state.jobs[name] = { service, image: containers.map((c) => c.image ?? "").join(" ") };
            return output({}, format, "job", name);
        }
        case "logs": {
            const { kind, name } = resource(rest);
            const job = kind === "job" && name ? state.jobs[name] : undefined;
            if (!job) throw new UnknownInvocation(`logs of ${rest.join(" ")}`);
            return ok(state.migrations[job.service]?.logs ?? "");
        }
        default:
            throw new UnknownInvocation(`kubectl ${verb} is not emulated`);
    }
}
