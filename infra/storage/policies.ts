/** S3 bucket policy statements as plain data. */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../iam";

/** Refuses every request that does not arrive over TLS (the `aws:SecureTransport` condition). */
export function denyInsecureTransport(bucketArn: pulumi.Input<string>): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
