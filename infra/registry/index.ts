/**
 * One ECR repository per service of Pulumi.yaml: scanned on push, immutable tags where config says, encrypted with
 * the registry key, images expired by a lifecycle policy, and pushes allowed to the role that builds only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { toJson } from "../iam";
import { lifecyclePolicy, repositoryPolicy } from "./policies";

export interface RegistryArgs {
    namePrefix: string;
    /** One repository per service, named `<namePrefix>/<service>`. */
    services: readonly string[];
    settings: PlatformConfig["registry"];
    kmsKeyArn: pulumi.Input<string>;
    /** The only principals that may push (the role that builds); empty: nobody pushes. */
    pushRoleArns: pulumi.Input<string>[];
    /** Principals that may pull (deploy role, nodes). */
    pullRoleArns: pulumi.Input<string>[];
    /** `protect` the repositories: deleting one deletes every image in it. */
    protect: boolean;
}

export class Registry extends pulumi.ComponentResource {
    readonly repositoryUrls: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:Registry", name, {}, opts);
        const child = { parent: this };
        const lifecycle = JSON.stringify(lifecyclePolicy(args.settings.keepTaggedImages, args.settings.untaggedExpiryDays));
        const policy = toJson(repositoryPolicy(args.pullRoleArns, args.pushRoleArns));
        this.repositoryUrls = Object.fromEntries(args.services.map((service) => {
            const repository = new aws.ecr.Repository(`${name}-${service}`, {
                name: `${args.namePrefix}/${service}`,
                imageTagMutability: args.settings.immutableTags ? "IMMUTABLE" : "MUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
                forceDelete: false,
            }, { parent: this, protect: args.protect });
            new aws.ecr.LifecyclePolicy(`${name}-${service}`, { repository: repository.name, policy: lifecycle }, child);
            new aws.ecr.RepositoryPolicy(`${name}-${service}`, { repository: repository.name, policy }, child);
            return [service, repository.repositoryUrl];
        }));
        this.registerOutputs({ repositoryUrls: this.repositoryUrls });
    }
}
