/**
 * The canary's infrastructure: per-colour target groups and bindings, a listener rule weighted between them whose
 * weights `pulumi up` leaves to the pipeline, the variables the pipeline reads, and the config of its steps.
 */
import assert from "node:assert/strict";
import { readStackConfig } from "../tools/stack-files";
import { parseConfig } from "../infra/config";
import { canarySteps } from "../infra/config/pipeline";
import { CANARY_OWNED, initialWeights } from "../infra/edge";
import { checkExpectations, type Observed } from "../tools/scenario-check";
import { loadScenario, stubState } from "../tools/scenario-format";
import { join } from "node:path";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { SCENARIO_DIRECTORY } from "../tools/scenario-format";
import { summarize } from "../tools/summary";
import { ofType, plan, projectCopy, realPlan, rejection } from "./harness";

type Forward = { type: string; targetGroupArn?: string; forward?: { targetGroups: { arn: string; weight: number }[] } };

describe("canary", () => {
    it("prod's public services forward to both colours' target groups by weight, all on blue at creation, and `pulumi up` leaves the weights alone", async () => {
        const p = await realPlan("prod");
        const rules = ofType(p, "aws:lb/listenerRule:ListenerRule");
        assert.deepEqual(rules.map((rule) => [rule.name, rule.inputs.priority]).sort(), [["platform-prod-edge-api-weighted", 1001], ["platform-prod-edge-web-weighted", 11]]);
        for (const rule of rules) {
            const service = rule.name.replace("platform-prod-edge-", "").replace("-weighted", "");
            assert.deepEqual(rule.options.ignoreChanges, [...CANARY_OWNED], rule.urn);
            assert.deepEqual(rule.inputs.actions as Forward[], [{
                type: "forward",
                forward: { targetGroups: [{ arn: `[computed: platform-prod-edge-${service}-blue.arn]`, weight: 100 }, { arn: `[computed: platform-prod-edge-${service}-green.arn]`, weight: 0 }] },
            }]);
        }
        assert.deepEqual(initialWeights(["blue", "green"]), { blue: 100, green: 0 });
        // The offline plan's summary shows the weights and whose they are.
        assert.match(summarize(p, 0), /listener rules: 1001: platform-prod-api-blue-3000 100 \/ platform-prod-api-green-3000 0 \(ignoreChanges actions: the pipeline's\)/);
    });

    for (const stack of ["dev", "staging"] as const) {
        it(`${stack} (rolling) keeps one target group per public service and a plain forward that \`pulumi up\` owns`, async () => {
            const p = await realPlan(stack);
            for (const rule of ofType(p, "aws:lb/listenerRule:ListenerRule")) {
                assert.deepEqual(rule.options.ignoreChanges ?? [], [], rule.urn);
                const [action] = rule.inputs.actions as Forward[];
                assert.equal(action.targetGroupArn, `[computed: ${rule.name}.arn]`);
            }
        });
    }

    it("binds each colour's own Service, which selects only that colour's pods, to that colour's target group", async () => {
        const p = await realPlan("prod");
        const services = new Map(ofType(p, "kubernetes:core/v1:Service").map((service) => [(service.inputs.metadata as { name: string }).name, service]));
        for (const binding of ofType(p, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")) {
            const spec = binding.inputs.spec as { serviceRef: { name: string; port: number }; targetGroupARN: string };
            const colour = spec.serviceRef.name.split("-").pop()!;
            const service = services.get(spec.serviceRef.name);
            assert.ok(service, `${spec.serviceRef.name} exists`);
            assert.equal((service.inputs.spec as { selector: Record<string, string> }).selector.colour, colour);
            assert.match(spec.targetGroupARN, new RegExp(`-${colour}\\.arn\\]$`));
            assert.deepEqual(service.options.ignoreChanges ?? [], [], "a colour's Service is never switched");
        }
    });

    it("gives production's environment the listener rules and both colours' target groups; staging keeps one group per service", async () => {
        const variables = async (stack: "staging" | "prod") => new Map(ofType(await realPlan(stack), "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
            .map((variable) => [String(variable.inputs.variableName), String(variable.inputs.value)]));
        const prod = await variables("prod");
        assert.equal(prod.get("LISTENER_RULE_ARN_API"), "[computed: platform-prod-edge-api-weighted.arn]");
        assert.equal(prod.get("TARGET_GROUP_ARN_SUFFIX_WEB_GREEN"), "[computed: platform-prod-edge-web-green.arnSuffix]");
        assert.equal(prod.has("TARGET_GROUP_ARN_SUFFIX_API"), false);
        const staging = await variables("staging");
        assert.equal(staging.get("TARGET_GROUP_ARN_SUFFIX_API"), "[computed: platform-staging-edge-api.arnSuffix]");
        assert.equal([...staging.keys()].some((name) => name.startsWith("LISTENER_RULE_ARN_")), false);
    });

    it("takes ascending steps that end at 100, each 1..100, and refuses anything else naming the key", async () => {
        assert.ok(canarySteps.safeParse([10, 50, 100]).success);
        assert.ok(canarySteps.safeParse([100]).success);
        for (const [steps, message] of [[[50, 10, 100], /ascending/], [[10, 50], /last step to be 100/], [[0, 100], />=1|too small/i], [[10, 150], /<=100|too big/i], [[10, 10, 100], /ascending/]] as const) {
            const result = canarySteps.safeParse(steps);
            assert.ok(!result.success, JSON.stringify(steps));
            assert.match(result.error.issues.map((issue) => issue.message).join("; "), message, JSON.stringify(steps));
        }
        const directory = projectCopy("Pulumi.yaml", (document) => document.setIn(["config", "delivery", "value", "canary", "steps"], [10, 50]));
        const error = await rejection(plan("prod", { directory }));
        assert.match(error.message, /Pulumi\.yaml: platform:delivery\.canary\.steps: got \[10,50\]; expected the last step to be 100/);
        const { project, config } = readStackConfig(PROJECT_DIRECTORY, "prod");
        assert.deepEqual(parseConfig(project, "prod", config).delivery.canary, { steps: [10, 50, 100], pauseMinutes: 5 });
    });

    it("a scenario whose final weights differ from its expectation fails, naming the rule", () => {
        const scenario = loadScenario(join(SCENARIO_DIRECTORY, "prod-canary-breach-10.yaml"));
        const initial = stubState(scenario);
        const final = structuredClone(initial);
        const [rule, weights] = Object.entries(final.rules)[0];
        final.rules[rule] = Object.fromEntries(Object.keys(weights).map((group, index) => [group, index === 0 ? 90 : 10]));
        const observed: Observed = { jobs: { deploy: { result: "failure" } as never }, calls: [], unknown: [], initial, final, missingVars: [] };
        const failures = checkExpectations({ ...scenario, expect: { ...scenario.expect, calls: [], counts: {}, errors: [], images: {} } }, observed);
        assert.deepEqual(failures.filter((failure) => failure.startsWith("rule ")), [`rule ${rule}: expected weights ${JSON.stringify(weights)}, got ${JSON.stringify(final.rules[rule])}`]);
    });
});
