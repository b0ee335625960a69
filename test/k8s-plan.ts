/**
 * The Kubernetes objects of a plan, as a cluster would see them, and Kubernetes' own label-selector semantics, for the
 * checks that reason about which pods a Service, a budget, an autoscaler or a network policy reaches.
 */
import { parse } from "yaml";
import { SECRET_PLACEHOLDER, type Plan, type PlannedResource } from "../tools/mock-engine";

export type Labels = Record<string, string>;
export type Json = Record<string, unknown>;

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a metav1.LabelSelector selects a set of labels, per
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 * and the LabelSelector reference (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/):
 * the requirements of matchLabels and matchExpressions are ANDed; an empty selector selects everything, a null one
 * nothing; `In` and `NotIn` need a non-empty values list, `Exists` and `DoesNotExist` an empty one; `NotIn` and
 * `DoesNotExist` hold for a label that is absent.
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Labels): boolean {
    if (selector === null || selector === undefined) return false;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (operator) {
            case "In":
                if (values.length === 0) throw new Error(`selector on ${key}: In needs values`);
                if (!has || !values.includes(labels[key])) return false;
                break;
            case "NotIn":
                if (values.length === 0) throw new Error(`selector on ${key}: NotIn needs values`);
                if (has && values.includes(labels[key])) return false;
                break;
            case "Exists":
            case "DoesNotExist":
                if (values.length > 0) throw new Error(`selector on ${key}: ${operator} takes no values`);
                if (has !== (operator === "Exists")) return false;
                break;
            default:
                throw new Error(`selector on ${key}: unknown operator ${operator}`);
        }
    }
    return true;
}

/**
 * A Service's selector is a plain map, equality only; a Service without one (or with an empty one) selects no pods:
 * its endpoints are managed by hand (https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors).
 */
export function serviceSelects(selector: Labels | undefined, labels: Labels): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return selectorMatches({ matchLabels: selector }, labels);
}

/** A Kubernetes object the plan sends to a cluster (Helm releases are installers, not objects: left out). */
export interface KubeObject {
    where: string;
    object: Json;
    /** Parsed out of a ConfigMap (the migration Job templates the pipeline applies). */
    embedded: boolean;
}

export function kubeObjects(plan: Plan): KubeObject[] {
    const objects: KubeObject[] = [];
    for (const resource of plan.resources) {
        if (!resource.custom || !resource.type.startsWith("kubernetes:") || resource.type === "kubernetes:helm.sh/v3:Release") continue;
        // A field the plan shows as "[secret]" (a Secret's stringData) hides its value from the offline plan: it is
        // left out of the object rather than checked against a shape it cannot show.
        const visible = Object.fromEntries(Object.entries(resource.inputs).filter(([, value]) => value !== SECRET_PLACEHOLDER));
        objects.push({ where: resource.urn, object: visible, embedded: false });
        if (resource.type === "kubernetes:core/v1:ConfigMap") {
            for (const [key, text] of Object.entries((resource.inputs.data ?? {}) as Record<string, string>)) {
                if (!/^kind:\s*\S+/m.test(String(text)) || !/^apiVersion:/m.test(String(text))) continue;
                objects.push({ where: `${resource.urn} (data.${key})`, object: parse(String(text)) as Json, embedded: true });
            }
        }
    }
    return objects;
}

export interface PodTemplate {
    where: string;
    labels: Labels;
    spec: Json;
    /** A one-off pod (a Job's), never a server. */
    job: boolean;
}

/** Every pod template: Deployments' and Jobs', including the Job templates kept in ConfigMaps. */
export function podTemplates(plan: Plan): PodTemplate[] {
    return kubeObjects(plan).flatMap(({ where, object }) => {
        const template = (object.spec as { template?: { metadata?: { labels?: Labels }; spec?: Json } } | undefined)?.template;
        if (!template || !["Deployment", "Job", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(String(object.kind))) return [];
        return [{ where, labels: template.metadata?.labels ?? {}, spec: template.spec ?? {}, job: object.kind === "Job" }];
    });
}

export function kind(plan: Plan, name: string): PlannedResource[] {
    return plan.resources.filter((resource) => resource.custom && resource.type.startsWith("kubernetes:") && resource.type.endsWith(`:${name}`));
}

export const nameOf = (resource: PlannedResource): string => String((resource.inputs.metadata as { name?: string } | undefined)?.name);

/** A deep copy of a plan that a fixture may change without touching the cached real plan. */
export function copyOf(plan: Plan): Plan {
    return structuredClone(plan);
}
