/**
 * Properties whose change replaces the resource instead of updating it, for the common resources. Each entry was read
 * in the Terraform AWS provider's schema, which the Pulumi AWS provider wraps (`ForceNew: true`, or `diff.ForceNew`):
 * - aws:ec2/vpc:Vpc: internal/service/ec2/vpc_.go (CustomizeDiff forces a new VPC when cidr_block changes)
 * - aws:ec2/subnet:Subnet: internal/service/ec2/vpc_subnet.go (availability_zone, cidr_block, vpc_id: ForceNew)
 * Only verified entries belong here: a property missing from this table is reported as an update.
 */
export const REPLACEMENT_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["availabilityZone", "cidrBlock", "vpcId"],
};
