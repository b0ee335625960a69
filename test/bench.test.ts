import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { benchTable, generatedServices, loadTable, median, planCommand } from "../tools/bench";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { ofType, plan } from "./harness";

describe("benchmark", () => {
    it("generates services the config accepts, and the plan grows with them", async () => {
        const p = await plan("prod", { transformConfig: (config) => ({ ...config, config: { ...config.config, "platform:services": JSON.stringify(generatedServices(6)) } }) });
        assert.equal(ofType(p, "aws:ecr/repository:Repository").length, 7, "one per service and the runner image's");
        assert.equal(ofType(p, "kubernetes:apps/v1:Deployment").length, 12, "blue and green per service in prod");
        assert.equal(ofType(p, "aws:lb/targetGroup:TargetGroup").length, 4, "every fifth service is public, with a group per colour in prod");
    });

    it("compares every case with the 10-service case", () => {
        const table = benchTable([
            { label: "ten", services: 10, resources: 400, seconds: 2, peakMiB: 300 },
            { label: "fifty", services: 50, resources: 1200, seconds: 5, peakMiB: 500 },
        ]).split("\n");
        assert.match(table[2], /^fifty\s+1200\s+5\.00\s+500\s+2\.50\s+5\s*$/);
    });

    it("measures the plan as package.json's plan script runs it, under the compile cache, without npm", () => {
        const scripts = (JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.deepEqual(planCommand(scripts.plan), ["--require", "./tools/ts-register.js", "tools/plan.ts"]);
        assert.equal(scripts.bench.split(" ").slice(0, 3).join(" "), "node --require ./tools/ts-register.js");
        assert.throws(() => planCommand("tsx tools/plan.ts"), /should start with "node"/);
    });

    it("prints the medians of the SDK load and of the plan, and their ratios", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        const lines = loadTable({ runs: 3, sdkModules: 600, command: "node plan", sdk: [0.9, 0.8, 1.0], sdkCompileCache: [0.6, 0.7, 0.5], plan: [1.8, 1.6, 2.0], planPeakMiB: 250 }).split("\n");
        assert.match(lines[2], /^load the SDKs \(the 600 @pulumi modules the plan loads\)\s+0\.90\s+0\.80-1\.00$/);
        assert.match(lines[3], /with the plan's compile cache\s+0\.60\s+0\.50-0\.70$/);
        assert.match(lines[4], /^plan prod: node plan\s+1\.80\s+1\.60-2\.00$/);
        assert.equal(lines[5], "plan / SDK load: 2.00");
        assert.equal(lines[6], "plan / SDK load with the compile cache: 3.00");
    });
});
