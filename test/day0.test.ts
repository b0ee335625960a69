/**
 * Day 0: the first `pulumi up` of every stack, from empty accounts, meets none of the failures a real run found. Each
 * check (tools/day0-checks.ts, with its source) passes on the shipped stacks, in three accounts and in one shared
 * account, and fails on a plan changed to break it.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import {
    accountOfPlan, checkAccessEntryPrincipals, checkClusterActors, checkCredentialsFollowTrust, checkDeploymentsSession, checkDriftTrusted, checkHttpsListeners,
    checkOidcProviders, day0Findings, durationSeconds,
} from "../tools/day0-checks";
import { STACKS, accountOf, plan, projectCopy, realPlan, rejection } from "./harness";

const realPlans = (): Promise<Plan[]> => Promise.all(STACKS.map((stack) => realPlan(stack)));
/** A copy of a plan with one resource's inputs or options changed: the plans are shared and must not be mutated. */
function changed(original: Plan, type: string, change: (resource: PlannedResource) => void): Plan {
    const copy = structuredClone(original);
    const target = copy.resources.find((resource) => resource.type === type);
    assert.ok(target, `no ${type} in the plan of ${original.stack}`);
    change(target);
    return copy;
}

describe("day 0", () => {
    it("the shipped stacks pass every day-0 check, each in its own account", async () => {
        const plans = await realPlans();
        assert.deepEqual(plans.map(accountOfPlan), STACKS.map(accountOf));
        assert.equal(new Set(plans.map(accountOfPlan)).size, 3);
        assert.deepEqual(day0Findings(plans), []);
    });

    it("in one shared account, the first stack creates the OIDC providers and the others look them up", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => {
            for (const stack of STACKS) document.setIn(["config", "environments", "value", stack, "awsAccountId"], "111122223333");
        });
        const plans = await Promise.all(STACKS.map((stack) => plan(stack, { directory })));
        const creators = plans.map((p) => p.resources.filter((resource) => resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length);
        assert.deepEqual(creators, [2, 0, 0]);
        for (const p of plans.slice(1)) {
            assert.deepEqual(p.invokes.filter((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider").map((invoke) => invoke.args.url),
                ["https://token.actions.githubusercontent.com", "https://api.pulumi.com/oidc"]);
        }
        assert.deepEqual(day0Findings(plans), []);
    });

    it("looks up a provider that config says exists already in an account, and refuses an account no stack uses", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "existingOidcProviders"], { value: { [accountOf("dev")]: ["github"] } }));
        const dev = await plan("dev", { directory });
        assert.deepEqual(dev.resources.filter((resource) => resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((resource) => resource.inputs.url), ["https://api.pulumi.com/oidc"]);
        assert.deepEqual(dev.invokes.filter((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider").map((invoke) => invoke.args.url), ["https://token.actions.githubusercontent.com"]);
        assert.deepEqual(checkOidcProviders([dev]), []);
        const typo = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "existingOidcProviders"], { value: { "999999999999": ["github"] } }));
        const error = await rejection(plan("dev", { directory: typo }));
        assert.match(error.message, /Pulumi\.yaml: platform:existingOidcProviders\.999999999999: got "999999999999"; expected the account of an environment/);
    });

    it("finds a second stack creating the same provider in one account", async () => {
        const [dev, staging, prod] = await realPlans();
        const sameAccount = changed(staging, "pulumi:providers:aws", (provider) => { provider.inputs.allowedAccountIds = JSON.stringify([accountOf("dev")]); });
        const findings = checkOidcProviders([dev, sameAccount, prod]);
        assert.deepEqual(findings.map((finding) => [finding.stack, finding.subject]), [
            ["dev, staging", `${accountOf("dev")} https://token.actions.githubusercontent.com`],
            ["dev, staging", `${accountOf("dev")} https://api.pulumi.com/oidc`],
        ]);
    });

    it("finds an access entry for a role nothing creates or looks up", async () => {
        const broken = changed(await realPlan("prod"), "eks:index:Cluster", (cluster) => {
            (cluster.inputs.accessEntries as Record<string, unknown>)["admin-ghost"] = { principalArn: "arn:aws:iam::777788889999:role/PlatformAdmins" };
        });
        assert.deepEqual(checkAccessEntryPrincipals(broken).map((finding) => finding.subject), ["admin-ghost"]);
    });

    it("finds an HTTPS listener that does not wait for its certificate to be issued", async () => {
        const real = await realPlan("prod");
        const https = real.resources.find((resource) => resource.type === "aws:lb/listener:Listener" && resource.inputs.protocol === "HTTPS")!;
        assert.ok(https.options.dependsOn.some((urn) => urn.includes("CertificateValidation")));
        const broken = structuredClone(real);
        broken.resources.find((resource) => resource.urn === https.urn)!.options.dependsOn = [];
        assert.deepEqual(checkHttpsListeners(broken).map((finding) => finding.check), ["https-waits-for-an-issued-certificate"]);
    });

    it("finds an actor of the cluster API without an access entry or a path", async () => {
        const real = await realPlan("staging");
        const noEntry = changed(real, "eks:index:Cluster", (cluster) => { delete (cluster.inputs.accessEntries as Record<string, unknown>)["admin-deployments"]; });
        assert.deepEqual(checkClusterActors(noEntry).map((finding) => finding.subject), ["the Pulumi Deployments write role"]);
        const noView = changed(real, "eks:index:Cluster", (cluster) => { delete (cluster.inputs.accessEntries as Record<string, unknown>)["view-deployments"]; });
        assert.deepEqual(checkClusterActors(noView).map((finding) => finding.subject), ["the Pulumi Deployments read role"]);
        const hosted = changed(real, "pulumiservice:index:DeploymentSettings", (settings) => { delete settings.inputs.agentPoolId; });
        assert.deepEqual(checkClusterActors(hosted).map((finding) => finding.check), ["cluster-actors-have-a-path"]);
        const closed = changed(real, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (rule) => {
            if (String(rule.inputs.description).includes("agents")) rule.inputs.fromPort = 8443;
        });
        const agentRule = real.resources.find((resource) => resource.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && String(resource.inputs.description).includes("agents"));
        assert.ok(agentRule, "the agents' rule exists");
        const noPath = structuredClone(real);
        noPath.resources = noPath.resources.filter((resource) => resource.urn !== agentRule.urn);
        assert.deepEqual(checkClusterActors(noPath).map((finding) => finding.subject), ["the Pulumi Deployments agents"]);
        void closed;
    });

    it("finds Deployments sessions shorter than a first `up`, or longer than the role allows", async () => {
        const real = await realPlan("prod");
        const setDuration = (duration: string) => changed(real, "pulumiservice:index:DeploymentSettings", (settings) => {
            (settings.inputs.operationContext as { oidc: { aws: { duration: string } } }).oidc.aws.duration = duration;
        });
        assert.match(checkDeploymentsSession(setDuration("1h0m0s"))[0].problem, /shorter than a first `up`/);
        assert.match(checkDeploymentsSession(setDuration("6h0m0s"))[0].problem, /the role allows 14400 s; STS refuses the 21600 s/);
        assert.deepEqual([durationSeconds("4h0m0s"), durationSeconds("90m"), durationSeconds("1h30m15s")], [14400, 5400, 5415]);
    });

    it("finds a Deployments role that scheduled drift checks could not assume", async () => {
        const real = await realPlan("staging");
        const role = real.resources.find((resource) => resource.type === "aws:iam/role:Role" && String(resource.inputs.name).startsWith("PulumiDeploymentsRead-"))!;
        const broken = structuredClone(real);
        const copy = broken.resources.find((resource) => resource.urn === role.urn)!;
        copy.inputs.assumeRolePolicy = String(copy.inputs.assumeRolePolicy).replace(/,?"[^"]*operation:detect-drift[^"]*"/, "");
        assert.deepEqual(checkDriftTrusted(broken).map((finding) => finding.check), ["drift-runs-are-trusted"]);
    });
});

