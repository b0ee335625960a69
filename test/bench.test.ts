import assert from "node:assert/strict";
import { benchTable, generatedServices } from "../tools/bench";
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
});
