import assert from "node:assert/strict";
import { KEY_PURPOSES } from "../infra/keys";
import { PlanError } from "../tools/mock-engine";
import { STACKS, ofType, one, plan, projectCopy, realPlan, rejection, withStackValue, accountOf } from "./harness";

const EXPIRY = { dev: 30, staging: 30, prod: 90 } as const;

describe("keys, backups and application secrets", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("has one rotating customer-managed key per purpose, with an alias, protected in prod only", async () => {
                const p = await realPlan(stack);
                const keys = ofType(p, "aws:kms/key:Key");
                assert.deepEqual(keys.map((key) => key.name.split("-keys-")[1]).sort(), [...KEY_PURPOSES].sort());
                for (const key of keys) {
                    assert.equal(key.inputs.enableKeyRotation, true, key.name);
                    assert.equal(key.inputs.deletionWindowInDays, 30);
                    assert.equal(key.options.protect, stack === "prod", key.name);
                }
                const aliases = ofType(p, "aws:kms/alias:Alias").map((alias) => alias.inputs.name).sort();
                assert.deepEqual(aliases, KEY_PURPOSES.map((purpose) => `alias/platform-${stack}/${purpose}`).sort());
            });

            it("lets CloudWatch Logs use only the logs key, for this account's log groups", async () => {
                const p = await realPlan(stack);
                for (const key of ofType(p, "aws:kms/key:Key")) {
                    const statements = JSON.parse(String(key.inputs.policy)).Statement as { Principal: { Service?: string }; Condition?: object }[];
                    const logs = statements.filter((statement) => statement.Principal.Service === "logs.us-east-1.amazonaws.com");
                    assert.equal(logs.length, key.name.endsWith("-logs") ? 1 : 0, key.name);
                    if (logs.length) assert.match(JSON.stringify(logs[0].Condition), new RegExp(`arn:aws:logs:us-east-1:${accountOf(stack)}:log-group:\\*`));
                }
            });

            it(`keeps backups in a private, versioned, KMS-encrypted, TLS-only bucket expiring after ${EXPIRY[stack]} days`, async () => {
                const p = await realPlan(stack);
                const bucket = one(p, "aws:s3/bucket:Bucket", "backups");
                assert.equal(bucket.inputs.bucket, `platform-${stack}-backups-${accountOf(stack)}`);
                assert.equal(bucket.options.protect, stack === "prod");
                const owned = (type: string) => ofType(p, type).filter((resource) => resource.parent?.endsWith(`::platform-${stack}-backups-bucket`));
                const [encryption] = owned("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                const rule = (encryption.inputs.rules as { applyServerSideEncryptionByDefault: Record<string, string> }[])[0];
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, `[computed: platform-${stack}-keys-backups.arn]`);
                const [block] = owned("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
                for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block.inputs[flag], true, flag);
                const [versioning] = owned("aws:s3/bucketVersioning:BucketVersioning");
                assert.deepEqual(versioning.inputs.versioningConfiguration, { status: "Enabled" });
                const [lifecycle] = owned("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
                const expiry = (lifecycle.inputs.rules as { expiration: { days: number } }[])[0].expiration.days;
                assert.equal(expiry, EXPIRY[stack]);
                const [policy] = owned("aws:s3/bucketPolicy:BucketPolicy");
                const statement = JSON.parse(String(policy.inputs.policy)).Statement[0];
                assert.deepEqual([statement.Effect, statement.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
                assert.deepEqual(policy.options.dependsOn, [block.urn]);
            });

            it("has one KMS-encrypted settings secret per service, whose only value Pulumi writes is a placeholder it never reverts", async () => {
                const secrets = ofType(await realPlan(stack), "aws:secretsmanager/secret:Secret").filter((secret) => secret.name.includes("-settings-"));
                assert.deepEqual(secrets.map((secret) => secret.inputs.name).sort(), ["api", "web", "worker"].map((service) => `platform-${stack}/${service}/settings`));
                for (const secret of secrets) {
                    assert.equal(secret.inputs.kmsKeyId, `[computed: platform-${stack}-keys-secrets.arn]`);
                    assert.equal(secret.options.protect, stack === "prod");
                }
                const versions = ofType(await realPlan(stack), "aws:secretsmanager/secretVersion:SecretVersion").filter((v) => v.name.includes("-settings-"));
                assert.equal(versions.length, 3);
                for (const version of versions) {
                    assert.equal(version.inputs.secretString, "[secret]");
                    assert.deepEqual(version.options.ignoreChanges, ["secretString", "versionStages"], "the owners' values are never reverted");
                    assert.deepEqual(version.inputs.versionStages, ["AWSCURRENT", "platform-placeholder"], "a labelled version is never deleted, so never re-created over the owners' values");
                }
            });
        });
    }

    it("follows the stack file: backups expire after the configured days", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["backups", "bucketExpiryDays"], 45) });
        const lifecycle = ofType(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((resource) => resource.name.includes("backups"))!;
        assert.equal((lifecycle.inputs.rules as { expiration: { days: number } }[])[0].expiration.days, 45);
    });

    it("refuses a secret key given in plain text, saying how to set it", async () => {
        const directory = projectCopy("Pulumi.staging.yaml", (document) => document.setIn(["config", "platform:slackWebhookUrl"], "https://hooks.example.com/x"));
        const error = await rejection(plan("staging", { directory }));
        assert.ok(error instanceof PlanError);
        assert.match(error.message, /platform:slackWebhookUrl: got a plain value; expected a secret: set it with `pulumi config set --secret platform:slackWebhookUrl <value>`/);
        assert.doesNotMatch(error.message, /hooks\.example\.com/);
    });
});
