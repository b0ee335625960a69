/**
 * The program: config first (nothing is registered if it is invalid), then one component per concern.
 * `pulumi up` runs it through infra/index.ts; the offline plan and the tests run the same function under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { createNaming } from "./naming";
import { Network } from "./network";
import { createAwsProvider } from "./providers";

export async function program(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    const naming = createNaming(config);
    const aws = createAwsProvider(config, naming);
    const awsScoped: pulumi.ComponentResourceOptions = { providers: { aws } };

    const network = new Network(naming.name("network"), {
        region: config.aws.region,
        cidr: config.network.cidr,
        availabilityZones: config.aws.availabilityZones,
        natGateways: config.network.natGateways,
        logRetentionDays: config.logs.retentionDays,
        namePrefix: naming.prefix,
    }, awsScoped);

    return {
        environment: config.environment.name,
        region: config.aws.region,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        databaseSubnetIds: network.databaseSubnetIds,
    };
}
