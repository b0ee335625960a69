/**
 * The CrossGuard policy pack: the same rules as the offline check (policy/rules), run by Pulumi against the real
 * engine's resources. `pulumi preview --policy-pack policy` applies it locally; advisory by default, mandatory with
 * `--policy-pack-config policy/mandatory.json` (prod). Never import this file from tests: a PolicyPack starts a server.
 */
import { PolicyPack, type PolicyResource } from "@pulumi/policy";
import { RULES } from "./rules";
import { PRODUCTION_STACK_TAG, type CheckedResource } from "./types";

const toChecked = (resource: PolicyResource): CheckedResource => ({
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    inputs: resource.props,
    options: { protect: resource.opts.protect, ignoreChanges: resource.opts.ignoreChanges },
});

new PolicyPack("platform", {
    enforcementLevel: "advisory",
    policies: RULES.map((rule) => ({
        name: rule.name,
        description: rule.description,
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(toChecked);
            // Production is the stack the program tags so (infra/deployments), as the pack cannot read stack config.
            const production = args.stackTags.get(PRODUCTION_STACK_TAG) === "true";
            const context = { stack: "", production, resources };
            for (const resource of resources.filter((candidate) => rule.appliesTo.includes(candidate.type))) {
                for (const reason of rule.check(resource, context)) reportViolation(`${resource.urn}: ${reason}`, resource.urn);
            }
        },
    })),
});
