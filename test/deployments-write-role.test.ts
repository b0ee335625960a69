/**
 * tools/deployments-write-role.sh, the last pre-run command of every Pulumi Deployments run, run for real under bash
 * with a stand-in `aws` on PATH that records its arguments and answers as `aws sts assume-role-with-web-identity
 * --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text` does (one line, tab-separated).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WRITE_ROLE_SCRIPT } from "../infra/deployments/names";

const ROLE = "arn:aws:iam::777788889999:role/PulumiDeployments-Prod";

function run(operation: string | undefined, options: { answer?: string; token?: string; role?: string } = {}) {
    const directory = mkdtempSync(join(tmpdir(), "platform-write-role-"));
    const calls = join(directory, "calls");
    writeFileSync(join(directory, "aws"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >> "${calls}"\nprintf '%b' ${JSON.stringify(options.answer ?? "AKIDEXAMPLE\\tsecret-value\\tsession-value\\n")}\n`);
    chmodSync(join(directory, "aws"), 0o755);
    const token = join(directory, "pulumi.oidc");
    if (options.token !== "") writeFileSync(token, options.token ?? "eyJ.token.sig");
    const environment = join(directory, "PULUMI_ENV");
    const result = spawnSync("bash", [WRITE_ROLE_SCRIPT], {
        encoding: "utf8",
        env: {
            PATH: `${directory}:${process.env.PATH}`,
            ...(operation === undefined ? {} : { PULUMI_CI_OPERATION: operation }),
            PULUMI_CI_BUILD_NUMBER: "42",
            PLATFORM_WRITE_ROLE_ARN: options.role ?? ROLE,
            PLATFORM_WRITE_SESSION_SECONDS: "14400",
            AWS_REGION: "eu-west-1",
            PULUMI_OIDC_TOKEN_FILE: token,
            PULUMI_ENV_FILE: environment,
        },
    });
    return {
        status: result.status, output: result.stdout + result.stderr,
        calls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
        environment: existsSync(environment) ? readFileSync(environment, "utf8") : undefined,
    };
}

describe("Pulumi Deployments takes the write role only for write operations", () => {
    for (const operation of ["preview", "detect-drift", undefined]) {
        it(`${operation ?? "an unknown operation"}: keeps the read role, asks STS nothing, writes nothing to PULUMI_ENV`, () => {
            const result = run(operation);
            assert.equal(result.status, 0, result.output);
            assert.deepEqual(result.calls, []);
            assert.equal(result.environment, undefined);
        });
    }

    for (const operation of ["update", "refresh", "destroy", "remediate-drift"]) {
        it(`${operation}: exchanges the run's token for the write role and hands its credentials to the Pulumi operation, never to the log`, () => {
            const result = run(operation);
            assert.equal(result.status, 0, result.output);
            const args = result.calls;
            assert.deepEqual(args.slice(0, 2), ["sts", "assume-role-with-web-identity"]);
            const option = (name: string) => args[args.indexOf(name) + 1];
            assert.equal(option("--role-arn"), ROLE);
            assert.match(option("--web-identity-token"), /^file:\/\/.*pulumi\.oidc$/);
            assert.equal(option("--duration-seconds"), "14400");
            assert.equal(option("--region"), "eu-west-1");
            assert.equal(option("--role-session-name"), `pulumi-${operation}-42`);
            assert.equal(result.environment, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=secret-value\nAWS_SESSION_TOKEN=session-value\n");
            assert.doesNotMatch(result.output, /secret-value|session-value/);
        });
    }

    it("fails a write operation without a token, and one that STS answers with no credentials", () => {
        const noToken = run("update", { token: "" });
        assert.equal(noToken.status, 1);
        assert.match(noToken.output, /no OIDC token/);
        const empty = run("update", { answer: "\\n" });
        assert.equal(empty.status, 1);
        assert.match(empty.output, /STS returned no credentials/);
        assert.equal(empty.environment, undefined);
    });

    it("passes shellcheck", function () {
        if (spawnSync("shellcheck", ["--version"]).status !== 0) {
            assert.notEqual(process.env.REQUIRE_SHELLCHECK, "1", "shellcheck is required here but not installed");
            this.skip();
        }
        const result = spawnSync("shellcheck", ["--shell=bash", "--severity=info", WRITE_ROLE_SCRIPT], { encoding: "utf8" });
        assert.equal(result.status, 0, result.stdout);
    });
});
