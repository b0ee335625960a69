/**
 * Physical names and default tags, in one place: every AWS name starts with `<project>-<environment>` so that the
 * three environments can share an account without colliding, and every AWS resource carries the same tags.
 */
import type { PlatformConfig } from "./config";

export interface Naming {
    /** `<project>-<environment>`, e.g. `platform-prod`. */
    readonly prefix: string;
    /** A physical or logical name: the prefix and the given parts, joined by `-`. */
    name(...parts: string[]): string;
    /** The EKS cluster's name: fixed by config alone, so that IAM policies can name it before it exists. */
    readonly clusterName: string;
    /** The Kubernetes namespace of the application's services (one cluster per environment). */
    readonly namespace: string;
    /** The tags every AWS resource carries, applied through the provider's `defaultTags`. */
    readonly defaultTags: Readonly<Record<string, string>>;
}

export function createNaming(config: PlatformConfig): Naming {
    const prefix = `${config.project}-${config.environment.name}`;
    return {
        prefix,
        name: (...parts) => [prefix, ...parts].join("-"),
        clusterName: `${prefix}-eks`,
        namespace: config.project,
        defaultTags: Object.freeze({
            Environment: config.environment.name,
            Project: config.project,
            Stack: config.stack,
            ManagedBy: "pulumi",
            Owner: config.organization.owner,
            CostCentre: config.organization.costCentre,
        }),
    };
}

/**
 * The resource option for a resource whose fixed physical name is a contract (an AWS service writes to it, a policy or
 * a trust names it before it exists): Pulumi replaces create-before-delete by default, and the new resource would take
 * a name the old one still holds ("already exists"); with this it deletes first
 * (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/). Each use says what the gap between the
 * delete and the create costs. Adding it to an existing resource changes only its state, never the cloud.
 */
export const NAME_IS_A_CONTRACT = { deleteBeforeReplace: true } as const;
