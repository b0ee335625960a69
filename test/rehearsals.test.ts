/**
 * Day-2 rehearsals (docs/day2.md has their runbooks): each changes a copy of the real stack files the way an operator
 * would, plans it, and diffs it against the plan of the files as they are, as `npm run plan -- --diff` does. Each
 * asserts the actions (update in place, replace, refused), that nothing holding data is replaced, and which failures
 * the diff reports: none, or exactly those test/day2-exceptions.ts lists for their owners to fix.
 */
import assert from "node:assert/strict";
import { diffPlans, failuresOf, formatDiff, rejectionOf, type ResourceChange } from "../tools/diff";
import { clusterAutoscalerImageTag } from "../infra/addons/charts";
import { STATEFUL } from "../tools/replacements";
import { OTHER_OWNERS_EXCEPTIONS } from "./day2-exceptions";
import { plan, projectCopy, realPlan, withStackValue, type StackName } from "./harness";

const byType = (changes: readonly ResourceChange[], type: string) => changes.filter((change) => change.type === type);
const single = (changes: readonly ResourceChange[], type: string) => {
    const found = byType(changes, type);
    assert.equal(found.length, 1, `one ${type} change, found ${found.length}`);
    return found[0];
};
const paths = (change: ResourceChange) => change.changes.map((property) => property.path).sort();
const component = (urn: string) => urn.split("::")[2].split("$").filter((type) => type.startsWith("platform:")).pop();

/** Nothing that holds data is replaced, and the only failures are the owners' listed ones. */
function assertSafe(changes: readonly ResourceChange[]): void {
    assert.deepEqual(changes.filter((change) => change.kind === "replace" && STATEFUL[change.type] !== undefined).map((change) => change.urn), []);
    const unexpected = failuresOf(changes).filter((change) => !OTHER_OWNERS_EXCEPTIONS.some((entry) => entry.check === change.failure && entry.type === change.type && entry.component === component(change.urn)));
    assert.deepEqual(unexpected.map((change) => `${change.failure} ${change.kind} ${change.urn}`), []);
}

async function rehearse(stack: StackName, directory: string): Promise<ResourceChange[]> {
    const changes = diffPlans(await realPlan(stack), await plan(stack, { directory }));
    console.log(formatDiff(changes.filter((change) => !change.type.startsWith("github:"))).replace(/^/gm, "      ").split("\n").map((line) => line.slice(0, 200)).join("\n"));
    return changes;
}

