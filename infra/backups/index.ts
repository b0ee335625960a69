/**
 * Backups and application settings: a versioned, KMS-encrypted backup bucket whose objects expire as config says,
 * and one Secrets Manager secret of settings per service (its first value is an empty JSON placeholder; real values are written out of band, never by this program).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../storage/bucket";
import type { StateSecretVersion } from "../identity/read-only";

/** The first value of every settings secret: valid JSON with no settings, until its owners write theirs. */
export const SETTINGS_PLACEHOLDER = "{}";
/** A staging label of our own on the placeholder version, so that Secrets Manager never deletes it (see below). */
export const SETTINGS_PLACEHOLDER_STAGE = "platform-placeholder";

export interface BackupsArgs {
    namePrefix: string;
    /** Days before backup objects expire. */
    expiryDays: number;
    /** The key that encrypts the backup bucket. */
    kmsKeyArn: pulumi.Input<string>;
    /** One Secrets Manager secret of application settings per service. */
    services: readonly string[];
    /** The key that encrypts the application secrets. */
    secretsKmsKeyArn: pulumi.Input<string>;
    /** `protect` the bucket and the secrets (prod). */
    protect: boolean;
    /** Makes the bucket name unique across AWS accounts (S3 names are global). */
    accountId: pulumi.Input<string>;
}

export class Backups extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly settingsSecretArns: Record<string, pulumi.Output<string>>;
    /** The secret versions this component wrote: their values are in the stack's state (identity/read-only.ts). */
    readonly stateSecretVersions: StateSecretVersion[];

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backups:Backups", name, {}, opts);
        const bucket = new SecureBucket(`${name}-bucket`, {
            bucketName: pulumi.interpolate`${args.namePrefix}-backups-${args.accountId}`,
            kmsKeyArn: args.kmsKeyArn,
            expiryDays: args.expiryDays,
            versioning: true,
            protect: args.protect,
        }, { parent: this });

        const versions: StateSecretVersion[] = [];
        this.settingsSecretArns = Object.fromEntries(args.services.map((service) => {
            const secret = new aws.secretsmanager.Secret(`${name}-settings-${service}`, {
                name: `${args.namePrefix}/${service}/settings`,
                description: `Application settings of ${service}; values are written out of band, never by Pulumi`,
                kmsKeyId: args.secretsKmsKeyArn,
                recoveryWindowInDays: 30,
            }, { parent: this, protect: args.protect });
            // Day 0: the CSI driver mounts this secret into every pod of the service, and a secret with no value
            // cannot be read (GetSecretValue finds no AWSCURRENT version and fails with ResourceNotFoundException, see
            // github.com/ansible/ansible issue 69710), so the volume would not mount and the pod would never start. A
            // placeholder gives it a value from the first `pulumi up`. The service's owners then write the real settings
            // as a new version (PutSecretValue moves AWSCURRENT to it), and ignoreChanges keeps `pulumi up` from ever
            // putting the placeholder back: neither its value nor which version is current is Pulumi's.
            // The extra staging label keeps the placeholder version from ever being "deprecated" (a version with no
            // label, which Secrets Manager may delete: UpdateSecretVersionStage in the Secrets Manager API reference).
            // If it were deleted, the provider's read would drop the resource from the state (terraform-provider-aws,
            // internal/service/secretsmanager/secret_version.go, resourceSecretVersionRead: "not found, removing from
            // state") and the next `pulumi up` would create it again, making `{}` current over the owners' settings.
            const placeholder = new aws.secretsmanager.SecretVersion(`${name}-settings-${service}`, {
                secretId: secret.id,
                secretString: SETTINGS_PLACEHOLDER,
                versionStages: ["AWSCURRENT", SETTINGS_PLACEHOLDER_STAGE],
            }, { parent: this, ignoreChanges: ["secretString", "versionStages"] });
            versions.push({ secretArn: placeholder.arn, versionId: placeholder.versionId });
            return [service, secret.arn];
        }));
        this.stateSecretVersions = versions;
        this.bucketName = bucket.bucketName;
        this.registerOutputs({ bucketName: this.bucketName, settingsSecretArns: this.settingsSecretArns });
    }
}
