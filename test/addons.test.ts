import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CHARTS, CLUSTER_AUTOSCALER_IMAGE_TAG } from "../infra/addons/charts";
import { TARGET_GROUP_WRITES, clusterAutoscalerPolicy, loadBalancerControllerPolicy } from "../infra/addons/policies";
import { clusterAutoscalerValues, secretsStoreCsiDriverValues } from "../infra/addons/values";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { STACKS, ofType, one, plan, realPlan, withStackValue, type StackName, accountOf } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const EXACT_SEMVER = /^\d+\.\d+\.\d+$/;

interface Statement { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource?: string | string[]; Condition?: unknown }
const statements = (json: unknown): Statement[] => (JSON.parse(String(json)) as { Statement: Statement[] }).Statement;
const actions = (statement: { Action: string | string[] }): string[] => [statement.Action].flat();

/** The add-ons component and everything it declares, in declaration order. */
function addons(p: Plan): PlannedResource[] {
    const component = one(p, "platform:addons:ClusterAddons");
    return [component, ...p.resources.filter((resource) => resource.parent === component.urn)];
}

function release(p: Plan, key: string): PlannedResource {
    return one(p, RELEASE, `-addons-${key}`);
}

/** A chart value of a release, by its dotted path as in the chart's values.yaml. */
function value(resource: PlannedResource, path: string): unknown {
    return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], resource.inputs.values);
}

function stackFile(stack: StackName): { "platform:cluster": { kubernetesVersion: string } } {
    return parse(readFileSync(join(PROJECT_DIRECTORY, `Pulumi.${stack}.yaml`), "utf8")).config;
}

