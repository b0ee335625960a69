/**
 * Customer-managed KMS keys, one per purpose so that a key's grants say what it protects: rotated yearly, with an
 * alias, a 30-day deletion window, and `protect` where config asks for it (prod).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { toJson } from "../iam";
import { keyPolicy, type KeyService } from "./policies";

export const KEY_PURPOSES = ["cluster", "database", "cache", "logs", "backups", "registry", "secrets", "alerts"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

const SERVICES_OF: Partial<Record<KeyPurpose, KeyService[]>> = { logs: ["logs"], alerts: ["cloudwatch"] };

export interface KeysArgs {
    /** Physical names start with this (`<project>-<environment>`). */
    namePrefix: string;
    region: string;
    accountId: pulumi.Input<string>;
    /** `protect` the keys: deleting a key destroys every piece of data encrypted with it. */
    protect: boolean;
}

export class Keys extends pulumi.ComponentResource {
    readonly arns: Record<KeyPurpose, pulumi.Output<string>>;

    constructor(name: string, args: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:keys:Keys", name, {}, opts);
        const entries = KEY_PURPOSES.map((purpose) => {
            const key = new aws.kms.Key(`${name}-${purpose}`, {
                description: `${args.namePrefix}: ${purpose}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: toJson(keyPolicy({ accountId: args.accountId, region: args.region, services: SERVICES_OF[purpose] })),
            }, { parent: this, protect: args.protect });
            new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${args.namePrefix}/${purpose}`, targetKeyId: key.keyId }, { parent: this });
            return [purpose, key.arn] as const;
        });
        this.arns = Object.fromEntries(entries) as Record<KeyPurpose, pulumi.Output<string>>;
        this.registerOutputs({ arns: this.arns });
    }
}
