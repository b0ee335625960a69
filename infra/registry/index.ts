/**
 * One ECR repository per service of Pulumi.yaml, and one for the runner image of the cluster jobs
 * (`<namePrefix>/actions-runner`, github/workflows/runner-image.ts): scanned on push, immutable tags where config says,
 * encrypted with the registry key, images expired by a lifecycle policy, and pushes allowed to the role that builds
 * only. The runner image's repository is pulled by this stack's nodes (and read by its deploy role) only: no other
 * account promotes it, each environment builds its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RUNNER_IMAGE_REPOSITORY, runnerImageRepositoryName } from "../../github/workflows/runner-image";
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
    /** Principals that may pull the runner image (the nodes, and the deploy role that checks its tags). */
    runnerPullRoleArns: pulumi.Input<string>[];
    /** `protect` the repositories: deleting one deletes every image in it. */
    protect: boolean;
}

export class Registry extends pulumi.ComponentResource {
    readonly repositoryUrls: Record<string, pulumi.Output<string>>;
    /** `<namePrefix>/actions-runner`: the runner scale set's image lives here. */
    readonly runnerRepositoryUrl: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:Registry", name, {}, opts);
        const child = { parent: this };
        const lifecycle = JSON.stringify(lifecyclePolicy(args.settings.keepTaggedImages, args.settings.untaggedExpiryDays));
        // A service named like the runner image's repository is refused by config (config/rules.ts).
        const repositoryOf = (key: string, repositoryName: string, policy: pulumi.Output<string>): pulumi.Output<string> => {
            const repository = new aws.ecr.Repository(`${name}-${key}`, {
                name: repositoryName,
                imageTagMutability: args.settings.immutableTags ? "IMMUTABLE" : "MUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
                forceDelete: false,
            }, { parent: this, protect: args.protect });
            new aws.ecr.LifecyclePolicy(`${name}-${key}`, { repository: repository.name, policy: lifecycle }, child);
            new aws.ecr.RepositoryPolicy(`${name}-${key}`, { repository: repository.name, policy }, child);
            return repository.repositoryUrl;
        };
        const servicesPolicy = toJson(repositoryPolicy(args.pullRoleArns, args.pushRoleArns));
        this.repositoryUrls = Object.fromEntries(args.services.map((service) => [service, repositoryOf(service, `${args.namePrefix}/${service}`, servicesPolicy)]));
        this.runnerRepositoryUrl = repositoryOf(RUNNER_IMAGE_REPOSITORY, runnerImageRepositoryName(args.namePrefix),
            toJson(repositoryPolicy(args.runnerPullRoleArns, args.pushRoleArns)));
        this.registerOutputs({ repositoryUrls: this.repositoryUrls, runnerRepositoryUrl: this.runnerRepositoryUrl });
    }
}
