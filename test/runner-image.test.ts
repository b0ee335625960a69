import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { parse } from "yaml";
import { ACTIONS } from "../github/workflows/catalogue";
import type { Job, Step, Workflow } from "../github/workflows/model";
import { clusterRunnerScaleSet } from "../github/workflows/names";
import {
    RUNNER_IMAGE_DOCKERFILE, RUNNER_IMAGE_WORKFLOW_FILE, RUNNER_USER, renderDockerfile, runnerDockerfile, runnerDockerfileModel, runnerImageTag,
} from "../github/workflows/runner-image";
import { UPSTREAM_RUNNER_IMAGE } from "../infra/config/schema";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { STACKS, accountOf, ofType, one, plan, realPlan, withStackValue } from "./harness";
import { commandsOf, providerOf, unprovided } from "./runner-image-commands";

type Spec = Record<string, unknown>;
const WORKFLOW_PATH = `.github/workflows/${RUNNER_IMAGE_WORKFLOW_FILE}`;

const repositoryFiles = (p: Plan, path: string): PlannedResource[] =>
    ofType(p, "github:index/repositoryFile:RepositoryFile").filter((file) => file.inputs.file === path);
const workflowOf = (p: Plan, path: string) => parse(p.files[path]) as Workflow<string>;
const scaleSetImage = (p: Plan): string => {
    const values = one(p, "kubernetes:helm.sh/v3:Release", "-runners-scale-set").inputs.values as Spec;
    return String((((values.template as Spec).spec as Spec).containers as Spec[])[0].image);
};

/** The branches a file is committed to, and the branches whose pushes run the workflow: the second within the first. */
function branchesMissing(p: Plan, path: string, needed: readonly string[]): string[] {
    const committed = new Set(repositoryFiles(p, path).map((file) => String(file.inputs.branch)));
    return needed.filter((branch) => !committed.has(branch));
}

