import assert from "node:assert/strict";
import { pulumiDeploymentSubjects, deployPermissions } from "../infra/identity/policies";
import { dashboardBody, edgeAndClusterAlarms } from "../infra/observability/signals";
import { STACKS, ofType, one, plan, projectCopy, realPlan, withStackValue, accountOf } from "./harness";

const ENVIRONMENT = { dev: "development", staging: "staging", prod: "production" } as const;
const ROLE = { dev: "GitHubActions-Dev", staging: "GitHubActions-Staging", prod: "GitHubActions-Prod" } as const;

type Statement = { Sid?: string; Effect: string; Principal?: { Federated?: string }; Action: string | string[]; Resource?: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };
const statementsOf = (json: unknown): Statement[] => JSON.parse(String(json)).Statement;

describe("identity", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it(`lets exactly the jobs of the repository's id in environment ${ENVIRONMENT[stack]} assume ${ROLE[stack]}`, async () => {
                const p = await realPlan(stack);
                const provider = one(p, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github");
                assert.deepEqual([provider.inputs.url, provider.inputs.clientIdLists], ["https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]]);
                const role = ofType(p, "aws:iam/role:Role").find((candidate) => candidate.inputs.name === ROLE[stack])!;
                const [trust] = statementsOf(role.inputs.assumeRolePolicy);
                assert.equal(trust.Principal!.Federated, `[computed: ${provider.name}.arn]`);
                assert.deepEqual(trust.Condition, { StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    // The control stack reads the id from the repository it owns; the others look the repository up.
                    "token.actions.githubusercontent.com:sub": `repository_id:${stack === "prod" ? "[computed: platform-prod-github-repository.repoId]" : "[looked up: github.getRepository(example-org/platform-app).repoId]"}:environment:${ENVIRONMENT[stack]}`,
                } });
                assert.equal(p.outputs.deployRoleArn, `[computed: ${role.name}.arn]`);
            });

            it("has no wildcard in any federated trust of the plan", async () => {
                for (const role of ofType(await realPlan(stack), "aws:iam/role:Role")) {
                    for (const statement of statementsOf(role.inputs.assumeRolePolicy).filter((candidate) => candidate.Principal?.Federated)) {
                        assert.deepEqual(Object.keys(statement.Condition!), ["StringEquals"], role.name);
                        assert.doesNotMatch(JSON.stringify(statement.Condition), /[*?]/, role.name);
                    }
                }
            });

            it(stack === "prod" ? "lets the prod deploy role copy staging's images into its own registry, snapshot and watch" : "lets the deploy role push and pull this stack's images only", async () => {
                const p = await realPlan(stack);
                const policy = one(p, "aws:iam/rolePolicy:RolePolicy", "identity-deploy");
                const statements = statementsOf(policy.inputs.policy);
                const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
                const own = `arn:aws:ecr:us-east-1:${accountOf(stack)}:repository/platform-${stack}/*`;
                assert.equal(bySid.FindTheCluster.Resource, `arn:aws:eks:us-east-1:${accountOf(stack)}:cluster/platform-${stack}-eks`);
                assert.equal(bySid.PullThisStacksImages.Resource, own);
                const push = bySid[stack === "prod" ? "CopyPromotedImagesIn" : "PushThisStacksImages"];
                assert.deepEqual([push.Resource, [push.Action].flat().includes("ecr:PutImage")], [own, true]);
                if (stack === "prod") {
                    assert.equal(bySid.ReadTheSourceStacksImages.Resource, `arn:aws:ecr:us-east-1:${accountOf("staging")}:repository/platform-staging/*`);
                    assert.ok(![bySid.ReadTheSourceStacksImages.Action].flat().includes("ecr:PutImage"), "never writes to staging");
                    assert.ok(![bySid.PullThisStacksImages.Action].flat().includes("ecr:GetDownloadUrlForLayer"), "never downloads its own layers");
                    assert.deepEqual(bySid.SnapshotBeforeMigrations.Resource, [
                        `arn:aws:rds:us-east-1:${accountOf("prod")}:db:platform-prod-postgres`,
                        `arn:aws:rds:us-east-1:${accountOf("prod")}:snapshot:platform-prod-postgres-predeploy-*`]);
                } else {
                    // Staging watches its releases (environments.staging.watchMinutes); dev does not.
                    assert.deepEqual(Object.keys(bySid), ["FindTheCluster", "LogInToTheRegistry", "PullThisStacksImages", "PushThisStacksImages", ...(stack === "staging" ? ["WatchTheRelease"] : [])]);
                }
            });

            it("lets previews and drift checks of exactly this stack take only the read role; merged code's writes take the write role", async () => {
                const p = await realPlan(stack);
                const provider = one(p, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pulumi");
                assert.deepEqual([provider.inputs.url, provider.inputs.clientIdLists], ["https://api.pulumi.com/oidc", ["example-org"]]);
                const roleNamed = (name: string) => ofType(p, "aws:iam/role:Role").find((candidate) => candidate.inputs.name === name)!;
                const operationsOf = (name: string) => {
                    const [trust] = statementsOf(roleNamed(name).inputs.assumeRolePolicy);
                    assert.equal(trust.Condition!.StringEquals["api.pulumi.com/oidc:aud"], "example-org");
                    const subjects = [trust.Condition!.StringEquals["api.pulumi.com/oidc:sub"]].flat() as string[];
                    // pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write (Pulumi's OIDC docs)
                    return subjects.map((subject) => {
                        const match = /^pulumi:deploy:org:example-org:project:platform:stack:([^:]+):operation:([^:]+):scope:write$/.exec(subject);
                        assert.ok(match, subject);
                        assert.equal(match[1], stack);
                        return match[2];
                    });
                };
                const capital = stack[0].toUpperCase() + stack.slice(1);
                // Only dev remediates drift unseen (Pulumi.dev.yaml), so only its roles trust remediation runs.
                const remediation = stack === "dev" ? ["remediate-drift"] : [];
                assert.deepEqual(operationsOf(`PulumiDeployments-${capital}`), ["update", "refresh", "destroy", ...remediation]);
                assert.deepEqual(operationsOf(`PulumiDeploymentsRead-${capital}`), ["preview", "detect-drift", "update", "refresh", "destroy", ...remediation]);
                assert.equal(p.outputs.deploymentsRoleArn, `[computed: ${roleNamed(`PulumiDeployments-${capital}`).name}.arn]`);
                assert.equal(p.outputs.deploymentsReadRoleArn, `[computed: ${roleNamed(`PulumiDeploymentsRead-${capital}`).name}.arn]`);
            });
        });
    }

    it("builds exact subjects and scoped permissions", () => {
        assert.deepEqual(pulumiDeploymentSubjects("org", "proj", "dev", ["preview", "update"]), ["pulumi:deploy:org:org:project:proj:stack:dev:operation:preview:scope:write", "pulumi:deploy:org:org:project:proj:stack:dev:operation:update:scope:write"]);
        const sids = (images: Parameters<typeof deployPermissions>[0]["images"], databaseInstanceId?: string, watches = false) =>
            deployPermissions({ region: "r", accountId: "1", clusterName: "c", repositoryPrefix: "p", images, databaseInstanceId, watches }).Statement.map((statement) => statement.Sid);
        assert.deepEqual(sids({ kind: "build" }), ["FindTheCluster", "LogInToTheRegistry", "PullThisStacksImages", "PushThisStacksImages"]);
        // An environment that watches its releases (staging) reads the load balancer's metrics, and nothing else more.
        assert.deepEqual(sids({ kind: "build" }, undefined, true), ["FindTheCluster", "LogInToTheRegistry", "PullThisStacksImages", "PushThisStacksImages", "WatchTheRelease"]);
        // A promoting environment reads the source's repositories, writes the same images into its own, watches, snapshots.
        assert.deepEqual(sids({ kind: "promote", sourcePrefix: "s", sourceAccountId: "2" }, "db", true), ["FindTheCluster", "LogInToTheRegistry", "PullThisStacksImages", "CopyPromotedImagesIn",
            "ReadTheSourceStacksImages", "WatchTheRelease", "SnapshotBeforeMigrations", "TagThePredeploySnapshot", "WaitForTheSnapshot", "PruneOldPredeploySnapshots"]);
    });
});

