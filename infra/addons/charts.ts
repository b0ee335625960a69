/**
 * Every Helm chart the cluster runs, pinned in one place: an exact version, never a range, so that a `pulumi up` next
 * month installs what was reviewed today. Upgrading a chart is a one-line change here, reviewed like any other.
 *
 * Each version was read on 2026-11-22 from the chart's Chart.yaml on its repository's default branch and checked
 * against the chart repository's published index (the `index.yaml` that `repository` serves, on the repository's
 * `gh-pages` branch), where it is the newest entry; the date in brackets is when that index entry was created:
 * - metrics-server 3.13.1 (app 0.8.1): github.com/kubernetes-sigs/metrics-server, charts/metrics-server [2026-06-11]
 * - aws-load-balancer-controller 3.5.0 (app v3.5.0): github.com/aws/eks-charts,
 *   stable/aws-load-balancer-controller [2026-08-03]
 * - cluster-autoscaler 9.59.0 (app 1.35.0): github.com/kubernetes/autoscaler,
 *   cluster-autoscaler/charts/cluster-autoscaler [2026-07-21]
 * - secrets-store-csi-driver 1.6.0 (app 1.6.0): github.com/kubernetes-sigs/secrets-store-csi-driver,
 *   charts/secrets-store-csi-driver [2026-04-29]
 * - secrets-store-csi-driver-provider-aws 3.1.1 (image 3.1.1): github.com/aws/secrets-store-csi-driver-provider-aws,
 *   charts/secrets-store-csi-driver-provider-aws [2026-06-02]
 */
export interface PinnedChart {
    /** The chart's name in its repository (also the release's name). */
    chart: string;
    /** An exact chart version. */
    version: string;
    /** The Helm repository that serves the chart. */
    repository: string;
    /** Where the chart's documentation installs it. */
    namespace: string;
}

export const CHARTS = {
    metricsServer: {
        chart: "metrics-server",
        version: "3.13.1",
        repository: "https://kubernetes-sigs.github.io/metrics-server/",
        namespace: "kube-system",
    },
    loadBalancerController: {
        chart: "aws-load-balancer-controller",
        version: "3.5.0",
        repository: "https://aws.github.io/eks-charts",
        namespace: "kube-system",
    },
    clusterAutoscaler: {
        chart: "cluster-autoscaler",
        version: "9.59.0",
        repository: "https://kubernetes.github.io/autoscaler",
        namespace: "kube-system",
    },
    secretsStoreCsiDriver: {
        chart: "secrets-store-csi-driver",
        version: "1.6.0",
        repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
        namespace: "kube-system",
    },
    secretsStoreAwsProvider: {
        chart: "secrets-store-csi-driver-provider-aws",
        version: "3.1.1",
        repository: "https://aws.github.io/secrets-store-csi-driver-provider-aws",
        namespace: "kube-system",
    },
} as const satisfies Record<string, PinnedChart>;

/**
 * The Cluster Autoscaler's image for each Kubernetes minor version the calendar offers. Its minor must be the
 * cluster's (the autoscaler's README: "versioning scheme was changed to match Kubernetes minor releases exactly"; only
 * matching pairs are tested), so the image follows `cluster.kubernetesVersion` in the stack file. Read in
 * kubernetes/autoscaler's release tags, cluster-autoscaler/version/version.go:
 * - 1.35: v1.35.0, the app version of chart 9.59.0 (tag cluster-autoscaler-1.35.0, commit 25fc5c74f6b0f2382b65f76edc08e15ac9f41da7)
 * - 1.36: v1.36.1 (tag cluster-autoscaler-1.36.1, commit 35e8a280425c76a4040f57ae0fa232a952c02024, 2026-07-22). No chart
 *   release carries it yet (the repository's chart is still 9.59.0, app 1.35.0, at 55c37cd5eb550756c5ccc5a89e9068d77797e575,
 *   2026-08-22): chart 9.59.0 runs it with its image tag overridden; read the chart's changes before that upgrade.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = { "1.35": "v1.35.0", "1.36": "v1.36.1" };

/** The image for a Kubernetes minor version; a minor without a row is refused with what to add. */
export function clusterAutoscalerImageTag(kubernetesVersion: string): string {
    const tag = CLUSTER_AUTOSCALER_IMAGE_TAGS[kubernetesVersion];
    if (tag === undefined) {
        throw new RangeError(`no Cluster Autoscaler image is known for Kubernetes ${kubernetesVersion}: add its release to CLUSTER_AUTOSCALER_IMAGE_TAGS in infra/addons/charts.ts (kubernetes/autoscaler, tag cluster-autoscaler-${kubernetesVersion}.x)`);
    }
    return tag;
}

/** The image of the stacks' current minor version (test/addons.test.ts compares the rendered release with it). */
export const CLUSTER_AUTOSCALER_IMAGE_TAG = clusterAutoscalerImageTag("1.35");

/** A chart served from an OCI registry (Helm installs it by its `oci://` reference; there is no index to read). */
export interface OciChart {
    /** The `oci://` reference of the chart, without a version. */
    chart: string;
    /** An exact chart version (the OCI tag). */
    version: string;
    /** Where the chart's sources say its release is installed. */
    namespace: string;
    /** The release tag, its commit and the chart's path, where the version above was read. */
    source: { repository: string; tag: string; commit: string; path: string };
}

const ARC_SOURCE = {
    repository: "https://github.com/actions/actions-runner-controller",
    // The newest release tag of the scale-set charts (both charts are released together at one version); read on
    // 2026-12-01 from the tag's Chart.yaml files, whose `version` and `appVersion` are both 0.14.2.
    tag: "gha-runner-scale-set-0.14.2",
    commit: "9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8",
};

/**
 * GitHub's Actions Runner Controller (the "scale set" mode, the one GitHub documents and supports): the controller
 * once per cluster, and one runner scale set per stack. Published as OCI charts on ghcr.io (GitHub docs, "Quickstart
 * for Actions Runner Controller": https://docs.github.com/en/actions/tutorials/use-actions-runner-controller/quickstart).
 */
export const RUNNER_CHARTS = {
    controller: {
        chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller",
        version: "0.14.2",
        namespace: "arc-systems",
        source: { ...ARC_SOURCE, path: "charts/gha-runner-scale-set-controller/Chart.yaml" },
    },
    scaleSet: {
        chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
        version: "0.14.2",
        namespace: "arc-runners",
        source: { ...ARC_SOURCE, path: "charts/gha-runner-scale-set/Chart.yaml" },
    },
} as const satisfies Record<string, OciChart>;