describe("day-2 rehearsals", function () {
    this.timeout(120_000);

    it("EKS 1.35 -> 1.36 in prod: control plane, node group, add-ons and autoscaler image follow, each in place", async () => {
        const changes = await rehearse("prod", withStackValue("prod", ["cluster", "kubernetesVersion"], "1.36"));
        assert.deepEqual(single(changes, "eks:index:Cluster").changes.map(({ path, before, after }) => [path, before, after]), [["version", "1.35", "1.36"]]);
        const nodes = single(changes, "eks:index:ManagedNodeGroup");
        assert.equal(nodes.kind, "update", "UpdateNodegroupVersion rolls the nodes; the group is not replaced");
        assert.deepEqual(paths(nodes), ["version"]);
        const addons = byType(changes, "aws:eks/addon:Addon");
        assert.equal(addons.length, 4);
        for (const addon of addons) {
            assert.equal(addon.kind, "update");
            assert.deepEqual(paths(addon), ["addonVersion"]);
            assert.match(String(addon.changes[0].after), /@1\.36\)\.version\]$/);
        }
        const autoscaler = changes.find((change) => change.urn.endsWith("-addons-cluster-autoscaler") && change.type === "kubernetes:helm.sh/v3:Release")!;
        assert.deepEqual(autoscaler.changes.map(({ path, before, after }) => [path, before, after]), [["values.image.tag", "v1.35.0", "v1.36.1"]]);
        // The rest is the workflows' kubectl (github/workflows/deploy.ts sets it up at the cluster's minor version).
        const others = changes.filter((change) => !["eks:index:Cluster", "eks:index:ManagedNodeGroup", "aws:eks/addon:Addon", "kubernetes:helm.sh/v3:Release"].includes(change.type));
        assert.deepEqual([...new Set(others.map((change) => change.type))], ["github:index/repositoryFile:RepositoryFile"]);
        assert.ok(changes.every((change) => change.kind === "update"));
        assertSafe(changes);
    });

    it("refuses a Kubernetes minor whose Cluster Autoscaler release is not known, naming where to add it", () => {
        assert.equal(clusterAutoscalerImageTag("1.36"), "v1.36.1");
        assert.throws(() => clusterAutoscalerImageTag("1.37"), /no Cluster Autoscaler image is known for Kubernetes 1\.37: add its release to CLUSTER_AUTOSCALER_IMAGE_TAGS/);
    });

    it("staging node group t3.large -> t4g.large: the group is replaced under a new generated name, nothing collides", async () => {
        const changes = await rehearse("staging", withStackValue("staging", ["cluster", "nodeGroups", "general", "instanceTypes"], ["t4g.large"]));
        const nodes = single(changes, "eks:index:ManagedNodeGroup");
        assert.equal(nodes.kind, "replace");
        assert.deepEqual(nodes.changes.filter((property) => property.forcesReplacement).map((property) => [property.path, property.after]),
            [["amiType", "AL2023_ARM_64_STANDARD"], ["instanceTypes[0]", "t4g.large"]]);
        assert.equal(nodes.failure, undefined, "nodeGroupNamePrefix: EKS names the new group, so create-before-delete cannot collide");
        assert.equal(changes.length, 1, "the launch template carries no instance type: it is untouched");
        assertSafe(changes);
    });

    it("prod PostgreSQL 17 -> 18: a new parameter group under its new name, the primary upgraded in place, the replica follows", async () => {
        const changes = await rehearse("prod", withStackValue("prod", ["database", "engineVersion"], "18"));
        const group = single(changes, "aws:rds/parameterGroup:ParameterGroup");
        assert.equal(group.kind, "replace");
        assert.deepEqual(group.changes.map(({ path, after }) => [path, after]), [["family", "postgres18"], ["name", "platform-prod-postgres-18"]]);
        assert.equal(group.failure, undefined, "the name carries the major version: no collision");
        const [primary, replica] = byType(changes, "aws:rds/instance:Instance").sort((a, b) => a.urn.length - b.urn.length);
        assert.equal(primary.kind, "update");
        assert.deepEqual(paths(primary), ["engineVersion", "parameterGroupName"]);
        // RDS upgrades in-Region read replicas with the primary (RDS User Guide, "Choosing a major version for an RDS
        // for PostgreSQL upgrade"): the replica takes no engineVersion of its own, only the new family's group.
        assert.equal(replica.kind, "update");
        assert.deepEqual(paths(replica), ["parameterGroupName"]);
        // RDS refuses a major version change without allowMajorVersionUpgrade, which the primary carries.
        assert.equal(primary.failure, undefined);
        const current = (await realPlan("prod")).resources.find((resource) => resource.type === "aws:rds/instance:Instance" && resource.inputs.identifier === "platform-prod-postgres")!;
        assert.equal(current.inputs.allowMajorVersionUpgrade, true);
        const upgraded = { ...current, inputs: { ...current.inputs, engineVersion: "18" } };
        assert.equal(rejectionOf(current, upgraded), undefined);
        assert.match(String(rejectionOf(current, { ...upgraded, inputs: { ...upgraded.inputs, allowMajorVersionUpgrade: false } })), /without allowMajorVersionUpgrade/);
        assertSafe(changes);
    });

    it("dev cache redis -> valkey 7.2: the replication group is updated in place, nothing is replaced", async () => {
        const directory = projectCopy("Pulumi.dev.yaml", (document) => {
            document.setIn(["config", "platform:cache", "engine"], "valkey");
            document.setIn(["config", "platform:cache", "engineVersion"], "7.2");
        });
        const changes = await rehearse("dev", directory);
        const group = single(changes, "aws:elasticache/replicationGroup:ReplicationGroup");
        assert.equal(group.kind, "update");
        assert.ok(group.changes.some((property) => property.path === "engine" && property.after === "valkey" && !property.forcesReplacement));
        assert.ok(changes.every((change) => change.kind === "update"));
        assertSafe(changes);
    });

    it("a service added: creates only", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.addIn(["config", "services", "value"], { name: "billing", path: "services/billing", runtime: "node", port: 3000, healthPath: "/health", public: false, resources: { cpu: "100m", memory: "128Mi" } }));
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory }));
        assert.ok(byType(changes, "aws:ecr/repository:Repository").every((change) => change.kind === "create"));
        assert.ok(changes.some((change) => change.type === "aws:ecr/repository:Repository"));
        assert.ok(!changes.some((change) => change.kind === "delete" || change.kind === "replace"));
        assertSafe(changes);
    });

    it("a service removed in prod: its resources are deleted; its protected image repository and settings secret are refused", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.deleteIn(["config", "services", "value", 2]));
        const changes = diffPlans(await realPlan("prod"), await plan("prod", { directory }));
        console.log(formatDiff(failuresOf(changes)).replace(/^/gm, "      "));
        assert.ok(changes.some((change) => change.kind === "delete" && change.failure === undefined));
        assert.deepEqual(failuresOf(changes).map((change) => [change.failure, change.kind, change.type]).sort(),
            [["refused", "delete", "aws:ecr/repository:Repository"], ["refused", "delete", "aws:secretsmanager/secret:Secret"]]);
        assert.ok(!changes.some((change) => change.kind === "replace" && STATEFUL[change.type] !== undefined));
    });

    it("a service's port: its target group is replaced under a name that carries the port", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "services", "value", 0, "port"], 3001));
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory }));
        const group = changes.find((change) => change.type === "aws:lb/targetGroup:TargetGroup")!;
        assert.equal(group.kind, "replace");
        assert.ok(group.changes.some((property) => property.path === "name" && property.after === "platform-dev-api-3001"));
        assertSafe(changes);
    });
});
