/**
 * Properties of a whole environment, checked over every resource of each stack's plan, so that a new component
 * cannot slip past them: nothing open to the internet but the load balancer, encryption at rest, log retention,
 * and prod's stateful resources surviving `pulumi destroy`.
 */
import assert from "node:assert/strict";
import type { PlannedResource } from "../tools/mock-engine";
import { STACKS, ofType, realPlan } from "./harness";

const OPEN = ["0.0.0.0/0", "::/0"];

/** Every (port range, source) a resource opens to inbound traffic. */
function inboundRules(resource: PlannedResource): { from: number; to: number; sources: string[] }[] {
    const inputs = resource.inputs as Record<string, unknown>;
    switch (resource.type) {
        case "aws:ec2/securityGroup:SecurityGroup":
        case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
            return ((inputs.ingress as Record<string, unknown>[] | undefined) ?? []).map((rule) => ({
                from: Number(rule.fromPort), to: Number(rule.toPort),
                sources: [...((rule.cidrBlocks as string[]) ?? []), ...((rule.ipv6CidrBlocks as string[]) ?? [])],
            }));
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            return [{ from: Number(inputs.fromPort), to: Number(inputs.toPort), sources: [inputs.cidrIpv4, inputs.cidrIpv6].filter(Boolean) as string[] }];
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            return inputs.type === "ingress"
                ? [{ from: Number(inputs.fromPort), to: Number(inputs.toPort), sources: [...((inputs.cidrBlocks as string[]) ?? []), ...((inputs.ipv6CidrBlocks as string[]) ?? [])] }]
                : [];
        default:
            return [];
    }
}

describe("environment", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("opens nothing to the internet but the load balancer, on 80 and 443", async () => {
                const p = await realPlan(stack);
                const open = p.resources.flatMap((resource) => inboundRules(resource)
                    .filter((rule) => rule.sources.some((source) => OPEN.includes(source)))
                    .map((rule) => ({ resource, rule })));
                assert.ok(open.length > 0, "the load balancer must be reachable");
                for (const { resource, rule } of open) {
                    assert.match(resource.name, /-edge-/, `${resource.urn} opens ${rule.from}-${rule.to} to the internet`);
                    assert.ok(rule.from === rule.to && [80, 443].includes(rule.from), `${resource.urn} opens ${rule.from}-${rule.to}`);
                }
                for (const database of ofType(p, "aws:rds/instance:Instance")) assert.equal(database.inputs.publiclyAccessible, false);
            });

            it("encrypts at rest wherever AWS offers it, with customer-managed keys where they are allowed", async () => {
                const p = await realPlan(stack);
                const kms = /^\[computed: platform-\w+-keys-\w+\.arn\]$/;
                for (const db of ofType(p, "aws:rds/instance:Instance")) {
                    assert.equal(db.inputs.storageEncrypted, true, db.name);
                    assert.match(String(db.inputs.kmsKeyId), kms, db.name);
                }
                for (const cache of ofType(p, "aws:elasticache/replicationGroup:ReplicationGroup")) {
                    assert.equal(cache.inputs.atRestEncryptionEnabled, true);
                    assert.equal(cache.inputs.transitEncryptionEnabled, true);
                    assert.match(String(cache.inputs.kmsKeyId), kms);
                }
                const buckets = ofType(p, "aws:s3/bucket:Bucket");
                const encryptions = ofType(p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                for (const bucket of buckets) {
                    assert.ok(encryptions.some((encryption) => encryption.inputs.bucket === `[computed: ${bucket.name}.id]`), `${bucket.name} has default encryption`);
                }
                for (const repository of ofType(p, "aws:ecr/repository:Repository")) {
                    const [encryption] = repository.inputs.encryptionConfigurations as { encryptionType: string; kmsKey: string }[];
                    assert.equal(encryption.encryptionType, "KMS");
                    assert.match(encryption.kmsKey, kms);
                }
                for (const group of ofType(p, "aws:cloudwatch/logGroup:LogGroup")) assert.match(String(group.inputs.kmsKeyId), kms, String(group.inputs.name));
                for (const topic of ofType(p, "aws:sns/topic:Topic")) assert.match(String(topic.inputs.kmsMasterKeyId), kms);
                for (const secret of ofType(p, "aws:secretsmanager/secret:Secret")) assert.match(String(secret.inputs.kmsKeyId), kms, secret.name);
            });

            it("gives every log group a retention CloudWatch accepts, the environment's", async () => {
                const p = await realPlan(stack);
                const groups = ofType(p, "aws:cloudwatch/logGroup:LogGroup");
                assert.ok(groups.length >= 5);
                for (const group of groups) assert.equal(group.inputs.retentionInDays, stack === "prod" ? 90 : 30, String(group.inputs.name));
            });

            it(stack === "prod" ? "keeps every stateful resource through `pulumi destroy`" : "leaves stateful resources unprotected outside prod", async () => {
                const p = await realPlan(stack);
                const stateful = [
                    ...ofType(p, "aws:rds/instance:Instance"),
                    ...ofType(p, "aws:elasticache/replicationGroup:ReplicationGroup"),
                    ...ofType(p, "aws:kms/key:Key"),
                    ...ofType(p, "aws:ecr/repository:Repository"),
                    ...ofType(p, "aws:s3/bucket:Bucket").filter((bucket) => bucket.name.includes("backups")),
                ];
                assert.ok(stateful.length >= 8 + 3 + 2);
                for (const resource of stateful) {
                    assert.equal(resource.options.protect || resource.options.retainOnDelete, stack === "prod", resource.urn);
                }
                for (const db of ofType(p, "aws:rds/instance:Instance").filter((instance) => !instance.inputs.replicateSourceDb)) {
                    assert.equal(db.inputs.deletionProtection, stack !== "dev", db.name);
                    assert.equal(db.inputs.skipFinalSnapshot, stack === "dev", db.name);
                }
            });
        });
    }
});
