import assert from "node:assert/strict";
import { parse } from "yaml";
import { clusterRunnerScaleSet } from "../github/workflows/names";
import { RUNNER_CHARTS } from "../infra/addons/charts";
import {
    CONTROLLER_SERVICE_ACCOUNT, GITHUB_APP_SECRET, MAX_SCALE_SET_NAME_LENGTH, controllerValues, githubAppSecretData, listenerPodTemplate, runnerNetworkPolicies,
    runnerPodTemplate, scaleSetValues,
} from "../infra/addons/runner-values";
import type { NetworkPolicySpec } from "../infra/workloads/policies";
import { UPSTREAM_RUNNER_IMAGE } from "../infra/config/schema";
import { runnerImageTag } from "../github/workflows/runner-image";
import { restrictedViolations } from "../infra/workloads/pods";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { STACKS, one, plan, projectCopy, realPlan, rejection, withStackValue } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EXACT_SEMVER = /^\d+\.\d+\.\d+$/;
const ENVIRONMENTS: Record<string, string> = { development: "dev", staging: "staging", production: "prod" };
type Spec = Record<string, unknown>;

/** The runners component and everything it declares. */
function runners(p: Plan): PlannedResource[] {
    const component = one(p, "platform:addons:GithubRunners");
    return [component, ...p.resources.filter((resource) => resource.parent === component.urn)];
}
const release = (p: Plan, key: string) => one(p, RELEASE, `-runners-${key}`);
const values = (resource: PlannedResource) => resource.inputs.values as Spec;

/**
 * Jobs of the rendered workflows that run on a self-hosted label: each must name the scale set that the stack owning
 * the job's environment installs (ARC routes a job by the installation name alone). Returns what is wrong.
 */
function runsOnProblems(files: Record<string, string>, installed: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [path, text] of Object.entries(files).filter(([file]) => file.startsWith(".github/workflows/"))) {
        const jobs = (parse(text) as { jobs: Record<string, { "runs-on"?: unknown; environment?: unknown }> }).jobs;
        for (const [id, job] of Object.entries(jobs)) {
            const label = job["runs-on"];
            if (label === undefined || (typeof label === "string" && /^(ubuntu|windows|macos)-/.test(label))) continue;
            const environment = typeof job.environment === "object" && job.environment !== null ? (job.environment as { name?: unknown }).name : job.environment;
            const stack = typeof environment === "string" ? ENVIRONMENTS[environment] : undefined;
            const expected = stack === undefined ? Object.values(installed) : [installed[stack]];
            if (!expected.includes(String(label))) problems.push(`${path} ${id}: runs-on ${JSON.stringify(label)}, expected ${expected.join(" or ")}`);
        }
    }
    return problems;
}

/** What a namespace's policies let through, beyond DNS to kube-dns and TCP 443 out. */
function networkProblems(policies: NetworkPolicySpec[]): string[] {
    const problems: string[] = [];
    const deny = policies.find((policy) => policy.name === "default-deny");
    if (JSON.stringify(deny?.spec) !== JSON.stringify({ podSelector: {}, policyTypes: ["Ingress", "Egress"] })) problems.push("no default deny in both directions");
    for (const policy of policies) {
        const spec = policy.spec as { ingress?: unknown[]; egress?: { to?: Spec[]; ports?: { protocol: string; port: number }[] }[] };
        if ((spec.ingress ?? []).length > 0) problems.push(`${policy.name} lets traffic in`);
        for (const rule of spec.egress ?? []) {
            const ports = (rule.ports ?? []).map((port) => `${port.protocol}/${port.port}`).sort().join(",");
            const toKubeDns = JSON.stringify(rule.to ?? []).includes('"k8s-app":"kube-dns"');
            if (!(ports === "TCP/443" || (ports === "TCP/53,UDP/53" && toKubeDns))) problems.push(`${policy.name} opens ${ports || "every port"}`);
        }
    }
    return problems;
}

