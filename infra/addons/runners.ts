/**
 * GitHub Actions runners inside the stack's own cluster, for the jobs that must reach its private API endpoint (deploy
 * and rollback): GitHub's Actions Runner Controller, the controller once and one runner scale set scoped to the
 * application repository, installed under the name the workflows use in `runs-on` (github/workflows/names.ts).
 *
 * The runner pods need no AWS role: each job assumes its environment's deploy role by OIDC
 * (aws-actions/configure-aws-credentials) and reaches the API through the cluster's private endpoint, whose security
 * group admits the nodes the runners run on (the EKS cluster security group, which the managed nodes carry).
 *
 * ARC authenticates as the GitHub App of `githubApp` (Pulumi.yaml). The App needs, for a repository-scoped scale set,
 * the repository permissions Administration: read and write, and Metadata: read-only (GitHub docs, "Authenticating
 * ARC to the GitHub API": https://docs.github.com/en/actions/how-tos/manage-runners/use-actions-runner-controller/authenticate-to-the-api).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { clusterProvider } from "../kubernetes/provider";
import { RUNNER_CHARTS, type OciChart } from "./charts";
import {
    CONTROLLER_RELEASE, GITHUB_APP_SECRET, MAX_SCALE_SET_NAME_LENGTH, controllerValues, githubAppSecretData, runnerNetworkPolicies, scaleSetValues,
} from "./runner-values";
import type { HelmValues } from "./values";

export interface GithubRunnersArgs {
    /** The cluster's kubeconfig (a secret): the Kubernetes provider is built from it. */
    kubeconfig: pulumi.Input<string>;
    /** The scale set's installation name: `clusterRunnerScaleSet(project, stack)` of github/workflows/names.ts. */
    scaleSetName: string;
    /** The application repository the runners register with (config `repository`). */
    repository: { owner: string; name: string };
    /** The GitHub App ARC authenticates as (config `githubApp`). */
    githubApp: { id: number; installationId: number };
    /** The App's private key, a Pulumi secret (github/provider.ts githubAppPrivateKey); undefined: none is set. */
    privateKey: pulumi.Output<string> | undefined;
    settings: PlatformConfig["runners"];
    /**
     * The image when `settings.image` is not set: the program's runner image in this stack's registry,
     * `<repository url>:<content hash>` (github/workflows/runner-image.ts).
     */
    defaultImage: pulumi.Input<string>;
    /** What must exist first (for example the CNI and CoreDNS add-ons, through the node groups). @default none */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Helm's wait for a release's resources to be ready, in seconds. */
const RELEASE_TIMEOUT_SECONDS = 600;

/** `restricted` enforced, audited and warned, at the latest policy version (as the workloads' namespace). */
function restrictedNamespaceLabels(): Record<string, string> {
    return Object.fromEntries(["enforce", "audit", "warn"].flatMap((mode) => [
        [`pod-security.kubernetes.io/${mode}`, "restricted"], [`pod-security.kubernetes.io/${mode}-version`, "latest"],
    ]));
}

export class GithubRunners extends pulumi.ComponentResource {
    /** The scale set's name, for `runs-on`. */
    readonly scaleSetName: string;

    constructor(name: string, args: GithubRunnersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:GithubRunners", name, {}, opts);
        if (args.scaleSetName.length > MAX_SCALE_SET_NAME_LENGTH) {
            throw new pulumi.RunError(`runner scale set name "${args.scaleSetName}" has ${args.scaleSetName.length} characters; ARC's chart accepts at most ${MAX_SCALE_SET_NAME_LENGTH} (shorten the project or stack name)`);
        }
        const provider = clusterProvider(`${name}-kubernetes`, args.kubeconfig, this);
        const k = { parent: this, provider };

        const namespaces = Object.fromEntries((["controller", "scaleSet"] as const).map((key) => {
            const namespace = RUNNER_CHARTS[key].namespace;
            const ns = new k8s.core.v1.Namespace(`${name}-${namespace}`, {
                metadata: { name: namespace, labels: restrictedNamespaceLabels() },
            }, { ...k, dependsOn: args.dependsOn });
            for (const policy of runnerNetworkPolicies()) {
                new k8s.networking.v1.NetworkPolicy(`${name}-${namespace}-${policy.name}`, {
                    metadata: { name: policy.name, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    spec: policy.spec,
                }, { ...k, dependsOn: [ns] });
            }
            return [key, ns];
        })) as Record<"controller" | "scaleSet", k8s.core.v1.Namespace>;

        // An OCI chart is named by its `oci://` reference and version, with no repositoryOpts: the Release embeds Helm
        // as a library, with Helm's chart sources (https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/).
        const release = (key: string, releaseName: string, chart: OciChart, values: HelmValues, dependsOn: pulumi.Resource[]): k8s.helm.v3.Release =>
            new k8s.helm.v3.Release(`${name}-${key}`, {
                name: releaseName,
                chart: chart.chart,
                version: chart.version,
                namespace: chart.namespace,
                values,
                atomic: true,
                cleanupOnFail: true,
                timeout: RELEASE_TIMEOUT_SECONDS,
            }, { ...k, dependsOn });

        const controller = release("controller", CONTROLLER_RELEASE, RUNNER_CHARTS.controller, controllerValues(), [namespaces.controller]);

        // Kubernetes Secrets of this cluster are encrypted at rest with the cluster's KMS key (infra/cluster). ARC reads
        // the App's credentials only from a Secret (or Azure Key Vault), so this is the one secret copied into etcd.
        const privateKey = args.privateKey ?? pulumi.secret("");
        if (args.privateKey === undefined) {
            pulumi.log.warn(`${args.scaleSetName}: no GitHub App key (secret config githubAppPrivateKey, or GITHUB_APP_PEM_FILE): the runner scale set cannot register until one is set and \`pulumi up\` runs again`, this);
        }
        const secret = new k8s.core.v1.Secret(`${name}-github-app`, {
            metadata: { name: GITHUB_APP_SECRET, namespace: RUNNER_CHARTS.scaleSet.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
            type: "Opaque",
            stringData: githubAppSecretData(args.githubApp, pulumi.secret(privateKey)),
        }, { ...k, dependsOn: [namespaces.scaleSet] });

        release("scale-set", args.scaleSetName, RUNNER_CHARTS.scaleSet, scaleSetValues({
            name: args.scaleSetName,
            githubConfigUrl: `https://github.com/${args.repository.owner}/${args.repository.name}`,
            runners: { ...args.settings, image: args.settings.image ?? args.defaultImage },
        }), [controller, secret, namespaces.scaleSet]);

        this.scaleSetName = args.scaleSetName;
        this.registerOutputs({ scaleSetName: this.scaleSetName });
    }
}
