import assert from "node:assert/strict";
import { parse } from "yaml";
import { CHARTS } from "../infra/addons/charts";
import { clusterAutoscalerPolicy } from "../infra/addons/policies";
import { PIPELINE_OWNED } from "../infra/workloads";
import { podSpecViolations } from "../infra/workloads/pods";
import { networkPolicies } from "../infra/workloads/policies";
import { PlanError, type Plan } from "../tools/mock-engine";
import { STACKS, ofType, one, plan, projectCopy, realPlan, rejection, withStackValue } from "./harness";

/** Every pod spec a plan declares: in workload objects, and in the migration Job templates the pipeline applies. */
function podSpecs(p: Plan): { where: string; spec: Record<string, unknown>; longRunning: boolean }[] {
    const specs: { where: string; spec: Record<string, unknown>; longRunning: boolean }[] = [];
    for (const resource of p.resources.filter((candidate) => candidate.type.startsWith("kubernetes:"))) {
        const inputs = resource.inputs as { kind?: string; spec?: { template?: { spec?: Record<string, unknown> }; jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } } } };
        const template = inputs.spec?.template?.spec ?? inputs.spec?.jobTemplate?.spec?.template?.spec;
        if (template) specs.push({ where: resource.urn, spec: template, longRunning: !/batch/.test(resource.type) });
        if (resource.type === "kubernetes:core/v1:Pod") specs.push({ where: resource.urn, spec: inputs.spec as Record<string, unknown>, longRunning: true });
        if (resource.type === "kubernetes:core/v1:ConfigMap") {
            for (const text of Object.values((resource.inputs.data ?? {}) as Record<string, string>)) {
                if (!/^kind: Job$/m.test(String(text))) continue;
                specs.push({ where: `${resource.urn} (Job template)`, spec: parse(String(text)).spec.template.spec, longRunning: false });
            }
        }
    }
    return specs;
}

