import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { codeOwners, dependabotConfig } from "../github/files";
import { ACTIONS, allowedActionPatterns } from "../github/workflows/catalogue";
import { PlanError } from "../tools/mock-engine";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { STACKS, ofType, one, plan, projectCopy, realPlan, rejection, withStackValue } from "./harness";

const EXPECTED = {
    dev: { environment: "development", branch: "develop", tags: [] as string[] },
    staging: { environment: "staging", branch: "staging", tags: ["v*"] },
    prod: { environment: "production", branch: "main", tags: [] as string[] },
} as const;

describe("GitHub", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it(`owns the ${EXPECTED[stack].environment} environment, deployable from ${EXPECTED[stack].branch}${EXPECTED[stack].tags.length > 0 ? " and v* tags" : ""}${stack === "prod" ? ", after review" : ""}`, async () => {
                const p = await realPlan(stack);
                const environment = one(p, "github:index/repositoryEnvironment:RepositoryEnvironment");
                assert.equal(environment.inputs.environment, EXPECTED[stack].environment);
                assert.deepEqual(environment.inputs.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
                if (stack === "prod") {
                    assert.deepEqual(environment.inputs.reviewers, [{ teams: [1000002], users: [] }]);
                    assert.deepEqual([environment.inputs.preventSelfReview, environment.inputs.waitTimer, environment.inputs.canAdminsBypass], [true, 5, false]);
                } else {
                    assert.equal(environment.inputs.reviewers, undefined);
                }
                const policies = ofType(p, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
                assert.deepEqual(policies.filter((policy) => policy.inputs.branchPattern).map((policy) => policy.inputs.branchPattern), [EXPECTED[stack].branch]);
                assert.deepEqual(policies.filter((policy) => policy.inputs.tagPattern).map((policy) => policy.inputs.tagPattern), EXPECTED[stack].tags);
            });

            it("sets the environment's variables from this stack's own outputs", async () => {
                const p = await realPlan(stack);
                const variables = Object.fromEntries(ofType(p, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
                    .map((variable) => [variable.inputs.variableName, variable.inputs.value]));
                const deployRole = ofType(p, "aws:iam/role:Role").find((role) => String(role.inputs.name).startsWith("GitHubActions-"))!;
                assert.equal(variables.AWS_ROLE_ARN, `[computed: ${deployRole.name}.arn]`);
                assert.equal(variables.AWS_ROLE_ARN, p.outputs.deployRoleArn);
                assert.equal(variables.EKS_CLUSTER_NAME, p.outputs.clusterName);
                assert.equal(variables.AWS_REGION, "us-east-1");
                assert.equal(variables.K8S_NAMESPACE, "platform");
                const urls = p.outputs.registryUrls as Record<string, string>;
                assert.deepEqual([variables.ECR_REPOSITORY_API, variables.ECR_REPOSITORY_WEB, variables.ECR_REPOSITORY_WORKER], [urls.api, urls.web, urls.worker]);
                for (const variable of ofType(p, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")) {
                    assert.equal(variable.inputs.environment, EXPECTED[stack].environment);
                }
            });

            it("uses the explicit GitHub provider, which authenticates as the App and never with a token", async () => {
                const p = await realPlan(stack);
                const provider = one(p, "pulumi:providers:github");
                assert.equal(provider.inputs.owner, "example-org");
                assert.equal(provider.inputs.token, undefined);
                // The App's settings travel with its key, so the engine sees them only as one secret.
                assert.equal(provider.inputs.appAuth, "[secret]");
                for (const resource of p.resources.filter((candidate) => candidate.type.startsWith("github:"))) {
                    assert.equal(resource.options.provider, provider.urn, resource.urn);
                }
            });
        });
    }

    it("keeps a secret Slack webhook secret in the environment", async () => {
        const directory = projectCopy("Pulumi.staging.yaml", (document) => document.setIn(["config", "platform:slackWebhookUrl"], { secure: "v1:abc" }));
        const p = await plan("staging", { directory });
        const secret = one(p, "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
        assert.deepEqual([secret.inputs.secretName, secret.inputs.plaintextValue], ["SLACK_WEBHOOK_URL", "[secret]"]);
        assert.doesNotMatch(JSON.stringify(p), /v1:abc/);
    });

    describe("the control stack (prod)", () => {
        it("turns on secret scanning and push protection through the licence the organisation has", async () => {
            const bundled = one(await realPlan("prod"), "github:index/repository:Repository").inputs.securityAndAnalysis as Record<string, unknown>;
            assert.deepEqual(bundled, { advancedSecurity: { status: "enabled" }, secretScanning: { status: "enabled" }, secretScanningPushProtection: { status: "enabled" } });
            // Standalone Secret Protection and Code Security: the API refuses advanced_security, code_security replaces it.
            const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "repository", "value", "securityLicence"], "standalone"));
            const standalone = one(await plan("prod", { directory }), "github:index/repository:Repository").inputs.securityAndAnalysis as Record<string, unknown>;
            assert.deepEqual(standalone, { codeSecurity: { status: "enabled" }, secretScanning: { status: "enabled" }, secretScanningPushProtection: { status: "enabled" } });
        });

        it("protects main, staging and develop with rulesets that only the App may bypass (and release managers, for release tags)", async () => {
            const p = await realPlan("prod");
            const rulesets = new Map(ofType(p, "github:index/repositoryRuleset:RepositoryRuleset").map((ruleset) => [ruleset.inputs.name, ruleset.inputs as Record<string, unknown>]));
            assert.deepEqual([...rulesets.keys()].sort(), ["branch develop", "branch main", "branch staging", "release tags"]);
            for (const [name, ruleset] of rulesets) {
                const releaseManagers = name === "release tags" ? [{ actorId: 1000002, actorType: "Team", bypassMode: "always" }] : [];
                assert.deepEqual(ruleset.bypassActors, [{ actorId: 1000101, actorType: "Integration", bypassMode: "always" }, ...releaseManagers]);
            }
            const main = rulesets.get("branch main")!.rules as Record<string, unknown>;
            assert.deepEqual(main.pullRequest, { requiredApprovingReviewCount: 2, dismissStaleReviewsOnPush: true, requireCodeOwnerReview: true, requireLastPushApproval: true, requiredReviewThreadResolution: true });
            // The required check is the CI workflow's aggregate job, as rendered into the committed ci.yml.
            const aggregateOf = (file: string) => {
                const jobs = parse(p.files[`.github/workflows/${file}`]).jobs as Record<string, { if?: string }>;
                return Object.keys(jobs).filter((id) => jobs[id].if === "always()");
            };
            const basic = aggregateOf("ci.yml");
            const all = [...basic, ...aggregateOf("security.yml")];
            assert.deepEqual(all, ["ci-status", "security-status"]);
            assert.deepEqual(main.requiredStatusChecks, { requiredChecks: all.map((context) => ({ context })), strictRequiredStatusChecksPolicy: true });
            assert.deepEqual([main.requiredSignatures, main.requiredLinearHistory, main.nonFastForward, main.deletion], [true, true, true, true]);
            assert.deepEqual((rulesets.get("branch main")!.conditions as { refName: { includes: string[] } }).refName.includes, ["~DEFAULT_BRANCH"]);
            const staging = rulesets.get("branch staging")!.rules as { pullRequest: { requiredApprovingReviewCount: number }; requiredStatusChecks: { requiredChecks: unknown[] } };
            const develop = rulesets.get("branch develop")!.rules as typeof staging;
            assert.deepEqual([staging.pullRequest.requiredApprovingReviewCount, staging.requiredStatusChecks.requiredChecks], [1, all.map((context) => ({ context }))]);
            assert.deepEqual([develop.pullRequest.requiredApprovingReviewCount, develop.requiredStatusChecks.requiredChecks], [1, basic.map((context) => ({ context }))]);
            assert.deepEqual(rulesets.get("release tags")!.rules, { creation: true, deletion: true, update: true, nonFastForward: true });
        });

        it("allows only pinned, catalogued actions and gives workflows a read-only token that cannot approve", async () => {
            const p = await realPlan("prod");
            const actions = one(p, "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions");
            assert.equal(actions.inputs.allowedActions, "selected");
            assert.equal(actions.inputs.shaPinningRequired, true);
            assert.deepEqual((actions.inputs.allowedActionsConfig as { patternsAlloweds: string[] }).patternsAlloweds, allowedActionPatterns());
            const workflows = one(p, "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions");
            assert.deepEqual([workflows.inputs.defaultWorkflowPermissions, workflows.inputs.canApprovePullRequestReviews], ["read", false]);
            const repository = one(p, "github:index/repository:Repository");
            assert.deepEqual([repository.inputs.deleteBranchOnMerge, repository.inputs.vulnerabilityAlerts, repository.inputs.allowSquashMerge, repository.inputs.allowMergeCommit], [true, true, true, false]);
            assert.ok(repository.options.protect);
            assert.equal(one(p, "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates").inputs.enabled, true);
            assert.deepEqual(ofType(p, "github:index/branch:Branch").map((branch) => branch.inputs.branch).sort(), ["develop", "staging"]);
        });

        it("commits CODEOWNERS, dependabot.yml and the PR template, one write after the other", async () => {
            const p = await realPlan("prod");
            assert.match(p.files[".github/CODEOWNERS"], /^\* @example-org\/platform$/m);
            const dependabot = parse(p.files[".github/dependabot.yml"]);
            const ecosystems = dependabot.updates.map((update: Record<string, string>) => `${update["package-ecosystem"]} ${update.directory}`).sort();
            // No github-actions ecosystem: the workflows are this program's output (github/files.ts, dependabotConfig).
            assert.deepEqual(ecosystems, ["docker /services/api", "docker /services/web", "docker /services/worker", "npm /services/api", "npm /services/web", "pip /services/worker"]);
            assert.ok(p.files[".github/pull_request_template.md"].includes("## How it was tested"));
            // One chain of writes per branch (the branches' files are independent of each other).
            const all = ofType(p, "github:index/repositoryFile:RepositoryFile");
            for (const branch of new Set(all.map((file) => String(file.inputs.branch)))) {
                const files = all.filter((file) => file.inputs.branch === branch);
                for (const [index, file] of files.entries()) {
                    assert.equal(file.inputs.overwriteOnCreate, true);
                    assert.match(String(file.inputs.commitMessage), new RegExp(`manage ${String(file.inputs.file).replace(/\./g, "\\.")} \\(`));
                    if (index > 0) assert.deepEqual(file.options.dependsOn, [files[index - 1].urn], `${branch}: ${String(file.inputs.file)}`);
                }
            }
        });

        it("declares nothing repository-wide in dev or staging", async () => {
            for (const stack of ["dev", "staging"] as const) {
                const p = await realPlan(stack);
                assert.equal(ofType(p, "github:index/repository:Repository").length, 0);
                assert.deepEqual(Object.keys(p.files), []);
            }
        });
    });

    describe("refuses what GitHub would refuse", () => {
        const refused = async (stack: "dev" | "staging" | "prod", directory: string, pattern: RegExp) => {
            const error = await rejection(plan(stack, { directory }));
            assert.ok(error instanceof PlanError, error.stack);
            assert.match(error.message, pattern);
        };
        it("seven reviewers", () => refused("prod", withStackValue("prod", ["github", "reviewers", "users"], [1, 2, 3, 4, 5, 6]), /at most 6 reviewers .*got 7/));
        it("a reviewer given by login", () => refused("prod", withStackValue("prod", ["github", "reviewers", "users"], ["octocat"]), /platform:github\.reviewers\.users\.0: got "octocat"; expected a numeric GitHub user id/));
        it("a production environment without reviewers", () => refused("prod", withStackValue("prod", ["github", "reviewers", "teams"], []), /expected at least one reviewer: this environment deploys from main/));
        it("reviewers on a private repository on the Team plan, unless the downgrade is accepted", async () => {
            const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "repository", "value", "plan"], "team"));
            await refused("prod", directory, /required reviewers there need GitHub Enterprise; or set repository\.acceptPlanDowngrade/);
            const accepted = projectCopy("Pulumi.yaml", (document) => {
                document.setIn(["config", "repository", "value", "plan"], "team");
                document.setIn(["config", "repository", "value", "acceptPlanDowngrade"], true);
            });
            assert.equal(ofType(await plan("prod", { directory: accepted }), "github:index/repositoryEnvironment:RepositoryEnvironment").length, 1);
        });
    });

    it("builds CODEOWNERS and Dependabot from config alone", () => {
        assert.equal(codeOwners("o", [{ pattern: "/x/", teams: ["a", "b"] }], { a: { slug: "team-a", id: 1 }, b: { slug: "team-b", id: 2 } }).split("\n")[2], "/x/ @o/team-a @o/team-b");
        const go = parse(dependabotConfig([{ name: "svc", path: "s/svc", runtime: "go", port: 1, healthPath: "/", public: false, resources: { cpu: "1", memory: "1Mi" }, uses: [], talksTo: [] }]));
        assert.deepEqual(go.updates.map((update: Record<string, string>) => update["package-ecosystem"]), ["gomod", "docker"]);
    });

    it("catalogues exactly the shared pin list", () => {
        const shared = join(PROJECT_DIRECTORY, "..", "shared", "actions-pins.json");
        const copy = JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "github/workflows/actions-pins.json"), "utf8"));
        if (existsSync(shared)) assert.deepEqual(copy, JSON.parse(readFileSync(shared, "utf8")));
        for (const action of Object.values(ACTIONS)) assert.match(action.sha, /^[0-9a-f]{40}$/);
    });
});
