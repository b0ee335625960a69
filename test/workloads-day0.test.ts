import assert from "node:assert/strict";
import { stringify, parse } from "yaml";
import { READINESS_GATE_LABEL, SKIP_AWAIT } from "../infra/workloads";
import { idleServices } from "../infra/workloads/policies";
import { ROLLING_UPDATE, formatCpu, formatMemory, parseQuantity, surgePods, worstCase } from "../infra/workloads/sizing";
import type { Plan } from "../tools/mock-engine";
import { STACKS, plan, realPlan, rejection, withStackValue } from "./harness";
import { copyOf, kind, nameOf, selectorMatches } from "./k8s-plan";
import { migrationPodsSelected, quotaShortfalls, reachability, secretsWithoutValue, selectorsWithoutServers, ungatedBindings, waitsOnPipeline } from "./workload-checks";

type Json = Record<string, unknown>;
const metadataOf = (resource: { inputs: Json }) => resource.inputs.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/** The plan with the api migration Job template edited (it lives as YAML in a ConfigMap). */
function withMigrationTemplate(p: Plan, edit: (job: { spec: { template: { metadata: { labels: Record<string, string> } } } }) => void): Plan {
    const copy = copyOf(p);
    const map = copy.resources.find((resource) => resource.type === "kubernetes:core/v1:ConfigMap" && metadataOf(resource).name === "api-migration")!;
    const data = map.inputs.data as { "job.yaml": string };
    const job = parse(data["job.yaml"]);
    edit(job);
    data["job.yaml"] = stringify(job);
    return copy;
}

