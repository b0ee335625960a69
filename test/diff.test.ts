import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { diffPlans, formatDiff, planAtRevision } from "../tools/diff";
import { PROJECT_DIRECTORY } from "../tools/plan-stack";
import { plan, realPlan, withStackValue } from "./harness";

describe("plan diff", () => {
    it("finds nothing to change between a plan and itself", async () => {
        const p = await realPlan("dev");
        assert.deepEqual(diffPlans(p, p), []);
        assert.equal(formatDiff([]), "Diff: nothing to change");
    });

    it("reports a new VPC block as replacements of the VPC and its subnets", async () => {
        const after = await plan("staging", { directory: withStackValue("staging", ["network", "cidr"], "10.21.0.0/16") });
        const changes = diffPlans(await realPlan("staging"), after);
        const vpc = changes.find((change) => change.type === "aws:ec2/vpc:Vpc")!;
        assert.equal(vpc.kind, "replace");
        assert.deepEqual(vpc.changes.find((property) => property.path === "cidrBlock"), { path: "cidrBlock", before: "10.20.0.0/16", after: "10.21.0.0/16", forcesReplacement: true });
        const subnets = changes.filter((change) => change.type === "aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 9);
        assert.ok(subnets.every((subnet) => subnet.kind === "replace"));
        assert.match(formatDiff(changes), /\+- replace urn:pulumi:staging::platform::platform:network:Network\$aws:ec2\/vpc:Vpc::platform-staging-network-vpc\n\s+cidrBlock: "10\.20\.0\.0\/16" => "10\.21\.0\.0\/16" {2}\[forces replacement\]/);
    });

    it("reports a retention change as in-place updates with property paths, and new resources as creations", async () => {
        const changes = diffPlans(await realPlan("dev"), await plan("dev", { directory: withStackValue("dev", ["network", "natGateways"], 2) }));
        const created = changes.filter((change) => change.kind === "create").map((change) => change.type).sort();
        assert.deepEqual(created, ["aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"]);
        const route = changes.find((change) => change.urn.endsWith("platform-dev-network-private-us-east-1b") && change.type === "aws:ec2/routeTable:RouteTable")!;
        assert.equal(route.kind, "update");
        assert.deepEqual(route.changes.map((property) => property.path), ["routes[0].natGatewayId"]);
    });

    it("plans HEAD in a worktree and finds nothing to change on a clean tree", async function () {
        this.timeout(120_000);
        const dirty = spawnSync("git", ["status", "--porcelain", "--", "Pulumi.yaml", "Pulumi.*.yaml", "infra", "github", "tools"], { cwd: PROJECT_DIRECTORY, encoding: "utf8" });
        if (dirty.status !== 0 || dirty.stdout.trim() !== "") this.skip();
        const worktrees = () => spawnSync("git", ["worktree", "list"], { cwd: PROJECT_DIRECTORY, encoding: "utf8" }).stdout.trim().split("\n");
        const before = worktrees();
        assert.deepEqual(diffPlans(planAtRevision(PROJECT_DIRECTORY, "HEAD", "dev"), await realPlan("dev")), []);
        assert.deepEqual(worktrees(), before, "the temporary worktree is gone");
    });

    it("--diff prints a refused delete, writes it to diff.json and exits 1; a clean diff exits 0", async function () {
        this.timeout(180_000);
        // A throwaway clone of this checkout (its working tools/ over the commit), so --diff HEAD compares the stack
        // file edited below with the committed one.
        const clone = mkdtempSync(join(tmpdir(), "plan-diff-exit-"));
        const out = mkdtempSync(join(tmpdir(), "plan-diff-exit-out-"));
        try {
            assert.equal(spawnSync("git", ["clone", "--quiet", "--local", PROJECT_DIRECTORY, clone]).status, 0);
            cpSync(join(PROJECT_DIRECTORY, "tools"), join(clone, "tools"), { recursive: true });
            symlinkSync(join(PROJECT_DIRECTORY, "node_modules"), join(clone, "node_modules"), "dir");
            // The diff prints whole workflow files (prod's run past 1 MiB, spawnSync's default maxBuffer, which kills the
            // child and gives status null: https://nodejs.org/api/child_process.html#child_processspawnsynccommand-args-options).
            const run = (stack = "dev") => spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "tools/plan.ts", "--stack", stack, "--diff", "HEAD", "--out", out], { cwd: clone, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
            const clean = run();
            assert.equal(clean.status, 0, clean.stderr);
            // A service removed: in prod its image repository and its settings secret are protected, so the deletes
            // are refused (Pulumi will not delete a protected resource until it is unprotected).
            const file = join(clone, "Pulumi.yaml");
            const document = parseDocument(readFileSync(file, "utf8"));
            document.deleteIn(["config", "services", "value", 2]);
            writeFileSync(file, document.toString());
            const refused = run("prod");
            assert.equal(refused.status, 1, refused.stderr);
            assert.match(refused.stdout, /FAILS: 2 change\(s\) would fail to apply:\n {2}REFUSED delete /);
            const written = JSON.parse(readFileSync(join(out, "diff.json"), "utf8")) as { urn: string; failure?: string }[];
            assert.deepEqual(written.filter((change) => change.failure).map((change) => [change.failure, change.urn.split("::").pop()]).sort(),
                [["refused", "platform-prod-backups-settings-worker"], ["refused", "platform-prod-registry-worker"]]);
        } finally {
            rmSync(clone, { recursive: true, force: true });
            rmSync(out, { recursive: true, force: true });
        }
    });
});
