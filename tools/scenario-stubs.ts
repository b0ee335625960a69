/**
 * Builds the stub commands once per set of sources: test/scenarios/stubs/*.ts transpiled to CommonJS in a cache
 * directory (plain node starts in ~30 ms; ts-node would take ten times that, on every call), and one small shell
 * wrapper per tool (aws, kubectl, gh, docker, curl, sleep) that the job's PATH finds first. `sleep` returns at once
 * (the scripts' bounded waits then cost nothing) but is logged, so a scenario can count the waits.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const STUB_SOURCES = resolve(__dirname, "..", "test", "scenarios", "stubs");
export const STUBBED_TOOLS = ["aws", "kubectl", "gh", "docker", "curl"];
const PROJECT_MODULES = resolve(__dirname, "..", "node_modules");

const SLEEP = `#!/bin/bash
# The stub sleep: validates its operand like coreutils sleep, logs it, and returns at once.
if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+(\\.[0-9]+)?[smhd]?$ ]]; then echo "sleep: invalid time interval '\${1:-}'" >&2; exit 1; fi
printf '["sleep","%s"]\\n' "$1" >> "$SCENARIO_STUB_CALLS"
`;

/** The directory to put first on PATH. */
export function prepareStubs(): string {
    const sources = readdirSync(STUB_SOURCES).filter((f) => f.endsWith(".ts")).sort();
    const hash = createHash("sha256");
    for (const file of sources) hash.update(file).update(readFileSync(join(STUB_SOURCES, file)));
    // The wrappers name this checkout's node_modules (NODE_PATH): a build made for another checkout of the same sources
    // (a removed worktree, another clone) must not be reused.
    hash.update(SLEEP).update(process.execPath).update(PROJECT_MODULES);
    const directory = join(tmpdir(), `platform-scenario-stubs-${hash.digest("hex").slice(0, 16)}`);
    const bin = join(directory, "bin");
    if (existsSync(bin)) return bin;
    // Built aside and renamed into place: parallel test processes never see half a directory.
    const building = `${directory}.${process.pid}.tmp`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(join(building, "bin"), { recursive: true });
    // Loaded only when the stubs change: the compiler takes a second to load.
    const ts = require("typescript") as typeof import("typescript");
    for (const file of sources) {
        const output = ts.transpileModule(readFileSync(join(STUB_SOURCES, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            fileName: file,
        });
        writeFileSync(join(building, file.replace(/\.ts$/, ".js")), output.outputText);
    }
    for (const tool of STUBBED_TOOLS) {
        writeFileSync(join(building, "bin", tool), `#!/bin/sh\nNODE_PATH='${PROJECT_MODULES}' NODE_COMPILE_CACHE='${join(directory, "compile-cache")}' exec "$SCENARIO_STUB_NODE" '${join(directory, "main.js")}' ${tool} "$@"\n`);
        chmodSync(join(building, "bin", tool), 0o755);
    }
    writeFileSync(join(building, "bin", "sleep"), SLEEP);
    chmodSync(join(building, "bin", "sleep"), 0o755);
    try { renameSync(building, directory); } catch { rmSync(building, { recursive: true, force: true }); }
    return bin;
}
