/**
 * The subnet layout of a VPC, as plain data. The VPC block is cut into eighths: the first three hold the private
 * (node) subnets, one per zone, large because the VPC CNI gives every pod an address; the fourth is cut again into
 * eighths for the public subnets, the fifth likewise for the isolated database subnets; the rest is spare.
 * Up to six zones fit (ZONE_LIMIT) in a /16 to /20 block.
 */
import { formatIpv4Cidr, parseIpv4Cidr, subBlock } from "../config/cidr";

export type SubnetTier = "public" | "private" | "database";

export interface SubnetPlan {
    tier: SubnetTier;
    /** The zone's full name, e.g. `us-east-1a`: the stable key in logical names. */
    zone: string;
    cidr: string;
    /** Index of the NAT gateway (one per zone, or shared) that a private subnet routes through. */
    natIndex?: number;
}

const TIER_EIGHTH: Record<Exclude<SubnetTier, "private">, number> = { public: 3, database: 4 };
const ZONE_LIMIT = 6;

export function planSubnets(vpcCidr: string, zones: readonly string[], natGateways: number): SubnetPlan[] {
    const vpc = parseIpv4Cidr(vpcCidr);
    if (!vpc) throw new RangeError(`${vpcCidr} is not an IPv4 CIDR block`);
    if (zones.length > ZONE_LIMIT) throw new RangeError(`the subnet layout holds ${ZONE_LIMIT} zones, not ${zones.length}`);
    const eighth = (index: number) => subBlock(vpc, vpc.prefix + 3, index);
    return zones.flatMap((zone, zoneIndex): SubnetPlan[] => {
        // Up to three zones take the first three eighths for nodes; more zones split them further.
        const privateBlock = zones.length <= 3 ? eighth(zoneIndex) : subBlock(eighth(Math.floor(zoneIndex / 2)), vpc.prefix + 4, zoneIndex % 2);
        return [
            { tier: "public", zone, cidr: formatIpv4Cidr(subBlock(eighth(TIER_EIGHTH.public), vpc.prefix + 6, zoneIndex)) },
            { tier: "private", zone, cidr: formatIpv4Cidr(privateBlock), natIndex: zoneIndex % natGateways },
            { tier: "database", zone, cidr: formatIpv4Cidr(subBlock(eighth(TIER_EIGHTH.database), vpc.prefix + 6, zoneIndex)) },
        ];
    });
}
