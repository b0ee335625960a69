/**
 * Runs one generated `run:` script under bash with stub commands (gh, kubectl, aws, curl, sleep...) first on PATH, the
 * way a runner would: values only through the environment, $RUNNER_TEMP, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY as
 * files. Each stub is a bash body; it may append to "$CALLS" to record how it was called. In env values, `{temp}` stands
 * for $RUNNER_TEMP's path.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScriptRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** `name=value` lines of $GITHUB_OUTPUT (single-line values). */
    outputs: Record<string, string>;
    /** What the stubs appended to $CALLS, one call a line. */
    calls: string[];
    temp: string;
}

export function runScript(script: string, env: Record<string, string>, stubs: Record<string, string>, setup?: (temp: string) => void): ScriptRun {
    const root = mkdtempSync(join(tmpdir(), "platform-script-"));
    const bin = join(root, "bin");
    const temp = join(root, "temp");
    mkdirSync(bin);
    mkdirSync(temp);
    for (const [name, body] of Object.entries(stubs)) {
        writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
    }
    setup?.(temp);
    const files = { output: join(root, "output"), summary: join(root, "summary"), calls: join(root, "calls") };
    for (const file of Object.values(files)) writeFileSync(file, "");
    const result = spawnSync("bash", ["-c", script], {
        encoding: "utf8",
        timeout: 30_000,
        env: {
            PATH: `${bin}:${process.env.PATH ?? ""}`,
            RUNNER_TEMP: temp,
            GITHUB_OUTPUT: files.output,
            GITHUB_STEP_SUMMARY: files.summary,
            GITHUB_REPOSITORY: "example-org/app",
            GITHUB_RUN_ID: "9001",
            GITHUB_RUN_ATTEMPT: "1",
            CALLS: files.calls,
            ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.replaceAll("{temp}", temp)])),
        },
    });
    const outputs = Object.fromEntries(readFileSync(files.output, "utf8").split("\n").filter((line) => /^[\w-]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    const calls = existsSync(files.calls) ? readFileSync(files.calls, "utf8").split("\n").filter(Boolean) : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, outputs, calls, temp };
}

/** A `sleep` that returns at once, so that bounded waits run their whole course in milliseconds. */
export const NO_SLEEP = "exit 0";
