import assert from "node:assert/strict";
import { diffPlans, failuresOf, formatDiff, type ResourceChange } from "../tools/diff";
import type { PlannedResource } from "../tools/mock-engine";
import { PHYSICAL_NAME_PROPERTY, REPLACEMENT_PROPERTIES, fixedName } from "../tools/replacements";
import { STACKS, plan, projectCopy, realPlan, withStackValue } from "./harness";

/** A resource whose forcing properties, if changed, would replace it under a name that is already taken. */
interface Exposure { stack: string; urn: string; name: string; forcing: readonly string[] }

function exposures(stack: string, resources: readonly PlannedResource[]): Exposure[] {
    return resources.flatMap((resource) => {
        const forcing = REPLACEMENT_PROPERTIES[resource.type];
        const name = fixedName(resource.type, resource.inputs);
        if (!forcing || name === undefined || resource.options.deleteBeforeReplace) return [];
        // A change to the name itself gives the new resource a new name: only the other forcing properties collide.
        const others = forcing.filter((property) => property !== PHYSICAL_NAME_PROPERTY[resource.type] && property !== "namePrefix");
        return others.length > 0 ? [{ stack, urn: resource.urn, name, forcing: others }] : [];
    });
}

const resource = (type: string, inputs: Record<string, unknown>, options: Partial<PlannedResource["options"]> = {}): PlannedResource => ({
    urn: `urn:pulumi:dev::platform::${type}::fixture`, type, name: "fixture", parent: null, custom: true, inputs,
    options: { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], provider: null, deleteBeforeReplace: false, ...options },
});
const one = (change: readonly ResourceChange[]) => { assert.equal(change.length, 1); return change[0]; };

describe("replacements: collisions and refusals", () => {
    it("flags a replacement that keeps a fixed name without deleteBeforeReplace as a collision", () => {
        const type = "aws:rds/parameterGroup:ParameterGroup";
        const change = one(diffPlans({ resources: [resource(type, { name: "pg", family: "postgres17" })] }, { resources: [resource(type, { name: "pg", family: "postgres18" })] }));
        assert.equal(change.kind, "replace");
        assert.equal(change.failure, "collision");
        assert.match(formatDiff([change]), /FAILS: 1 change\(s\)[\s\S]*COLLISION replace/);
    });

    it("does not flag a replacement with deleteBeforeReplace, a new name, or an auto-name", () => {
        const type = "aws:rds/parameterGroup:ParameterGroup";
        const dbr = { deleteBeforeReplace: true };
        assert.equal(one(diffPlans({ resources: [resource(type, { name: "pg", family: "a" }, dbr)] }, { resources: [resource(type, { name: "pg", family: "b" }, dbr)] })).failure, undefined);
        assert.equal(one(diffPlans({ resources: [resource(type, { name: "pg-17", family: "a" })] }, { resources: [resource(type, { name: "pg-18", family: "b" })] })).failure, undefined);
        assert.equal(one(diffPlans({ resources: [resource(type, { family: "a" })] }, { resources: [resource(type, { family: "b" })] })).failure, undefined);
    });

    it("refuses a deletion or a replacement of a protected resource, but not an update", () => {
        const type = "aws:ecr/repository:Repository";
        const kept = resource(type, { name: "r", imageTagMutability: "MUTABLE" }, { protect: true });
        assert.equal(one(diffPlans({ resources: [kept] }, { resources: [] })).failure, "refused");
        assert.equal(one(diffPlans({ resources: [kept] }, { resources: [{ ...kept, inputs: { name: "r2" } }] })).failure, "refused");
        assert.equal(one(diffPlans({ resources: [kept] }, { resources: [{ ...kept, inputs: { name: "r", imageTagMutability: "IMMUTABLE" } }] })).failure, undefined);
        assert.deepEqual(failuresOf(diffPlans({ resources: [kept] }, { resources: [kept] })), []);
    });

    it("lists today's resources whose forcing properties would collide if changed (fixed name, no deleteBeforeReplace)", async function () {
        this.timeout(60_000);
        const found = (await Promise.all(STACKS.map(async (stack) => exposures(stack, (await realPlan(stack)).resources)))).flat();
        // The report the lead reads: one line per exposed resource.
        console.log(`      ${found.length} exposed resources:\n${found.map((item) => `        ${item.stack} ${item.urn.split("::").pop()} (${item.name}): ${item.forcing.join(", ")}`).join("\n")}`);
        const types = new Set(found.map((item) => item.urn.split("$").pop()!.split("::")[0]));
        // ECR repositories (encryption) and the Postgres parameter group (family) are exposed in every stack today.
        for (const stack of STACKS) {
            assert.ok(found.some((item) => item.stack === stack && item.urn.includes("aws:ecr/repository:Repository")), stack);
            assert.ok(found.some((item) => item.stack === stack && item.urn.includes("aws:rds/parameterGroup:ParameterGroup")), stack);
        }
        assert.ok(types.has("aws:cloudwatch/logGroup:LogGroup"));
        // The check itself: deleteBeforeReplace takes a resource off the list.
        const repository = (await realPlan("dev")).resources.find((item) => item.type === "aws:ecr/repository:Repository")!;
        assert.deepEqual(exposures("dev", [{ ...repository, options: { ...repository.options, deleteBeforeReplace: true } }]), []);
    });
});

