/**
 * The Pulumi Deployments agents of this stack's pool, inside its VPC and outside its cluster.
 *
 * Why EC2 instances: the customer-managed agent runs each deployment in a Docker container (or, in its Kubernetes
 * mode, as pods of a cluster), so it needs a Docker daemon (install.sh at v1.4.1: "requires docker to be available on
 * your $PATH"; https://www.pulumi.com/docs/pulumi-cloud/deployments/customer-managed-agents/: "Docker or Kubernetes is a
 * requirement"). ECS Fargate gives a task no Docker daemon, and agents inside this stack's own cluster could not
 * repair that cluster when it is broken: so an Auto Scaling group of Amazon Linux 2023 instances in the private
 * subnets, which replaces a failed instance by itself.
 *
 * Hardening: IMDSv2 only with a hop limit of 1 (the deployment containers, one hop further, cannot take the instance's
 * credentials), no public address, no SSH key and no inbound rule (Session Manager instead), an encrypted root volume,
 * egress on 443 only. The pool token lives in Secrets Manager (encrypted with the secrets key) and is read at boot;
 * the instance role may read that one secret and nothing else (policies.ts).
 *
 * The path to the cluster API: the private endpoint's network interfaces carry the EKS cluster security group (AWS
 * docs, "View Amazon EKS security group requirements for clusters":
 * https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html), which this component opens on 443 to the
 * agents' security group, and only to it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_METADATA_OPTIONS, isGraviton, rootVolume } from "../cluster/nodes";
import type { PlatformConfig } from "../config";
import { serviceTrustPolicy, toJson } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";
import { SSM_CORE_POLICY_ARN, agentTokenPolicy } from "./policies";
import { agentUserData } from "./user-data";
import type { StateSecretVersion } from "../identity/read-only";

export interface DeploymentAgentsArgs {
    /** `<project>-<environment>`: the agents' physical names start with it. */
    namePrefix: string;
    region: string;
    /** The pool's token (a secret): stored as the secret's value, read by the agents at boot. */
    poolToken: pulumi.Output<string>;
    settings: PlatformConfig["deployments"]["agents"];
    vpcId: pulumi.Input<string>;
    /** The agents run here, with no public address: the private subnets (their NAT gateways reach Pulumi Cloud). */
    privateSubnetIds: pulumi.Input<string>[];
    /** The EKS cluster security group (the API's private endpoint carries it): opened on 443 to the agents. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** The customer-managed key that encrypts the token's secret. */
    secretsKmsKeyArn: pulumi.Input<string>;
}

/**
 * The latest Amazon Linux 2023 AMI, resolved by EC2 when an instance launches (a launch template may name a public SSM
 * parameter instead of an AMI id: https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).
 * A replacement instance therefore boots today's AL2023 without a change to this program.
 */
export function al2023ImageParameter(instanceType: string): string {
    return `resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${isGraviton(instanceType) ? "arm64" : "x86_64"}`;
}

/** The token's secret: one per stack, named with the stack's prefix. */
export function agentTokenSecretName(namePrefix: string): string {
    return `${namePrefix}/deployments/agent-pool-token`;
}

export class DeploymentAgents extends pulumi.ComponentResource {
    readonly securityGroupId: pulumi.Output<string>;
    readonly tokenSecretArn: pulumi.Output<string>;
    /** The secret versions this component wrote: their values are in the stack's state (identity/read-only.ts). */
    readonly stateSecretVersions: StateSecretVersion[];
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: DeploymentAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:agents:DeploymentAgents", name, {}, opts);
        const child = { parent: this };
        // The role, profile, security group, template and group share one name (policies and runbooks name it). Those
        // with a forcing property besides the name delete first when replaced; what that costs is said at each.
        const contract = { ...child, ...NAME_IS_A_CONTRACT };
        const physical = `${args.namePrefix}-deployment-agent`;

        const tokenSecretName = agentTokenSecretName(args.namePrefix);
        const secret = new aws.secretsmanager.Secret(`${name}-token`, {
            name: tokenSecretName,
            description: "Token of the Pulumi Deployments agent pool of this stack; read by its agents at boot",
            kmsKeyId: args.secretsKmsKeyArn,
            recoveryWindowInDays: 7,
        }, child);
        const token = new aws.secretsmanager.SecretVersion(`${name}-token`, { secretId: secret.id, secretString: pulumi.secret(args.poolToken) }, child);
        this.stateSecretVersions = [{ secretArn: token.arn, versionId: token.versionId }];