describe("credentials follow trust", () => {
    const settingsOf = (p: Plan) => p.resources.find((resource) => resource.type === "pulumiservice:index:DeploymentSettings")!;
    const contextOf = (p: Plan) => settingsOf(p).inputs.operationContext as { oidc: { aws: { roleARN: string } }; preRunCommands: string[]; environmentVariables: Record<string, string> };
    const writeRoleOf = (p: Plan) => p.resources.find((resource) => resource.type === "aws:iam/role:Role" && `[computed: ${resource.name}.arn]` === p.outputs.deploymentsRoleArn)!;

    it("every run starts on the read role, and only a write operation's last pre-run command takes the write role", async () => {
        for (const stack of STACKS) {
            const p = await realPlan(stack);
            assert.equal(contextOf(p).oidc.aws.roleARN, p.outputs.deploymentsReadRoleArn);
            assert.equal(contextOf(p).environmentVariables.PLATFORM_WRITE_ROLE_ARN, p.outputs.deploymentsRoleArn);
            assert.equal(contextOf(p).preRunCommands.at(-1), "bash tools/deployments-write-role.sh");
            assert.deepEqual(checkCredentialsFollowTrust(p), []);
        }
    });

    it("finds settings that start every run on the write role", async () => {
        const broken = structuredClone(await realPlan("prod"));
        contextOf(broken).oidc.aws.roleARN = broken.outputs.deploymentsRoleArn as string;
        assert.deepEqual(checkCredentialsFollowTrust(broken).map((finding) => finding.problem), ["every run, pull-request previews included, starts on the write role"]);
    });

    it("finds a write role that trusts previews", async () => {
        const broken = structuredClone(await realPlan("prod"));
        const role = broken.resources.find((resource) => resource.urn === writeRoleOf(broken).urn)!;
        role.inputs.assumeRolePolicy = String(role.inputs.assumeRolePolicy).replace("operation:update:", "operation:preview:");
        assert.deepEqual(checkCredentialsFollowTrust(broken).map((finding) => finding.problem), [
            "the write role trusts preview runs, which run unreviewed code or only read",
            "the write role does not trust update runs: merged code cannot deploy",
        ]);
    });

    it("finds a run that never takes the write role, or takes it before the other pre-run commands", async () => {
        const broken = structuredClone(await realPlan("prod"));
        contextOf(broken).preRunCommands.reverse();
        delete contextOf(broken).environmentVariables.PLATFORM_WRITE_ROLE_ARN;
        assert.deepEqual(checkCredentialsFollowTrust(broken).length, 2);
    });
});

