/**
 * The add-ons' Helm values as plain data. Keys are the charts' own (their values.yaml at the versions pinned in
 * charts.ts); only what differs from a chart's default, or what this platform must not leave to a default, is set.
 */
import type * as pulumi from "@pulumi/pulumi";
import { clusterAutoscalerImageTag } from "./charts";

export type HelmValues = Record<string, unknown>;

/** A container that cannot gain privileges, write its image or keep any Linux capability. */
const LOCKED_DOWN_CONTAINER = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * metrics-server feeds every HorizontalPodAutoscaler: two replicas and a disruption budget keep the autoscalers fed
 * through a node drain (the chart's own high-availability settings). The chart's container is already locked down.
 */
export function metricsServerValues(): HelmValues {
    return {
        replicas: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
    };
}

export interface LoadBalancerControllerSettings {
    clusterName: string;
    region: string;
    vpcId: pulumi.Input<string>;
    /** The service account the Pod Identity association names. */
    serviceAccount: string;
}

export function loadBalancerControllerValues(settings: LoadBalancerControllerSettings): HelmValues {
    return {
        clusterName: settings.clusterName,
        // Given, not discovered: the nodes' metadata service is out of the pods' reach (IMDSv2, hop limit 1).
        region: settings.region,
        vpcId: settings.vpcId,
        serviceAccount: { create: true, name: settings.serviceAccount },
        // TargetGroupBinding only: no IngressClass, no Service mutation, no Service or Gateway controllers, so that the
        // controller cannot create a load balancer of its own, and its IAM role (policies.ts) does not let it either.
        createIngressClassResource: false,
        enableServiceMutatorWebhook: false,
        controllerConfig: { featureGates: { EnableServiceController: false, ALBGatewayAPI: false, NLBGatewayAPI: false } },
        // The chart runs two replicas (one leader); keep one through a drain, since its webhooks fail closed.
        podDisruptionBudget: { maxUnavailable: 1 },
        securityContext: { ...LOCKED_DOWN_CONTAINER, runAsNonRoot: true },
    };
}

export interface ClusterAutoscalerSettings {
    clusterName: string;
    region: string;
    /** The service account the Pod Identity association names. */
    serviceAccount: string;
    /**
     * The cluster's Kubernetes minor version: the autoscaler's image follows it (ClusterAddons always passes it).
     * @default "1.35"
     */
    kubernetesVersion?: string;
}

/**
 * No node group bounds here on purpose: auto-discovery reads each group's min and max from its Auto Scaling group, so
 * the stack files' bounds reach the autoscaler through EKS, and changing them changes nothing in this release.
 */
export function clusterAutoscalerValues(settings: ClusterAutoscalerSettings): HelmValues {
    return {
        cloudProvider: "aws",
        awsRegion: settings.region,
        // Discovers the groups tagged k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<clusterName>.
        autoDiscovery: { clusterName: settings.clusterName },
        image: { tag: clusterAutoscalerImageTag(settings.kubernetesVersion ?? "1.35") },
        rbac: { serviceAccount: { create: true, name: settings.serviceAccount } },
        extraArgs: {
            // The add-ons' controllers run in kube-system on ordinary nodes, under disruption budgets; with the default
            // (true) any node holding one of them could never be removed.
            "skip-nodes-with-system-pods": false,
        },
        // The chart sets no security context: these are the ones of the autoscaler's own AWS example manifest.
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: LOCKED_DOWN_CONTAINER,
        // The autoscaler's AWS example manifest: 100m CPU and 600Mi memory, requested and capped.
        resources: { requests: { cpu: "100m", memory: "600Mi" }, limits: { cpu: "100m", memory: "600Mi" } },
    };
}

/** The audiences the AWS provider needs tokens for (its README, "Separate CSI Driver Installation"); Pod Identity's last. */
export const SECRETS_PROVIDER_TOKEN_AUDIENCES = ["sts.amazonaws.com", "pods.eks.amazonaws.com"];

export function secretsStoreCsiDriverValues(): HelmValues {
    return {
        // Pods read their secrets as mounted files; nothing is copied into Kubernetes Secrets, and so into etcd.
        syncSecret: { enabled: false },
        // Mounted files follow a rotated secret (the database's managed password rotates) without a restart.
        enableSecretRotation: true,
        // Installed apart from the AWS provider's chart, so the driver must request the tokens the provider exchanges.
        tokenRequests: SECRETS_PROVIDER_TOKEN_AUDIENCES.map((audience) => ({ audience })),
    };
}

export function secretsStoreAwsProviderValues(region: string): HelmValues {
    return {
        // The driver is its own release (above), pinned separately; the provider chart must not install a second one.
        "secrets-store-csi-driver": { install: false },
        awsRegion: region,
    };
}
