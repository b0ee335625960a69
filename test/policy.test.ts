import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { RULES } from "../policy/rules";
import type { CheckedResource, PolicyContext } from "../policy/types";
import { parseConfig } from "../infra/config";
import { checkPlan } from "../tools/policy-check";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { readStackConfig } from "../tools/stack-files";
import { STACKS, plan, realPlan, withStackValue } from "./harness";

const resource = (type: string, inputs: Record<string, unknown>, name = "r"): CheckedResource => ({ urn: `urn:${name}`, type, name, inputs, options: {} });
const context = (resources: CheckedResource[] = [], production = true): PolicyContext => ({ stack: "prod", production, resources });
const rule = (name: string) => RULES.find((candidate) => candidate.name === name)!;
const good = "[computed: k.arn]";
const restrictedPod = {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
};
/** The default branch's ruleset as production's row of the design wants it, with some rules changed. */
const mainRuleset = (rules: Record<string, unknown>) => resource("github:index/repositoryRuleset:RepositoryRuleset", {
    conditions: { refName: { includes: ["~DEFAULT_BRANCH"] } },
    rules: { pullRequest: { requiredApprovingReviewCount: 2, requireCodeOwnerReview: true }, requiredSignatures: true, requiredStatusChecks: { requiredChecks: [{ context: "ci" }] }, ...rules },
});
const workflow = (content: string) => resource("github:index/repositoryFile:RepositoryFile", { file: ".github/workflows/ci.yml", content });