describe("cluster add-ons", () => {
    for (const stack of STACKS) {
        const clusterName = `platform-${stack}-eks`;

        describe(stack, () => {
            it("installs each add-on at an exact chart version from its chart's own repository, atomically and with a timeout", async () => {
                const releases = addons(await realPlan(stack)).filter((resource) => resource.type === RELEASE);
                assert.equal(releases.length, Object.keys(CHARTS).length);
                assert.deepEqual(releases.map((resource) => resource.inputs.chart).sort(), Object.values(CHARTS).map((chart) => chart.chart).sort());
                for (const resource of releases) {
                    const pinned = Object.values(CHARTS).find((chart) => chart.chart === resource.inputs.chart)!;
                    assert.match(String(resource.inputs.version), EXACT_SEMVER, `${resource.name} is pinned, not a range`);
                    assert.equal(resource.inputs.version, pinned.version);
                    assert.deepEqual(resource.inputs.repositoryOpts, { repo: pinned.repository });
                    assert.match(pinned.repository, /^https:\/\//);
                    assert.equal(resource.inputs.namespace, "kube-system");
                    assert.equal(resource.inputs.atomic, true);
                    assert.equal(resource.inputs.cleanupOnFail, true);
                    assert.ok(Number(resource.inputs.timeout) > 0, `${resource.name} has a timeout`);
                }
            });

            it("starts no release before the nodes, CoreDNS and the Pod Identity agent its pods need", async () => {
                const p = await realPlan(stack);
                const needed = [
                    ...ofType(p, "eks:index:ManagedNodeGroup"),
                    ...ofType(p, "aws:eks/addon:Addon").filter((addon) => ["coredns", "eks-pod-identity-agent"].includes(String(addon.inputs.addonName))),
                ].map((resource) => resource.urn);
                assert.equal(needed.length, 3);
                for (const resource of addons(p).filter((item) => item.type === RELEASE)) {
                    for (const urn of needed) assert.ok(resource.options.dependsOn.includes(urn), `${resource.name} waits for ${urn}`);
                }
            });

            it("installs every release through one Kubernetes provider built from this stack's cluster kubeconfig", async () => {
                const own = addons(await realPlan(stack));
                const providers = own.filter((resource) => resource.type === "pulumi:providers:kubernetes");
                assert.equal(providers.length, 1);
                assert.equal(providers[0].inputs.kubeconfig, "[secret]");
                for (const resource of own.filter((item) => item.type === RELEASE)) assert.equal(resource.options.provider, providers[0].urn, resource.name);
            });

            for (const [key, account] of [["load-balancer-controller", "aws-load-balancer-controller"], ["cluster-autoscaler", "cluster-autoscaler"]]) {
                it(`gives the ${key} its own role, assumable only by EKS Pod Identity for its service account, before it starts`, async () => {
                    const p = await realPlan(stack);
                    const association = one(p, ASSOCIATION, `-addons-${key}`);
                    const role = one(p, "aws:iam/role:Role", `-addons-${key}`);
                    assert.deepEqual(association.inputs, {
                        clusterName: `[computed: platform-${stack}-cluster.eksCluster.name]`,
                        namespace: "kube-system",
                        serviceAccount: account,
                        roleArn: `[computed: ${role.name}.arn]`,
                    });
                    // EKS Pod Identity's session tags bind the role to this cluster's one service account (pod-id-role.html).
                    assert.deepEqual(statements(role.inputs.assumeRolePolicy), [{
                        Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"],
                        Condition: { StringEquals: { "aws:RequestTag/eks-cluster-name": `[computed: platform-${stack}-cluster.eksCluster.name]`, "aws:RequestTag/kubernetes-namespace": "kube-system", "aws:RequestTag/kubernetes-service-account": account } },
                    }]);
                    const path = key === "cluster-autoscaler" ? "rbac.serviceAccount" : "serviceAccount";
                    assert.deepEqual(value(release(p, key), path), { create: true, name: account });
                    assert.ok(release(p, key).options.dependsOn.includes(association.urn));
                });
            }

            it("lets the autoscaler resize and shrink only the Auto Scaling groups tagged as this cluster's", async () => {
                const p = await realPlan(stack);
                const policy = statements(one(p, "aws:iam/rolePolicy:RolePolicy", "-addons-cluster-autoscaler").inputs.policy);
                const writes = policy.filter((statement) => actions(statement).some((action) => !/^[a-z0-9-]+:(Describe|Get)/.test(action)));
                assert.deepEqual(writes, [{
                    Sid: "ResizeThisClustersGroupsOnly",
                    Effect: "Allow",
                    Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                    Resource: "*",
                    Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
                }]);
                const autoscaler = release(p, "cluster-autoscaler");
                assert.equal(value(autoscaler, "cloudProvider"), "aws");
                assert.equal(value(autoscaler, "awsRegion"), "us-east-1");
                assert.deepEqual(value(autoscaler, "autoDiscovery"), { clusterName });
            });

            it("runs the Cluster Autoscaler of the cluster's Kubernetes minor version", async () => {
                const minor = stackFile(stack)["platform:cluster"].kubernetesVersion;
                const tag = value(release(await realPlan(stack), "cluster-autoscaler"), "image.tag");
                assert.equal(tag, CLUSTER_AUTOSCALER_IMAGE_TAG);
                assert.ok(String(tag).startsWith(`v${minor}.`), `image ${tag} on Kubernetes ${minor}`);
            });

            it("lets the load balancer controller change only this environment's target groups, which the edge names to match", async () => {
                const p = await realPlan(stack);
                const policy = statements(one(p, "aws:iam/rolePolicy:RolePolicy", "-addons-load-balancer-controller").inputs.policy);
                const pattern = `arn:aws:elasticloadbalancing:us-east-1:${accountOf(stack)}:targetgroup/platform-${stack}-*/*`;
                for (const statement of policy) {
                    const reads = actions(statement).every((action) => action.includes(":Describe"));
                    assert.equal(statement.Resource, reads ? "*" : pattern, statement.Sid);
                }
                assert.deepEqual(policy.flatMap(actions).filter((action) => !action.includes(":Describe")).sort(), [...TARGET_GROUP_WRITES].sort());
                const groups = ofType(p, "aws:lb/targetGroup:TargetGroup");
                assert.ok(groups.length > 0);
                for (const group of groups) assert.ok(String(group.inputs.name).startsWith(`platform-${stack}-`), String(group.inputs.name));
                const controller = release(p, "load-balancer-controller");
                assert.equal(value(controller, "clusterName"), clusterName);
                assert.equal(value(controller, "region"), "us-east-1");
                assert.equal(value(controller, "vpcId"), p.outputs.vpcId);
                assert.equal(value(controller, "createIngressClassResource"), false);
                assert.equal(value(controller, "controllerConfig.featureGates.EnableServiceController"), false);
            });

            it("mounts secrets as files only: the CSI driver copies nothing into Kubernetes Secrets", async () => {
                const p = await realPlan(stack);
                const driver = release(p, "secrets-store-csi-driver");
                assert.equal(value(driver, "syncSecret.enabled"), false);
                assert.ok((value(driver, "tokenRequests") as { audience: string }[]).some((request) => request.audience === "pods.eks.amazonaws.com"));
                const provider = release(p, "secrets-store-aws-provider");
                assert.deepEqual(value(provider, "secrets-store-csi-driver"), { install: false }, "one driver, the pinned one");
                assert.ok(provider.options.dependsOn.includes(driver.urn));
            });

            it("makes the workloads wait for the load balancer controller, the CSI driver and its AWS provider", async () => {
                const p = await realPlan(stack);
                const namespace = one(p, "kubernetes:core/v1:Namespace", "-workloads-");
                assert.deepEqual([...namespace.options.dependsOn].sort(),
                    ["load-balancer-controller", "secrets-store-csi-driver", "secrets-store-aws-provider"].map((key) => release(p, key).urn).sort());
            });
        });
    }

    it("leaves every add-on as it is when prod's node group bounds change (the autoscaler reads them from the groups)", async () => {
        const before = await realPlan("prod");
        const after = await plan("prod", { directory: withStackValue("prod", ["cluster", "nodeGroups", "general", "maxSize"], 20) });
        assert.equal((one(after, "eks:index:ManagedNodeGroup").inputs.scalingConfig as { maxSize: number }).maxSize, 20, "the fixture took effect");
        const shape = (resource: PlannedResource) => ({ urn: resource.urn, inputs: resource.inputs, options: resource.options });
        assert.deepEqual(addons(after).map(shape), addons(before).map(shape));
    });

    it("follows the stack file's region into the controllers' values and the target group scope", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["aws"], { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }) });
        assert.equal(value(release(p, "cluster-autoscaler"), "awsRegion"), "eu-west-1");
        assert.equal(value(release(p, "load-balancer-controller"), "region"), "eu-west-1");
        assert.equal(value(release(p, "secrets-store-aws-provider"), "awsRegion"), "eu-west-1");
        const policy = statements(one(p, "aws:iam/rolePolicy:RolePolicy", "-addons-load-balancer-controller").inputs.policy);
        assert.match(String(policy[1].Resource), /^arn:aws:elasticloadbalancing:eu-west-1:/);
    });

    describe("policy and values builders", () => {
        it("names the cluster in the autoscaler's tag condition", () => {
            const [, resize] = clusterAutoscalerPolicy("other-eks").Statement;
            assert.deepEqual(resize.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/other-eks": "owned" } });
        });

        it("grants the load balancer controller no action that creates or deletes a load balancer, listener or rule", () => {
            const granted = loadBalancerControllerPolicy("us-east-1", "111122223333", "p-dev").Statement.flatMap(actions);
            for (const action of granted) assert.doesNotMatch(action, /:(Create|Delete|AddTags|RemoveTags|Authorize|Revoke)/);
        });

        it("passes no node group bounds to the autoscaler", () => {
            const text = JSON.stringify(clusterAutoscalerValues({ clusterName: "c", region: "us-east-1", serviceAccount: "s" }));
            assert.doesNotMatch(text, /minSize|maxSize|autoscalingGroups/);
        });

        it("never lets the CSI driver sync secrets", () => {
            assert.deepEqual(secretsStoreCsiDriverValues().syncSecret, { enabled: false });
        });
    });
});
