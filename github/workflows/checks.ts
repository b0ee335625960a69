/**
 * The status checks that rulesets require. STUB until the workflow model exists (issue 6): the names must then
 * come from the CI and security workflows' aggregate jobs, not from these literals.
 */
export const REQUIRED_CHECKS = { basic: ["ci-status"], all: ["ci-status", "security-status"] } as const;
