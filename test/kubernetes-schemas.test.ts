import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHARTS } from "../infra/addons/charts";
import { STACKS, realPlan } from "./harness";
import { kubeObjects, type Json } from "./k8s-plan";
import { loadCrds, objectProblems, structuralProblems } from "./k8s-schemas";

const CRD_DIRECTORY = join(__dirname, "crds");
const crds = loadCrds(CRD_DIRECTORY);
const sources = JSON.parse(readFileSync(join(CRD_DIRECTORY, "SOURCES.json"), "utf8")) as { crds: { file: string; chart: string; version: string; repository: string; path: string; commit: string; kinds: string[] }[] };

/** The problems of one object of a plan after `edit` changes a copy of it. */
function problemsAfter(objects: Json[], kind: string, edit: (object: Record<string, any>) => void): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
    const object = structuredClone(objects.find((candidate) => candidate.kind === kind && (kind !== "NetworkPolicy" || (candidate.spec as { ingress?: unknown }).ingress))!);
    edit(object);
    return objectProblems(object, crds);
}

describe("Kubernetes objects against independent schemas", () => {
    it("vendors the CRDs of exactly the chart versions we install, with their source", () => {
        const pinned = Object.values(CHARTS) as { chart: string; version: string }[];
        for (const source of sources.crds) {
            assert.equal(pinned.find((chart) => chart.chart === source.chart)?.version, source.version, `${source.file}: refresh it from the chart's source at the pinned version`);
            assert.match(source.commit, /^[0-9a-f]{40}$/);
            assert.match(source.repository, /^https:\/\/github\.com\//);
            for (const kind of source.kinds) assert.ok([...crds.keys()].some((key) => key.endsWith(` ${kind}`)), `${source.file} defines ${kind}`);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: every object, the migration Job template included, is valid and has no unknown field`, async () => {
            const objects = kubeObjects(await realPlan(stack));
            assert.ok(objects.length >= 25, `found ${objects.length}`);
            assert.ok(objects.some((entry) => entry.embedded && entry.object.kind === "Job"), "the migration Job template is checked too");
            const custom = new Set(objects.map((entry) => String(entry.object.kind)).filter((kind) => ["TargetGroupBinding", "SecretProviderClass"].includes(kind)));
            assert.equal(custom.size, 2, "the custom resources are in the plan");
            const problems = objects.flatMap(({ where, object }) => objectProblems(object, crds).map((problem) => `${where}: ${problem}`));
            assert.deepEqual(problems, []);
        });
    }

    describe("reports what a cluster would refuse or drop", () => {
        let objects: Json[] = [];
        before(async () => {
            objects = kubeObjects(await realPlan("dev")).map((entry) => entry.object);
        });

        it("built-in kinds: a wrong type and unknown fields at any depth", () => {
            assert.deepEqual(problemsAfter(objects, "Deployment", (deployment) => {
                deployment.spec.replicas = "3";
                deployment.metadata.labelz = {};
                deployment.spec.template.spec.containers[0].imagePullPolcy = "Always";
                deployment.spec.template.spec.containers[0].resources.requests["nvidia.com/gpu"] = "1";
            }).sort(), ["/metadata/labelz: unknown field", "/spec/replicas: type {\"type\":\"integer\"}", "/spec/template/spec/containers/0/imagePullPolcy: unknown field"]);
            assert.deepEqual(problemsAfter(objects, "Service", (service) => { service.spec.selektor = {}; }), ["/spec/selektor: unknown field"]);
            assert.deepEqual(problemsAfter(objects, "NetworkPolicy", (policy) => { policy.spec.ingress[0].ports[0].prot = "TCP"; }), ["/spec/ingress/0/ports/0/prot: unknown field"]);
            assert.deepEqual(problemsAfter(objects, "HorizontalPodAutoscaler", (hpa) => { hpa.spec.metrics[0].resource.target.averageUtilisation = 70; }), ["/spec/metrics/0/resource/target/averageUtilisation: unknown field"]);
        });

        it("the Job template kept in a ConfigMap", () => {
            assert.deepEqual(problemsAfter(objects, "Job", (job) => { job.spec.template.spec.containers[0].commnd = ["migrate"]; }), ["/spec/template/spec/containers/0/commnd: unknown field"]);
        });

        it("custom resources: their CRD's enums, types and unknown fields, and ObjectMeta", () => {
            assert.deepEqual(problemsAfter(objects, "TargetGroupBinding", (binding) => {
                binding.spec.targetType = "pod";
                binding.spec.targetGroupArn = binding.spec.targetGroupARN;
                binding.metadata.nam = "x";
            }).sort(), ["/metadata/nam: unknown field", "/spec/targetGroupArn: unknown field", "/spec/targetType: \"pod\" is not one of [\"instance\",\"ip\"]"]);
            assert.deepEqual(problemsAfter(objects, "TargetGroupBinding", (binding) => { delete binding.spec.serviceRef; }), ["/spec: serviceRef is required"]);
            assert.deepEqual(problemsAfter(objects, "SecretProviderClass", (spc) => {
                spc.spec.paramaters = {};
                spc.spec.parameters.usePodIdentity = true;
            }).sort(), ["/spec/paramaters: unknown field", "/spec/parameters/usePodIdentity: expected string, got boolean"]);
        });

        it("a kind with no schema, and a schema keyword the checker cannot evaluate", () => {
            assert.deepEqual(objectProblems({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, crds), ["example.com/v1 Widget: neither a built-in kind of kubernetes-models nor a vendored CRD (test/crds)"]);
            assert.deepEqual(structuralProblems({ type: "object", "x-kubernetes-validations": [{ rule: "self.a < self.b" }] }, {}), ["/: the schema uses x-kubernetes-validations, which this checker does not evaluate"]);
            assert.deepEqual(structuralProblems({ type: "object", properties: { port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] } } }, { port: 1.5 }), ["/port: expected an integer or a string"]);
        });
    });
});