describe("workloads on day 0 and after", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("waits on nothing only the pipeline makes: no Deployment or Service blocks `pulumi up` on an image nobody pushed", async () => {
                const p = await realPlan(stack);
                assert.deepEqual(waitsOnPipeline(p), []);
                for (const deployment of kind(p, "Deployment")) assert.match(String((deployment.inputs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image), /:bootstrap$/);
            });

            it("gives every secret a pod mounts a value before the pod starts", async () => {
                const p = await realPlan(stack);
                assert.deepEqual(secretsWithoutValue(p), []);
                assert.ok(kind(p, "SecretProviderClass").length >= 3);
            });

            it("never selects a migration pod as a server: Services, budgets, Deployments (so autoscalers) and ingress policies", async () => {
                const p = await realPlan(stack);
                assert.deepEqual(migrationPodsSelected(p), []);
                assert.deepEqual(selectorsWithoutServers(p), [], "every selector checked selects some server, so the check is not vacuous");
                const policies = new Map(kind(p, "NetworkPolicy").map((policy) => [metadataOf(policy).name, policy.inputs.spec as { podSelector: { matchLabels: Record<string, string> }; egress: { ports: { port: number }[] }[] }]));
                assert.deepEqual(policies.get("api-migration")!.egress.flatMap((rule) => rule.ports.map((port) => port.port)).sort(), [5432, 6379], "migrations still reach the stores");
            });

            it("enables the load balancer controller's pod readiness gate on the namespace, for ip targets", async () => {
                const p = await realPlan(stack);
                assert.deepEqual(ungatedBindings(p), []);
                // One per public service, or one per public service and colour where blue-green runs.
                assert.equal(kind(p, "TargetGroupBinding").length, stack === "prod" ? 4 : 2);
                assert.deepEqual(Object.entries(READINESS_GATE_LABEL).filter(([key, value]) => metadataOf(kind(p, "Namespace").find((namespace) => metadataOf(namespace).name === "platform")!).labels?.[key] !== value), []);
            });

            it("lets someone reach every Service: public ones from every load balancer subnet, internal ones from their callers; worker is idle", async () => {
                const p = await realPlan(stack);
                const { unreachable, idle } = reachability(p);
                assert.deepEqual(unreachable, []);
                // Idle is a warning, not an error (infra/workloads/index.ts says why): the shipped worker has no callers.
                assert.deepEqual(idle, ["worker"]);
            });

            it("has a quota that admits the plan's own worst case: Deployments at their autoscalers' maximum with surge, and the migration pod", async () => {
                const p = await realPlan(stack);
                assert.deepEqual(quotaShortfalls(p), []);
                for (const deployment of kind(p, "Deployment")) {
                    assert.deepEqual((deployment.inputs.spec as { strategy: { rollingUpdate: unknown } }).strategy.rollingUpdate, ROLLING_UPDATE, "the config rule sizes with this surge");
                }
            });
        });
    }

    describe("each check fails a plan that breaks it", () => {
        it("a Deployment or Service without skipAwait", async () => {
            const broken = copyOf(await realPlan("prod"));
            for (const resource of [...kind(broken, "Deployment"), ...kind(broken, "Service")].slice(0, 7)) delete metadataOf(resource).annotations;
            const problems = waitsOnPipeline(broken);
            assert.equal(problems.filter((problem) => problem.startsWith("Deployment ")).length, 6);
            assert.equal(problems.filter((problem) => problem.startsWith("Service ")).length, 1);
            const scaledToZero = copyOf(broken);
            for (const deployment of kind(scaledToZero, "Deployment")) (deployment.inputs.spec as { replicas?: number }).replicas = 0;
            assert.equal(waitsOnPipeline(scaledToZero).filter((problem) => problem.startsWith("Deployment ")).length, 0, "zero replicas has nothing to wait for");
            assert.deepEqual(SKIP_AWAIT, { "pulumi.com/skipAwait": "true" });
        });

        it("a mounted secret with no version", async () => {
            const broken = copyOf(await realPlan("dev"));
            broken.resources = broken.resources.filter((resource) => resource.name !== "platform-dev-backups-settings-web" || resource.type !== "aws:secretsmanager/secretVersion:SecretVersion");
            assert.deepEqual(secretsWithoutValue(broken), ["SecretProviderClass web-secrets: [computed: platform-dev-backups-settings-web.arn]: no SecretVersion gives the secret a value before the pods mount it"]);
            const unmanaged = copyOf(await realPlan("dev"));
            for (const database of unmanaged.resources.filter((resource) => resource.type === "aws:rds/instance:Instance")) delete database.inputs.manageMasterUserPassword;
            assert.equal(secretsWithoutValue(unmanaged).filter((problem) => problem.endsWith("the database does not manage its master secret")).length, 1, "api's migration, the one reader of the master secret");
        });

        it("migration pods labelled like the servers (as they were: app: api)", async () => {
            const broken = withMigrationTemplate(await realPlan("dev"), (job) => { job.spec.template.metadata.labels = { app: "api", role: "migration" }; });
            const problems = migrationPodsSelected(broken);
            for (const what of ["Service api", "PodDisruptionBudget api", "Deployment api (and its autoscaler)", "NetworkPolicy api-traffic"]) {
                assert.ok(problems.some((problem) => problem.startsWith(`${what} selects`)), `${what}: ${problems.join("; ")}`);
            }
        });

        it("a namespace without the readiness gate label", async () => {
            const broken = copyOf(await realPlan("staging"));
            const namespace = kind(broken, "Namespace").find((candidate) => metadataOf(candidate).name === "platform")!;
            delete metadataOf(namespace).labels!["elbv2.k8s.aws/pod-readiness-gate-inject"];
            (kind(broken, "TargetGroupBinding")[0].inputs.spec as { targetType: string }).targetType = "instance";
            assert.deepEqual(ungatedBindings(broken), [
                "TargetGroupBinding api: namespace platform does not enable the pod readiness gate",
                "TargetGroupBinding api: the readiness gate needs target type ip",
                "TargetGroupBinding web: namespace platform does not enable the pod readiness gate",
            ]);
        });

        it("a public Service the load balancer may not reach, and a caller its callee does not admit", async () => {
            const broken = copyOf(await realPlan("prod"));
            const api = kind(broken, "NetworkPolicy").find((policy) => metadataOf(policy).name === "api-traffic")!;
            const spec = api.inputs.spec as { ingress: { from: Json[] }[] };
            spec.ingress[0].from = spec.ingress[0].from.slice(1);
            // The switched Service and each colour's own (which the bindings name) all lead to the same pods.
            assert.deepEqual(reachability(broken).unreachable, ["api", "api-blue", "api-green"].map((name) => `${name}: public, but not every load balancer subnet may reach its pods`));
            const web = kind(broken, "NetworkPolicy").find((policy) => metadataOf(policy).name === "web-traffic")!;
            (web.inputs.spec as { ingress: unknown[] }).ingress = [];
            assert.ok(reachability(broken).unreachable.includes("web: public, but not every load balancer subnet may reach its pods"));
            const internal = copyOf(await realPlan("dev"));
            const service = kind(internal, "TargetGroupBinding").find((binding) => nameOf(binding) === "api")!;
            internal.resources = internal.resources.filter((resource) => resource !== service);
            const apiPolicy = kind(internal, "NetworkPolicy").find((policy) => metadataOf(policy).name === "api-traffic")!;
            (apiPolicy.inputs.spec as { ingress: unknown[] }).ingress = [];
            assert.deepEqual(reachability(internal).unreachable.map((problem) => problem.replace(/urn:\S+/, "<web>")), ["api: <web> calls it, but no ingress rule admits it"]);
        });

        it("a quota too small for the plan", async () => {
            const broken = copyOf(await realPlan("prod"));
            (kind(broken, "ResourceQuota")[0].inputs.spec as { hard: Record<string, string> }).hard["requests.cpu"] = "16";
            assert.deepEqual(quotaShortfalls(broken), ["quota requests.cpu 16 < 22.25 needed"]);
        });
    });

    describe("the quota rule", () => {
        it("refuses prod's former quota, naming the key, the value and the minimum", async () => {
            const error = await rejection(plan("prod", { directory: withStackValue("prod", ["workloads", "quota"], { requestsCpu: "16", requestsMemory: "32Gi", limitsCpu: "32", limitsMemory: "64Gi", pods: 60 }) }));
            assert.match(error.message, /Pulumi\.prod\.yaml: platform:workloads\.quota\.requestsCpu: got "16"; expected at least 22250m to admit every Deployment of both colours \(blue-green\)/);
            assert.match(error.message, /platform:workloads\.quota\.requestsMemory: got "32Gi"; expected at least 45568Mi/);
            assert.match(error.message, /platform:workloads\.quota\.pods: got 60; expected at least 67/);
            assert.doesNotMatch(error.message, /limitsCpu/);
        });

        it("counts one colour without blue-green, and the limits too", async () => {
            const error = await rejection(plan("staging", { directory: withStackValue("staging", ["workloads", "quota"], { requestsCpu: "5250m", requestsMemory: "10Gi", limitsCpu: "5", limitsMemory: "10Gi", pods: 16 }) }));
            assert.match(error.message, /platform:workloads\.quota\.limitsCpu: got "5"; expected at least 5250m to admit every Deployment at its maximum/);
            assert.match(error.message, /platform:workloads\.quota\.requestsMemory: got "10Gi"; expected at least 10752Mi/);
            assert.doesNotMatch(error.message, /requestsCpu|pods/);
        });

        it("parses Kubernetes quantities", () => {
            const cases: [string, number][] = [["250m", 0.25], ["2", 2], ["1.5", 1.5], ["512Mi", 512 * 2 ** 20], ["1Gi", 2 ** 30], ["1Ki", 1024], ["1k", 1000], ["1M", 1e6], ["1e3", 1000], ["100n", 1e-7], [".5", 0.5]];
            for (const [text, value] of cases) assert.ok(Math.abs(parseQuantity(text) - value) < 1e-12, text);
            for (const bad of ["1 Gi", "Gi", "1GiB", "1mi", ""]) assert.throws(() => parseQuantity(bad), bad);
            assert.deepEqual([formatCpu(22.25), formatCpu(24), formatMemory(44.5 * 2 ** 30), formatMemory(48 * 2 ** 30)], ["22250m", "24", "45568Mi", "48Gi"]);
            assert.deepEqual([surgePods(1, 10), surgePods("25%", 10), surgePods("25%", 1)], [1, 3, 1]);
            const { total } = worstCase([{ name: "a", resources: { cpu: "500m", memory: "1Gi" }, maxReplicas: 4, hasMigration: true }], 2, "50%");
            assert.deepEqual(total, { requestsCpu: 6.5, requestsMemory: 13 * 2 ** 30, limitsCpu: 6.5, limitsMemory: 13 * 2 ** 30, pods: 13 });
        });
    });

    it("matches label selectors as Kubernetes does", () => {
        const labels = { app: "api", tier: "server" };
        assert.equal(selectorMatches({}, labels), true, "an empty selector selects everything");
        assert.equal(selectorMatches(undefined, labels), false, "a null selector selects nothing");
        assert.equal(selectorMatches({ matchLabels: { app: "api" }, matchExpressions: [{ key: "tier", operator: "In", values: ["server", "worker"] }] }, labels), true);
        assert.equal(selectorMatches({ matchLabels: { app: "api" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["server"] }] }, labels), false);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "role", operator: "NotIn", values: ["migration"] }] }, labels), true, "NotIn holds when the label is absent");
        assert.equal(selectorMatches({ matchExpressions: [{ key: "role", operator: "DoesNotExist" }] }, labels), true);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, {}), false);
        assert.throws(() => selectorMatches({ matchExpressions: [{ key: "app", operator: "In", values: [] }] }, labels));
        assert.throws(() => selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] }, labels));
    });

    it("warns about exactly the internal services nobody talks to", () => {
        const service = (name: string, isPublic: boolean, talksTo: string[] = []) => ({ name, public: isPublic, talksTo }) as unknown as Parameters<typeof idleServices>[0][number];
        assert.deepEqual(idleServices([service("web", true, ["api"]), service("api", false), service("worker", false)]), ["worker"]);
    });
});
