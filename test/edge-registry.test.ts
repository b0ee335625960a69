import assert from "node:assert/strict";
import { TLS_POLICY, targetGroupName } from "../infra/edge";
import { MANAGED_RULE_GROUPS, webAclRules } from "../infra/edge/waf";
import { lifecyclePolicy, repositoryPolicy, PUSH_ACTIONS } from "../infra/registry/policies";
import { STACKS, ofType, one, plan, projectCopy, realPlan, withStackValue } from "./harness";

describe("edge", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("redirects HTTP to HTTPS and serves HTTPS with TLS 1.2 or later", async () => {
                const p = await realPlan(stack);
                const listeners = ofType(p, "aws:lb/listener:Listener");
                const http = listeners.find((listener) => listener.inputs.port === 80)!;
                const https = listeners.find((listener) => listener.inputs.port === 443)!;
                assert.deepEqual((http.inputs.defaultActions as { redirect: Record<string, string> }[])[0].redirect, { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" });
                assert.deepEqual([https.inputs.protocol, https.inputs.sslPolicy], ["HTTPS", TLS_POLICY]);
                assert.equal(https.inputs.certificateArn, `[computed: platform-${stack}-edge.arn]`);
                assert.equal(one(p, "aws:acm/certificate:Certificate").inputs.domainName, stack === "prod" ? "app.example.com" : `${stack}.app.example.com`);
            });

            it("writes access logs, drops invalid headers, and is protected from deletion in prod only", async () => {
                const p = await realPlan(stack);
                const alb = one(p, "aws:lb/loadBalancer:LoadBalancer");
                assert.equal(alb.inputs.internal, false);
                assert.equal(alb.inputs.dropInvalidHeaderFields, true);
                assert.equal(alb.inputs.enableDeletionProtection, stack === "prod");
                assert.equal((alb.inputs.accessLogs as { enabled: boolean }).enabled, true);
                const policy = JSON.parse(String(ofType(p, "aws:s3/bucketPolicy:BucketPolicy").find((bucketPolicy) => bucketPolicy.name.includes("access-logs"))!.inputs.policy));
                assert.deepEqual(policy.Statement.map((statement: { Sid: string }) => statement.Sid), ["DenyInsecureTransport", "LoadBalancerWritesAccessLogs"]);
            });

            it("names target groups after their service and port, within ELB's 32 characters, never two alike", () => {
                assert.equal(targetGroupName("platform-staging", "api", 3000), "platform-staging-api-3000");
                const long = [targetGroupName("platform-staging", "payments-reconciliation", 8080), targetGroupName("platform-staging", "payments-reconciliation-v2", 8080)];
                assert.ok(long.every((name) => name.length <= 32 && name.startsWith("platform-staging-")), long.join(", "));
                assert.notEqual(long[0], long[1]);
                assert.throws(() => targetGroupName("a-very-long-project-name-prod", "api", 3000), /leaves no room/);
                // A colour's group: its own name, and a long one keeps the colour apart in the hash.
                assert.equal(targetGroupName("platform-prod", "api", 3000, "green"), "platform-prod-api-green-3000");
                const colours = ["blue", "green"].map((colour) => targetGroupName("platform-prod", "payments-reconciliation", 8080, colour));
                assert.ok(colours.every((name) => name.length <= 32 && name.startsWith("platform-prod-")), colours.join(", "));
                assert.notEqual(colours[0], colours[1]);
                assert.ok(!long.includes(colours[0]) && !long.includes(colours[1]));
            });

            it("has one target group per public service, health-checked on its health path, and none for internal ones", async () => {
                const p = await realPlan(stack);
                const groups = ofType(p, "aws:lb/targetGroup:TargetGroup");
                // Blue-green (prod): one per colour; rolling (dev, staging): one per public service.
                const names = stack === "prod" ? ["api-blue", "api-green", "web-blue", "web-green"] : ["api", "web"];
                assert.deepEqual(groups.map((group) => [group.inputs.name, (group.inputs.healthCheck as { path: string }).path, group.inputs.targetType]).sort(),
                    names.map((name) => [`platform-${stack}-${name}-3000`, name.startsWith("api") ? "/health" : "/api/health", "ip"]));
                const rules = ofType(p, "aws:lb/listenerRule:ListenerRule");
                assert.equal(rules.length, 2);
                assert.equal(new Set(rules.map((rule) => rule.inputs.priority)).size, 2);
            });

            it(stack === "prod" ? "filters requests through a logged WAF with managed rules and a rate limit" : "has no WAF (prod only, from config)", async () => {
                const p = await realPlan(stack);
                const acls = ofType(p, "aws:wafv2/webAcl:WebAcl");
                assert.equal(acls.length, stack === "prod" ? 1 : 0);
                if (stack !== "prod") return;
                const rules = acls[0].inputs.rules as { name: string; statement: { rateBasedStatement?: { limit: number } } }[];
                assert.deepEqual(rules.map((rule) => rule.name), [...MANAGED_RULE_GROUPS, "RateLimitPerIp"]);
                assert.equal(rules.at(-1)!.statement.rateBasedStatement!.limit, 2000);
                assert.equal(one(p, "aws:wafv2/webAclAssociation:WebAclAssociation").inputs.resourceArn, `[computed: platform-prod-edge.arn]`);
                const logging = one(p, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
                assert.deepEqual(logging.inputs.logDestinationConfigs, ["[computed: platform-prod-edge-waf.arn]"]);
                assert.equal(one(p, "aws:cloudwatch/logGroup:LogGroup", "edge-waf").inputs.name, "aws-waf-logs-platform-prod");
            });

            it("lets the load balancer reach the pods on the services' ports only", async () => {
                const p = await realPlan(stack);
                const rules = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((rule) => rule.name.includes("-edge-"));
                assert.deepEqual(rules.map((rule) => [rule.inputs.fromPort, rule.inputs.referencedSecurityGroupId]), [[3000, `[computed: platform-${stack}-edge-alb.id]`]]);
            });
        });
    }

    it("follows the stack file: a WAF in dev when its file enables one", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["edge", "waf", "enabled"], true) });
        assert.equal(ofType(p, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 1);
    });

    it("validates the certificate through Route 53 when the stack names a hosted zone", async () => {
        const p = await plan("staging", { directory: withStackValue("staging", ["edge", "hostedZoneId"], "Z0123456789ABC") });
        const validation = one(p, "aws:acm/certificateValidation:CertificateValidation");
        const record = one(p, "aws:route53/record:Record");
        assert.equal(record.inputs.zoneId, "Z0123456789ABC");
        assert.equal(record.inputs.name, "[computed: platform-staging-edge.domainValidationOptions[0].resourceRecordName]");
        assert.deepEqual(validation.inputs.validationRecordFqdns, [`[computed: ${record.name}.fqdn]`]);
    });

    it("builds the rate rule after the managed groups, in a stable order", () => {
        const rules = webAclRules("x", 500);
        assert.deepEqual(rules.map((rule) => rule.priority), [1, 2, 3, 4, 5]);
        assert.deepEqual(rules[0].overrideAction, { none: {} });
    });
});

