/**
 * Explicit providers. The AWS provider carries the region and the default tags; every AWS resource is created under
 * a component that hands this provider down, so nothing falls back to ambient credentials' region or to untagged.
 */
import * as aws from "@pulumi/aws";
import type { PlatformConfig } from "./config";
import type { Naming } from "./naming";
import { accountOf } from "./topology";

export function createAwsProvider(config: PlatformConfig, naming: Naming): aws.Provider {
    return new aws.Provider(naming.name("aws"), {
        region: config.aws.region,
        // Credentials of any other account are refused before anything is read or written (environments.<stack>.awsAccountId).
        allowedAccountIds: [accountOf(config.environments, config.stack)],
        defaultTags: { tags: { ...naming.defaultTags } },
    });
}