        const role = new aws.iam.Role(`${name}`, {
            name: physical,
            description: "Pulumi Deployments agents: read their pool token; Session Manager. Deployments get their own credentials by OIDC.",
            assumeRolePolicy: toJson(serviceTrustPolicy("ec2.amazonaws.com")),
            // Replaced (a new `path`) by deleting first: until the new one exists, agents cannot read their token.
        }, contract);
        new aws.iam.RolePolicy(`${name}-token`, { role: role.id, policy: toJson(agentTokenPolicy(args.region, secret.arn, args.secretsKmsKeyArn)) }, child);
        new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: SSM_CORE_POLICY_ARN }, child);
        // Replaced (a new `path`) by deleting first: new agents cannot launch until the new profile exists.
        const profile = new aws.iam.InstanceProfile(`${name}`, { name: physical, role: role.name }, contract);

        const securityGroup = new aws.ec2.SecurityGroup(`${name}`, {
            name: physical,
            description: "Pulumi Deployments agents: nothing in; HTTPS out (Pulumi Cloud, GitHub, registries, AWS APIs, the cluster API)",
            vpcId: args.vpcId,
            ingress: [],
            // Name resolution through the VPC's Amazon-provided DNS is not filtered by security groups (VPC user guide,
            // https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html; from memory, not re-read offline).
            egress: [{ description: "HTTPS", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
            // Replaced (a new description) by deleting first, which EC2 refuses while running agents use the group
            // (DependencyViolation): the update stops before anything changes; roll the agents first (docs/day2.md).
        }, contract);
        new aws.vpc.SecurityGroupIngressRule(`${name}-cluster-api`, {
            securityGroupId: args.clusterSecurityGroupId,
            referencedSecurityGroupId: securityGroup.id,
            ipProtocol: "tcp", fromPort: 443, toPort: 443,
            description: "the cluster API from the Pulumi Deployments agents",
        }, child);

        const template = new aws.ec2.LaunchTemplate(`${name}`, {
            name: physical,
            description: "Pulumi Deployments agent: AL2023, IMDSv2 only, no public address, encrypted root volume",
            imageId: al2023ImageParameter(args.settings.instanceType),
            instanceType: args.settings.instanceType,
            iamInstanceProfile: { arn: profile.arn },
            metadataOptions: NODE_METADATA_OPTIONS,
            networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [securityGroup.id], deleteOnTermination: "true" }],
            blockDeviceMappings: [rootVolume(args.settings.diskSizeGiB)],
            // The secret by name (known before it exists): the boot script is plain text that the plan shows whole.
            userData: Buffer.from(agentUserData({
                region: args.region,
                tokenSecretId: tokenSecretName,
                architecture: isGraviton(args.settings.instanceType) ? "arm64" : "x64",
            })).toString("base64"),
            tagSpecifications: [{ resourceType: "instance", tags: { Name: physical } }],
            updateDefaultVersion: true,
        }, child);

        new aws.autoscaling.Group(`${name}`, {
            name: physical,
            minSize: args.settings.count,
            maxSize: args.settings.count,
            desiredCapacity: args.settings.count,
            vpcZoneIdentifiers: args.privateSubnetIds,
            launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
            healthCheckType: "EC2",
            // No instance refresh: a `pulumi up` run by an agent must not replace that agent mid-deployment ("Deployments
            // are not redelivered": https://www.pulumi.com/docs/deployments/deployments/runs/customer-managed-agents/). A new template version reaches
            // the agents when an instance is replaced (docs-runners.md, "Rolling the agents").
            tags: [{ key: "Name", value: physical, propagateAtLaunch: true }],
            // Replaced (initial lifecycle hooks) by deleting first: every agent stops before the new group starts its
            // own, minutes without agents, so that update runs from a laptop, never from an agent (docs/day2.md).
        }, contract);

        this.securityGroupId = securityGroup.id;
        this.tokenSecretArn = secret.arn;
        this.roleArn = role.arn;
        this.registerOutputs({ securityGroupId: this.securityGroupId, tokenSecretArn: this.tokenSecretArn, roleArn: this.roleArn });
    }
}
