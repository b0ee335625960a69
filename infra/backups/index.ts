/**
 * Backups and application settings: a versioned, KMS-encrypted backup bucket whose objects expire as config says,
 * and one Secrets Manager secret of settings per service (values are set out of band, never by this program).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../storage/bucket";

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

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backups:Backups", name, {}, opts);
        const bucket = new SecureBucket(`${name}-bucket`, {
            bucketName: pulumi.interpolate`${args.namePrefix}-backups-${args.accountId}`,
            kmsKeyArn: args.kmsKeyArn,
            expiryDays: args.expiryDays,
            versioning: true,
            protect: args.protect,
        }, { parent: this });

        this.settingsSecretArns = Object.fromEntries(args.services.map((service) => {
            const secret = new aws.secretsmanager.Secret(`${name}-settings-${service}`, {
                name: `${args.namePrefix}/${service}/settings`,
                description: `Application settings of ${service}; values are written out of band, never by Pulumi`,
                kmsKeyId: args.secretsKmsKeyArn,
                recoveryWindowInDays: 30,
            }, { parent: this, protect: args.protect });
            return [service, secret.arn];
        }));
        this.bucketName = bucket.bucketName;
        this.registerOutputs({ bucketName: this.bucketName, settingsSecretArns: this.settingsSecretArns });
    }
}
