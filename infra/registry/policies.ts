/** ECR lifecycle and repository policies as plain data. */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

export const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];
export const PUSH_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"];

export interface LifecycleRule {
    rulePriority: number;
    description: string;
    selection: { tagStatus: "untagged" | "tagged"; tagPatternList?: string[]; countType: "sinceImagePushed" | "imageCountMoreThan"; countUnit?: "days"; countNumber: number };
    action: { type: "expire" };
}

/** Untagged images (superseded layers of a tag) go first; of the tagged ones, the newest `keepTagged` stay. */
export function lifecyclePolicy(keepTagged: number, untaggedExpiryDays: number): { rules: LifecycleRule[] } {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${untaggedExpiryDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the newest ${keepTagged} tagged images`,
                selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepTagged },
                action: { type: "expire" },
            },
        ],
    };
}

/**
 * Pull for the deploy role and the nodes; push for the role that builds, and for nobody else: the Deny holds even
 * against an identity policy that would allow a push (with no builder, nobody pushes).
 */
export function repositoryPolicy(pullRoleArns: pulumi.Input<string>[], pushRoleArns: pulumi.Input<string>[]): PolicyDocument {
    const statements: PolicyStatement[] = [
        // DescribeImages too: production's promotion checks the source digest in this registry, and a call across
        // accounts needs the repository policy's allow as well as the caller's (ECR User Guide, "Private repository
        // policies"); for the nodes' and own deploy role it adds nothing their identity policies do not already grant.
        { Sid: "PullForDeployersAndNodes", Effect: "Allow", Principal: { AWS: pullRoleArns }, Action: [...PULL_ACTIONS, "ecr:DescribeImages"] },
    ];
    if (pushRoleArns.length > 0) {
        statements.push({ Sid: "PushForTheBuilder", Effect: "Allow", Principal: { AWS: pushRoleArns }, Action: PUSH_ACTIONS });
        statements.push({
            Sid: "NoPushForAnyoneElse", Effect: "Deny", Principal: { AWS: "*" }, Action: PUSH_ACTIONS,
            Condition: { StringNotEquals: { "aws:PrincipalArn": pushRoleArns } },
        });
    } else {
        statements.push({ Sid: "NoPushAtAll", Effect: "Deny", Principal: { AWS: "*" }, Action: PUSH_ACTIONS });
    }
    return policyDocument(...statements);
}