describe("registry", () => {
    for (const stack of STACKS) {
        it(`${stack}: one scanned, immutable, KMS-encrypted repository per service, with a lifecycle`, async () => {
            const p = await realPlan(stack);
            const repositories = ofType(p, "aws:ecr/repository:Repository");
            // The services' repositories, and the runner image's beside them (test/runner-image.test.ts).
            assert.deepEqual(repositories.map((repository) => repository.inputs.name).sort(), ["actions-runner", "api", "web", "worker"].map((service) => `platform-${stack}/${service}`));
            for (const repository of repositories) {
                assert.deepEqual(repository.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.equal(repository.inputs.imageTagMutability, "IMMUTABLE");
                assert.equal(repository.options.protect, stack === "prod");
            }
            const lifecycle = JSON.parse(String(ofType(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy")[0].inputs.policy));
            assert.deepEqual(lifecycle.rules.map((rule: { selection: { countNumber: number } }) => rule.selection.countNumber), [stack === "prod" ? 14 : 7, stack === "prod" ? 50 : stack === "staging" ? 20 : 10]);
        });

        it(`${stack}: only the deploy role pushes (${stack === "prod" ? "the digests it promotes" : "the images it builds"})`, async () => {
            const p = await realPlan(stack);
            const policy = JSON.parse(String(ofType(p, "aws:ecr/repositoryPolicy:RepositoryPolicy")[0].inputs.policy));
            const sids = policy.Statement.map((statement: { Sid: string }) => statement.Sid);
            assert.deepEqual(sids, ["PullForDeployersAndNodes", "PushForTheBuilder", "NoPushForAnyoneElse"]);
            assert.deepEqual(policy.Statement[1].Principal.AWS, [p.outputs.deployRoleArn]);
            assert.deepEqual(policy.Statement[2].Condition.StringNotEquals["aws:PrincipalArn"], [p.outputs.deployRoleArn]);
        });
    }

    it("adds a repository for a service added to Pulumi.yaml, with no code change", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => {
            document.addIn(["config", "services", "value"], { name: "billing", path: "services/billing", runtime: "go", port: 8080, healthPath: "/healthz", public: false, resources: { cpu: "100m", memory: "128Mi" } });
        });
        const p = await plan("dev", { directory });
        assert.ok(ofType(p, "aws:ecr/repository:Repository").some((repository) => repository.inputs.name === "platform-dev/billing"));
    });

    it("denies pushes to everyone but the builder, even against an identity policy that allows them", () => {
        const policy = repositoryPolicy(["pull-role"], ["build-role"]);
        const deny = policy.Statement.find((statement) => statement.Effect === "Deny")!;
        assert.deepEqual([deny.Action, deny.Condition], [PUSH_ACTIONS, { StringNotEquals: { "aws:PrincipalArn": ["build-role"] } }]);
        assert.equal(repositoryPolicy(["pull-role"], []).Statement.filter((statement) => statement.Effect === "Allow").length, 1);
        assert.deepEqual(lifecyclePolicy(5, 3).rules.map((rule) => rule.rulePriority), [1, 2]);
    });
});
