import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffPlans, formatDiff, type ResourceChange } from "../tools/diff";
import type { PlannedResource } from "../tools/mock-engine";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { NAME_LIKE, NOT_A_NAME, REPLACEMENT_RULES, STATEFUL, collidingProperties } from "../tools/replacements";
import { OTHER_OWNERS_EXCEPTIONS } from "./day2-exceptions";
import { STACKS, realPlan } from "./harness";

const resource = (type: string, inputs: Record<string, unknown>, options: Partial<PlannedResource["options"]> = {}): PlannedResource => ({
    urn: `urn:pulumi:dev::platform::platform:test:Fixture$${type}::fixture`, type, name: "fixture", parent: null, custom: true, inputs,
    options: { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], provider: null, deleteBeforeReplace: false, ...options },
});
const one = (changes: readonly ResourceChange[]) => { assert.equal(changes.length, 1); return changes[0]; };
const change = (before: PlannedResource, after: PlannedResource) => one(diffPlans({ resources: [before] }, { resources: [after] }));
const withInputs = (base: PlannedResource, inputs: Record<string, unknown>) => ({ ...base, inputs: { ...base.inputs, ...inputs } });

/** The nearest `platform:` component above a resource, from its URN's type chain. */
function componentOf(urn: string): string {
    return urn.split("::")[2].split("$").filter((type) => type.startsWith("platform:")).pop() ?? "";
}

/** Name-like inputs (a literal string) that no rule names as the physical name or scope and NOT_A_NAME does not explain. */
function unknownNames(resources: readonly PlannedResource[]): string[] {
    return [...new Set(resources.filter((item) => !item.type.startsWith("platform:") && !item.type.startsWith("pulumi:providers:")).flatMap((item) =>
        Object.entries(item.inputs).filter(([key, value]) => NAME_LIKE.test(key) && typeof value === "string" && !value.startsWith("["))
            .filter(([key]) => REPLACEMENT_RULES[item.type]?.name !== key && !REPLACEMENT_RULES[item.type]?.scope?.includes(key) && NOT_A_NAME[item.type]?.[key] === undefined)
            .map(([key]) => `${item.type} ${key}`)))].sort();
}

interface Exposure { stack: string; component: string; type: string; name: string; forcing: string[] }

/** Named, not stateful (those are guarded by data-loss, protect and docs/day2.md), and a forcing property would collide. */
function exposures(stack: string, resources: readonly PlannedResource[]): Exposure[] {
    return resources.flatMap((item) => {
        const forcing = collidingProperties(item.type, item.inputs, item.options.deleteBeforeReplace);
        return forcing.length === 0 || STATEFUL[item.type] !== undefined ? [] : [{ stack, component: componentOf(item.urn), type: item.type, name: item.name, forcing }];
    });
}

const covered = (exposure: Exposure) => OTHER_OWNERS_EXCEPTIONS.some((entry) => entry.check === "collision" && entry.component === exposure.component && entry.type === exposure.type);

describe("replacements: what the diff flags", () => {
    const pg = "aws:rds/parameterGroup:ParameterGroup";

    it("flags a replacement that keeps a fixed name without deleteBeforeReplace as a collision", () => {
        const flagged = change(resource(pg, { name: "pg", family: "postgres17" }), resource(pg, { name: "pg", family: "postgres18" }));
        assert.equal(flagged.kind, "replace");
        assert.equal(flagged.failure, "collision");
        assert.match(formatDiff([flagged]), /FAILS: 1 change\(s\)[\s\S]*COLLISION replace/);
    });

    it("lets a replacement through with deleteBeforeReplace, a new name, an auto-name, a new scope, or a provider that deletes first", () => {
        const dbr = { deleteBeforeReplace: true };
        assert.equal(change(resource(pg, { name: "pg", family: "a" }, dbr), resource(pg, { name: "pg", family: "b" }, dbr)).failure, undefined);
        assert.equal(change(resource(pg, { name: "pg-17", family: "a" }), resource(pg, { name: "pg-18", family: "b" })).failure, undefined);
        assert.equal(change(resource(pg, { family: "a" }), resource(pg, { family: "b" })).failure, undefined);
        // Security group names are unique per VPC: a new VPC holds the name free.
        const sg = "aws:ec2/securityGroup:SecurityGroup";
        assert.equal(change(resource(sg, { name: "sg", vpcId: "vpc-1" }), resource(sg, { name: "sg", vpcId: "vpc-2" })).failure, undefined);
        assert.equal(change(resource(sg, { name: "sg", description: "a" }), resource(sg, { name: "sg", description: "b" })).failure, "collision");
        // A Kubernetes object moved to another namespace is replaced; a named one the provider deletes first anyway.
        const service = "kubernetes:core/v1:Service";
        const moved = change(resource(service, { metadata: { name: "api", namespace: "a" } }), resource(service, { metadata: { name: "api", namespace: "b" } }));
        assert.deepEqual([moved.kind, moved.failure], ["replace", undefined]);
        const group = "pulumiservice:index:PolicyGroup";
        assert.equal(change(resource(group, { name: "g", mode: "audit" }), resource(group, { name: "g", mode: "preventative" })).kind, "replace");
        assert.equal(change(resource(group, { name: "g", mode: "audit" }), resource(group, { name: "g", mode: "preventative" })).failure, undefined);
    });

    it("replaces a node group on a new launch template, not on a new version of the same one", () => {
        const type = "eks:index:ManagedNodeGroup";
        const base = resource(type, { nodeGroupNamePrefix: "c-general-", launchTemplate: { id: "lt-1", version: "1" } });
        assert.equal(change(base, withInputs(base, { launchTemplate: { id: "lt-1", version: "2" } })).kind, "update");
        assert.equal(change(base, withInputs(base, { launchTemplate: { id: "lt-2", version: "1" } })).kind, "replace");
        assert.equal(change(base, withInputs(base, { instanceTypes: ["t4g.large"] })).failure, undefined, "a prefix-named group cannot collide");
        const named = resource(type, { nodeGroupName: "c-general", instanceTypes: ["t3.large"] });
        assert.equal(change(named, withInputs(named, { instanceTypes: ["t4g.large"] })).failure, "collision");
    });

    it("fails any replacement of a resource that holds data, named or not, and refuses a protected one", () => {
        const key = "aws:kms/key:Key";
        const lost = change(resource(key, { keyUsage: "ENCRYPT_DECRYPT" }), resource(key, { keyUsage: "SIGN_VERIFY" }));
        assert.equal(lost.failure, "data-loss");
        assert.match(formatDiff([lost]), /DATA-LOSS replace .*every piece of data encrypted with the key/);
        const kept = resource(key, { keyUsage: "ENCRYPT_DECRYPT" }, { protect: true });
        assert.equal(change(kept, withInputs(kept, { keyUsage: "SIGN_VERIFY" })).failure, "refused");
        assert.equal(one(diffPlans({ resources: [kept] }, { resources: [] })).failure, "refused");
        assert.equal(change(kept, withInputs(kept, { description: "new" })).failure, undefined, "an update of a protected resource applies");
    });

    it("rejects a PostgreSQL major upgrade without allowMajorVersionUpgrade, but not a minor one or an allowed one", () => {
        const db = "aws:rds/instance:Instance";
        const base = resource(db, { identifier: "db", engineVersion: "17.4" });
        assert.equal(change(base, withInputs(base, { engineVersion: "18" })).failure, "rejected");
        assert.equal(change(base, withInputs(base, { engineVersion: "17.6" })).failure, undefined);
        assert.equal(change(base, withInputs(base, { engineVersion: "18", allowMajorVersionUpgrade: true })).failure, undefined);
    });
});

