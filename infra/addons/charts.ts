/**
 * Every Helm chart the cluster runs, pinned in one place. Each version was read from the chart's Chart.yaml on the
 * default branch of its repository (commit date in brackets) on 2026-11-22:
 * - metrics-server 3.13.1 (app 0.8.1): kubernetes-sigs/metrics-server charts/metrics-server [2026-08-04]
 * - aws-load-balancer-controller 3.5.0 (app v3.5.0): aws/eks-charts stable/aws-load-balancer-controller [2026-08-03]
 * - cluster-autoscaler 9.59.0 (app 1.35.0, matching Kubernetes 1.35): kubernetes/autoscaler
 *   cluster-autoscaler/charts/cluster-autoscaler [2026-08-22]
 * - secrets-store-csi-driver 1.6.0: kubernetes-sigs/secrets-store-csi-driver charts/secrets-store-csi-driver [2026-04-30]
 * - secrets-store-csi-driver-provider-aws 3.1.1: aws/secrets-store-csi-driver-provider-aws
 *   charts/secrets-store-csi-driver-provider-aws [2026-06-04]
 */
export interface PinnedChart {
    chart: string;
    version: string;
    repository: string;
    namespace: string;
}

export const CHARTS = {
    metricsServer: { chart: "metrics-server", version: "3.13.1", repository: "https://kubernetes-sigs.github.io/metrics-server/", namespace: "kube-system" },
    loadBalancerController: { chart: "aws-load-balancer-controller", version: "3.5.0", repository: "https://aws.github.io/eks-charts", namespace: "kube-system" },
    clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.59.0", repository: "https://kubernetes.github.io/autoscaler", namespace: "kube-system" },
    secretsStoreCsiDriver: { chart: "secrets-store-csi-driver", version: "1.6.0", repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts", namespace: "kube-system" },
    secretsStoreAwsProvider: { chart: "secrets-store-csi-driver-provider-aws", version: "3.1.1", repository: "https://aws.github.io/secrets-store-csi-driver-provider-aws", namespace: "kube-system" },
} as const satisfies Record<string, PinnedChart>;
