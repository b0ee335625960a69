/** Rules over Kubernetes workloads. */
import { restrictedViolations } from "../../infra/workloads/pods";
import type { Rule } from "../types";

export const WORKLOAD_TYPES = [
    "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Pod",
] as const;

export const KUBERNETES_RULES: Rule[] = [
    {
        name: "pod-security-restricted",
        description: "Every pod meets Pod Security `restricted`",
        appliesTo: WORKLOAD_TYPES,
        check(resource) {
            const spec = resource.inputs.spec as Record<string, unknown> | undefined;
            const pod = resource.type === "kubernetes:core/v1:Pod" ? spec
                : resource.type === "kubernetes:batch/v1:CronJob" ? ((spec?.jobTemplate as { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined)?.spec?.template?.spec)
                    : (spec?.template as { spec?: Record<string, unknown> } | undefined)?.spec;
            return pod ? restrictedViolations(pod) : ["no pod spec"];
        },
    },
];