describe("runner image", () => {
    describe("the Dockerfile", () => {
        it("starts from the upstream runner at the config's version and ends as the runner user, uid 1001", () => {
            const text = runnerDockerfile();
            assert.match(text, new RegExp(`^FROM ${UPSTREAM_RUNNER_IMAGE.replace(/[.]/g, "\\.")}$`, "m"));
            assert.match(text, /digest pin is not available offline/);
            assert.equal(text.trimEnd().split("\n").at(-1), `USER ${RUNNER_USER}`);
            const model = runnerDockerfileModel();
            assert.notEqual(renderDockerfile({ ...model, user: "root" }).trimEnd().split("\n").at(-1), `USER ${RUNNER_USER}`, "a root image is caught");
        });

        it("installs gh only from GitHub CLI's repository signed-by its keyring, and refuses an AWS CLI without eks get-token", () => {
            const text = runnerDockerfile();
            assert.match(text, /signed-by=\/etc\/apt\/keyrings\/githubcli-archive-keyring\.gpg\] https:\/\/cli\.github\.com\/packages stable main/);
            assert.match(text, /aws --version 2>&1 \| grep -q '\^aws-cli\/2\\\.'/);
            assert.match(text, /aws eks get-token help/);
            assert.doesNotMatch(text, /trusted=yes|--allow-unauthenticated|curl[^\n]*\| *(ba)?sh/, "no unsigned source, no piped installer");
        });

        it("runs RUN commands that pass shellcheck as /bin/sh (Docker's default shell for RUN on Linux)", function () {
            // The shell form of RUN runs `/bin/sh -c` on Linux (Dockerfile reference, "RUN" and "SHELL"): dash on Ubuntu.
            if (spawnSync("shellcheck", ["--version"]).status !== 0) {
                assert.notEqual(process.env.REQUIRE_SHELLCHECK, "1", "shellcheck is required here but not installed");
                this.skip();
            }
            const directory = mkdtempSync(join(tmpdir(), "runner-image-"));
            const files = runnerDockerfileModel().runs.map((run, index) => {
                const file = join(directory, `run-${index}.sh`);
                writeFileSync(file, `#!/bin/sh\nset -eux; ${run.commands.join(" \\\n    && ")}\n`);
                return file;
            });
            const result = spawnSync("shellcheck", ["--shell=sh", "--severity=info", ...files], { encoding: "utf8" });
            assert.equal(result.status, 0, result.stdout);
        });

        it("is tagged by its content: the first 16 hex digits of its sha256, a new tag for any change", () => {
            const text = runnerDockerfile();
            assert.equal(runnerImageTag(text), createHash("sha256").update(text).digest("hex").slice(0, 16));
            assert.match(runnerImageTag(), /^[0-9a-f]{16}$/);
            assert.notEqual(runnerImageTag(`${text}# changed\n`), runnerImageTag(text));
        });
    });

    describe("committed with its workflow", () => {
        it("on every branch whose pushes run the workflow, by the control stack only", async () => {
            const p = await realPlan("prod");
            const workflow = workflowOf(p, WORKFLOW_PATH);
            const branches = (workflow.on.push as { branches: string[] }).branches;
            assert.deepEqual([...branches].sort(), ["develop", "main", "staging"]);
            for (const path of [RUNNER_IMAGE_DOCKERFILE, WORKFLOW_PATH]) assert.deepEqual(branchesMissing(p, path, branches), [], path);
            assert.equal(p.files[RUNNER_IMAGE_DOCKERFILE], runnerDockerfile());
            assert.deepEqual((workflow.on.push as { paths: string[] }).paths, [RUNNER_IMAGE_DOCKERFILE, WORKFLOW_PATH]);
            assert.deepEqual(branchesMissing(p, RUNNER_IMAGE_DOCKERFILE, [...branches, "release"]), ["release"], "a branch without the file is caught");
            for (const stack of ["dev", "staging"] as const) assert.deepEqual(repositoryFiles(await realPlan(stack), RUNNER_IMAGE_DOCKERFILE), []);
        });

        it("builds each environment on its own branch with its own role, and pushes only a tag that is not there yet", async () => {
            const p = await realPlan("prod");
            const workflow = workflowOf(p, WORKFLOW_PATH);
            assert.deepEqual(Object.keys(workflow.jobs).sort(), STACKS.map((stack) => `image-${stack}`).sort());
            for (const stack of STACKS) {
                const job = workflow.jobs[`image-${stack}`] as Job<string>;
                assert.equal(job["runs-on"], "ubuntu-latest", "a hosted runner has the Docker daemon the build needs");
                assert.deepEqual((job.environment as { deployment: boolean }).deployment, false);
                assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
                assert.equal(job.env?.REPOSITORY, `platform-${stack}/actions-runner`);
                const push = job.steps.find((step) => step.name === "Build and push") as Step;
                assert.equal(push.if, "steps.exists.outputs.exists == 'false'");
                assert.ok(String(push.with?.tags).startsWith(`${accountOf(stack)}.dkr.ecr.`), "the environment's own account's registry");
                for (const step of job.steps) assert.doesNotMatch(step.run ?? "", /\$\{\{/, "no expression inside run");
            }
        });
    });

    describe("the scale set runs exactly the image the workflow builds", () => {
        for (const stack of STACKS) {
            it(`${stack}: <its registry's actions-runner repository>:<the workflow's tag>`, async () => {
                const control = await realPlan("prod");
                const job = workflowOf(control, WORKFLOW_PATH).jobs[`image-${stack}`] as Job<string>;
                const tag = String(job.env?.TAG);
                assert.equal(tag, createHash("sha256").update(control.files[RUNNER_IMAGE_DOCKERFILE]).digest("hex").slice(0, 16), "the tag hashes the committed file");
                const p = await realPlan(stack);
                const repository = ofType(p, "aws:ecr/repository:Repository").find((candidate) => candidate.inputs.name === `platform-${stack}/actions-runner`);
                assert.ok(repository, "the repository exists");
                assert.equal(scaleSetImage(p), `[computed: ${repository.name}.repositoryUrl]:${tag}`);
            });
        }

        it("still takes runners.image from the stack file when it is set", async () => {
            const directory = withStackValue("dev", ["runners", "image"], "registry.example.com/team/runner:1.0.0");
            assert.equal(scaleSetImage(await plan("dev", { directory })), "registry.example.com/team/runner:1.0.0");
        });
    });

    describe("the repository", () => {
        for (const stack of STACKS) {
            it(`${stack}: scanned, immutable, KMS, expiring; the deploy role alone pushes; the nodes pull; no other account`, async () => {
                const p = await realPlan(stack);
                const repository = ofType(p, "aws:ecr/repository:Repository").find((candidate) => candidate.inputs.name === `platform-${stack}/actions-runner`)!;
                assert.deepEqual(repository.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.equal(repository.inputs.imageTagMutability, "IMMUTABLE");
                assert.equal((repository.inputs.encryptionConfigurations as Spec[])[0].encryptionType, "KMS");
                assert.ok(ofType(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy").some((policy) => policy.name === repository.name));
                const policy = JSON.parse(String(ofType(p, "aws:ecr/repositoryPolicy:RepositoryPolicy").find((candidate) => candidate.name === repository.name)!.inputs.policy));
                const bySid = Object.fromEntries((policy.Statement as Spec[]).map((statement) => [statement.Sid, statement]));
                assert.deepEqual((bySid.PushForTheBuilder.Principal as Spec).AWS, [p.outputs.deployRoleArn]);
                assert.deepEqual((bySid.NoPushForAnyoneElse.Condition as Spec), { StringNotEquals: { "aws:PrincipalArn": [p.outputs.deployRoleArn] } });
                const pullers = (bySid.PullForDeployersAndNodes.Principal as { AWS: string[] }).AWS;
                assert.ok(pullers.some((arn) => arn.includes("cluster-nodes")), "the nodes pull it");
                assert.equal(pullers.some((arn) => arn.endsWith(":root")), false, "no other account reads it");
            });

            it(`${stack}: the deploy role's own policy allows the push (its repositories are <prefix>/*), by IAM simulation`, async () => {
                const p = await realPlan(stack);
                const policy = JSON.parse(String(one(p, "aws:iam/rolePolicy:RolePolicy", "identity-deploy").inputs.policy));
                const account = accountOf(stack);
                const allowed = async (action: string, repository: string) => {
                    const result = await runSimulation({
                        request: { principal: `arn:aws:iam::${account}:role/platform-${stack}-deploy`, action, resource: { resource: `arn:aws:ecr:us-east-1:${account}:repository/${repository}`, accountId: account }, contextVariables: {} },
                        identityPolicies: [{ name: "deploy", policy }],
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                    }, {});
                    return result.resultType === "single" && result.result.analysis.result === "Allowed";
                };
                for (const action of ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages"]) {
                    assert.equal(await allowed(action, `platform-${stack}/actions-runner`), true, action);
                }
                const other = stack === "dev" ? "staging" : "dev";
                assert.equal(await allowed("ecr:PutImage", `platform-${other}/actions-runner`), false, "another stack's repository is refused");
            });
        }

        it("refuses a service named like the runner image's repository", async () => {
            const error = await plan("dev", { transformConfig: (config) => ({ ...config, config: { ...config.config, "platform:services": JSON.stringify([{ name: "actions-runner", path: "services/x", runtime: "go", port: 8080, healthPath: "/healthz", public: false, resources: { cpu: "100m", memory: "128Mi" } }]) } }) })
                .then(() => undefined, (caught: unknown) => caught as Error);
            assert.match(String(error), /may not be named "actions-runner"/);
        });
    });

    describe("every command the cluster jobs run is in the image or installed before it", () => {
        it("maps each command of the deploy and rollback jobs' run: scripts to where it comes from", async () => {
            const p = await realPlan("prod");
            const scaleSets = new Set(STACKS.map((stack) => clusterRunnerScaleSet("platform", stack)));
            let jobs = 0;
            const all = new Set<string>();
            for (const [path, text] of Object.entries(p.files).filter(([file]) => file.startsWith(".github/workflows/"))) {
                const workflow = parse(text) as Workflow<string>;
                for (const [id, job] of Object.entries(workflow.jobs) as [string, Job<string>][]) {
                    if (!scaleSets.has(job["runs-on"])) continue;
                    jobs += 1;
                    const commands = new Set(job.steps.flatMap((step) => commandsOf(step.run ?? "")));
                    for (const command of commands) all.add(command);
                    for (const command of ["aws", "kubectl", "jq"]) assert.ok(commands.has(command), `${path} ${id} calls ${command}`);
                    assert.deepEqual(unprovided(job.steps), [], `${path} ${id}`);
                }
            }
            assert.ok(jobs >= 4, "the deploy jobs of three environments and the rollback job");
            for (const command of ["aws", "gh", "kubectl", "jq", "curl", "docker"]) assert.ok(all.has(command), `the scripts' commands include ${command}`);
            assert.equal(providerOf("aws", []), `the runner image (${RUNNER_IMAGE_DOCKERFILE})`);
        });

        it("catches a command nothing provides, and kubectl used before the step that installs it", () => {
            const setup: Step = { name: "Set up kubectl", uses: `Azure/setup-kubectl@${ACTIONS["Azure/setup-kubectl"].sha}` as Step["uses"] };
            const helm: Step = { name: "helm", run: "set -euo pipefail\nhelm upgrade x y" };
            const early: Step = { name: "early", run: "kubectl get pods | jq ." };
            assert.deepEqual(unprovided([setup, helm]), ["helm (step helm)"]);
            assert.deepEqual(unprovided([early, setup]), ["kubectl (step early)"]);
            assert.deepEqual(unprovided([setup, early]), []);
        });

        it("reads commands after keywords, pipes, substitutions and case patterns, never from quotes, comments or functions", () => {
            const script = [
                "set -euo pipefail",
                "# a comment's (words) never count",
                "helper() { curl -s x; }",
                "for i in $(seq 1 3); do if ! grep -q x f; then helper; fi; done",
                "case \"$x\" in",
                "  blue|green) sleep 1 ;;",
                "  *) echo \"::error::(not a command)\" ;;",
                "esac",
                "n=$(( a + b )) && v=$(jq -r '.a | tostring' f | awk '{ print $1 }')",
                "{ echo a; } >> out",
                "echo \"last $(wc -l < \"$f\") lines\"; echo \"run (was $x)\"; w=\"the tree ($(git rev-parse HEAD))\"",
            ].join("\n");
            assert.deepEqual(commandsOf(script).sort(), ["awk", "curl", "git", "grep", "jq", "seq", "sleep", "wc"]);
        });
    });

    describe("production's promotion without a Docker daemon", () => {
        it("logs in with the amazon-ecr-login whose source was read: `docker login`, which falls back to a client-side login", async () => {
            // aws-actions/amazon-ecr-login v2.1.7 (03f1aad4c6c7ffd436567f42f9384779290529bd) dist/index.js runs
            // `docker login -u <user> -p <password> <registry>`; docker/cli v29.6.1 (the CLI of the upstream runner image,
            // actions/runner images/Dockerfile DOCKER_VERSION=29.6.1) cli/command/registry/login.go loginWithRegistry: when
            // the daemon cannot be reached (client.IsErrConnectionFailed) it logs in client-side (loginClientSide) and stores
            // the credentials in the CLI's config file. docker/buildx v0.35.0 `imagetools create` reads registry auth from that
            // file (store/storeutil/storeutil.go GetImageConfig: dockerconfig.LoadAuthConfig(dockerCli)). A new pin of
            // the action must be read again: this test names the SHA that was.
            assert.equal(ACTIONS["aws-actions/amazon-ecr-login"].sha, "03f1aad4c6c7ffd436567f42f9384779290529bd");
            const p = await realPlan("prod");
            const deploy = (parse(p.files[".github/workflows/deploy-production.yml"]) as Workflow<string>).jobs.deploy as Job<string>;
            const names = deploy.steps.map((step) => step.name);
            assert.ok(names.indexOf("Log in to ECR") < names.findIndex((name) => name.endsWith("promote by digest")));
            assert.equal(commandsOf(deploy.steps.map((step) => step.run ?? "").join("\n")).includes("docker"), true, "imagetools copies the release");
        });
    });
});
