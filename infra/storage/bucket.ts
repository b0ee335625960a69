/**
 * A private S3 bucket with the hardening every bucket of the platform needs: owner-enforced objects (no ACLs), all
 * public access blocked, default encryption, a policy that refuses plain HTTP, and a lifecycle that expires objects.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, toJson, type PolicyStatement } from "../iam";
import { denyInsecureTransport } from "./policies";

export interface SecureBucketArgs {
    /** The bucket's physical name (globally unique: derive it from the stack's prefix). */
    bucketName: pulumi.Input<string>;
    /** SSE-KMS with this key; absent, SSE-S3 (for services that cannot use KMS, such as ALB access logs). */
    kmsKeyArn?: pulumi.Input<string>;
    /** Days before objects (and noncurrent versions) expire. */
    expiryDays: number;
    /** Keep every version of every object. @default false */
    versioning?: boolean;
    /** Statements added to the bucket policy beside the TLS-only one (for example a log delivery grant). */
    extraStatements?: (bucketArn: pulumi.Output<string>) => PolicyStatement[];
    /** `protect` the bucket itself. */
    protect: boolean;
    /** Keep the bucket when the stack is destroyed. @default false */
    retainOnDelete?: boolean;
}

export class SecureBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:SecureBucket", name, {}, opts);
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(`${name}`, { bucket: args.bucketName, forceDestroy: false },
            { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete ?? false });
        new aws.s3.BucketOwnershipControls(`${name}`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}`, {
            bucket: bucket.id,
            rules: [{
                applyServerSideEncryptionByDefault: args.kmsKeyArn
                    ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
                    : { sseAlgorithm: "AES256" },
                // S3 Bucket Keys cut KMS requests (and their cost) by reusing a data key per bucket.
                bucketKeyEnabled: args.kmsKeyArn !== undefined,
            }],
        }, child);
        if (args.versioning) {
            new aws.s3.BucketVersioning(`${name}`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
        }
        new aws.s3.BucketLifecycleConfiguration(`${name}`, {
            bucket: bucket.id,
            rules: [{
                id: "expire",
                status: "Enabled",
                filter: {},
                expiration: { days: args.expiryDays },
                noncurrentVersionExpiration: args.versioning ? { noncurrentDays: args.expiryDays } : undefined,
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            }],
        }, child);
        // After the public access block: a policy written first could be judged public and refused.
        new aws.s3.BucketPolicy(`${name}`, {
            bucket: bucket.id,
            policy: toJson(policyDocument(denyInsecureTransport(bucket.arn), ...(args.extraStatements?.(bucket.arn) ?? []))),
        }, { parent: this, dependsOn: [publicAccess] });

        this.bucketName = bucket.bucket;
        this.arn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
