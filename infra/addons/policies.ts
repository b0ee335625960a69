/** The add-ons' IAM permissions as plain data, each the least its controller needs here, from the controller's docs. */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument } from "../iam";

/** The Auto Scaling group tag that EKS puts on a managed node group's group, and its value, for auto-discovery. */
export function clusterAutoscalerOwnershipTag(clusterName: string): { key: string; value: string } {
    return { key: `k8s.io/cluster-autoscaler/${clusterName}`, value: "owned" };
}

/**
 * The Cluster Autoscaler with auto-discovery. Source: the autoscaler's AWS README ("Full Cluster Autoscaler Features
 * Policy", which asks for the second statement to be restricted by a tag condition), at chart 9.59.0 / app 1.35.0.
 * It reads every group (auto-discovery lists them), and resizes or shrinks only this cluster's groups: EKS tags each
 * managed node group's Auto Scaling group with `k8s.io/cluster-autoscaler/<cluster>` = `owned`.
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    const tag = clusterAutoscalerOwnershipTag(clusterName);
    return policyDocument(
        {
            Sid: "DiscoverGroups",
            Effect: "Allow",
            Action: [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            Resource: "*",
        },
        {
            Sid: "ResizeThisClustersGroupsOnly",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } },
        },
    );
}

/** Actions that change a target group: the documented subset's writes, scoped to this environment's groups. */
export const TARGET_GROUP_WRITES = [
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
];

/**
 * The AWS Load Balancer Controller as this platform uses it: TargetGroupBinding only (the ALB, its listeners, target
 * groups and security groups are Pulumi's), with no security group rules managed by the controller. Source: the
 * controller's installation guide at v3.5.0, "Special IAM cases: You only want the LBC to add and remove IPs to already
 * existing target groups" (docs/deploy/installation.md), whose list is kept whole; only its writes, which that guide
 * grants on `*`, are narrowed to target groups named with this environment's prefix (as infra/edge names them). The
 * Describe actions do not support resource-level permissions, hence `*`.
 */
export function loadBalancerControllerPolicy(region: string, accountId: pulumi.Input<string>, namePrefix: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "Read",
            Effect: "Allow",
            Action: [
                "ec2:DescribeVpcs",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
            ],
            Resource: "*",
        },
        {
            Sid: "BindPodsToThisEnvironmentsTargetGroups",
            Effect: "Allow",
            Action: TARGET_GROUP_WRITES,
            Resource: pulumi.interpolate`arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${namePrefix}-*/*`,
        },
    );
}
