/**
 * The EKS cluster: a private API endpoint, Kubernetes secrets encrypted with the cluster key, every control-plane log
 * type in a log group created first, access through access entries (admins cluster-wide, each deploy role in its
 * namespace only), managed node groups of AL2023 with IMDSv2 and encrypted gp3 volumes in the private subnets, and the
 * managed add-ons. Workloads get AWS roles through EKS Pod Identity (the agent add-on), chosen over IRSA because it
 * needs no OIDC provider per cluster and no trust policy that names the cluster's issuer.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { policyDocument, serviceTrustPolicy, toJson, type PolicyDocument } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";
import { endpointAccess } from "./endpoint";
import { NODE_METADATA_OPTIONS, amiTypeFor, rootVolume } from "./nodes";

export interface NamespaceAccess {
    /** An IAM role given access to one namespace only (a GitHub deploy role). */
    roleArn: pulumi.Input<string>;
    namespace: string;
}

export interface ClusterArgs {
    namePrefix: string;
    /** The cluster's physical name (naming.clusterName). */
    clusterName: string;
    settings: PlatformConfig["cluster"];
    accountId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** Envelope encryption of Kubernetes secrets. */
    secretsKmsKeyArn: pulumi.Input<string>;
    logRetentionDays: number;
    logsKmsKeyArn: pulumi.Input<string>;
    namespaceAccess: NamespaceAccess[];
    /**
     * Roles given cluster-admin that this program creates (the Pulumi Deployments role, whose runs manage every
     * Kubernetes resource of the stack): in API authentication mode only access entries grant Kubernetes rights.
     */
    adminRoleArns: pulumi.Input<string>[];
    /**
     * Roles that read every object of the cluster, Secrets included, and write none: the read role of Pulumi
     * Deployments, whose previews and drift checks read the stack's Kubernetes objects and Helm releases (Helm keeps a
     * release in a Secret of its namespace). AmazonEKSAdminViewPolicy is the access policy that lists and views all
     * resources including Secrets ("Review access policy permissions",
     * https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html). A preview's server-side dry
     * run is then forbidden, and the Kubernetes provider falls back to a client-side preview on Forbidden
     * (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go, Create and Update, at
     * 94977969d64112b04e19945818a7d5d5f38f631d).
     * @default []
     */
    viewRoleArns?: pulumi.Input<string>[];
    /** The clock the operator's day-0 window is judged by; injected so that tests do not depend on today. */
    now?: Date;
}

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
/** The log groups Container Insights writes the application (container), data plane, host and metric logs to. */
export const CONTAINER_INSIGHTS_LOGS = ["application", "dataplane", "host", "performance"];
/** The service accounts of the add-ons that get AWS credentials, as their associations name them. */
const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
const CLOUDWATCH_AGENT_SERVICE_ACCOUNT = "cloudwatch-agent";
const ACCESS_POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"];

/** Who may assume a Pod Identity role: the pods of one service account, in one namespace where given, of one cluster. */
export interface PodIdentitySubject {
    clusterName: pulumi.Input<string>;
    serviceAccount: string;
    /** Omitted for EKS add-ons, whose namespace EKS chooses. */
    namespace?: string;
}

/**
 * The trust of a role that pods assume through EKS Pod Identity, bound to exactly one service account of one cluster:
 * EKS Pod Identity tags the session with `eks-cluster-name`, `kubernetes-namespace` and `kubernetes-service-account`,
 * and the trust may require them (EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity",
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html, and "Enable or disable session tags"). Without
 * them any association in the account, another environment's cluster in a shared account included, could use the role.
 */
export function podIdentityTrust(subject: PodIdentitySubject): PolicyDocument {
    return policyDocument({
        Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
            StringEquals: {
                "aws:RequestTag/eks-cluster-name": subject.clusterName,
                ...(subject.namespace === undefined ? {} : { "aws:RequestTag/kubernetes-namespace": subject.namespace }),
                "aws:RequestTag/kubernetes-service-account": subject.serviceAccount,
            },
        },
    });
}

