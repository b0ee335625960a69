/** Node group settings as plain data. */

/** Graviton (arm64) families carry a `g` after the generation: m6g, r7g, t4g, c7gn... */
export function isGraviton(instanceType: string): boolean {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

/** Amazon Linux 2023, for the architecture of the group's instance types (a group cannot mix them). */
export function amiTypeFor(instanceTypes: readonly string[]): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
    const graviton = instanceTypes.map(isGraviton);
    if (graviton.some((arm) => arm !== graviton[0])) {
        throw new RangeError(`a node group cannot mix arm64 and x86_64 instance types: ${instanceTypes.join(", ")}`);
    }
    return graviton[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * Instance metadata: IMDSv2 only, and a hop limit of 1 so that pods (one network hop further) cannot reach the node's
 * credentials; pods get their own through EKS Pod Identity instead.
 */
export const NODE_METADATA_OPTIONS = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
} as const;

/** The root volume: gp3, encrypted, deleted with the node. AL2023's root device is /dev/xvda. */
export interface RootVolume {
    deviceName: string;
    ebs: { volumeSize: number; volumeType: "gp3"; encrypted: "true"; deleteOnTermination: "true" };
}

export function rootVolume(sizeGiB: number): RootVolume {
    return {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: sizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
    };
}
