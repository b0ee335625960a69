/** IAM policy documents as plain data: pure builders, rendered to JSON at the resource boundary. */
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
    Action: string | string[];
    Resource?: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * A trust policy that lets one AWS service assume the role; with `sourceAccount`, only on behalf of that account
 * (IAM User Guide, "The confused deputy problem": `aws:SourceAccount` in the trust of a service role).
 */
export function serviceTrustPolicy(service: string, sourceAccount?: pulumi.Input<string>): PolicyDocument {
    return policyDocument({
        Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole",
        ...(sourceAccount === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
    });
}

/** JSON text for a resource input; outputs inside the document are resolved first. */
export function toJson(document: PolicyDocument): pulumi.Output<string> {
    return pulumi.jsonStringify(document);
}