describe("GitHub Actions runners in each cluster", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("installs the scale set under the exact name the deploy and rollback jobs use in runs-on", async () => {
                const p = await realPlan(stack);
                const scaleSet = release(p, "scale-set");
                assert.equal(scaleSet.inputs.name, clusterRunnerScaleSet("platform", stack));
                assert.equal(values(scaleSet).runnerScaleSetName, clusterRunnerScaleSet("platform", stack));
                assert.equal(scaleSet.inputs.namespace, "arc-runners");
            });

            it("installs ARC's controller and scale set charts at their pinned versions, through this cluster's provider, atomically", async () => {
                const p = await realPlan(stack);
                const own = runners(p);
                const provider = one(p, "pulumi:providers:kubernetes", "-runners-");
                assert.equal(provider.inputs.kubeconfig, "[secret]");
                const releases = own.filter((resource) => resource.type === RELEASE);
                assert.deepEqual(releases.map((resource) => [resource.inputs.chart, resource.inputs.version]).sort(),
                    Object.values(RUNNER_CHARTS).map((chart) => [chart.chart, chart.version]).sort());
                for (const resource of releases) {
                    assert.equal(resource.options.provider, provider.urn, resource.name);
                    assert.equal(resource.inputs.atomic, true);
                    assert.ok(Number(resource.inputs.timeout) > 0);
                    assert.equal(resource.inputs.repositoryOpts, undefined, "an OCI chart is named by its reference alone");
                }
                assert.deepEqual(release(p, "controller").inputs.name, "arc");
                assert.ok((release(p, "scale-set").options.dependsOn as string[]).includes(release(p, "controller").urn), "the CRDs first");
            });

            it("scopes the scale set to the application repository and authenticates as the GitHub App from a secret in its namespace", async () => {
                const p = await realPlan(stack);
                const scaleSet = release(p, "scale-set");
                assert.equal(values(scaleSet).githubConfigUrl, "https://github.com/example-org/platform-app");
                assert.equal(values(scaleSet).githubConfigSecret, GITHUB_APP_SECRET);
                assert.deepEqual(values(scaleSet).controllerServiceAccount, { namespace: "arc-systems", name: CONTROLLER_SERVICE_ACCOUNT });
                assert.deepEqual((values(release(p, "controller")).serviceAccount as Spec).name, CONTROLLER_SERVICE_ACCOUNT);
                const secret = one(p, "kubernetes:core/v1:Secret", "-runners-github-app");
                assert.deepEqual(secret.inputs.metadata, { name: GITHUB_APP_SECRET, namespace: "arc-runners", labels: { "app.kubernetes.io/managed-by": "pulumi" } });
                assert.equal(secret.inputs.stringData, "[secret]", "the App's key is never in plain text, even when it is not configured yet");
                assert.equal(secret.inputs.data, undefined);
                assert.ok((scaleSet.options.dependsOn as string[]).includes(secret.urn));
            });

            it("keeps between 0 and 3 runners unless the stack file says otherwise, each with equal requests and limits", async () => {
                const scaleSet = values(release(await realPlan(stack), "scale-set"));
                assert.deepEqual([scaleSet.minRunners, scaleSet.maxRunners], [0, 3]);
                const runner = ((scaleSet.template as Spec).spec as { containers: Spec[] }).containers[0];
                assert.ok(String(runner.image).endsWith(`:${runnerImageTag()}`), `the program's runner image by default, not ${String(runner.image)}`);
                assert.deepEqual(runner.resources, { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } });
            });

            it("runs the controller, the listener and the runners under Pod Security restricted, enforced on both namespaces", async () => {
                const p = await realPlan(stack);
                for (const namespace of ["arc-systems", "arc-runners"]) {
                    const labels = (one(p, "kubernetes:core/v1:Namespace", `-runners-${namespace}`).inputs.metadata as { labels: Record<string, string> }).labels;
                    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted", namespace);
                }
                const scaleSet = values(release(p, "scale-set"));
                assert.deepEqual(restrictedViolations((scaleSet.template as Spec).spec as Spec), []);
                assert.deepEqual(restrictedViolations((scaleSet.listenerTemplate as Spec).spec as Spec), []);
                const controller = values(release(p, "controller"));
                assert.deepEqual(restrictedViolations({ securityContext: controller.podSecurityContext, containers: [{ name: "manager", securityContext: controller.securityContext }] }), []);
                assert.equal(((scaleSet.template as Spec).spec as Spec).automountServiceAccountToken, false, "the runner never uses its own service account");
            });

            it("lets nothing into the ARC namespaces and nothing out but DNS and HTTPS, away from the nodes' metadata service", async () => {
                const p = await realPlan(stack);
                for (const namespace of ["arc-systems", "arc-runners"]) {
                    const policies = p.resources.filter((resource) => resource.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (resource.inputs.metadata as Spec).namespace === namespace)
                        .map((resource) => ({ name: String((resource.inputs.metadata as Spec).name), spec: resource.inputs.spec as NetworkPolicySpec["spec"] }));
                    assert.equal(policies.length, 3, namespace);
                    assert.deepEqual(networkProblems(policies), [], namespace);
                    assert.match(JSON.stringify(policies), /"except":\["169\.254\.169\.254\/32"\]/);
                }
            });
        });
    }

    it("gives every job that runs on a self-hosted label the scale set of its environment's stack", async () => {
        const installed = Object.fromEntries(await Promise.all(STACKS.map(async (stack) => [stack, String(release(await realPlan(stack), "scale-set").inputs.name)])));
        const files = (await realPlan("prod")).files;
        assert.deepEqual(runsOnProblems(files, installed), []);
        // The check bites: a production job on staging's runners is caught.
        const wrong = { ".github/workflows/x.yml": "jobs:\n  deploy:\n    runs-on: platform-staging-deploy\n    environment: production\n" };
        assert.deepEqual(runsOnProblems(wrong, installed), [".github/workflows/x.yml deploy: runs-on \"platform-staging-deploy\", expected platform-prod-deploy"]);
        assert.deepEqual(runsOnProblems({ ".github/workflows/y.yml": "jobs:\n  deploy:\n    runs-on: platform-prod-deploy\n    environment: production\n" }, installed), []);
    });

    it("takes the runner bounds, image and size from the stack file's runners block", async () => {
        const p = await plan("dev", { directory: withStackValue("dev", ["runners"], { minRunners: 1, maxRunners: 5, image: "ghcr.io/actions/actions-runner:2.335.1", resources: { cpu: "2", memory: "4Gi" } }) });
        const scaleSet = values(release(p, "scale-set"));
        assert.deepEqual([scaleSet.minRunners, scaleSet.maxRunners], [1, 5]);
        const runner = ((scaleSet.template as Spec).spec as { containers: Spec[] }).containers[0];
        assert.equal(runner.image, "ghcr.io/actions/actions-runner:2.335.1");
        assert.deepEqual(runner.resources, { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    });

    it("refuses more idle runners than the most runners, and an image without a tag or digest", async () => {
        const bounds = await rejection(plan("dev", { directory: withStackValue("dev", ["runners"], { minRunners: 4, maxRunners: 2 }) }));
        assert.match(bounds.message, /Pulumi\.dev\.yaml: platform:runners\.minRunners: .*expected minRunners no greater than maxRunners/);
        const image = await rejection(plan("dev", { directory: withStackValue("dev", ["runners", "image"], "ghcr.io/actions/actions-runner") }));
        assert.match(image.message, /platform:runners\.image: got "ghcr\.io\/actions\/actions-runner"; expected an image reference with a tag or digest/);
    });

    it("names the allowed keys when a runners key is misspelt", async () => {
        const error = await rejection(plan("dev", { directory: withStackValue("dev", ["runners"], { maxRunner: 5 }) }));
        assert.match(error.message, /unknown key platform:runners\.maxRunner; the keys allowed here are minRunners, maxRunners, image, resources/);
    });

    it("hands the configured App key to the Secret as a Pulumi secret, and refuses it in plain text", async () => {
        const secretKey = projectCopy("Pulumi.staging.yaml", (document) => document.setIn(["config", "platform:githubAppPrivateKey"], { secure: "v1:pem" }));
        assert.equal(one(await plan("staging", { directory: secretKey }), "kubernetes:core/v1:Secret", "-runners-github-app").inputs.stringData, "[secret]");
        const plain = projectCopy("Pulumi.staging.yaml", (document) => document.setIn(["config", "platform:githubAppPrivateKey"], "-----BEGIN RSA PRIVATE KEY-----"));
        assert.match((await rejection(plan("staging", { directory: plain }))).message, /platform:githubAppPrivateKey: got a plain value; expected a secret/);
    });

    describe("builders", () => {
        it("writes the App's credentials under the keys ARC reads, ids as strings", () => {
            assert.deepEqual(githubAppSecretData({ id: 1000101, installationId: 1000102 }, "PEM"), {
                github_app_id: "1000101", github_app_installation_id: "1000102", github_app_private_key: "PEM",
            });
        });

        it("finds what the Pod Security check and the network check must refuse", () => {
            const runner = runnerPodTemplate({ minRunners: 0, maxRunners: 3, image: UPSTREAM_RUNNER_IMAGE, resources: { cpu: "1", memory: "2Gi" } }).spec as Spec;
            const loosened = { ...runner, containers: [{ ...(runner.containers as Spec[])[0], securityContext: { privileged: true } }] };
            assert.ok(restrictedViolations(loosened).length > 0);
            assert.deepEqual(restrictedViolations(listenerPodTemplate().spec as Spec), []);
            assert.deepEqual(restrictedViolations({ securityContext: controllerValues().podSecurityContext, containers: [{ name: "manager", securityContext: {} }] }).length > 0, true);
            const open = [...runnerNetworkPolicies(), { name: "open", spec: { podSelector: {}, ingress: [{}], egress: [{ ports: [{ protocol: "TCP", port: 22 }] }] } }];
            assert.deepEqual(networkProblems(open), ["open lets traffic in", "open opens TCP/22"]);
            assert.deepEqual(networkProblems(runnerNetworkPolicies().filter((policy) => policy.name !== "default-deny")), ["no default deny in both directions"]);
        });

        it("sets only values the pinned charts' templates read", () => {
            // The top-level `.Values.<key>` the templates read, from `git grep -o '\.Values\.[A-Za-z]*' -- charts/<chart>/templates`
            // at actions/actions-runner-controller gha-runner-scale-set-0.14.2 (9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8).
            const read = {
                scaleSet: ["annotations", "containerMode", "controllerServiceAccount", "githubConfigSecret", "githubConfigUrl", "githubServerTLS", "keyVault", "labels",
                    "listenerMetrics", "listenerTemplate", "maxRunners", "minRunners", "nameOverride", "namespaceOverride", "proxy", "resourceMeta", "runnerGroup",
                    "runnerScaleSetName", "scaleSetLabels", "template"],
                controller: ["affinity", "env", "flags", "fullnameOverride", "image", "imagePullSecrets", "labels", "metrics", "nameOverride", "namespaceOverride",
                    "nodeSelector", "podAnnotations", "podLabels", "podSecurityContext", "pprof", "priorityClassName", "replicaCount", "resources", "securityContext",
                    "serviceAccount", "tolerations", "topologySpreadConstraints", "volumeMounts", "volumes"],
            };
            const unknown = (values: Spec, known: string[]) => Object.keys(values).filter((key) => !known.includes(key));
            const runnersConfig = { minRunners: 0, maxRunners: 3, image: UPSTREAM_RUNNER_IMAGE, resources: { cpu: "1", memory: "2Gi" } };
            assert.deepEqual(unknown(scaleSetValues({ name: "n", githubConfigUrl: "https://github.com/o/r", runners: runnersConfig }), read.scaleSet), []);
            assert.deepEqual(unknown(controllerValues(), read.controller), []);
            assert.deepEqual(unknown({ ...controllerValues(), serviceAcount: {} }, read.controller), ["serviceAcount"], "a misspelt key is caught");
            assert.deepEqual(Object.keys((controllerValues().flags as Spec)).filter((flag) => !["logLevel", "logFormat", "watchSingleNamespace", "runnerMaxConcurrentReconciles", "updateStrategy"].includes(flag)), []);
        });

        it("keeps every stack's scale set name within the chart's 45 characters", () => {
            for (const stack of STACKS) assert.ok(clusterRunnerScaleSet("platform", stack).length <= MAX_SCALE_SET_NAME_LENGTH);
        });

        it("pins each ARC chart to an exact version read at a release tag, with the commit and path of its Chart.yaml", () => {
            for (const chart of Object.values(RUNNER_CHARTS)) {
                assert.match(chart.version, EXACT_SEMVER);
                assert.match(chart.chart, /^oci:\/\/ghcr\.io\/actions\/actions-runner-controller-charts\//);
                assert.equal(chart.source.tag, `gha-runner-scale-set-${chart.version}`);
                assert.match(chart.source.commit, /^[0-9a-f]{40}$/);
                assert.equal(chart.source.path, `charts/${chart.chart.split("/").pop()}/Chart.yaml`);
            }
        });
    });
});
