import assert from "node:assert/strict";
import { parseIpv4Cidr } from "../infra/config/cidr";
import { planSubnets } from "../infra/network/subnets";
import { STACKS, accountOf, ofType, one, plan, realPlan, withStackValue } from "./harness";

const EXPECTED = {
    dev: { natGateways: 1, retention: 30 },
    staging: { natGateways: 1, retention: 30 },
    prod: { natGateways: 3, retention: 90 },
} as const;

describe("network", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("spans three zones with a public, a private and a database subnet in each", async () => {
                const subnets = ofType(await realPlan(stack), "aws:ec2/subnet:Subnet");
                const byZone = new Map<string, string[]>();
                for (const subnet of subnets) {
                    const zone = String(subnet.inputs.availabilityZone);
                    byZone.set(zone, [...(byZone.get(zone) ?? []), String((subnet.inputs.tags as Record<string, string>).Tier)]);
                }
                assert.deepEqual([...byZone.keys()].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
                for (const tiers of byZone.values()) assert.deepEqual(tiers.sort(), ["database", "private", "public"]);
                for (const subnet of subnets) {
                    assert.equal(subnet.inputs.mapPublicIpOnLaunch, false, subnet.name);
                    assert.ok(subnet.name.endsWith(String(subnet.inputs.availabilityZone)), `${subnet.name} is keyed by its zone, not an index`);
                }
            });

            it(`has ${EXPECTED[stack].natGateways} NAT gateway(s), each private subnet routing through one in service`, async () => {
                const p = await realPlan(stack);
                const nats = ofType(p, "aws:ec2/natGateway:NatGateway");
                assert.equal(nats.length, EXPECTED[stack].natGateways);
                const natIds = new Set(nats.map((nat) => `[computed: ${nat.name}.id]`));
                const privateTables = ofType(p, "aws:ec2/routeTable:RouteTable").filter((table) => table.name.includes("-private-"));
                assert.equal(privateTables.length, 3);
                for (const table of privateTables) {
                    const routes = table.inputs.routes as { cidrBlock: string; natGatewayId?: string }[];
                    assert.equal(routes.length, 1);
                    assert.ok(natIds.has(String(routes[0].natGatewayId)), `${table.name} routes to ${routes[0].natGatewayId}`);
                }
                for (const nat of nats) assert.deepEqual(nat.options.dependsOn, [one(p, "aws:ec2/internetGateway:InternetGateway").urn]);
            });

            it("keeps the database subnets without any route out of the VPC", async () => {
                const table = one(await realPlan(stack), "aws:ec2/routeTable:RouteTable", "-database");
                assert.equal(table.inputs.routes, undefined);
            });

            it(`sends flow logs to a log group kept ${EXPECTED[stack].retention} days`, async () => {
                const p = await realPlan(stack);
                const group = one(p, "aws:cloudwatch/logGroup:LogGroup", "flow-logs");
                assert.equal(group.inputs.retentionInDays, EXPECTED[stack].retention);
                const flowLog = one(p, "aws:ec2/flowLog:FlowLog");
                assert.equal(flowLog.inputs.trafficType, "ALL");
                assert.equal(flowLog.inputs.logDestination, `[computed: ${group.name}.arn]`);
                const policy = JSON.parse(String(one(p, "aws:iam/rolePolicy:RolePolicy", "flow-logs").inputs.policy));
                assert.deepEqual(policy.Statement[0].Resource, [`[computed: ${group.name}.arn]`, `[computed: ${group.name}.arn]:*`]);
                // AWS's flow-log role lists DescribeLogGroups; the trust admits the service for this account only.
                assert.deepEqual([policy.Statement[1].Action, policy.Statement[1].Resource], ["logs:DescribeLogGroups", `arn:aws:logs:us-east-1:${accountOf(stack)}:log-group:*`]);
                const trust = JSON.parse(String(one(p, "aws:iam/role:Role", "flow-logs").inputs.assumeRolePolicy));
                assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": accountOf(stack) } });
            });

            it("strips every rule from the default security group", async () => {
                const group = one(await realPlan(stack), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
                assert.deepEqual(group.inputs.ingress, []);
                assert.deepEqual(group.inputs.egress, []);
            });

            it("reaches S3 through a gateway endpoint from the private and database subnets", async () => {
                const p = await realPlan(stack);
                const endpoint = one(p, "aws:ec2/vpcEndpoint:VpcEndpoint");
                assert.equal(endpoint.inputs.serviceName, "com.amazonaws.us-east-1.s3");
                assert.equal(endpoint.inputs.vpcEndpointType, "Gateway");
                const tables = ofType(p, "aws:ec2/routeTable:RouteTable").filter((table) => !table.name.endsWith("-public"));
                assert.deepEqual([...(endpoint.inputs.routeTableIds as string[])].sort(), tables.map((table) => `[computed: ${table.name}.id]`).sort());
            });

            it("tags subnets for load balancer discovery", async () => {
                for (const subnet of ofType(await realPlan(stack), "aws:ec2/subnet:Subnet")) {
                    const tags = subnet.inputs.tags as Record<string, string>;
                    if (tags.Tier === "public") assert.equal(tags["kubernetes.io/role/elb"], "1");
                    if (tags.Tier === "private") assert.equal(tags["kubernetes.io/role/internal-elb"], "1");
                    if (tags.Tier === "database") assert.ok(!Object.keys(tags).some((key) => key.startsWith("kubernetes.io/")));
                }
            });

            it("creates every AWS resource through the explicit provider, which carries the default tags", async () => {
                const p = await realPlan(stack);
                const provider = one(p, "pulumi:providers:aws");
                // Provider inputs reach the engine as JSON text.
                const tags = JSON.parse(String(provider.inputs.defaultTags)).tags;
                assert.deepEqual(tags, {
                    Environment: stack, Project: "platform", Stack: stack, ManagedBy: "pulumi",
                    Owner: "platform-team", CostCentre: "platform-engineering",
                });
                assert.equal(provider.inputs.region, "us-east-1");
                const awsResources = p.resources.filter((resource) => resource.type.startsWith("aws:"));
                assert.ok(awsResources.length > 30);
                for (const resource of awsResources) assert.equal(resource.options.provider, provider.urn, resource.urn);
            });
        });
    }

    it("follows the stack file: one NAT gateway in prod when the file says so", async () => {
        const p = await plan("prod", { directory: withStackValue("prod", ["network", "natGateways"], 1) });
        assert.equal(ofType(p, "aws:ec2/natGateway:NatGateway").length, 1);
    });

    describe("subnet layout", () => {
        const overlaps = (a: string, b: string) => {
            const [x, y] = [parseIpv4Cidr(a)!, parseIpv4Cidr(b)!];
            const end = (block: typeof x) => block.base + 2 ** (32 - block.prefix);
            return x.base < end(y) && y.base < end(x);
        };
        for (const [vpc, zones] of [["10.30.0.0/16", 3], ["10.0.0.0/20", 3], ["172.16.0.0/18", 6], ["10.1.0.0/16", 2]] as const) {
            it(`carves disjoint subnets inside ${vpc} for ${zones} zones`, () => {
                const names = ["a", "b", "c", "d", "e", "f"].slice(0, zones).map((letter) => `us-east-1${letter}`);
                const layout = planSubnets(vpc, names, 1);
                assert.equal(layout.length, zones * 3);
                const block = parseIpv4Cidr(vpc)!;
                for (const [index, subnet] of layout.entries()) {
                    const inner = parseIpv4Cidr(subnet.cidr)!;
                    assert.ok(inner.base >= block.base && inner.base + 2 ** (32 - inner.prefix) <= block.base + 2 ** (32 - block.prefix), subnet.cidr);
                    assert.ok(inner.prefix <= 28, `${subnet.cidr}: AWS subnets are /28 at the smallest`);
                    for (const other of layout.slice(index + 1)) assert.ok(!overlaps(subnet.cidr, other.cidr), `${subnet.cidr} overlaps ${other.cidr}`);
                }
            });
        }
        it("routes each zone through its own NAT gateway when there is one per zone", () => {
            const layout = planSubnets("10.0.0.0/16", ["z-1a", "z-1b", "z-1c"], 3).filter((subnet) => subnet.tier === "private");
            assert.deepEqual(layout.map((subnet) => subnet.natIndex), [0, 1, 2]);
        });
    });
});
