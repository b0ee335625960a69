/** The add-ons' IAM permissions as plain data, each the least its controller needs here. */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument } from "../iam";

/**
 * The Cluster Autoscaler on AWS (its documented minimal policy): read the groups, and resize or shrink only the groups
 * tagged as this cluster's (EKS tags managed node groups' Auto Scaling groups for auto-discovery).
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "ReadGroups",
            Effect: "Allow",
            Action: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup"],
            Resource: "*",
        },
        {
            Sid: "ResizeThisClustersGroupsOnly",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
        },
    );
}

/**
 * The AWS Load Balancer Controller as this platform uses it: only TargetGroupBinding (the ALB, its listeners and its
 * security groups are Pulumi's), so it registers pod addresses in this environment's target groups and reads the rest.
 */
export function loadBalancerControllerPolicy(region: string, accountId: pulumi.Input<string>, namePrefix: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "Read",
            Effect: "Allow",
            Action: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones"],
            Resource: "*",
        },
        {
            Sid: "RegisterPodsInThisEnvironmentsTargetGroups",
            Effect: "Allow",
            Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resource: pulumi.interpolate`arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${namePrefix}-*/*`,
        },
    );
}