export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    /** The security group EKS puts on every managed node: data stores and the load balancer open to exactly it. */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly nodeRoleArn: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcProviderUrl: pulumi.Output<string>;
    /**
     * What a workload's first pod needs before Kubernetes can run it: nodes, cluster DNS, and the Pod Identity agent
     * that hands pods their AWS credentials. Helm releases and workloads wait for these.
     */
    readonly ready: pulumi.Resource[];
    /** The cluster's kubeconfig, as a secret: Kubernetes providers are built from it. */
    readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const child = { parent: this };
        const settings = args.settings;

        const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
            // EKS writes to exactly this name; creating it first gives it our retention and key.
            name: `/aws/eks/${args.clusterName}/cluster`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logsKmsKeyArn,
            // Replaced (a new log class) only by deleting first: its logs go with it, as they would with any new class,
            // and what EKS writes in between is lost.
        }, { ...child, ...NAME_IS_A_CONTRACT });

        // The node, EBS CSI and CloudWatch agent roles are named so that policies can name them before they exist. A
        // replacement (a new `path`) deletes first: for its seconds, new nodes cannot join and pods cannot get
        // credentials.
        const nodeRole = new aws.iam.Role(`${name}-nodes`, {
            name: `${args.clusterName}-nodes`,
            assumeRolePolicy: toJson(serviceTrustPolicy("ec2.amazonaws.com")),
        }, { ...child, ...NAME_IS_A_CONTRACT });
        const nodePolicies = NODE_POLICIES.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-nodes-${policy}`, {
            role: nodeRole.name,
            policyArn: `arn:aws:iam::aws:policy/${policy}`,
        }, child));

        // Roles named in config must exist before the cluster refers to them: EKS refuses an access entry whose
        // principal does not exist (CreateAccessEntry, InvalidParameterException). Looking each one up makes a
        // missing role fail the preview with its name, minutes before EKS would.
        const namedAdmins = settings.adminRoles.map((role): [string, pulumi.Input<string>] =>
            [`admin-${role}`, aws.iam.getRoleOutput({ name: role }, { parent: this }).arn]);
        const createdAdmins = args.adminRoleArns.map((arn, index): [string, pulumi.Input<string>] => [index === 0 ? "admin-deployments" : `admin-deployments-${index}`, arn]);
        const adminEntries = Object.fromEntries([...namedAdmins, ...createdAdmins].map(([key, principalArn]) => [key, {
            principalArn,
            accessPolicies: { admin: { policyArn: ACCESS_POLICY("AmazonEKSClusterAdminPolicy"), accessScope: { type: "cluster" } } },
        }]));
        const viewEntries = Object.fromEntries((args.viewRoleArns ?? []).map((principalArn, index) => [index === 0 ? "view-deployments" : `view-deployments-${index}`, {
            principalArn,
            accessPolicies: { view: { policyArn: ACCESS_POLICY("AmazonEKSAdminViewPolicy"), accessScope: { type: "cluster" } } },
        }]));
        // Keyed by namespace: one deploy role per namespace (a second one for the same namespace gets its position).
        const namespaceEntries = Object.fromEntries(args.namespaceAccess.map((access, index) => [index === 0 ? `deploy-${access.namespace}` : `deploy-${access.namespace}-${index}`, {
            principalArn: access.roleArn,
            accessPolicies: { edit: { policyArn: ACCESS_POLICY("AmazonEKSEditPolicy"), accessScope: { type: "namespace", namespaces: [access.namespace] } } },
        }]));

        const endpoint = endpointAccess(settings.operatorAccess, args.now ?? new Date());
        if (endpoint.lapsed) {
            void pulumi.log.warn(`cluster.operatorAccess ended on ${settings.operatorAccess?.until}: the API endpoint is private again; remove the key from the stack file`, this);
        }
        const cluster = new eks.Cluster(`${name}`, {
            name: args.clusterName,
            version: settings.kubernetesVersion,
            // Extended support costs six times as much per cluster-hour: upgrade within standard support instead.
            upgradePolicy: { supportType: "STANDARD" },
            vpcId: args.vpcId,
            privateSubnetIds: args.privateSubnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: endpoint.endpointPublicAccess,
            publicAccessCidrs: endpoint.publicAccessCidrs,
            authenticationMode: eks.AuthenticationMode.Api,
            accessEntries: { ...adminEntries, ...viewEntries, ...namespaceEntries },
            encryptionConfigKeyArn: args.secretsKmsKeyArn,
            enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
            skipDefaultNodeGroup: true,
            deletionProtection: settings.deletionProtection,
            createOidcProvider: false,
            vpcCniOptions: { enableNetworkPolicy: true },
            // CoreDNS runs pods: created inside the cluster it would wait for nodes that do not exist yet and time out
            // DEGRADED (pulumi/pulumi-eks#1819). It is an add-on below, after the node groups.
            corednsAddonOptions: { enabled: false },
            kubeProxyAddonOptions: { enabled: true },
        }, { parent: this, dependsOn: [logGroup] });

        const nodeGroups = Object.entries(settings.nodeGroups).map(([key, group]) => {
            const template = new aws.ec2.LaunchTemplate(`${name}-${key}`, {
                name: `${args.clusterName}-${key}`,
                description: `Nodes of ${args.clusterName}/${key}: IMDSv2 only, encrypted gp3 root volume`,
                metadataOptions: NODE_METADATA_OPTIONS,
                blockDeviceMappings: [rootVolume(group.diskSizeGiB)],
                updateDefaultVersion: true,
            }, child);
            return new eks.ManagedNodeGroup(`${name}-${key}`, {
                cluster,
                // A prefix, not a name: the instance types, AMI type, capacity type and subnets replace a node group
                // (Terraform AWS provider, eks/node_group.go: ForceNew), and a fixed name would collide with the group
                // being replaced. With a prefix EKS starts the new group before the old one is drained and deleted.
                // Nothing refers to the name: the autoscaler discovers groups by tag, workloads by label.
                nodeGroupNamePrefix: `${args.clusterName}-${key}-`,
                // The nodes follow the control plane's minor version (UpdateNodegroupVersion, a rolling update in place).
                version: settings.kubernetesVersion,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.privateSubnetIds,
                amiType: amiTypeFor(group.instanceTypes),
                instanceTypes: [...group.instanceTypes],
                capacityType: group.capacityType,
                scalingConfig: { minSize: group.minSize, maxSize: group.maxSize, desiredSize: group.desiredSize },
                // The node autoscaler owns the desired size; `pulumi up` must not reset it.
                ignoreScalingChanges: true,
                launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
                labels: { "platform/node-group": key },
            }, { parent: this, dependsOn: nodePolicies });
        });
        // Add-ons that run Deployments become ACTIVE only once their pods are scheduled: they follow the nodes.
        const afterNodes = nodeGroups;
        // Each add-on at the version EKS marks default for the cluster's minor version (aws.eks.getAddonVersion with
        // mostRecent false: "the most recent or default version", @pulumi/aws 7.48.0 eks/getAddonVersion.d.ts; pulumi-eks
        // does the same for its kube-proxy add-on, nodejs/eks/cluster/cluster.ts at v4.3.0), so a Kubernetes upgrade in the stack file moves
        // the add-ons with it, after the control plane (they take the cluster's name from it). The default, not the
        // newest: a new add-on release does not become drift on the next run.
        const addonVersion = (addonName: string) => aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: settings.kubernetesVersion, mostRecent: false }, { parent: this }).version;
        // A new cluster already runs a self-managed CoreDNS (pulumi-eks v4.3.0 leaves bootstrapSelfManagedAddons at
        // true, nodejs/eks/cluster/cluster.ts): creating the managed add-on over it conflicts on its fields unless
        // OVERWRITE takes them over ("resolve_conflicts_on_create", Terraform AWS provider, r/eks_addon; EKS User
        // Guide, "Create an Amazon EKS add-on"). kube-proxy and the VPC CNI get the same through pulumi-eks.
        const coredns = new aws.eks.Addon(`${name}-coredns`, {
            clusterName: cluster.eksCluster.name,
            addonName: "coredns",
            addonVersion: addonVersion("coredns"),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
        }, { parent: this, dependsOn: afterNodes });


        const podIdentityAgent = new aws.eks.Addon(`${name}-pod-identity-agent`, {
            clusterName: cluster.eksCluster.name,
            addonName: "eks-pod-identity-agent",
            addonVersion: addonVersion("eks-pod-identity-agent"),
            resolveConflictsOnUpdate: "OVERWRITE",
        }, child);
        const ebsCsiRole = new aws.iam.Role(`${name}-ebs-csi`, {
            name: `${args.clusterName}-ebs-csi`,
            assumeRolePolicy: toJson(podIdentityTrust({ clusterName: args.clusterName, serviceAccount: EBS_CSI_SERVICE_ACCOUNT })),
            managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
        }, { ...child, ...NAME_IS_A_CONTRACT });
        new aws.eks.Addon(`${name}-ebs-csi-driver`, {
            clusterName: cluster.eksCluster.name,
            addonName: "aws-ebs-csi-driver",
            addonVersion: addonVersion("aws-ebs-csi-driver"),
            podIdentityAssociations: [{ serviceAccount: EBS_CSI_SERVICE_ACCOUNT, roleArn: ebsCsiRole.arn }],
            resolveConflictsOnUpdate: "OVERWRITE",
        }, { parent: this, dependsOn: [podIdentityAgent, ...afterNodes] });

        // Container Insights (metrics for the dashboard and the node and pod alarms, and the containers' logs). Its log
        // groups are created first: the add-on would otherwise create them itself, without retention or key.
        const insightsLogs = CONTAINER_INSIGHTS_LOGS.map((log) => new aws.cloudwatch.LogGroup(`${name}-insights-${log}`, {
            name: `/aws/containerinsights/${args.clusterName}/${log}`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logsKmsKeyArn,
            // The agent writes to exactly these names: a replacement deletes first, and loses the group's logs.
        }, { ...child, ...NAME_IS_A_CONTRACT }));
        const insightsRole = new aws.iam.Role(`${name}-cloudwatch-agent`, {
            name: `${args.clusterName}-cloudwatch-agent`,
            assumeRolePolicy: toJson(podIdentityTrust({ clusterName: args.clusterName, serviceAccount: CLOUDWATCH_AGENT_SERVICE_ACCOUNT })),
            managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"],
        }, { ...child, ...NAME_IS_A_CONTRACT });
        new aws.eks.Addon(`${name}-cloudwatch-observability`, {
            clusterName: cluster.eksCluster.name,
            addonName: "amazon-cloudwatch-observability",
            addonVersion: addonVersion("amazon-cloudwatch-observability"),
            podIdentityAssociations: [{ serviceAccount: CLOUDWATCH_AGENT_SERVICE_ACCOUNT, roleArn: insightsRole.arn }],
            resolveConflictsOnUpdate: "OVERWRITE",
        }, { parent: this, dependsOn: [podIdentityAgent, ...insightsLogs, ...afterNodes] });

        this.ready = [...nodeGroups, coredns, podIdentityAgent];
        this.clusterName = cluster.eksCluster.name;
        this.nodeSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
        this.nodeRoleArn = nodeRole.arn;
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.registerOutputs({ clusterName: this.clusterName, nodeSecurityGroupId: this.nodeSecurityGroupId, nodeRoleArn: this.nodeRoleArn });
    }
}
