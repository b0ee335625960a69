import assert from "node:assert/strict";
import { PRODUCTION_STACK_TAG } from "../policy/types";
import { PlanError } from "../tools/mock-engine";
import { STACKS, ofType, one, plan, projectCopy, realPlan, rejection, withStackValue } from "./harness";

describe("Pulumi Deployments and drift", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("previews pull requests and deploys on merge to main, only when the program's files change", async () => {
                const p = await realPlan(stack);
                const settings = one(p, "pulumiservice:index:DeploymentSettings");
                assert.deepEqual([settings.inputs.organization, settings.inputs.project, settings.inputs.stack], ["example-org", "platform", stack]);
                const vcs = settings.inputs.vcs as Record<string, unknown>;
                assert.equal(vcs.provider, "github");
                assert.equal(vcs.repository, "example-org/platform-infra");
                assert.equal(vcs.deployCommits, true);
                assert.equal(vcs.previewPullRequests, true);
                assert.ok((vcs.paths as string[]).includes("infra/**"));
                assert.ok(!(vcs.paths as string[]).some((path) => path.endsWith(".md")), "a docs change alone does not deploy");
                assert.deepEqual(settings.inputs.sourceContext, { git: { branch: "refs/heads/main" } });
            });

            it("reaches AWS through OIDC on the stack's read role, gated by the offline policy check, then takes the write role for writes", async () => {
                const p = await realPlan(stack);
                const context = one(p, "pulumiservice:index:DeploymentSettings").inputs.operationContext as Record<string, unknown>;
                const oidc = (context.oidc as { aws: Record<string, string> }).aws;
                assert.equal(oidc.roleARN, p.outputs.deploymentsReadRoleArn);
                assert.equal(oidc.sessionName, `pulumi-deployments-${stack}`);
                assert.deepEqual(context.preRunCommands, ["npm ci", `npm run plan -- --stack ${stack} --policy`, "bash tools/deployments-write-role.sh"]);
                assert.deepEqual(context.environmentVariables, { PLATFORM_WRITE_ROLE_ARN: p.outputs.deploymentsRoleArn, PLATFORM_WRITE_SESSION_SECONDS: "14400", AWS_REGION: "us-east-1" });
                assert.doesNotMatch(JSON.stringify(context), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
            });

            it(`detects drift on a schedule${stack === "dev" ? ", remediating it" : ", for review only"}`, async () => {
                const drift = one(await realPlan(stack), "pulumiservice:index:DriftSchedule");
                assert.equal(drift.inputs.autoRemediate, stack === "dev");
                assert.match(String(drift.inputs.scheduleCron), /^(\S+\s+){4}\S+$/);
            });

            it(`applies the policy pack to this stack ${stack === "prod" ? "blocking" : "reporting"} violations`, async () => {
                const group = one(await realPlan(stack), "pulumiservice:index:PolicyGroup");
                assert.deepEqual(group.inputs.stacks, [{ name: stack, routingProject: "platform" }]);
                assert.equal(group.inputs.mode, stack === "prod" ? "preventative" : "audit");
                assert.deepEqual(group.inputs.policyPacks, [{ name: "platform", config: { all: stack === "prod" ? "mandatory" : "advisory" } }]);
            });

            it(`tags the stack ${stack === "prod" ? "as" : "as not"} production, which the pack's production rules read in Pulumi Cloud`, async () => {
                const tag = one(await realPlan(stack), "pulumiservice:index:StackTag");
                assert.deepEqual(tag.inputs, { organization: "example-org", project: "platform", stack, name: PRODUCTION_STACK_TAG, value: String(stack === "prod") });
            });

            it("runs from an agent pool of its own, whose agents reach the private cluster API from inside the VPC", async () => {
                const p = await realPlan(stack);
                const pool = one(p, "pulumiservice:index:AgentPool");
                assert.equal(pool.inputs.name, `platform-${stack}`);
                assert.equal(one(p, "pulumiservice:index:DeploymentSettings").inputs.agentPoolId, `[computed: ${pool.name}.agentPoolId]`);
                assert.equal(p.outputs.agentPoolToken, "[secret]");
            });

            it("has no TTL schedule unless config sets one", async () => {
                assert.equal(ofType(await realPlan(stack), "pulumiservice:index:TtlSchedule").length, 0);
            });
        });
    }

    it("adds a TTL schedule for a short-lived stack when config says when to destroy it", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["deployments", "destroyAt"], "2026-12-24T00:00:00Z") });
        assert.equal(one(p, "pulumiservice:index:TtlSchedule").inputs.timestamp, "2026-12-24T00:00:00Z");
    });

    it("passes the GitHub App key to the run as a secret when it is configured", async () => {
        const directory = projectCopy("Pulumi.prod.yaml", (document) => document.setIn(["config", "platform:githubAppPrivateKey"], { secure: "v1:pem" }));
        const p = await plan("prod", { directory });
        const variables = (one(p, "pulumiservice:index:DeploymentSettings").inputs.operationContext as Record<string, unknown>).environmentVariables;
        assert.deepEqual(variables, { PLATFORM_WRITE_ROLE_ARN: p.outputs.deploymentsRoleArn, PLATFORM_WRITE_SESSION_SECONDS: "14400", AWS_REGION: "us-east-1", GITHUB_APP_PEM_FILE: "[secret]" });
    });

    it("refuses a configured variable that the deployment sets itself", async () => {
        const error = await rejection(plan("dev", { directory: withStackValue("dev", ["deployments", "environmentVariables"], { PLATFORM_WRITE_ROLE_ARN: "arn:aws:iam::111122223333:role/Other" }) }));
        assert.match(error.message, /platform:deployments\.environmentVariables\.PLATFORM_WRITE_ROLE_ARN: .*expected another name: the deployment sets this variable itself/);
    });

    it("refuses a read role named like the write role", async () => {
        const error = await rejection(plan("dev", { directory: withStackValue("dev", ["identity", "deploymentsReadRoleName"], "PulumiDeployments-Dev") }));
        assert.match(error.message, /platform:identity\.deploymentsReadRoleName: got "PulumiDeployments-Dev"; expected a role name of its own: identity\.deploymentsRoleName names the same role/);
    });

    it("refuses automatic drift remediation in production", async () => {
        const error = await rejection(plan("prod", { directory: withStackValue("prod", ["deployments", "driftAutoRemediate"], true) }));
        assert.ok(error instanceof PlanError);
        assert.match(error.message, /Pulumi\.prod\.yaml: platform:deployments\.driftAutoRemediate: got true; expected false for the production environment/);
    });

    it("refuses hosted runners: the cluster API is private, and they run outside the VPC", async () => {
        const error = await rejection(plan("staging", { directory: withStackValue("staging", ["deployments", "runner"], "hosted") }));
        assert.match(error.message, /platform:deployments\.runner: got "hosted"; expected agent-pool: the cluster's API endpoint is private .* hosted runners run outside the VPC/);
    });
});