describe("workloads", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("runs every pod restricted, read-only, with limits, and probes where it serves", async () => {
                const specs = podSpecs(await realPlan(stack));
                assert.ok(specs.length >= (stack === "prod" ? 7 : 4), `found ${specs.length} pod specs`);
                for (const { where, spec, longRunning } of specs) assert.deepEqual(podSpecViolations(spec, { longRunning }), [], where);
            });

            it("puts the services in a namespace that enforces Pod Security restricted, with a quota and defaults", async () => {
                const p = await realPlan(stack);
                const labels = (one(p, "kubernetes:core/v1:Namespace", "-workloads-").inputs.metadata as { labels: Record<string, string> }).labels;
                for (const mode of ["enforce", "audit", "warn"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
                const hard = ((one(p, "kubernetes:core/v1:ResourceQuota").inputs.spec as { hard: Record<string, string> }).hard);
                assert.equal(hard.pods, { dev: "50", staging: "100", prod: "200" }[stack]);
                assert.equal(ofType(p, "kubernetes:core/v1:LimitRange").length, 1);
            });

            it(stack === "prod" ? "runs a blue and a green Deployment per service, the Service pointing at blue" : "runs one Deployment per service with rolling updates that never lose capacity", async () => {
                const p = await realPlan(stack);
                const deployments = ofType(p, "kubernetes:apps/v1:Deployment").map((deployment) => (deployment.inputs.metadata as { name: string }).name).sort();
                if (stack === "prod") {
                    assert.deepEqual(deployments, ["api-blue", "api-green", "web-blue", "web-green", "worker-blue", "worker-green"]);
                    // The switched Services start on blue; each public service also has a fixed Service per colour (bindings.ts).
                    const services = ofType(p, "kubernetes:core/v1:Service").map((service) => [(service.inputs.metadata as { name: string }).name, (service.inputs.spec as { selector: Record<string, string> }).selector.colour]);
                    assert.deepEqual(services.sort(), [["api", "blue"], ["api-blue", "blue"], ["api-green", "green"], ["web", "blue"], ["web-blue", "blue"], ["web-green", "green"], ["worker", "blue"]]);
                } else {
                    assert.deepEqual(deployments, ["api", "web", "worker"]);
                }
                for (const deployment of ofType(p, "kubernetes:apps/v1:Deployment")) {
                    const spec = deployment.inputs.spec as { replicas?: number; strategy: { rollingUpdate: { maxUnavailable: number } } };
                    assert.equal(spec.strategy.rollingUpdate.maxUnavailable, 0);
                    assert.equal(spec.replicas, undefined, "the autoscaler owns the replica count");
                }
            });

            it("leaves the image and the live colour to the pipeline: `pulumi up` would not revert either", async () => {
                const p = await realPlan(stack);
                for (const deployment of ofType(p, "kubernetes:apps/v1:Deployment")) assert.deepEqual(deployment.options.ignoreChanges, [PIPELINE_OWNED.image], deployment.urn);
                for (const service of ofType(p, "kubernetes:core/v1:Service")) {
                    // A colour's own Service is never switched: only the service's Service follows the live colour.
                    const switched = stack === "prod" && !/-(blue|green)$/.test((service.inputs.metadata as { name: string }).name);
                    assert.deepEqual(service.options.ignoreChanges, switched ? [PIPELINE_OWNED.liveColour] : [], service.urn);
                }
            });

            it("gives every service an autoscaler, a disruption budget, its own role and a service account without a token", async () => {
                const p = await realPlan(stack);
                const perDeployment = stack === "prod" ? 6 : 3;
                assert.equal(ofType(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, perDeployment);
                assert.equal(ofType(p, "kubernetes:policy/v1:PodDisruptionBudget").length, perDeployment);
                const hpa = ofType(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0].inputs.spec as { minReplicas: number; maxReplicas: number; metrics: { resource: { name: string } }[] };
                assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], { dev: [1, 3], staging: [2, 4], prod: [3, 10] }[stack]);
                assert.deepEqual(hpa.metrics.map((metric) => metric.resource.name), ["cpu", "memory"]);
                for (const account of ofType(p, "kubernetes:core/v1:ServiceAccount")) assert.equal(account.inputs.automountServiceAccountToken, false);
                const associations = ofType(p, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((association) => association.inputs.namespace === "platform");
                assert.deepEqual(associations.map((association) => association.inputs.serviceAccount).sort(), ["api", "api-migration", "web", "worker"]);
                // Each role is assumable by its own service account's pods in this cluster's namespace only (session tags).
                for (const association of associations) {
                    const role = ofType(p, "aws:iam/role:Role").find((candidate) => `[computed: ${candidate.name}.arn]` === association.inputs.roleArn)!;
                    const [trust] = (JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] }).Statement;
                    assert.deepEqual(trust.Condition.StringEquals, { "aws:RequestTag/eks-cluster-name": association.inputs.clusterName, "aws:RequestTag/kubernetes-namespace": "platform", "aws:RequestTag/kubernetes-service-account": association.inputs.serviceAccount });
                }
                const webPolicy = JSON.parse(String(ofType(p, "aws:iam/rolePolicy:RolePolicy").find((policy) => policy.name.endsWith("workloads-web"))!.inputs.policy));
                assert.deepEqual(webPolicy.Statement[0].Resource, [`[computed: platform-${stack}-backups-settings-web.arn]`], "web reads only its own settings");
            });

            it("binds the public services to the load balancer's target groups, and keeps a migration template for api", async () => {
                const p = await realPlan(stack);
                const bindings = ofType(p, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding").map((binding) => (binding.inputs.spec as { targetGroupARN: string; serviceRef: { name: string } }));
                // Blue-green: each colour's Service is bound to that colour's target group, which the weighted rule forwards to.
                const keys = stack === "prod" ? ["api-blue", "api-green", "web-blue", "web-green"] : ["api", "web"];
                assert.deepEqual(bindings.map((binding) => [binding.serviceRef.name, binding.targetGroupARN]).sort(), keys.map((key) => [key, `[computed: platform-${stack}-edge-${key}.arn]`]));
                const template = parse((one(p, "kubernetes:core/v1:ConfigMap", "api-migration").inputs.data as { "job.yaml": string })["job.yaml"]);
                assert.deepEqual(template.spec.template.spec.containers[0].command, ["npm", "run", "migrate"]);
                assert.equal(template.spec.template.spec.serviceAccountName, "api-migration");
                assert.equal(template.spec.template.spec.volumes[1].csi.volumeAttributes.secretProviderClass, "api-migration-secrets");
                assert.deepEqual(template.spec.template.spec.containers[0].env, [{ name: "DATABASE_SERVICE_USERS", value: "api,worker" }]);
                assert.equal(ofType(p, "kubernetes:core/v1:ConfigMap").filter((map) => map.name.endsWith("-migration")).length, 1);
            });

            it("connects the servers to PostgreSQL as their own users with IAM tokens; only the migration mounts the master secret", async () => {
                const p = await realPlan(stack);
                for (const instance of ofType(p, "aws:rds/instance:Instance")) assert.equal(instance.inputs.iamDatabaseAuthenticationEnabled, true, instance.name);
                const data = (service: string) => one(p, "kubernetes:core/v1:ConfigMap", `workloads-${service}-config`).inputs.data as Record<string, string>;
                assert.deepEqual([data("api").DATABASE_USER, data("api").DATABASE_AUTH], ["api", "iam"]);
                assert.deepEqual([data("worker").DATABASE_USER, data("worker").DATABASE_AUTH], ["worker", "iam"]);
                assert.equal(data("web").DATABASE_USER, undefined);
                const objects = (name: string) => (parse(String((one(p, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", name).inputs.spec as { parameters: { objects: string } }).parameters.objects)) as { objectName: string; objectAlias: string }[]);
                const master = `[computed: platform-${stack}-postgres.masterUserSecrets[0].secretArn]`;
                for (const server of ["api-secrets", "worker-secrets", "web-secrets"]) assert.ok(!objects(server).some((object) => object.objectName === master), server);
                assert.deepEqual(objects("api-migration-secrets").map((object) => object.objectAlias), ["settings", "database"]);
                assert.equal(objects("api-migration-secrets")[1].objectName, master);
            });

            it("denies all traffic but DNS, the load balancer to public services, the stores to their users and declared edges", async () => {
                const p = await realPlan(stack);
                const policies = new Map(ofType(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((policy) => [(policy.inputs.metadata as { name: string }).name, policy.inputs.spec as Record<string, unknown>]));
                assert.deepEqual(policies.get("default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                const egressPorts = (name: string) => ((policies.get(name)?.egress ?? []) as { ports: { port: number }[] }[]).flatMap((rule) => rule.ports.map((port) => port.port));
                // 80: the node's Pod Identity agent, whose credentials sign api's IAM database token.
                assert.deepEqual(egressPorts("api-traffic").sort((a, b) => a - b), [80, 5432, 6379]);
                assert.deepEqual(egressPorts("web-traffic"), [3000], "web reaches api only");
                const apiIngress = (policies.get("api-traffic")!.ingress as { from: Record<string, unknown>[] }[]);
                assert.ok(apiIngress.some((rule) => JSON.stringify(rule.from).includes('"app":"web"')));
                assert.ok(!policies.has("worker-traffic") || !(policies.get("worker-traffic")!.ingress));
            });

            it("installs the add-ons from pinned charts through the cluster's own provider", async () => {
                const p = await realPlan(stack);
                const releases = ofType(p, "kubernetes:helm.sh/v3:Release").filter((release) => release.name.includes("-addons-"));
                assert.deepEqual(releases.map((release) => release.inputs.chart).sort(), Object.values(CHARTS).map((chart) => chart.chart).sort());
                for (const release of releases) {
                    assert.match(String(release.inputs.version), /^\d+\.\d+\.\d+$/);
                    assert.ok((release.inputs.repositoryOpts as { repo: string }).repo.startsWith("https://"));
                }
                const providers = ofType(p, "pulumi:providers:kubernetes");
                for (const provider of providers) assert.equal(provider.inputs.kubeconfig, "[secret]");
                for (const resource of p.resources.filter((candidate) => candidate.custom && candidate.type.startsWith("kubernetes:"))) {
                    assert.ok(providers.some((provider) => provider.urn === resource.options.provider), resource.urn);
                }
                const csi = releases.find((release) => release.inputs.chart === "secrets-store-csi-driver")!;
                assert.deepEqual((csi.inputs.values as { syncSecret: unknown }).syncSecret, { enabled: false });
            });
        });
    }

    it("adds the repository, workload, autoscaler, budget and policies of a new service with no code change", async () => {
        const directory = projectCopy("Pulumi.yaml", (document) => {
            document.addIn(["config", "services", "value"], { name: "billing", path: "services/billing", runtime: "go", port: 8080, healthPath: "/healthz", public: false, resources: { cpu: "100m", memory: "128Mi" }, uses: ["postgres"], talksTo: ["api"] });
        });
        const p = await plan("staging", { directory });
        const named = (type: string) => ofType(p, type).map((resource) => (resource.inputs.metadata as { name?: string } | undefined)?.name ?? resource.inputs.name);
        assert.ok(named("aws:ecr/repository:Repository").includes("platform-staging/billing"));
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:core/v1:Service"]) {
            assert.ok(named(type).includes("billing"), type);
        }
        assert.ok(named("kubernetes:networking.k8s.io/v1:NetworkPolicy").includes("billing-traffic"));
        for (const { where, spec, longRunning } of podSpecs(p)) assert.deepEqual(podSpecViolations(spec, { longRunning }), [], where);
    });

    it("follows the stack file: the autoscaler's bounds for one service", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["workloads", "replicas", "services"], { api: { min: 2, max: 6 } }) });
        const api = ofType(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((hpa) => (hpa.inputs.metadata as { name: string }).name === "api")!;
        assert.deepEqual([(api.inputs.spec as { minReplicas: number }).minReplicas, (api.inputs.spec as { maxReplicas: number }).maxReplicas], [2, 6]);
    });

    describe("refuses bad services", () => {
        const refused = async (edit: (service: Record<string, unknown>) => void, pattern: RegExp) => {
            const directory = projectCopy("Pulumi.yaml", (document) => {
                const services = document.getIn(["config", "services", "value"], true) as { items: { toJSON(): Record<string, unknown> }[] };
                const first = services.items[0].toJSON();
                edit(first);
                document.setIn(["config", "services", "value", 0], first);
            });
            const error = await rejection(plan("dev", { directory }));
            assert.ok(error instanceof PlanError, error.stack);
            assert.match(error.message, pattern);
        };
        it("a port out of range", () => refused((service) => { service.port = 70000; }, /platform:services\.0\.port: got 70000/));
        it("a health path without a leading slash", () => refused((service) => { service.healthPath = "health"; }, /platform:services\.0\.healthPath: got "health"; expected a path with a leading slash/));
        it("a runtime with no CI recipe", () => refused((service) => { service.runtime = "ruby"; }, /expected a runtime that has a CI recipe: node, python, go, java/));
        it("minimum replicas above maximum", async () => {
            const error = await rejection(plan("dev", { directory: withStackValue("dev", ["workloads", "replicas", "default"], { min: 5, max: 2 }) }));
            assert.match(error.message, /platform:workloads\.replicas\.default\.min: got 5; expected at most max \(2\)/);
        });
    });

    it("checks pod specs strictly", () => {
        assert.deepEqual(podSpecViolations({ containers: [{ name: "x", securityContext: {} }] }, { longRunning: true }).length, 11);
        assert.deepEqual(clusterAutoscalerPolicy("c").Statement[1].Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c": "owned" } });
        assert.equal(networkPolicies([], { publicCidrs: [], databaseCidrs: [] }).length, 2);
    });
});
