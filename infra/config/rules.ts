/**
 * Rules that span several keys: what AWS, EKS or GitHub would refuse at `pulumi up`, caught here first with the
 * reason. Each rule reports the key to fix.
 */
import type { z } from "zod";
import type { projectSchema, stackSchema } from "./schema";
import { parseIpv4Cidr } from "./cidr";

type Settings = z.output<typeof projectSchema> & z.output<typeof stackSchema>;

/** The VPC block sizes the subnet layout (network/subnets.ts) can carve for every tier of up to six zones. */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;

export function checkConsistency(settings: Settings, ctx: z.RefinementCtx): void {
    const report = (path: (string | number)[], input: unknown, message: string): void => {
        ctx.addIssue({ code: "custom", path, input, message });
    };

    const zones = settings.aws.availabilityZones;
    const regionOf = (zone: string): string => zone.slice(0, -1);
    zones.forEach((zone, index) => {
        if (regionOf(zone) !== settings.aws.region) {
            report(["aws", "availabilityZones", index], zone, `expected a zone of the region ${settings.aws.region}`);
        }
    });
    if (new Set(zones).size !== zones.length) {
        report(["aws", "availabilityZones"], zones, "expected each zone once");
    }

    if (settings.network.natGateways > zones.length) {
        report(["network", "natGateways"], settings.network.natGateways,
            `expected at most ${zones.length}: one NAT gateway per availability zone at the most (aws.availabilityZones lists ${zones.length})`);
    }
    const vpc = parseIpv4Cidr(settings.network.cidr);
    if (vpc && (vpc.prefix < VPC_PREFIX_RANGE.min || vpc.prefix > VPC_PREFIX_RANGE.max)) {
        report(["network", "cidr"], settings.network.cidr,
            `expected a block from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}: AWS allows /16 at the largest, and a smaller block leaves no room for the subnets of every zone`);
    }

    for (const [name, group] of Object.entries(settings.cluster.nodeGroups)) {
        const path = ["cluster", "nodeGroups", name];
        if (group.minSize > group.maxSize) {
            report([...path, "minSize"], group.minSize, `expected at most maxSize (${group.maxSize})`);
        }
        if (group.desiredSize < group.minSize || group.desiredSize > group.maxSize) {
            report([...path, "desiredSize"], group.desiredSize, `expected a size from minSize (${group.minSize}) to maxSize (${group.maxSize})`);
        }
    }
    if (Object.keys(settings.cluster.nodeGroups).length === 0) {
        report(["cluster", "nodeGroups"], settings.cluster.nodeGroups, "expected at least one managed node group");
    }

    const db = settings.database;
    if (db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
        report(["database", "maxAllocatedStorageGiB"], db.maxAllocatedStorageGiB,
            `expected at least allocatedStorageGiB (${db.allocatedStorageGiB}): storage autoscaling only grows`);
    }
    if (db.readReplicas > 0 && db.backupRetentionDays === 0) {
        report(["database", "readReplicas"], db.readReplicas,
            "expected 0 while database.backupRetentionDays is 0: RDS creates read replicas only from a primary with automated backups");
    }

    const cache = settings.cache;
    if (cache.multiAz && cache.replicasPerShard < 1) {
        report(["cache", "replicasPerShard"], cache.replicasPerShard,
            "expected at least 1 while cache.multiAz is true: automatic failover needs a replica to promote");
    }
    if (!cache.clusterMode && cache.shards !== 1) {
        report(["cache", "shards"], cache.shards, "expected 1 while cache.clusterMode is false: only cluster mode shards the key space");
    }

    const serviceNames = settings.services.map((service) => service.name);
    settings.services.forEach((service, index) => {
        if (serviceNames.indexOf(service.name) !== index) {
            report(["services", index, "name"], service.name, "expected a name no other service has");
        }
        service.talksTo.forEach((peer, peerIndex) => {
            if (!serviceNames.includes(peer)) {
                report(["services", index, "talksTo", peerIndex], peer, `expected the name of a service (${serviceNames.join(", ")})`);
            }
        });
    });
}