describe("replacements: day-2 rehearsals", function () {
    this.timeout(120_000);

    it("(a) staging node group t3.large -> t4g.large: updates, no replacement predicted, no failure", async () => {
        const changes = diffPlans(await realPlan("staging"), await plan("staging", { directory: withStackValue("staging", ["cluster", "nodeGroups", "general", "instanceTypes"], ["t4g.large"]) }));
        console.log(formatDiff(changes).replace(/^/gm, "      "));
        assert.ok(changes.length > 0);
        assert.ok(changes.every((change) => change.kind === "update"), "eks:index:ManagedNodeGroup and the launch template have no verified replacement entry");
        assert.deepEqual(failuresOf(changes), []);
    });

    it("(b) staging PostgreSQL 17 -> 18: the instance is updated, the parameter group is replaced under its new name", async () => {
        const changes = diffPlans(await realPlan("staging"), await plan("staging", { directory: withStackValue("staging", ["database", "engineVersion"], "18") }));
        console.log(formatDiff(changes).replace(/^/gm, "      "));
        const instance = changes.find((change) => change.type === "aws:rds/instance:Instance")!;
        assert.equal(instance.kind, "update");
        assert.ok(instance.changes.some((property) => property.path === "engineVersion"));
        const group = changes.find((change) => change.type === "aws:rds/parameterGroup:ParameterGroup")!;
        assert.equal(group.kind, "replace");
        assert.ok(group.changes.some((property) => property.path === "family" && property.forcesReplacement));
        // The name carries the major version (platform-staging-postgres-18), so create-before-delete does not collide.
        assert.equal(group.failure, undefined);
    });

    it("(c) dev cache redis -> valkey: the replication group is updated in place, and nothing collides", async () => {
        // Valkey starts at 7.2 (the program's own validation), so the rehearsal moves both.
        const valkey = projectCopy("Pulumi.dev.yaml", (document) => {
            document.setIn(["config", "platform:cache", "engine"], "valkey");
            document.setIn(["config", "platform:cache", "engineVersion"], "7.2");
        });
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory: valkey }));
        console.log(formatDiff(changes).replace(/^/gm, "      "));
        const group = changes.find((change) => change.type === "aws:elasticache/replicationGroup:ReplicationGroup")!;
        assert.equal(group.kind, "update");
        assert.ok(group.changes.some((property) => property.path === "engine" && !property.forcesReplacement));
        // The cache's security group once named the engine in its description, which forces a replacement and collided
        // with its fixed name; it names no engine now (infra/data/redis.ts), so it is not replaced at all.
        assert.ok(!changes.some((change) => change.type === "aws:ec2/securityGroup:SecurityGroup" && change.kind === "replace"));
        assert.deepEqual(failuresOf(changes), []);
    });

    it("a service's port change replaces its target group under a new name (the port is in it): no collision", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "services", "value", 0, "port"], 3001));
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory }));
        const group = changes.find((change) => change.type === "aws:lb/targetGroup:TargetGroup")!;
        assert.equal(group.kind, "replace");
        assert.ok(group.changes.some((property) => property.path === "name" && property.after === "platform-dev-api-3001"));
        assert.deepEqual(failuresOf(changes), []);
    });

    it("(d) adding a service only creates", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.addIn(["config", "services", "value"], { name: "billing", path: "services/billing", runtime: "node", port: 3000, healthPath: "/health", public: false, resources: { cpu: "100m", memory: "128Mi" } }));
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory }));
        const created = changes.filter((change) => change.kind === "create");
        assert.ok(created.some((change) => change.type === "aws:ecr/repository:Repository"));
        assert.ok(!changes.some((change) => change.kind === "delete" || change.kind === "replace"));
        assert.deepEqual(failuresOf(changes), []);
    });

    it("(e) removing a service deletes; in prod the protected ECR repository is refused", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.deleteIn(["config", "services", "value", 2]));
        const changes = diffPlans(await realPlan("prod"), await plan("prod", { directory }));
        console.log(formatDiff(failuresOf(changes)).replace(/^/gm, "      "));
        assert.ok(changes.some((change) => change.kind === "delete"));
        const repository = changes.find((change) => change.type === "aws:ecr/repository:Repository")!;
        assert.equal(repository.kind, "delete");
        assert.equal(repository.failure, "refused");
    });
});