describe("replacements: the plans of all three stacks", function () {
    this.timeout(120_000);

    it("know every type whose inputs carry a name (a rule names it, or NOT_A_NAME says what it is)", async () => {
        for (const stack of STACKS) assert.deepEqual(unknownNames((await realPlan(stack)).resources), [], stack);
        // The check itself: a type the table has never read, with a name.
        assert.deepEqual(unknownNames([resource("aws:dynamodb/table:Table", { name: "orders" })]), ["aws:dynamodb/table:Table name"]);
        assert.deepEqual(unknownNames([resource("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", metricName: "CPUUtilization" })]), []);
    });

    it("hold no named resource that a forcing property could collide, but for the owners' list in test/day2-exceptions.ts", async () => {
        const found = (await Promise.all(STACKS.map(async (stack) => exposures(stack, (await realPlan(stack)).resources)))).flat();
        const uncovered = found.filter((exposure) => !covered(exposure));
        assert.deepEqual(uncovered.map((item) => `${item.stack} ${item.component} ${item.type} ${item.name}: ${item.forcing.join(", ")}`), []);
        // Every listed exception is still needed: a fix applied removes its line.
        const stale = OTHER_OWNERS_EXCEPTIONS.filter((entry) => entry.check === "collision" && !found.some((exposure) => exposure.component === entry.component && exposure.type === entry.type));
        assert.deepEqual(stale.map((entry) => `${entry.component} ${entry.type}`), []);
        // The check itself: without its deleteBeforeReplace, the cluster's node role (a named contract) is exposed.
        const nodeRole = (await realPlan("dev")).resources.find((item) => item.name === "platform-dev-cluster-nodes" && item.type === "aws:iam/role:Role")!;
        assert.equal(nodeRole.options.deleteBeforeReplace, true);
        assert.deepEqual(exposures("dev", [{ ...nodeRole, options: { ...nodeRole.options, deleteBeforeReplace: false } }]).map((item) => item.forcing), [["path"]]);
    });

    it("protect every resource that holds data in prod, and docs/day2.md gives each such type its path", async () => {
        const prod = await realPlan("prod");
        // The agent pool's token: its value is written by the program from the AgentPool (a SecretVersion), so a
        // replacement loses nothing; protecting it needs a `protect` argument wired through infra/program.ts.
        const derived = new Set(["platform-prod-deployment-agents-token"]);
        const unprotected = prod.resources.filter((item) => STATEFUL[item.type] !== undefined && !item.options.protect && item.inputs.deletionProtection !== true && !derived.has(item.name));
        assert.deepEqual(unprotected.map((item) => `${item.type} ${item.name}`), []);
        const day2 = readFileSync(join(PROJECT_DIRECTORY, "docs", "day2.md"), "utf8");
        const section = day2.slice(day2.indexOf("## Stateful resources"));
        assert.ok(day2.includes("## Stateful resources"));
        for (const type of Object.keys(STATEFUL)) assert.ok(section.includes(`\`${type}\``), `docs/day2.md, "Stateful resources", has no path for ${type}`);
    });

    it("cite, for every rule, where it was read", () => {
        for (const [type, entry] of Object.entries(REPLACEMENT_RULES)) {
            assert.ok(entry.source.length > 10, type);
            if (entry.scope) for (const property of entry.scope) assert.ok(entry.forcing.includes(property), `${type}: scope ${property} is not a forcing property`);
        }
    });
});
