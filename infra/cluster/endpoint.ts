/**
 * Who reaches the cluster's API endpoint, and how. The endpoint is private: its DNS name resolves to addresses in the
 * VPC (EKS User Guide, "Cluster API server endpoint":
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html), so every actor runs inside it:
 * - Pulumi Deployments runs of the stack: the customer-managed agent this stack runs in its private subnets;
 * - the pipeline's deploy and rollback jobs: the Actions runner scale set in the environment's own cluster;
 * - the operator's first `pulumi up`, before either exists: `cluster.operatorAccess` opens the public endpoint to the
 *   operator's addresses until a date at most a week ahead, and from that date the program renders it closed again,
 *   so a forgotten key cannot leave the API reachable from outside.
 */
import type { PlatformConfig } from "../config";

export interface EndpointAccess {
    endpointPublicAccess: boolean;
    /** The ranges admitted to the public endpoint; undefined while it is closed. */
    publicAccessCidrs: string[] | undefined;
    /** The operator's window has passed: the endpoint is private again (worth a warning: the key can go). */
    lapsed: boolean;
}

/** The endpoint's access at `now`: private, or public to the operator's ranges until the end of `until` has not come. */
export function endpointAccess(operatorAccess: PlatformConfig["cluster"]["operatorAccess"], now: Date): EndpointAccess {
    if (operatorAccess === undefined) return { endpointPublicAccess: false, publicAccessCidrs: undefined, lapsed: false };
    const open = now.getTime() < Date.parse(`${operatorAccess.until}T00:00:00Z`) + 24 * 3600 * 1000;
    return open
        ? { endpointPublicAccess: true, publicAccessCidrs: [...operatorAccess.cidrs], lapsed: false }
        : { endpointPublicAccess: false, publicAccessCidrs: undefined, lapsed: true };
}
