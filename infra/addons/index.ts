/**
 * Cluster add-ons as Helm releases with pinned charts (charts.ts): metrics-server for the autoscalers, the AWS Load
 * Balancer Controller for TargetGroupBinding, the Cluster Autoscaler, and the Secrets Store CSI driver with its AWS
 * provider. Controllers that call AWS get their own role through EKS Pod Identity.
 *
 * The Cluster Autoscaler, not Karpenter: the node groups are EKS managed node groups with their bounds in the stack
 * files, which the Cluster Autoscaler scales within by auto-discovery; Karpenter would replace them with nodes it
 * provisions itself, outside those bounds and outside this program's plan.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrust } from "../cluster";
import { toJson, type PolicyDocument } from "../iam";
import { clusterProvider } from "../kubernetes/provider";
import { CHARTS, type PinnedChart } from "./charts";
import { clusterAutoscalerPolicy, loadBalancerControllerPolicy } from "./policies";

export interface ClusterAddonsArgs {
    namePrefix: string;
    /** The cluster's kubeconfig (a secret): the Kubernetes provider is built from it. */
    kubeconfig: pulumi.Input<string>;
    /** The cluster's name, known before it exists (IAM conditions name it). */
    clusterName: string;
    /** The same name as the cluster reports it: AWS resources that need the cluster to exist take this one. */
    eksClusterName: pulumi.Input<string>;
    region: string;
    accountId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
}

export class ClusterAddons extends pulumi.ComponentResource {
    /** Workloads depend on these (CRDs such as TargetGroupBinding and SecretProviderClass must exist first). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:ClusterAddons", name, {}, opts);
        const provider = clusterProvider(`${name}-kubernetes`, args.kubeconfig, this);
        const child = { parent: this };

        const podRole = (key: string, namespace: string, serviceAccount: string, policy: PolicyDocument): aws.eks.PodIdentityAssociation => {
            const role = new aws.iam.Role(`${name}-${key}`, { name: `${args.clusterName}-${key}`, assumeRolePolicy: toJson(podIdentityTrust()) }, child);
            new aws.iam.RolePolicy(`${name}-${key}`, { role: role.id, policy: toJson(policy) }, child);
            return new aws.eks.PodIdentityAssociation(`${name}-${key}`, { clusterName: args.eksClusterName, namespace, serviceAccount, roleArn: role.arn }, child);
        };
        const release = (key: string, chart: PinnedChart, values: Record<string, unknown>, dependsOn: pulumi.Resource[] = []): k8s.helm.v3.Release =>
            new k8s.helm.v3.Release(`${name}-${key}`, {
                name: chart.chart,
                chart: chart.chart,
                version: chart.version,
                repositoryOpts: { repo: chart.repository },
                namespace: chart.namespace,
                values,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
            }, { parent: this, provider, dependsOn });

        release("metrics-server", CHARTS.metricsServer, {});

        const lbcAccount = "aws-load-balancer-controller";
        const lbcIdentity = podRole("load-balancer-controller", "kube-system", lbcAccount, loadBalancerControllerPolicy(args.region, args.accountId, args.namePrefix));
        const loadBalancerController = release("load-balancer-controller", CHARTS.loadBalancerController, {
            clusterName: args.clusterName,
            // Given explicitly: the nodes' metadata service is out of the pods' reach (hop limit 1).
            region: args.region,
            vpcId: args.vpcId,
            serviceAccount: { create: true, name: lbcAccount },
            // Only TargetGroupBinding is used: no IngressClass, and Services of type LoadBalancer are left alone.
            createIngressClassResource: false,
            enableServiceMutatorWebhook: false,
        }, [lbcIdentity]);

        const autoscalerAccount = "cluster-autoscaler";
        const autoscalerIdentity = podRole("cluster-autoscaler", "kube-system", autoscalerAccount, clusterAutoscalerPolicy(args.clusterName));
        release("cluster-autoscaler", CHARTS.clusterAutoscaler, {
            cloudProvider: "aws",
            awsRegion: args.region,
            autoDiscovery: { clusterName: args.clusterName },
            rbac: { serviceAccount: { create: true, name: autoscalerAccount } },
            extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-system-pods": false },
        }, [autoscalerIdentity]);

        // Pods read their secrets as mounted files; nothing is copied into Kubernetes Secrets (and so into etcd).
        const csiDriver = release("secrets-store-csi-driver", CHARTS.secretsStoreCsiDriver, { syncSecret: { enabled: false }, enableSecretRotation: true });
        const awsProvider = release("secrets-store-aws-provider", CHARTS.secretsStoreAwsProvider, { "secrets-store-csi-driver": { install: false } }, [csiDriver]);

        this.ready = [loadBalancerController, csiDriver, awsProvider];
        this.registerOutputs({});
    }
}