describe("observability", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("sends alarms to an encrypted topic with e-mail subscriptions that CloudWatch of this account may publish to", async () => {
                const p = await realPlan(stack);
                const topic = one(p, "aws:sns/topic:Topic");
                assert.equal(topic.inputs.kmsMasterKeyId, `[computed: platform-${stack}-keys-alerts.arn]`);
                const subscriptions = ofType(p, "aws:sns/topicSubscription:TopicSubscription");
                assert.deepEqual(subscriptions.map((subscription) => [subscription.inputs.protocol, subscription.inputs.endpoint]), [["email", "platform-alerts@example.com"]]);
                const [statement] = statementsOf(one(p, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
                assert.deepEqual(statement.Condition, { StringEquals: { "aws:SourceAccount": accountOf(stack) } });
                for (const alarm of ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
                    assert.deepEqual(alarm.inputs.alarmActions, [`[computed: ${topic.name}.arn]`], String(alarm.inputs.name));
                }
            });

            it("alarms on the load balancer's 5xx rate and p95 latency, unhealthy targets, and node and pod health", async () => {
                const alarms = new Map(ofType(await realPlan(stack), "aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => [String(alarm.inputs.name).replace(`platform-${stack}-`, ""), alarm]));
                assert.equal(alarms.get("alb-p95-latency")!.inputs.threshold, 2);
                assert.equal(alarms.get("alb-p95-latency")!.inputs.extendedStatistic, "p95");
                assert.equal(alarms.get("alb-5xx-rate")!.inputs.threshold, 5);
                const pods = stack === "prod" ? "pods-api-blue-restarts" : "pods-api-restarts";
                // Blue-green: each colour's target group is watched (the idle one is the rollback's target).
                const groups = stack === "prod" ? ["api-blue", "api-green", "web-blue", "web-green"] : ["api", "web"];
                for (const key of [...groups.map((group) => `alb-${group}-unhealthy`), "nodes-failed", pods]) assert.ok(alarms.has(key), key);
            });

            it("draws a dashboard of the cluster, the database, the cache and the load balancer", async () => {
                const dashboard = one(await realPlan(stack), "aws:cloudwatch/dashboard:Dashboard");
                const body = String(dashboard.inputs.dashboardBody);
                for (const namespace of ["ContainerInsights", "AWS/RDS", "AWS/ElastiCache", "AWS/ApplicationELB"]) assert.ok(body.includes(namespace), namespace);
                assert.ok(body.includes(`platform-${stack}-postgres`));
            });
        });
    }

    it("subscribes a secret PagerDuty URL, and gives the Slack webhook to the deploy workflows, not to SNS, without showing either", async () => {
        const directory = projectCopy("Pulumi.dev.yaml", (document) => {
            document.setIn(["config", "platform:slackWebhookUrl"], { secure: "v1:c2xhY2s=" });
            document.setIn(["config", "platform:pagerDutyIntegrationUrl"], { secure: "v1:cGQ=" });
        });
        const p = await plan("dev", { directory });
        const https = ofType(p, "aws:sns/topicSubscription:TopicSubscription").filter((subscription) => subscription.inputs.protocol === "https");
        assert.deepEqual(https.map((subscription) => [subscription.name, subscription.inputs.endpoint]), [["platform-dev-alerting-pagerduty", "[secret]"]]);
        const secret = one(p, "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
        assert.deepEqual([secret.inputs.secretName, secret.inputs.plaintextValue], ["SLACK_WEBHOOK_URL", "[secret]"]);
        assert.doesNotMatch(JSON.stringify(p), /v1:c2xhY2s=|v1:cGQ=/);
    });

    it("follows the stack file: the latency threshold", async () => {
        const p = await plan("prod", { directory: withStackValue("prod", ["observability", "p95LatencySeconds"], 1.5) });
        assert.equal(ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").find((alarm) => alarm.inputs.name === "platform-prod-alb-p95-latency")!.inputs.threshold, 1.5);
    });

    it("counts the load balancer's own 5xx in the error rate, and never divides by zero", () => {
        const args = { namePrefix: "x", region: "r", clusterName: "c", namespace: "n", deployments: ["a"], databaseInstanceId: "d", databaseReplicaIds: ["d-replica-1"], cacheMemberIds: ["g-001"], loadBalancerArnSuffix: "lb", targetGroupArnSuffixes: { a: "tg" }, p95LatencySeconds: 2, error5xxPercent: 5 };
        const rate = edgeAndClusterAlarms(args).find((alarm) => alarm.key === "alb-5xx-rate")!;
        assert.deepEqual(rate.queries!.filter((query) => query.metric).map((query) => query.metric!.metricName), ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"]);
        assert.equal(rate.queries!.find((query) => query.returnData)!.expression, "100 * (FILL(errors, 0) + FILL(elb_errors, 0)) / MAX([FILL(requests, 0) + FILL(elb_errors, 0), 1])");
        const widgets = JSON.stringify(dashboardBody(args).widgets);
        assert.match(widgets, /"ReplicaLag","DBInstanceIdentifier","d-replica-1"/);
        assert.match(widgets, /"EngineCPUUtilization","CacheClusterId","g-001"/);
    });

    it("watches restarts of every Deployment, both colours where blue-green runs", async () => {
        const restarts = (p: Awaited<ReturnType<typeof realPlan>>) => ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((alarm) => alarm.inputs.metricName === "pod_number_of_container_restarts").map((alarm) => (alarm.inputs.dimensions as Record<string, string>).PodName).sort();
        assert.deepEqual(restarts(await realPlan("prod")), ["api-blue", "api-green", "web-blue", "web-green", "worker-blue", "worker-green"]);
        assert.deepEqual(restarts(await realPlan("dev")), ["api", "web", "worker"]);
    });
});
