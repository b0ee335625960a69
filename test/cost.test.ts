import assert from "node:assert/strict";
import { PRICES, estimateCost, formatCost, formatCostChange, priceTableFindings, type PriceTable } from "../tools/cost";
import { ofType, plan, realPlan, withStackValue } from "./harness";

const STACKS = ["dev", "staging", "prod"] as const;
/** A table of made-up round numbers: the arithmetic under test, not AWS's prices. */
const TABLE: PriceTable = {
    region: "test-region", currency: "USD", hoursPerMonth: 730,
    items: [
        { key: "ec2:m5.xlarge", unit: "hour", price: 1, source: "test", date: "test" },
        { key: "kms:key", unit: "month", price: 10, source: "test", date: "test" },
        { key: "rds:storage:gp3:multi-az", unit: "GB-month", price: 1, source: "test", date: "test" },
    ],
};

describe("cost estimate", () => {
    it("keeps a source, a date, the authority and the quoted words for every price in the table", () => {
        assert.equal(PRICES.region, "us-east-1");
        assert.ok(PRICES.items.length >= 10);
        assert.deepEqual(priceTableFindings(PRICES), []);
    });

    it("rejects a price without its quote or date, a GitHub source without a commit, a duplicate, and a quoted Price List figure that is not the price", () => {
        const base = PRICES.items.find((item) => item.key === "rds:db.r6g.xlarge:multi-az")!;
        const broken: PriceTable = {
            ...PRICES, items: [
                { ...base, key: "a", quote: "" },
                { ...base, key: "b", date: " " },
                { ...base, key: "c", source: "https://github.com/yeo/ec2.shop/blob/main/data/ebs/ebs.json" },
                { ...base, key: "d", price: 0.9 },
                { ...base, key: "d" },
            ],
        };
        assert.deepEqual(priceTableFindings(broken), [
            "a: no quote", "a: the quoted Price List figure (undefined) is not the price (0.899)", "b: no date", "c: a GitHub source names no commit",
            "d: the quoted Price List figure (0.8990000000) is not the price (0.9)", "d: listed twice",
        ]);
    });

    it("prices every line of every shipped stack: nothing is missing", async () => {
        for (const stack of STACKS) {
            const estimate = estimateCost(await realPlan(stack), stack);
            assert.deepEqual(estimate.missing, [], stack);
            assert.ok(estimate.lines.every((line) => line.monthly && line.source), stack);
            assert.doesNotMatch(formatCost(estimate), /have none|Not in the price table/, stack);
        }
        const withoutGp3 = { ...PRICES, items: PRICES.items.filter((item) => item.key !== "ebs:gp3") };
        assert.deepEqual(estimateCost(await realPlan("dev"), "dev", withoutGp3).missing, ["ebs:gp3"], "the node and agent volumes need the gp3 price");
    });

    it("computes prod's databases and cache from the table: 730 hours at the Multi-AZ, Single-AZ and Redis OSS node prices", async () => {
        const estimate = estimateCost(await realPlan("prod"), "prod");
        const line = (key: string) => estimate.lines.find((candidate) => candidate.priceKey === key)!;
        assert.deepEqual([line("rds:db.r6g.xlarge:multi-az").quantity, line("rds:db.r6g.xlarge:multi-az").monthly], [{ min: 730, max: 730 }, { min: 656.27, max: 656.27 }], "730 h × 0.899");
        assert.deepEqual(line("rds:db.r6g.xlarge:single-az").monthly, { min: 328.5, max: 328.5 }, "the replica: 730 h × 0.45");
        assert.deepEqual(line("elasticache:cache.r6g.large:redis").monthly, { min: 601.52, max: 601.52 }, "2 shards × 2 nodes × 730 h × 0.206");
        assert.deepEqual(line("ebs:gp3").monthly, { min: 24, max: 48 }, "6 to 12 nodes × 50 GB × 0.08");
    });

    it("prices a Valkey cache at the Valkey node price", async () => {
        const prod = await realPlan("prod");
        const valkey = { resources: prod.resources.map((resource) => resource.type === "aws:elasticache/replicationGroup:ReplicationGroup" ? { ...resource, inputs: { ...resource.inputs, engine: "valkey" } } : resource) };
        const estimate = estimateCost(valkey, "prod");
        assert.deepEqual(estimate.lines.find((line) => line.priceKey === "elasticache:cache.r6g.large:valkey")!.monthly, { min: 481.22, max: 481.22 }, "4 nodes × 730 h × 0.1648");
        assert.ok(!estimate.lines.some((line) => line.priceKey.endsWith(":redis")));
        assert.equal(Math.round((estimateCost(prod, "prod").total.min - estimate.total.min) * 100) / 100, 120.3);
    });

    it("prices the deployment agents' Auto Scaling group: its instances and their root volumes, by the launch template", async () => {
        const dev = await realPlan("dev");
        const agents = (p: { resources: typeof dev.resources }) => estimateCost(p, "dev").lines.filter((line) => line.component === "DeploymentAgents" && line.priceKey !== "secretsmanager:secret")
            .map((line) => [line.priceKey, line.monthly]);
        assert.deepEqual(agents(dev), [["ebs:gp3", { min: 3.2, max: 3.2 }], ["ec2:t3.medium", { min: 30.37, max: 30.37 }]], "1 × t3.medium 730 h × 0.0416; 40 GB × 0.08");
        const two = { resources: dev.resources.map((resource) => resource.type === "aws:autoscaling/group:Group" ? { ...resource, inputs: { ...resource.inputs, minSize: 2, maxSize: 2 } } : resource) };
        assert.deepEqual(agents(two), [["ebs:gp3", { min: 6.4, max: 6.4 }], ["ec2:t3.medium", { min: 60.74, max: 60.74 }]]);
    });


    it("prices node groups at both ends of their range and counts what has a price", async () => {
        const estimate = estimateCost(await realPlan("prod"), "prod", TABLE);
        const nodes = estimate.lines.find((line) => line.priceKey === "ec2:m5.xlarge")!;
        assert.deepEqual([nodes.quantity, nodes.monthly], [{ min: 6 * 730, max: 12 * 730 }, { min: 6 * 730, max: 12 * 730 }]);
        const storage = estimate.lines.find((line) => line.priceKey === "rds:storage:gp3:multi-az")!;
        assert.deepEqual(storage.monthly, { min: 100, max: 1000 }, "allocated to maximum autoscaled storage");
        assert.deepEqual(estimate.lines.find((line) => line.priceKey === "kms:key")!.monthly, { min: 80, max: 80 });
        assert.deepEqual(estimate.total, { min: 6 * 730 + 100 + 80, max: 12 * 730 + 1000 + 80 });
        assert.deepEqual(estimate.byComponent.Keys, { min: 80, max: 80 });
    });

    it("reports a price the table lacks instead of guessing it", async () => {
        const estimate = estimateCost(await realPlan("prod"), "prod", TABLE);
        assert.ok(estimate.missing.includes("elasticache:cache.r6g.large:redis"));
        assert.equal(estimate.lines.find((line) => line.priceKey === "elasticache:cache.r6g.large:redis")!.monthly, undefined);
        assert.ok(!estimate.missing.includes("ec2:m5.xlarge"));
        assert.match(formatCost(estimate), /for the lines with a price; \d+ line\(s\) have none and are not in this figure/);
    });

    it("counts an alarm once per metric it watches, as CloudWatch bills it", async () => {
        const p = await realPlan("prod");
        const table: PriceTable = { ...TABLE, items: [{ key: "cloudwatch:alarm", unit: "month", price: 1, source: "test", date: "test" }] };
        const billed = estimateCost(p, "prod", table).lines.filter((line) => line.priceKey === "cloudwatch:alarm").reduce((sum, line) => sum + line.quantity.min, 0);
        const metrics = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").reduce((sum, alarm) =>
            sum + Math.max(((alarm.inputs.metricQueries as { metric?: unknown }[] | undefined) ?? []).filter((query) => query.metric).length, 1), 0);
        assert.equal(billed, metrics);
        assert.ok(metrics > ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").length, "the 5xx rate alarm reads three metrics");
    });

    it("sees the cost of a change to a stack file", async () => {
        const before = estimateCost(await realPlan("prod"), "prod", TABLE);
        const after = estimateCost(await plan("prod", { directory: withStackValue("prod", ["cluster", "nodeGroups", "general", "maxSize"], 20) }), "prod", TABLE);
        assert.deepEqual(after.total, { min: before.total.min, max: before.total.max + 8 * 730 });
        assert.match(formatCostChange(before, after), /Cluster +\+\$0\.00 to \+\$5,840\.00/);
    });
});
