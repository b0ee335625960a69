/**
 * The variables a stack writes into its GitHub environment: what its deploy and rollback jobs read as `vars.X`,
 * taken from the stack's own outputs (the same Output objects, not copies). Names come from workflows/names.ts, the
 * file the workflows read them from.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../infra/config";
import { watchMinutesOf } from "../infra/config/pipeline";
import { targetGroupKey } from "../infra/edge";
import { COLOURS } from "../infra/workloads/colours";
import { VARIABLES } from "./workflows/names";

export interface EnvironmentOutputs {
    region: string;
    deployRoleArn: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    namespace: string;
    /** The project: a stack's repositories are `<project>-<stack>/<service>`. */
    project: string;
    repositoryUrls: Record<string, pulumi.Output<string>>;
    /** Promoting environments: the registry host of the source stack's account (it may be another account). */
    sourceRegistry: string | undefined;
    loadBalancerArnSuffix: pulumi.Input<string>;
    /** By target group key (infra/edge targetGroupKey). */
    targetGroupArnSuffixes: Record<string, pulumi.Input<string>>;
    /** Blue-green: the weighted listener rule per public service. */
    listenerRuleArns: Record<string, pulumi.Input<string>>;
    databaseInstanceId: string;
}

type VariablesConfig = Pick<PlatformConfig, "services" | "github" | "delivery">;

export function environmentVariables(config: VariablesConfig, outputs: EnvironmentOutputs): Record<string, pulumi.Input<string>> {
    const variables: Record<string, pulumi.Input<string>> = {
        [VARIABLES.region]: outputs.region,
        [VARIABLES.role]: outputs.deployRoleArn,
        [VARIABLES.cluster]: outputs.clusterName,
        [VARIABLES.namespace]: outputs.namespace,
    };
    for (const service of config.services) variables[VARIABLES.repository(service.name)] = outputs.repositoryUrls[service.name];
    const source = config.github.promoteFrom;
    if (source !== undefined && outputs.sourceRegistry !== undefined) {
        // The source's repositories: `<source account's registry>/<project>-<source stack>/<service>`.
        for (const service of config.services) {
            variables[VARIABLES.sourceRepository(service.name)] = `${outputs.sourceRegistry}/${outputs.project}-${source}/${service.name}`;
        }
        variables[VARIABLES.database] = outputs.databaseInstanceId;
    }
    // What the watch reads: environments that watch their releases (blue-green ones, and any with watchMinutes).
    // Blue-green: each colour's target group (the canary watches the new colour's own) and the rule the canary weighs.
    const blueGreen = config.github.blueGreen;
    if (watchMinutesOf(config.github, config.delivery) > 0) {
        variables[VARIABLES.loadBalancer] = outputs.loadBalancerArnSuffix;
        for (const service of config.services.filter((candidate) => candidate.public)) {
            for (const colour of blueGreen ? COLOURS : [undefined]) {
                const key = targetGroupKey(service.name, colour);
                variables[VARIABLES.targetGroup(key)] = outputs.targetGroupArnSuffixes[key];
            }
        }
    }
    if (blueGreen) {
        for (const service of config.services.filter((candidate) => candidate.public)) variables[VARIABLES.listenerRule(service.name)] = outputs.listenerRuleArns[service.name];
    }
    // A config rule refuses extra names that collide with these, so nothing here is overwritten.
    return { ...variables, ...config.github.variables };
}
