/** The shape every rule works on: what the offline plan records, and what the policy pack is handed. */

export interface CheckedResource {
    urn: string;
    /** The provider's type token, e.g. `aws:rds/instance:Instance`. */
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    options: { protect?: boolean; retainOnDelete?: boolean; ignoreChanges?: string[] };
}

/**
 * The stack tag that tells the policy pack, in Pulumi Cloud, that a stack is production: a pack cannot read stack
 * config, so the program tags each stack (infra/deployments) and the pack reads `args.stackTags` (policy/index.ts).
 */
export const PRODUCTION_STACK_TAG = "platform:production";

export interface PolicyContext {
    stack: string;
    /** The stack whose environment deploys from the repository's default branch. */
    production: boolean;
    /** Every resource of the stack, for rules that need a resource's companions (a bucket's encryption, say). */
    resources: readonly CheckedResource[];
}

export interface Rule {
    name: string;
    description: string;
    /** The type tokens the rule reads. */
    appliesTo: readonly string[];
    /** The reasons this resource breaks the rule; empty when it does not. */
    check(resource: CheckedResource, context: PolicyContext): string[];
}

/** JSON text or an object, as providers accept policy documents. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
    if (typeof value === "string") {
        try {
            return JSON.parse(value) as Record<string, unknown>;
        } catch {
            return undefined;
        }
    }
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

/** How a resource's id or ARN appears in another resource's inputs: the same output, as the plan shows it. */
export function referencesTo(resource: CheckedResource, attributes: string[] = ["id", "arn", "bucket"]): string[] {
    return [...attributes.map((attribute) => `[computed: ${resource.name}.${attribute}]`), ...(typeof resource.inputs.bucket === "string" ? [resource.inputs.bucket] : [])];
}
