import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { agentTokenSecretName, al2023ImageParameter } from "../infra/agents";
import { SSM_CORE_POLICY_ARN, agentTokenPolicy } from "../infra/agents/policies";
import { AGENT_VERSION, agentUserData } from "../infra/agents/user-data";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { parse } from "yaml";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { STACKS, ofType, one, plan, projectCopy, realPlan, rejection } from "./harness";

const COMPONENT = "platform:agents:DeploymentAgents";
type Spec = Record<string, unknown>;

/** The agents component and everything it declares. */
function agents(p: Plan): PlannedResource[] {
    const component = one(p, COMPONENT);
    return [component, ...p.resources.filter((resource) => resource.parent === component.urn)];
}
const mine = (p: Plan, type: string) => agents(p).filter((resource) => resource.type === type);
const userData = (p: Plan) => Buffer.from(String(one(p, "aws:ec2/launchTemplate:LaunchTemplate", "-deployment-agents").inputs.userData), "base64").toString("utf8");

/** A concrete account, secret and key in AWS's documented formats, for the IAM simulator. */
const ACCOUNT = "111122223333";
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:platform-dev/deployments/agent-pool-token-AbCdEf`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

async function allowed(policy: unknown, action: string, resource: string): Promise<boolean> {
    const result = await runSimulation({
        request: { principal: `arn:aws:iam::${ACCOUNT}:role/platform-dev-deployment-agent`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
        identityPolicies: [{ name: "token", policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
    }, {});
    assert.equal(result.resultType, "single", JSON.stringify(result));
    return result.resultType === "single" && result.result.analysis.result === "Allowed";
}

describe("Pulumi Deployments agents", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("runs the agents of its pool on Amazon Linux 2023 instances in the private subnets, outside the cluster", async () => {
                const file = parse(readFileSync(join(PROJECT_DIRECTORY, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, { runner?: string }> };
                assert.equal(file.config["platform:deployments"].runner, "agent-pool", "this stack's file asks for an agent pool");
                const p = await realPlan(stack);
                assert.equal(one(p, "pulumiservice:index:DeploymentSettings").inputs.agentPoolId, `[computed: ${one(p, "pulumiservice:index:AgentPool").name}.agentPoolId]`);
                const [group] = mine(p, "aws:autoscaling/group:Group");
                assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.desiredCapacity], [1, 1, 1]);
                assert.deepEqual(group.inputs.vpcZoneIdentifiers, one(p, "eks:index:Cluster").inputs.privateSubnetIds);
                const template = one(p, "aws:ec2/launchTemplate:LaunchTemplate", "-deployment-agents");
                assert.equal(template.inputs.imageId, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
                assert.deepEqual((group.inputs.launchTemplate as Spec).id, `[computed: ${template.name}.id]`);
                assert.equal(agents(p).some((resource) => resource.type.startsWith("kubernetes:")), false, "nothing of it lives in the cluster");
            });

            it("requires IMDSv2 with one hop, gives no public address, no SSH key, and encrypts the root volume", async () => {
                const template = one(await realPlan(stack), "aws:ec2/launchTemplate:LaunchTemplate", "-deployment-agents");
                assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
                const [eni] = template.inputs.networkInterfaces as Spec[];
                assert.equal(eni.associatePublicIpAddress, "false");
                assert.equal(template.inputs.keyName, undefined);
                assert.equal(template.inputs.vpcSecurityGroupIds, undefined, "the security group is on the interface");
                const [volume] = template.inputs.blockDeviceMappings as { ebs: Spec }[];
                assert.equal(volume.ebs.encrypted, "true");
            });

            it("keeps the pool token in Secrets Manager under the secrets key, and reads it at boot: the user data never holds it", async () => {
                const p = await realPlan(stack);
                const secret = one(p, "aws:secretsmanager/secret:Secret", "-deployment-agents-token");
                assert.equal(secret.inputs.name, agentTokenSecretName(`platform-${stack}`));
                assert.equal(secret.inputs.kmsKeyId, `[computed: platform-${stack}-keys-secrets.arn]`);
                assert.equal(one(p, "aws:secretsmanager/secretVersion:SecretVersion", "-deployment-agents-token").inputs.secretString, "[secret]");
                const script = userData(p);
                assert.ok(script.includes(`aws secretsmanager get-secret-value --region "us-east-1" --secret-id "platform-${stack}/deployments/agent-pool-token"`));
                assert.doesNotMatch(script, /\[secret\]|pul-[0-9a-f]/, "no token, not even a placeholder");
                assert.ok(script.includes(`releases/download/v${AGENT_VERSION}`));
                assert.ok(script.includes(`archive="customer-managed-deployment-agent-v${AGENT_VERSION}-linux-x64.tar.gz"`));
                assert.ok(script.includes("sha256sum --check"), "the archive is checked against the release's checksums");
                assert.ok(script.includes("systemctl enable --now docker"), "the agent runs deployments in Docker");
            });

            it("lets the agents' role read its one secret, decrypt it only through Secrets Manager, and use Session Manager: nothing else", async () => {
                const p = await realPlan(stack);
                const role = one(p, "aws:iam/role:Role", "-deployment-agents");
                assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement, [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
                const inline = mine(p, "aws:iam/rolePolicy:RolePolicy");
                assert.equal(inline.length, 1);
                const expected = agentTokenPolicy("us-east-1", `[computed: platform-${stack}-deployment-agents-token.arn]`, `[computed: platform-${stack}-keys-secrets.arn]`);
                assert.deepEqual(JSON.parse(String(inline[0].inputs.policy)), expected);
                assert.deepEqual(mine(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((attachment) => attachment.inputs.policyArn), [SSM_CORE_POLICY_ARN]);
                assert.equal(ofType(p, "aws:iam/role:Role").filter((candidate) => candidate.name === role.name).length, 1);
            });

            it("lets nothing in, sends only HTTPS out, and is admitted by the cluster security group on 443 alone", async () => {
                const p = await realPlan(stack);
                const group = one(p, "aws:ec2/securityGroup:SecurityGroup", "-deployment-agents");
                assert.deepEqual(group.inputs.ingress, []);
                assert.deepEqual((group.inputs.egress as Spec[]).map((rule) => [rule.protocol, rule.fromPort, rule.toPort]), [["tcp", 443, 443]]);
                const rule = one(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "-deployment-agents-cluster-api");
                assert.deepEqual([rule.inputs.securityGroupId, rule.inputs.referencedSecurityGroupId, rule.inputs.ipProtocol, rule.inputs.fromPort, rule.inputs.toPort],
                    [`[computed: platform-${stack}-cluster.eksCluster.vpcConfig.clusterSecurityGroupId]`, `[computed: ${group.name}.id]`, "tcp", 443, 443]);
                assert.equal(rule.inputs.cidrIpv4, undefined);
            });
        });
    }

    it("follows the stack file's agent count and instance type, arm64 included", async () => {
        const directory = projectCopy("Pulumi.prod.yaml", (document) => document.setIn(["config", "platform:deployments", "agents"], { count: 2, instanceType: "t4g.large" }));
        const p = await plan("prod", { directory });
        const [group] = mine(p, "aws:autoscaling/group:Group");
        assert.deepEqual([group.inputs.minSize, group.inputs.maxSize], [2, 2]);
        const template = one(p, "aws:ec2/launchTemplate:LaunchTemplate", "-deployment-agents");
        assert.equal(template.inputs.instanceType, "t4g.large");
        assert.equal(template.inputs.imageId, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
        assert.ok(userData(p).includes(`customer-managed-deployment-agent-v${AGENT_VERSION}-linux-arm64.tar.gz`));
    });

    it("names the allowed keys when an agents key is misspelt", async () => {
        const directory = projectCopy("Pulumi.dev.yaml", (document) => document.setIn(["config", "platform:deployments", "agents"], { instancetype: "t3.large" }));
        const error = await rejection(plan("dev", { directory }));
        assert.match(error.message, /unknown key platform:deployments\.agents\.instancetype; the keys allowed here are count, instanceType, diskSizeGiB/);
    });

    describe("builders", () => {
        it("grants GetSecretValue on the token's secret only (IAM simulator), and kms:Decrypt only via Secrets Manager for that secret", async () => {
            const policy = JSON.parse(JSON.stringify(agentTokenPolicy("us-east-1", SECRET, KEY)));
            assert.equal(await allowed(policy, "secretsmanager:GetSecretValue", SECRET), true);
            assert.equal(await allowed(policy, "secretsmanager:GetSecretValue", SECRET.replace("agent-pool-token", "other")), false);
            assert.equal(await allowed(policy, "secretsmanager:PutSecretValue", SECRET), false);
            assert.equal(await allowed(policy, "secretsmanager:DeleteSecret", SECRET), false);
            // The simulator (iam-simulate 0.1.173) ignores `kms:EncryptionContext:<key>` in a request, so the decrypt
            // statement is checked by shape: the one key, both conditions.
            const decrypt = policy.Statement.filter((statement: Spec) => [statement.Action].flat().some((action) => String(action).startsWith("kms:")));
            assert.deepEqual(decrypt, [{
                Sid: "DecryptPoolTokenThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY,
                Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:EncryptionContext:SecretARN": SECRET } },
            }]);
            // And a wider grant is caught by the same simulation.
            const wider = { ...policy, Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }] };
            assert.equal(await allowed(wider, "secretsmanager:GetSecretValue", SECRET.replace("agent-pool-token", "other")), true);
        });

        it("picks the AL2023 image of the instance type's architecture", () => {
            assert.match(al2023ImageParameter("t3.medium"), /x86_64$/);
            assert.match(al2023ImageParameter("m7g.large"), /arm64$/);
        });

        it("writes a boot script that passes shellcheck", function () {
            if (spawnSync("shellcheck", ["--version"]).status !== 0) {
                assert.notEqual(process.env.REQUIRE_SHELLCHECK, "1", "shellcheck is required here but not installed");
                this.skip();
            }
            const file = join(mkdtempSync(join(tmpdir(), "agent-")), "user-data.sh");
            writeFileSync(file, agentUserData({ region: "us-east-1", tokenSecretId: "platform-dev/deployments/agent-pool-token", architecture: "x64" }));
            const result = spawnSync("shellcheck", ["--shell=bash", "--severity=info", file], { encoding: "utf8" });
            assert.equal(result.status, 0, result.stdout);
        });
    });
});
