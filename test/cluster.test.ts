import assert from "node:assert/strict";
import { CONTROL_PLANE_LOG_TYPES } from "../infra/cluster";
import { amiTypeFor, isGraviton } from "../infra/cluster/nodes";
import { STACKS, ofType, one, plan, realPlan, rejection, withStackValue } from "./harness";

const TABLE = {
    dev: { instanceType: "t3.medium", min: 2, max: 4, capacity: "SPOT" },
    staging: { instanceType: "t3.large", min: 3, max: 6, capacity: "SPOT" },
    prod: { instanceType: "m5.xlarge", min: 6, max: 12, capacity: "ON_DEMAND" },
} as const;

describe("EKS cluster", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("runs the configured Kubernetes version on standard support, with a private endpoint only", async () => {
                const cluster = one(await realPlan(stack), "eks:index:Cluster");
                assert.equal(cluster.inputs.version, "1.35");
                assert.deepEqual(cluster.inputs.upgradePolicy, { supportType: "STANDARD" });
                assert.equal(cluster.inputs.endpointPrivateAccess, true);
                assert.equal(cluster.inputs.endpointPublicAccess, false);
                assert.equal(cluster.inputs.publicAccessCidrs, undefined);
                assert.equal(cluster.inputs.skipDefaultNodeGroup, true);
                assert.equal(cluster.inputs.deletionProtection, stack === "prod");
            });

            it("encrypts secrets with the cluster key and logs every control-plane log type to a log group made first", async () => {
                const p = await realPlan(stack);
                const cluster = one(p, "eks:index:Cluster");
                assert.equal(cluster.inputs.encryptionConfigKeyArn, `[computed: platform-${stack}-keys-cluster.arn]`);
                assert.deepEqual(cluster.inputs.enabledClusterLogTypes, CONTROL_PLANE_LOG_TYPES);
                const logGroup = one(p, "aws:cloudwatch/logGroup:LogGroup", "control-plane");
                assert.equal(logGroup.inputs.name, `/aws/eks/platform-${stack}-eks/cluster`);
                assert.deepEqual(cluster.options.dependsOn, [logGroup.urn]);
            });

            it("grants access through access entries: looked-up admins and Pulumi Deployments' write role cluster-wide, its read role viewing, the deploy role in its namespace only", async () => {
                const p = await realPlan(stack);
                const cluster = one(p, "eks:index:Cluster");
                assert.equal(cluster.inputs.authenticationMode, "API");
                const entries = cluster.inputs.accessEntries as Record<string, { principalArn: string; accessPolicies: Record<string, { policyArn: string; accessScope: { type: string; namespaces?: string[] } }> }>;
                assert.deepEqual(Object.keys(entries).sort(), ["admin-PlatformAdmins", "admin-deployments", "deploy-platform", "view-deployments"]);
                assert.deepEqual(Object.values(entries["admin-PlatformAdmins"].accessPolicies)[0].accessScope, { type: "cluster" });
                // The configured role is read, not assumed: a missing one fails the preview by name.
                assert.equal(entries["admin-PlatformAdmins"].principalArn, "[looked up: aws.iam.getRole(PlatformAdmins).arn]");
                assert.ok(p.invokes.some((invoke) => invoke.token === "aws:iam/getRole:getRole" && invoke.args.name === "PlatformAdmins"));
                assert.equal(entries["admin-deployments"].principalArn, p.outputs.deploymentsRoleArn);
                // Previews and drift checks read every object, Helm's release Secrets included, and write none.
                assert.equal(entries["view-deployments"].principalArn, p.outputs.deploymentsReadRoleArn);
                assert.deepEqual(Object.values(entries["view-deployments"].accessPolicies), [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy", accessScope: { type: "cluster" } }]);
                const deploy = entries["deploy-platform"];
                assert.equal(deploy.principalArn, p.outputs.deployRoleArn);
                const [policy] = Object.values(deploy.accessPolicies);
                assert.match(policy.policyArn, /AmazonEKSEditPolicy$/);
                assert.deepEqual(policy.accessScope, { type: "namespace", namespaces: ["platform"] });
            });

            it(`runs ${TABLE[stack].instanceType} nodes, ${TABLE[stack].min}-${TABLE[stack].max}, ${TABLE[stack].capacity}, AL2023 with IMDSv2 and encrypted gp3`, async () => {
                const p = await realPlan(stack);
                const group = one(p, "eks:index:ManagedNodeGroup");
                assert.deepEqual(group.inputs.instanceTypes, [TABLE[stack].instanceType]);
                assert.equal(group.inputs.capacityType, TABLE[stack].capacity);
                assert.deepEqual(group.inputs.scalingConfig, { minSize: TABLE[stack].min, maxSize: TABLE[stack].max, desiredSize: TABLE[stack].min });
                assert.equal(group.inputs.amiType, "AL2023_x86_64_STANDARD");
                assert.equal(group.inputs.ignoreScalingChanges, true);
                assert.deepEqual(group.inputs.subnetIds, one(p, "eks:index:Cluster").inputs.privateSubnetIds);
                assert.equal((group.inputs.subnetIds as string[]).length, 3);
                const template = one(p, "aws:ec2/launchTemplate:LaunchTemplate", "-cluster-");
                assert.deepEqual((template.inputs.metadataOptions as Record<string, unknown>).httpTokens, "required");
                const [volume] = template.inputs.blockDeviceMappings as { ebs: Record<string, unknown> }[];
                assert.deepEqual([volume.ebs.volumeType, volume.ebs.encrypted], ["gp3", "true"]);
                assert.equal((group.inputs.launchTemplate as { id: string }).id, `[computed: ${template.name}.id]`);
            });

            it("installs the managed add-ons, with network policy on in the VPC CNI", async () => {
                const p = await realPlan(stack);
                const cluster = one(p, "eks:index:Cluster");
                assert.equal((cluster.inputs.vpcCniOptions as Record<string, unknown>).enableNetworkPolicy, true);
                assert.equal((cluster.inputs.kubeProxyAddonOptions as Record<string, unknown>).enabled, true);
                const addons = ofType(p, "aws:eks/addon:Addon").map((addon) => addon.inputs.addonName).sort();
                assert.deepEqual(addons, ["amazon-cloudwatch-observability", "aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent"]);
                // Add-ons that run Deployments wait for the nodes, else they time out DEGRADED; CoreDNS is one of them.
                assert.equal((cluster.inputs.corednsAddonOptions as Record<string, unknown>).enabled, false);
                const nodeGroups = ofType(p, "eks:index:ManagedNodeGroup").map((group) => group.urn);
                for (const addon of ofType(p, "aws:eks/addon:Addon").filter((candidate) => candidate.inputs.addonName !== "eks-pod-identity-agent")) {
                    for (const urn of nodeGroups) assert.ok(addon.options.dependsOn.includes(urn), `${String(addon.inputs.addonName)} waits for ${urn}`);
                }
                const csi = ofType(p, "aws:eks/addon:Addon").find((addon) => addon.inputs.addonName === "aws-ebs-csi-driver")!;
                assert.deepEqual((csi.inputs.podIdentityAssociations as { serviceAccount: string }[])[0].serviceAccount, "ebs-csi-controller-sa");
            });
        });
    }

    it("opens the public endpoint to the operator's addresses on day 0 only, and closes it by itself when the date passes", async () => {
        const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 10);
        const open = await plan("dev", { directory: withStackValue("dev", ["cluster", "operatorAccess"], { cidrs: ["203.0.113.7/32"], until: inDays(2) }) });
        const opened = one(open, "eks:index:Cluster");
        assert.deepEqual([opened.inputs.endpointPublicAccess, opened.inputs.publicAccessCidrs, opened.inputs.endpointPrivateAccess], [true, ["203.0.113.7/32"], true]);
        const lapsed = one(await plan("dev", { directory: withStackValue("dev", ["cluster", "operatorAccess"], { cidrs: ["203.0.113.7/32"], until: inDays(-2) }) }), "eks:index:Cluster");
        assert.deepEqual([lapsed.inputs.endpointPublicAccess, lapsed.inputs.publicAccessCidrs], [false, undefined]);
    });

    it("refuses a day-0 opening that is too wide or too long", async () => {
        const wide = await rejection(plan("dev", { directory: withStackValue("dev", ["cluster", "operatorAccess"], { cidrs: ["0.0.0.0/0"], until: "2026-01-01" }) }));
        assert.match(wide.message, /platform:cluster\.operatorAccess\.cidrs\.0: got "0\.0\.0\.0\/0"; expected \/24 or narrower/);
        const long = await rejection(plan("dev", { directory: withStackValue("dev", ["cluster", "operatorAccess"], { cidrs: ["203.0.113.7/32"], until: "2099-01-01" }) }));
        assert.match(long.message, /platform:cluster\.operatorAccess\.until: got "2099-01-01"; expected a date at most 7 days ahead/);
    });

    it("follows the stack file: Graviton instance types get the arm64 AMI", async () => {
        const p = await plan("staging", { directory: withStackValue("staging", ["cluster", "nodeGroups", "general", "instanceTypes"], ["m7g.large"]) });
        const group = one(p, "eks:index:ManagedNodeGroup");
        assert.deepEqual([group.inputs.instanceTypes, group.inputs.amiType], [["m7g.large"], "AL2023_ARM_64_STANDARD"]);
    });

    it("tells Graviton families apart and refuses a group that mixes architectures", () => {
        assert.deepEqual(["m6g.large", "t4g.small", "c7gn.xlarge", "m5.xlarge", "t3.medium", "g5.xlarge"].map(isGraviton), [true, true, true, false, false, false]);
        assert.throws(() => amiTypeFor(["m6g.large", "m5.large"]), /cannot mix arm64 and x86_64/);
    });
});
