/**
 * The policy pack's rules, offline: every violation in a plan, with its rule, resource and reason. Enforcement comes
 * from the stack file (`policy.enforcement`): mandatory violations fail the plan command.
 */
import type { PlatformConfig } from "../infra/config";
import { isProduction } from "../infra/topology";
import { RULES } from "../policy/rules";
import type { PolicyContext, Rule } from "../policy/types";
import type { Plan } from "./mock-engine";

export interface Violation {
    rule: string;
    urn: string;
    reason: string;
    enforcement: "mandatory" | "advisory";
}

export function checkPlan(plan: Plan, config: Pick<PlatformConfig, "policy" | "github" | "repository">, rules: readonly Rule[] = RULES): Violation[] {
    const context: PolicyContext = {
        stack: plan.stack,
        production: isProduction(config),
        resources: plan.resources,
    };
    return rules.flatMap((rule) => plan.resources
        .filter((resource) => rule.appliesTo.includes(resource.type))
        .flatMap((resource) => rule.check(resource, context).map((reason) => ({ rule: rule.name, urn: resource.urn, reason, enforcement: config.policy.enforcement }))));
}

export function formatViolations(violations: readonly Violation[]): string {
    if (violations.length === 0) return `Policy: no violation of ${RULES.length} rules`;
    return [
        `Policy: ${violations.length} violation(s)`,
        ...violations.map((violation) => `  [${violation.enforcement}] ${violation.rule}: ${violation.urn}: ${violation.reason}`),
    ].join("\n");
}