describe("sessions outlast the jobs they serve", () => {
    it("every job that assumes a deploy role asks for a session as long as its timeout, and the role allows it", async () => {
        const plans = await realPlans();
        const control = plans.find((p) => Object.keys(p.files).length > 0)!;
        const maxSessionOf = new Map<string, number>();
        for (const p of plans) {
            const environment = p.resources.find((resource) => resource.type === "github:index/repositoryEnvironment:RepositoryEnvironment")!.inputs.environment as string;
            const role = p.resources.find((resource) => resource.type === "aws:iam/role:Role" && `[computed: ${resource.name}.arn]` === p.outputs.deployRoleArn)!;
            maxSessionOf.set(environment, Number(role.inputs.maxSessionDuration));
        }
        let checked = 0;
        for (const [path, text] of Object.entries(control.files).filter(([file]) => file.startsWith(".github/workflows/"))) {
            const workflow = parse(text) as { jobs: Record<string, { environment?: string | { name: string }; "timeout-minutes": number; steps?: { uses?: string; with?: Record<string, string> }[] }> };
            for (const [id, job] of Object.entries(workflow.jobs)) {
                for (const step of (job.steps ?? []).filter((candidate) => candidate.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
                    const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
                    const requested = Number(step.with?.["role-duration-seconds"] ?? 3600);
                    assert.ok(requested >= job["timeout-minutes"] * 60, `${path} ${id}: a ${requested} s session for a job of up to ${job["timeout-minutes"]} minutes`);
                    // Build jobs of a reusable workflow name their environment through an input: their builds are short.
                    const maximum = environment && maxSessionOf.get(environment);
                    if (maximum) assert.ok(requested <= maximum, `${path} ${id}: asks for ${requested} s, the role of ${environment} allows ${maximum} s`);
                    checked += 1;
                }
            }
        }
        assert.ok(checked >= 6, `checked ${checked} jobs`);
    });
});
