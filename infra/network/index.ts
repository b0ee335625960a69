/**
 * The network: a VPC over the configured zones with public, private (node) and isolated database subnets in each,
 * NAT gateways as config says, an S3 gateway endpoint, flow logs to CloudWatch, and a default security group with
 * no rules (anything that forgets to name a group gets no traffic at all).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, toJson } from "../iam";
import { NAME_IS_A_CONTRACT } from "../naming";
import { planSubnets, type SubnetTier } from "./subnets";

export interface NetworkArgs {
    /** The region the VPC lives in (the provider's region), for endpoint service names. */
    region: string;
    /** The VPC's IPv4 block. */
    cidr: string;
    /** The zones to span, in order; the first hosts the NAT gateway when there is one. */
    availabilityZones: readonly string[];
    /** How many NAT gateways: 1 is shared by all zones, one per zone survives a zone's loss. */
    natGateways: number;
    /** Retention of the flow log group, in days. */
    logRetentionDays: number;
    /** The key that encrypts the flow log group. */
    logsKmsKeyArn: pulumi.Input<string>;
    /** Physical names start with this (`<project>-<environment>`). */
    namePrefix: string;
    /** The account the flow-log service acts for: its role trusts the service on behalf of this account only. */
    accountId: pulumi.Input<string>;
}

/** Load balancers find their subnets by these tags (AWS Load Balancer Controller subnet discovery). */
const LOAD_BALANCER_SUBNET_TAGS: Record<SubnetTier, Record<string, string>> = {
    public: { "kubernetes.io/role/elb": "1" },
    private: { "kubernetes.io/role/internal-elb": "1" },
    database: {},
};

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly databaseSubnetIds: pulumi.Output<string>[];
    readonly flowLogGroupName: pulumi.Output<string>;
    /** The subnets' blocks by tier, known before anything exists (network policies name them). */
    readonly subnetCidrs: Readonly<Record<SubnetTier, readonly string[]>>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, {}, opts);
        const child = { parent: this };
        const tagged = (suffix: string, extra: Record<string, string> = {}) => ({ Name: `${args.namePrefix}-${suffix}`, ...extra });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: tagged("vpc"),
        }, child);

        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, {
            vpcId: vpc.id,
            ingress: [],
            egress: [],
            tags: tagged("default-deny-all"),
        }, child);

        const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagged("igw") }, child);

        const layout = planSubnets(args.cidr, args.availabilityZones, args.natGateways);
        const subnets = layout.map((plan) => ({
            plan,
            subnet: new aws.ec2.Subnet(`${name}-${plan.tier}-${plan.zone}`, {
                vpcId: vpc.id,
                availabilityZone: plan.zone,
                cidrBlock: plan.cidr,
                // Nothing launched in a subnet gets a public address by itself, not even in the public tier.
                mapPublicIpOnLaunch: false,
                tags: tagged(`${plan.tier}-${plan.zone}`, { Tier: plan.tier, ...LOAD_BALANCER_SUBNET_TAGS[plan.tier] }),
            }, child),
        }));
        const ofTier = (tier: SubnetTier) => subnets.filter((entry) => entry.plan.tier === tier);

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
            tags: tagged("public"),
        }, child);
        for (const { plan, subnet } of ofTier("public")) {
            new aws.ec2.RouteTableAssociation(`${name}-public-${plan.zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, child);
        }

        const natZones = args.availabilityZones.slice(0, args.natGateways);
        const natGateways = natZones.map((zone) => {
            const address = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags: tagged(`nat-${zone}`) }, child);
            const publicSubnet = ofTier("public").find((entry) => entry.plan.zone === zone)!.subnet;
            return new aws.ec2.NatGateway(`${name}-nat-${zone}`, {
                allocationId: address.allocationId,
                subnetId: publicSubnet.id,
                tags: tagged(`nat-${zone}`),
            }, { parent: this, dependsOn: [internetGateway] });
        });

        const privateRouteTables = ofTier("private").map(({ plan, subnet }) => {
            const routes = new aws.ec2.RouteTable(`${name}-private-${plan.zone}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateways[plan.natIndex ?? 0].id }],
                tags: tagged(`private-${plan.zone}`),
            }, child);
            new aws.ec2.RouteTableAssociation(`${name}-private-${plan.zone}`, { subnetId: subnet.id, routeTableId: routes.id }, child);
            return routes;
        });

        // The database tier has no route out of the VPC at all.
        const databaseRoutes = new aws.ec2.RouteTable(`${name}-database`, { vpcId: vpc.id, tags: tagged("database") }, child);
        for (const { plan, subnet } of ofTier("database")) {
            new aws.ec2.RouteTableAssociation(`${name}-database-${plan.zone}`, { subnetId: subnet.id, routeTableId: databaseRoutes.id }, child);
        }

        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: [...privateRouteTables.map((table) => table.id), databaseRoutes.id],
            tags: tagged("s3"),
        }, child);

        const flowLogGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
            name: `/aws/vpc/${args.namePrefix}/flow-logs`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logsKmsKeyArn,
            // A replacement (a new log class) deletes first: the group's flow logs go with it, and the flows of the
            // seconds in between are not recorded.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        const flowLogRole = new aws.iam.Role(`${name}-flow-logs`, {
            name: `${args.namePrefix}-vpc-flow-logs`,
            assumeRolePolicy: toJson(serviceTrustPolicy("vpc-flow-logs.amazonaws.com", args.accountId)),
            // A replacement (a new `path`) deletes first: flow logs are not delivered until the new role exists.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        new aws.iam.RolePolicy(`${name}-flow-logs`, {
            role: flowLogRole.id,
            // The actions of AWS's flow-log role (Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch
            // Logs"), less CreateLogGroup: the group exists. DescribeLogGroups lists groups, so it names the account's.
            policy: toJson(policyDocument({
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
            }, {
                Effect: "Allow",
                Action: "logs:DescribeLogGroups",
                Resource: pulumi.interpolate`arn:aws:logs:${args.region}:${args.accountId}:log-group:*`,
            })),
        }, child);
        new aws.ec2.FlowLog(`${name}-flow-logs`, {
            vpcId: vpc.id,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: flowLogGroup.arn,
            iamRoleArn: flowLogRole.arn,
            maxAggregationInterval: 60,
            tags: tagged("flow-logs"),
        }, child);

        this.vpcId = vpc.id;
        this.publicSubnetIds = ofTier("public").map((entry) => entry.subnet.id);
        this.privateSubnetIds = ofTier("private").map((entry) => entry.subnet.id);
        this.databaseSubnetIds = ofTier("database").map((entry) => entry.subnet.id);
        this.flowLogGroupName = flowLogGroup.name;
        this.subnetCidrs = {
            public: ofTier("public").map((entry) => entry.plan.cidr),
            private: ofTier("private").map((entry) => entry.plan.cidr),
            database: ofTier("database").map((entry) => entry.plan.cidr),
        };
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            databaseSubnetIds: this.databaseSubnetIds,
            flowLogGroupName: this.flowLogGroupName,
        });
    }
}
