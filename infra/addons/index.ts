/**
 * Cluster add-ons as Helm releases with pinned charts (charts.ts), all through one Kubernetes provider built from the
 * cluster's own kubeconfig: metrics-server for the autoscalers, the AWS Load Balancer Controller for TargetGroupBinding,
 * the Cluster Autoscaler, and the Secrets Store CSI driver with its AWS provider. Controllers that call AWS get their
 * own least-privilege role (policies.ts) through EKS Pod Identity.
 *
 * The Cluster Autoscaler, not Karpenter: the node groups are EKS managed node groups whose bounds are in the stack
 * files, and the Cluster Autoscaler scales them within those bounds by auto-discovery. Karpenter would replace them
 * with nodes it launches itself, outside those bounds and outside this program's plan.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrust } from "../cluster";
import { toJson, type PolicyDocument } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";
import { clusterProvider } from "../kubernetes/provider";
import { CHARTS, type PinnedChart } from "./charts";
import { clusterAutoscalerPolicy, loadBalancerControllerPolicy } from "./policies";
import {
    clusterAutoscalerValues, loadBalancerControllerValues, metricsServerValues, secretsStoreAwsProviderValues, secretsStoreCsiDriverValues,
    type HelmValues,
} from "./values";

export interface ClusterAddonsArgs {
    /** `<project>-<environment>`: this environment's target groups are named with it. */
    namePrefix: string;
    /** The cluster's kubeconfig (a secret): the Kubernetes provider is built from it. */
    kubeconfig: pulumi.Input<string>;
    /** The cluster's name, known before it exists (IAM conditions and auto-discovery tags name it). */
    clusterName: string;
    /** The same name as the cluster reports it: AWS resources that need the cluster to exist take this one. */
    eksClusterName: pulumi.Input<string>;
    /** The AWS region, given to the controllers (their pods cannot reach the nodes' metadata service). */
    region: string;
    /** The AWS account, for the ARNs the policies name. */
    accountId: pulumi.Input<string>;
    /** The cluster's VPC, given to the Load Balancer Controller. */
    vpcId: pulumi.Input<string>;
    /** The cluster's Kubernetes minor version (`cluster.kubernetesVersion`): the Cluster Autoscaler's image follows it. */
    kubernetesVersion: string;
    /**
     * What every release waits for (Cluster.ready): nodes to run its pods, cluster DNS for their first lookups, and the
     * Pod Identity agent for their first AWS call. An atomic release that starts earlier times out and rolls back.
     */
    clusterReady: pulumi.Resource[];
}

/** Helm's wait for a release's resources to be ready, in seconds. */
const RELEASE_TIMEOUT_SECONDS = 600;

export class ClusterAddons extends pulumi.ComponentResource {
    /** Workloads depend on these (the TargetGroupBinding and SecretProviderClass kinds, and their webhooks). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:ClusterAddons", name, {}, opts);
        const provider = clusterProvider(`${name}-kubernetes`, args.kubeconfig, this);
        const child = { parent: this };

        const podRole = (key: string, chart: PinnedChart, serviceAccount: string, policy: PolicyDocument): aws.eks.PodIdentityAssociation => {
            const trust = podIdentityTrust({ clusterName: args.eksClusterName, namespace: chart.namespace, serviceAccount });
            // Named so that policies can name it before it exists. A replacement (a new `path`) deletes first: the
            // controller's AWS calls fail for the seconds until the new role and its association exist.
            const role = new aws.iam.Role(`${name}-${key}`, { name: `${args.clusterName}-${key}`, assumeRolePolicy: toJson(trust) }, { ...child, ...NAME_IS_A_CONTRACT });
            new aws.iam.RolePolicy(`${name}-${key}`, { role: role.id, policy: toJson(policy) }, child);
            return new aws.eks.PodIdentityAssociation(`${name}-${key}`, {
                clusterName: args.eksClusterName,
                namespace: chart.namespace,
                serviceAccount,
                roleArn: role.arn,
            }, child);
        };
        const release = (key: string, chart: PinnedChart, values: HelmValues, dependsOn: pulumi.Resource[] = []): k8s.helm.v3.Release =>
            new k8s.helm.v3.Release(`${name}-${key}`, {
                name: chart.chart,
                chart: chart.chart,
                version: chart.version,
                repositoryOpts: { repo: chart.repository },
                namespace: chart.namespace,
                values,
                // A failed install or upgrade is rolled back and leaves nothing half-made behind.
                atomic: true,
                cleanupOnFail: true,
                timeout: RELEASE_TIMEOUT_SECONDS,
            }, { parent: this, provider, dependsOn: [...args.clusterReady, ...dependsOn] });

        release("metrics-server", CHARTS.metricsServer, metricsServerValues());

        // The association exists before the controller's pods start, so that their first AWS call has credentials.
        const lbcAccount = "aws-load-balancer-controller";
        const lbcIdentity = podRole("load-balancer-controller", CHARTS.loadBalancerController, lbcAccount,
            loadBalancerControllerPolicy(args.region, args.accountId, args.namePrefix));
        const loadBalancerController = release("load-balancer-controller", CHARTS.loadBalancerController,
            loadBalancerControllerValues({ clusterName: args.clusterName, region: args.region, vpcId: args.vpcId, serviceAccount: lbcAccount }), [lbcIdentity]);

        const autoscalerAccount = "cluster-autoscaler";
        const autoscalerIdentity = podRole("cluster-autoscaler", CHARTS.clusterAutoscaler, autoscalerAccount, clusterAutoscalerPolicy(args.clusterName));
        release("cluster-autoscaler", CHARTS.clusterAutoscaler,
            clusterAutoscalerValues({ clusterName: args.clusterName, region: args.region, serviceAccount: autoscalerAccount, kubernetesVersion: args.kubernetesVersion }), [autoscalerIdentity]);

        const csiDriver = release("secrets-store-csi-driver", CHARTS.secretsStoreCsiDriver, secretsStoreCsiDriverValues());
        const awsProvider = release("secrets-store-aws-provider", CHARTS.secretsStoreAwsProvider, secretsStoreAwsProviderValues(args.region), [csiDriver]);

        this.ready = [loadBalancerController, csiDriver, awsProvider];
        this.registerOutputs({});
    }
}