/** For every rule: resources that pass, resources that fail, and the context they are judged in. */
const CASES: Record<string, { pass: CheckedResource[]; fail: CheckedResource[]; context?: (subject: CheckedResource) => PolicyContext }> = {
    "encryption-at-rest": {
        pass: [
            resource("aws:rds/instance:Instance", { storageEncrypted: true }),
            resource("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: true }),
            resource("aws:ecr/repository:Repository", { encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: good }] }),
            resource("aws:cloudwatch/logGroup:LogGroup", { kmsKeyId: good, retentionInDays: 30 }),
            resource("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ ebs: { encrypted: "true" } }] }),
            resource("aws:s3/bucket:Bucket", { bucket: "b" }, "b"),
        ],
        fail: [
            resource("aws:rds/instance:Instance", { storageEncrypted: false }),
            resource("aws:elasticache/replicationGroup:ReplicationGroup", {}),
            resource("aws:ecr/repository:Repository", {}),
            resource("aws:cloudwatch/logGroup:LogGroup", {}),
            resource("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ ebs: { encrypted: "false" } }] }),
            resource("aws:s3/bucket:Bucket", { bucket: "unencrypted" }, "unencrypted"),
        ],
        context: () => context([resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: "[computed: b.id]" })]),
    },
    "no-public-database": { pass: [resource("aws:rds/instance:Instance", { publiclyAccessible: false })], fail: [resource("aws:rds/instance:Instance", { publiclyAccessible: true })] },
    "production-database-resilience": {
        pass: [resource("aws:rds/instance:Instance", { multiAz: true, deletionProtection: true, backupRetentionPeriod: 14 }), resource("aws:rds/instance:Instance", { replicateSourceDb: "p" })],
        fail: [resource("aws:rds/instance:Instance", { multiAz: false, deletionProtection: true, backupRetentionPeriod: 30 }), resource("aws:rds/instance:Instance", { multiAz: true, deletionProtection: true, backupRetentionPeriod: 7 })],
    },
    "eks-hardened-control-plane": {
        pass: [resource("eks:index:Cluster", { endpointPublicAccess: false, encryptionConfigKeyArn: good, enabledClusterLogTypes: ["api", "audit"] })],
        fail: [resource("eks:index:Cluster", { endpointPublicAccess: true, encryptionConfigKeyArn: good, enabledClusterLogTypes: ["audit"] }), resource("eks:index:Cluster", { endpointPublicAccess: false, enabledClusterLogTypes: ["api"] })],
    },
    "imdsv2-on-nodes": { pass: [resource("aws:ec2/launchTemplate:LaunchTemplate", { metadataOptions: { httpTokens: "required" } })], fail: [resource("aws:ec2/launchTemplate:LaunchTemplate", { metadataOptions: { httpTokens: "optional" } })] },
    "no-open-ingress": {
        pass: [resource("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }, "alb"), resource("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ fromPort: 5432, toPort: 5432, securityGroups: ["x"] }] }, "db")],
        fail: [resource("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }, "alb"), resource("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }] }, "other"),
            resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0", securityGroupId: "sg" })],
        context: () => context([resource("aws:lb/loadBalancer:LoadBalancer", { securityGroups: ["[computed: alb.id]"] })]),
    },
    "s3-private-and-tls-only": {
        pass: [resource("aws:s3/bucket:Bucket", { bucket: "b" }, "b")],
        fail: [resource("aws:s3/bucket:Bucket", { bucket: "open" }, "open")],
        context: () => context([
            resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "[computed: b.id]", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
            resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: "[computed: b.id]", policy: JSON.stringify({ Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }) }),
            resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "[computed: open.id]", blockPublicAcls: false }),
        ]),
    },
    "kms-rotation": { pass: [resource("aws:kms/key:Key", { enableKeyRotation: true })], fail: [resource("aws:kms/key:Key", {})] },
    "log-retention": { pass: [resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 })], fail: [resource("aws:cloudwatch/logGroup:LogGroup", {})] },
    "oidc-trust-exact": {
        pass: [resource("aws:iam/role:Role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Principal: { Federated: "p" }, Condition: { StringEquals: { "h:aud": "a", "h:sub": "repo:o/r:environment:e" } } }] }) })],
        fail: [resource("aws:iam/role:Role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Principal: { Federated: "p" }, Condition: { StringLike: { "h:sub": "repo:o/*" } } }] }) })],
    },
    "production-environment-gated": {
        pass: [resource("github:index/repositoryEnvironment:RepositoryEnvironment", { reviewers: [{ teams: [1], users: [] }], preventSelfReview: true })],
        fail: [resource("github:index/repositoryEnvironment:RepositoryEnvironment", { reviewers: [{ teams: [1] }], preventSelfReview: false }), resource("github:index/repositoryEnvironment:RepositoryEnvironment", { preventSelfReview: true })],
    },
    "main-ruleset-strict": {
        pass: [mainRuleset({})],
        fail: [
            mainRuleset({ pullRequest: { requiredApprovingReviewCount: 1, requireCodeOwnerReview: true } }),
            mainRuleset({ pullRequest: { requiredApprovingReviewCount: 2, requireCodeOwnerReview: false } }),
            mainRuleset({ requiredSignatures: false }),
            mainRuleset({ requiredStatusChecks: { requiredChecks: [] } }),
            mainRuleset({ pullRequest: undefined }),
        ],
    },
    "production-waf-on-public-load-balancer": {
        pass: [
            resource("aws:lb/loadBalancer:LoadBalancer", { internal: false, loadBalancerType: "application" }, "alb"),
            // Internal and network load balancers are out of scope: nothing public to filter, or WAF cannot attach.
            resource("aws:lb/loadBalancer:LoadBalancer", { internal: true }, "private"),
            resource("aws:lb/loadBalancer:LoadBalancer", { internal: false, loadBalancerType: "network" }, "nlb"),
        ],
        fail: [
            resource("aws:lb/loadBalancer:LoadBalancer", { internal: false }, "bare"),
            resource("aws:lb/loadBalancer:LoadBalancer", { internal: false }, "stray"),
        ],
        context: () => context([
            resource("aws:wafv2/webAcl:WebAcl", { scope: "REGIONAL" }, "acl"),
            resource("aws:wafv2/webAclAssociation:WebAclAssociation", { resourceArn: "[computed: alb.arn]", webAclArn: "[computed: acl.arn]" }, "alb-waf"),
            // Associated, but with an ACL that is not this stack's.
            resource("aws:wafv2/webAclAssociation:WebAclAssociation", { resourceArn: "[computed: stray.arn]", webAclArn: "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/other/x" }, "stray-waf"),
        ]),
    },
    "workflow-jobs-explicit": {
        pass: [workflow("jobs:\n  a:\n    permissions: {}\n    timeout-minutes: 5\n    runs-on: ubuntu-latest\n")],
        fail: [workflow("jobs:\n  a:\n    runs-on: ubuntu-latest\n"), workflow("jobs:\n  a:\n    permissions: {}\n")],
    },
    "actions-pinned-by-sha": {
        pass: [workflow(`jobs:\n  a:\n    steps:\n      - uses: actions/checkout@${"a".repeat(40)} # v7\n      - uses: ./local\n`)],
        fail: [workflow("jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n")],
    },
    "pod-security-restricted": {
        pass: [resource("kubernetes:apps/v1:Deployment", { spec: { template: { spec: restrictedPod } } }), resource("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec: restrictedPod } } } } })],
        fail: [resource("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ name: "root" }] } } } }), resource("kubernetes:apps/v1:DaemonSet", { spec: { template: { spec: { ...restrictedPod, hostNetwork: true } } } })],
    },
};

describe("policy pack", () => {
    it("has a passing and a failing case for every rule", () => {
        assert.deepEqual(Object.keys(CASES).sort(), RULES.map((candidate) => candidate.name).sort());
    });

    for (const [name, cases] of Object.entries(CASES)) {
        it(`${name}: passes the good resources and fails each broken one`, () => {
            const judge = (subject: CheckedResource) => rule(name).check(subject, cases.context?.(subject) ?? context());
            for (const subject of cases.pass) assert.deepEqual(judge(subject), [], `${subject.type} ${JSON.stringify(subject.inputs)}`);
            for (const subject of cases.fail) assert.ok(judge(subject).length > 0, `${subject.type} ${JSON.stringify(subject.inputs)} should fail`);
        });
    }

    it("judges production-only rules only in production", () => {
        const weak = resource("aws:rds/instance:Instance", { multiAz: false, backupRetentionPeriod: 7 });
        assert.deepEqual(rule("production-database-resilience").check(weak, context([], false)), []);
        const unprotected = resource("aws:lb/loadBalancer:LoadBalancer", { internal: false }, "alb");
        assert.deepEqual(rule("production-waf-on-public-load-balancer").check(unprotected, context([], false)), []);
    });

    it("prod's plan without its WAF association fails the WAF rule on its public load balancer, and only that", async () => {
        const { project, config } = readStackConfig(PROJECT_DIRECTORY, "prod");
        const real = await realPlan("prod");
        const association = real.resources.filter((candidate) => candidate.type === "aws:wafv2/webAclAssociation:WebAclAssociation");
        assert.equal(association.length, 1, "prod associates exactly one web ACL");
        const stripped = { ...real, resources: real.resources.filter((candidate) => !association.includes(candidate)) };
        const violations = checkPlan(stripped, parseConfig(project, "prod", config));
        assert.deepEqual(violations.map((violation) => [violation.rule, violation.urn.split("::").pop(), violation.enforcement, violation.reason]),
            [["production-waf-on-public-load-balancer", "platform-prod-edge", "mandatory", "internet-facing, and no WAF web ACL is associated with it"]]);
    });

    it("prod's main ruleset fails the strict rule when config lowers approvals or drops code-owner review", async () => {
        const { project, config } = readStackConfig(PROJECT_DIRECTORY, "prod");
        const real = await realPlan("prod");
        const weakened = { ...real, resources: real.resources.map((candidate) => candidate.type === "github:index/repositoryRuleset:RepositoryRuleset" && candidate.name.endsWith("-branch-main")
            ? { ...candidate, inputs: { ...candidate.inputs, rules: { ...(candidate.inputs.rules as object), pullRequest: { requiredApprovingReviewCount: 1, requireCodeOwnerReview: false } } } }
            : candidate) };
        const reasons = checkPlan(weakened, parseConfig(project, "prod", config)).map((violation) => `${violation.rule}: ${violation.reason}`);
        assert.deepEqual(reasons, ["main-ruleset-strict: 1 approval(s) required, fewer than 2", "main-ruleset-strict: a code owner's review is not required"]);
    });

    for (const stack of STACKS) {
        it(`${stack}: the real plan breaks no rule`, async () => {
            const { project, config } = readStackConfig(PROJECT_DIRECTORY, stack);
            assert.deepEqual(checkPlan(await realPlan(stack), parseConfig(project, stack, config)), []);
        });
    }

    it("fails the plan command when prod's database is on a single zone, naming the rule and the resource", () => {
        const directory = withStackValue("prod", ["database", "multiAz"], false);
        const result = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", join(PROJECT_DIRECTORY, "tools/plan.ts"), "--stack", "prod", "--dir", directory, "--policy"], {
            cwd: PROJECT_DIRECTORY, encoding: "utf8",
        });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stdout, /\[mandatory\] production-database-resilience: urn:pulumi:prod::platform::platform:data:Postgres\$aws:rds\/instance:Instance::platform-prod-postgres: not Multi-AZ/);
    });

    it("only warns in an advisory stack", async () => {
        // Config can no longer open the endpoint to the internet (cluster.operatorAccess takes /24 or narrower), so the
        // plan is changed instead: the rule must still only warn where enforcement is advisory.
        const { project, config } = readStackConfig(PROJECT_DIRECTORY, "dev");
        const real = await plan("dev");
        const opened = { ...real, resources: real.resources.map((resource) => resource.type === "eks:index:Cluster"
            ? { ...resource, inputs: { ...resource.inputs, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }
            : resource) };
        const violations = checkPlan(opened, parseConfig(project, "dev", config));
        assert.deepEqual(violations.map((violation) => [violation.rule, violation.enforcement, violation.reason]),
            [["eks-hardened-control-plane", "advisory", "the API endpoint is open to the internet"]]);
    });
});
