import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlanError, type Program } from "../tools/mock-engine";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { readStackConfig } from "../tools/stack-files";
import { one, plan, projectCopy, realPlan, rejection } from "./harness";

/** A small program exercising what the engine must record; it runs against the real dev stack files. */
const optionsProgram: Program = async () => {
    const provider = new aws.Provider("explicit", { region: "us-east-1" });
    class Holder extends pulumi.ComponentResource {
        constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
            super("platform:test:Holder", name, {}, opts);
            const first = new aws.s3.Bucket(`${name}-first`, {}, { parent: this });
            new aws.s3.Bucket(`${name}-second`, {
                tags: { Note: pulumi.secret("classified") },
            }, { parent: this, protect: true, retainOnDelete: true, ignoreChanges: ["tags"], deleteBeforeReplace: true, dependsOn: [first] });
            this.registerOutputs({});
        }
    }
    new Holder("holder", { providers: { aws: provider } });
    return { answer: 42, hidden: pulumi.secret("s3cr3t"), config: new pulumi.Config().getSecret("slackWebhook") };
};

describe("mock engine", () => {
    it("records URNs, parents, inputs and every resource option", async () => {
        const p = await plan("dev", { program: optionsProgram });
        const holder = one(p, "platform:test:Holder");
        const first = one(p, "aws:s3/bucket:Bucket", "first");
        const second = one(p, "aws:s3/bucket:Bucket", "second");
        assert.equal(second.urn, "urn:pulumi:dev::platform::platform:test:Holder$aws:s3/bucket:Bucket::holder-second");
        assert.equal(holder.urn, "urn:pulumi:dev::platform::platform:test:Holder::holder");
        assert.equal(second.parent, holder.urn);
        assert.equal(holder.parent, null);
        assert.equal(holder.custom, false);
        assert.deepEqual(second.options, {
            protect: true, retainOnDelete: true, ignoreChanges: ["tags"], dependsOn: [first.urn],
            provider: one(p, "pulumi:providers:aws").urn, deleteBeforeReplace: true,
        });
        assert.deepEqual(first.options.dependsOn, []);
        assert.equal(first.options.protect, false);
    });

    it("shows secrets as [secret], in inputs, outputs and encrypted config", async () => {
        const directory = projectCopy("Pulumi.dev.yaml", (document) => document.setIn(["config", "platform:slackWebhook"], { secure: "v1:AAAA" }));
        assert.deepEqual(readStackConfig(directory, "dev").secretKeys, ["platform:slackWebhook"]);
        const p = await plan("dev", { directory, program: optionsProgram });
        assert.deepEqual(one(p, "aws:s3/bucket:Bucket", "second").inputs.tags, { Note: "[secret]" });
        assert.deepEqual(p.outputs, { answer: 42, hidden: "[secret]", config: "[secret]" });
        assert.doesNotMatch(JSON.stringify(p), /s3cr3t|classified|v1:AAAA/);
    });

    it("fills values only the cloud knows with placeholders that say so", async () => {
        const p = await plan("dev", { program: async () => {
            const bucket = new aws.s3.Bucket("b");
            return { arn: bucket.arn, id: bucket.id };
        } });
        assert.deepEqual(p.outputs, { arn: "[computed: b.arn]", id: "[computed: b.id]" });
    });

    it("refuses two resources with the same URN, which the mock runtime alone would accept", async () => {
        const error = await rejection(plan("dev", { program: async () => {
            new aws.s3.Bucket("twin");
            new aws.s3.Bucket("twin");
            return {};
        } }));
        assert.ok(error instanceof PlanError);
        assert.match(error.message, /same URN[\s\S]*urn:pulumi:dev::platform::aws:s3\/bucket:Bucket::twin/);
    });

    it("tells children of different parents apart, as the engine does, by the parent's full type chain", async () => {
        class Outer extends pulumi.ComponentResource {
            constructor(name: string, innerType: string) {
                super(`platform:test:${name}`, name, {});
                const inner = new pulumi.ComponentResource(innerType, "inner", {}, { parent: this });
                new aws.s3.Bucket("leaf", {}, { parent: inner });
            }
        }
        const p = await plan("dev", { program: async () => {
            new Outer("A", "platform:test:Inner");
            new Outer("B", "platform:test:Inner");
            return {};
        } }).catch((error: Error) => error);
        // Same leaf name and type under Inner twice, but different grandparents: distinct URNs, no refusal.
        assert.ok(!(p instanceof Error), p instanceof Error ? p.message : "");
    });

    it("writes plan.json in the design's shape with --out", function () {
        this.timeout(60_000);
        const out = mkdtempSync(join(tmpdir(), "plan-out-"));
        const result = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "tools/plan.ts", "--stack", "prod", "--out", out], {
            cwd: PROJECT_DIRECTORY, encoding: "utf8",
        });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /Offline plan of platform\/prod/);
        const document = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
        assert.deepEqual(Object.keys(document), ["project", "stack", "resources", "invokes", "outputs"]);
        assert.equal(document.project, "platform");
        assert.equal(document.stack, "prod");
        for (const resource of document.resources) {
            assert.deepEqual(Object.keys(resource), ["urn", "type", "name", "parent", "custom", "inputs", "options"]);
            assert.deepEqual(Object.keys(resource.options), ["protect", "retainOnDelete", "ignoreChanges", "dependsOn", "provider", "deleteBeforeReplace"]);
        }
        const subnet = document.resources.find((resource: { type: string }) => resource.type === "aws:ec2/subnet:Subnet");
        assert.equal(subnet.inputs.vpcId, "[computed: platform-prod-network-vpc.id]");
        assert.match(subnet.inputs.cidrBlock, /^10\.30\./);
    });

    it("skips only the stack traces Pulumi's runtime records for its own debugging; other errors keep source-mapped stacks", async () => {
        await realPlan("dev");
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(promise: Promise<T>, context: unknown): Promise<T> };
        const promise = Promise.resolve(1);
        assert.equal(debuggable.debuggablePromise(promise, "context"), promise);
        assert.equal((promise as unknown as { _debugStackTrace?: string })._debugStackTrace, undefined, "no stack recorded for the leak report");
        assert.deepEqual((pulumi.Resource as unknown as { stackTrace(skip: number): unknown[] }).stackTrace(0), [], "no source position walked");
        assert.match(new Error("here").stack!, /mock-engine\.test\.ts:\d+/);
    });
});
