import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../infra/config";
import { PlanError } from "../tools/mock-engine";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { StackFileError, readStackConfig } from "../tools/stack-files";
import { STACKS, plan, projectCopy, rejection, withStackValue, type StackName } from "./harness";

const parse = (stack: string, directory = PROJECT_DIRECTORY) => {
    const { project, config } = readStackConfig(directory, stack);
    return parseConfig(project, stack, config);
};

describe("config", () => {
    for (const stack of STACKS) {
        it(`${stack}: the real stack file parses into a frozen config`, () => {
            const config = parse(stack);
            assert.equal(config.environment.name, stack);
            assert.equal(config.stack, stack);
            assert.ok(Object.isFrozen(config) && Object.isFrozen(config.network) && Object.isFrozen(config.services[0]));
        });
    }

    it("holds the per-environment table of the design in the stack files", () => {
        const [dev, staging, prod] = STACKS.map((stack) => parse(stack));
        const nodes = (stack: typeof dev) => {
            const group = stack.cluster.nodeGroups.general;
            return `${group.instanceTypes.join(",")} ${group.minSize}-${group.maxSize}`;
        };
        assert.deepEqual([dev, staging, prod].map(nodes), ["t3.medium 2-4", "t3.large 3-6", "m5.xlarge 6-12"]);
        assert.deepEqual([dev, staging, prod].map((c) => [c.database.instanceClass, c.database.multiAz, c.database.readReplicas]),
            [["db.t3.medium", false, 0], ["db.t3.large", true, 0], ["db.r6g.xlarge", true, 1]]);
        assert.deepEqual([dev, staging, prod].map((c) => [c.cache.nodeType, c.cache.clusterMode]),
            [["cache.t3.micro", false], ["cache.t3.small", false], ["cache.r6g.large", true]]);
        assert.deepEqual([dev, staging, prod].map((c) => c.edge.waf.enabled), [false, false, true]);
        assert.deepEqual([dev, staging, prod].map((c) => c.database.backupRetentionDays), [7, 14, 30]);
        assert.deepEqual([dev, staging, prod].map((c) => c.logs.retentionDays), [30, 30, 90]);
        assert.deepEqual([dev, staging, prod].map((c) => c.github.branch), ["develop", "staging", "main"]);
        assert.deepEqual([dev, staging, prod].map((c) => c.github.promoteFrom), [undefined, undefined, "staging"]);
        assert.deepEqual([dev, staging, prod].map((c) => c.github.blueGreen), [false, false, true]);
        assert.deepEqual([dev, staging, prod].map((c) => c.network.natGateways), [1, 1, 3]);
        assert.deepEqual([dev, staging, prod].map((c) => c.environment.controlStack), [false, false, true]);
        assert.deepEqual(Object.fromEntries(Object.entries(prod.branches).map(([branch, rule]) => [branch, rule.approvals])),
            { develop: 1, staging: 1, main: 2 });
        assert.equal(prod.branches.main.signedCommits, true);
    });

    it("fills defaults in one place and never from a typo", () => {
        const config = parse("dev");
        assert.equal(config.cluster.nodeGroups.general.diskSizeGiB, 50);
        assert.equal(config.cluster.operatorAccess, undefined);
    });

    const refusals: { title: string; stack: StackName; path: (string | number)[]; value: unknown; expect: RegExp[] }[] = [
        { title: "an unknown key", stack: "prod", path: ["network", "natGatway"], value: 2,
            expect: [/Pulumi\.prod\.yaml/, /unknown key platform:network\.natGatway/, /allowed here are cidr, natGateways/] },
        { title: "an unknown top-level key", stack: "dev", path: ["netwrok"], value: { cidr: "10.0.0.0/16" },
            expect: [/unknown key platform:netwrok/, /network/] },
        { title: "a value of the wrong type", stack: "staging", path: ["network", "natGateways"], value: "one",
            expect: [/Pulumi\.staging\.yaml: platform:network\.natGateways: got "one"; expected number/] },
        { title: "a CIDR that is not one", stack: "prod", path: ["network", "cidr"], value: "10.300.0.0/16",
            expect: [/platform:network\.cidr: got "10\.300\.0\.0\/16"; expected an IPv4 CIDR block/] },
        { title: "a VPC block too small for the subnets", stack: "prod", path: ["network", "cidr"], value: "10.30.0.0/24",
            expect: [/platform:network\.cidr: got "10\.30\.0\.0\/24"; expected a block from \/16 to \/20/] },
        { title: "more NAT gateways than zones", stack: "prod", path: ["network", "natGateways"], value: 4,
            expect: [/platform:network\.natGateways: got 4; expected at most 3/] },
        { title: "a log retention CloudWatch does not accept", stack: "dev", path: ["logs", "retentionDays"], value: 45,
            expect: [/platform:logs\.retentionDays: got 45; expected a CloudWatch Logs retention period/] },
        { title: "a node group whose minimum exceeds its maximum", stack: "staging", path: ["cluster", "nodeGroups", "general", "minSize"], value: 7,
            expect: [/platform:cluster\.nodeGroups\.general\.minSize: got 7; expected at most maxSize \(6\)/] },
        { title: "a read replica without backups on its primary", stack: "prod", path: ["database", "backupRetentionDays"], value: 0,
            expect: [/platform:database\.readReplicas: got 1; .*automated backups/] },
        { title: "an instance class that is not one", stack: "prod", path: ["database", "instanceClass"], value: "r6g.xlarge",
            expect: [/platform:database\.instanceClass: got "r6g\.xlarge"; expected an RDS instance class/] },
        { title: "a zone outside the region", stack: "dev", path: ["aws", "availabilityZones", 2], value: "us-west-2c",
            expect: [/platform:aws\.availabilityZones\.2: got "us-west-2c"; expected a zone of the region us-east-1/] },
        { title: "an environment variable name GitHub reserves", stack: "staging", path: ["github", "variables"], value: { GITHUB_SHA: "x" },
            expect: [/platform:github\.variables\.GITHUB_SHA: got "GITHUB_SHA"; expected a name that does not start with GITHUB_/] },
        { title: "an environment variable the program derives", stack: "prod", path: ["github", "variables"], value: { ECR_REPOSITORY_API: "x" },
            expect: [/platform:github\.variables\.ECR_REPOSITORY_API: got "ECR_REPOSITORY_API"; expected a name the program does not already derive/] },
        { title: "an environment name that is not the stack's", stack: "dev", path: ["environment", "name"], value: "development",
            expect: [/platform:environment\.name: got "development"; expected "dev", the stack's name/] },
        { title: "a node group mixing arm64 and x86_64 instance types", stack: "dev", path: ["cluster", "nodeGroups", "general", "instanceTypes"], value: ["t3.medium", "t4g.medium"],
            expect: [/platform:cluster\.nodeGroups\.general\.instanceTypes: got \["t3\.medium","t4g\.medium"\]; expected instance types of one architecture/] },
        { title: "a Performance Insights retention RDS does not offer", stack: "prod", path: ["database", "performanceInsightsRetentionDays"], value: 30,
            expect: [/platform:database\.performanceInsightsRetentionDays: got 30; expected 7, a multiple of 31 up to 713 \(months\), or 731/] },
        { title: "a Kubernetes version EKS no longer offers", stack: "prod", path: ["cluster", "kubernetesVersion"], value: "1.19",
            expect: [/Pulumi\.prod\.yaml: platform:cluster\.kubernetesVersion: got "1\.19"; expected a version in EKS standard support today \([\d., ]+\): 1\.19 is older than every version/] },
        { title: "a drift schedule whose minute is out of range", stack: "prod", path: ["deployments", "driftSchedule"], value: "61 * * * *",
            expect: [/Pulumi\.prod\.yaml: platform:deployments\.driftSchedule: got "61 \* \* \* \*"; expected a five-field cron expression .*: the minute field's 61 is outside 0-59/] },
        { title: "a Valkey cache on a Redis OSS version", stack: "dev", path: ["cache", "engine"], value: "valkey",
            expect: [/Pulumi\.dev\.yaml: platform:cache\.engineVersion: got "7\.1"; expected 7\.2 or later with cache\.engine valkey/] },
        { title: "a missing key", stack: "dev", path: ["logs"], value: {},
            expect: [/platform:logs\.retentionDays: got nothing \(the key is missing\)/] },
    ];

    for (const refusal of refusals) {
        it(`refuses ${refusal.title}, naming the file, the key and what is expected`, async () => {
            const directory = withStackValue(refusal.stack, refusal.path, refusal.value);
            const error = await rejection(plan(refusal.stack, { directory }));
            assert.ok(error instanceof PlanError, `expected a PlanError, got ${error.stack}`);
            for (const pattern of refusal.expect) assert.match(error.message, pattern);
        });
    }

    it("refuses a deploy branch without a branch rule", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.deleteIn(["config", "branches", "value", "staging"]));
        const error = await rejection(plan("dev", { directory }));
        assert.match(error.message, /Pulumi\.yaml: platform:environments\.staging\.branch: got "staging"; expected a branch with a rule in branches \(develop, main\)/);
    });

    it("refuses project config errors in Pulumi.yaml: two services with one name", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "services", "value", 1, "name"], "api"));
        const error = await rejection(plan("dev", { directory }));
        assert.match(error.message, /Pulumi\.yaml: platform:services\.1\.name: got "api"; expected a name no other service has/);
    });

    it("refuses services that use postgres when none of them migrates: nobody would create their database users", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.deleteIn(["config", "services", "value", 0, "migrationCommand"]));
        const error = await rejection(plan("dev", { directory }));
        assert.match(error.message, /Pulumi\.yaml: platform:services: got \["api","worker"\]; expected a migrationCommand on at least one service that uses postgres/);
    });

    it("refuses a licence in the allow-list that is not an SPDX identifier, and admits the ones in ordinary Node trees", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "ci", "value", "licenseAllowList", 0], "Apache 2.0"));
        const error = await rejection(plan("dev", { directory }));
        assert.match(error.message, /Pulumi\.yaml: platform:ci\.licenseAllowList\.0: got "Apache 2\.0"; expected an SPDX licence identifier/);
        // glob and minimatch (BlueOak-1.0.0) and argparse (Python-2.0) are in this repository's own tree.
        const allowed = parse("dev").ci.licenseAllowList;
        for (const pkg of ["glob", "minimatch", "argparse"]) {
            const { license } = JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "node_modules", pkg, "package.json"), "utf8")) as { license: string };
            assert.ok(allowed.includes(license), `${pkg}: ${license}`);
        }
    });

    it("the plan command exits non-zero on bad config, with the message and no stack trace", () => {
        const directory = withStackValue("prod", ["network", "natGateways"], 5);
        const result = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", join(PROJECT_DIRECTORY, "tools/plan.ts"), "--stack", "prod", "--dir", directory], {
            cwd: PROJECT_DIRECTORY, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, /platform:network\.natGateways: got 5; expected at most 3/);
        assert.doesNotMatch(result.stderr, /^\s+at /m);
        assert.equal(result.stdout, "");
    });

    it("refuses a stack that has no stack file", () => {
        assert.throws(() => readStackConfig(PROJECT_DIRECTORY, "qa"), (error: Error) => error instanceof StackFileError && /Pulumi\.qa\.yaml: no such stack file/.test(error.message));
    });
});
