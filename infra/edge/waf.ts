/** The web ACL's rules as plain data: AWS managed rule groups first, then a per-IP rate limit. */

/** AWS managed rule groups, in evaluation order (names from the AWS WAF Developer Guide's managed rule groups list). */
export const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
] as const;

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

export interface WafRule {
    name: string;
    priority: number;
    overrideAction?: { none: Record<string, never> };
    action?: { block: Record<string, never> };
    statement: Record<string, unknown>;
    visibilityConfig: ReturnType<typeof visibility>;
}

export function webAclRules(namePrefix: string, rateLimitPer5Minutes: number): WafRule[] {
    const managed = MANAGED_RULE_GROUPS.map((group, index): WafRule => ({
        name: group,
        priority: index + 1,
        // `none` keeps each group's own block actions (`count` would only observe).
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
        visibilityConfig: visibility(`${namePrefix}-${group}`),
    }));
    return [
        ...managed,
        {
            name: "RateLimitPerIp",
            priority: managed.length + 1,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility(`${namePrefix}-rate-limit`),
        },
    ];
}
