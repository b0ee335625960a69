import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { planDocument, PROJECT_DIRECTORY } from "../tools/plan-stack";
import { compiledSource, createCache } from "../tools/ts-cache";
import { realPlan } from "./harness";

const REGISTER = join(PROJECT_DIRECTORY, "tools", "ts-register.js");

/** A run of `node --require tools/ts-register.js FILE` with its own cache directory (else the checkout's). */
function run(file: string, cache: string | undefined, args: string[] = []) {
    const env = { ...process.env, ...(cache ? { PLATFORM_TS_CACHE: cache } : {}) };
    return spawnSync(process.execPath, ["--require", REGISTER, file, ...args], { cwd: PROJECT_DIRECTORY, encoding: "utf8", env, maxBuffer: 1 << 26 });
}

function runAsync(file: string, cache: string): Promise<{ status: number | null; stdout: string }> {
    return new Promise((done) => {
        const child = spawn(process.execPath, ["--require", REGISTER, file], { env: { ...process.env, PLATFORM_TS_CACHE: cache } });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
        child.on("close", (status) => done({ status, stdout }));
    });
}

const entries = (directory: string) => readdirSync(directory).filter((name) => name !== "v8");
const withoutMap = (code: string) => code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");

/** Every TypeScript file the offline plan can load (the program, the tools, the policy pack). */
function sourceFiles(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return sourceFiles(path);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
    });
}

describe("compile cache of the offline plan (tools/ts-cache.js)", () => {
    let work: string;
    beforeEach(() => { work = mkdtempSync(join(tmpdir(), "ts-cache-")); });
    afterEach(() => rmSync(work, { recursive: true, force: true }));

    it("compiles every file of the program to the code ts-node's transpile-only mode runs", () => {
        // ts-node's fixed options over tsconfig.json (ts-node/dist/configuration.js, TS_NODE_COMPILER_OPTIONS).
        const { config } = ts.readConfigFile(join(PROJECT_DIRECTORY, "tsconfig.json"), ts.sys.readFile);
        const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PROJECT_DIRECTORY);
        const compilerOptions = { ...options, sourceMap: true, inlineSourceMap: false, inlineSources: true, declaration: false, noEmit: false, outDir: ".ts-node" };
        const cache = createCache({ directory: work });
        const files = ["infra", "github", "tools", "policy"].flatMap((folder) => sourceFiles(join(PROJECT_DIRECTORY, folder)));
        assert.ok(files.length > 50, `found ${files.length} files`);
        for (const file of files) {
            const source = readFileSync(file, "utf8");
            const expected = ts.transpileModule(source, { fileName: file, compilerOptions }).outputText;
            assert.equal(withoutMap(compiledSource(cache, file, source)), withoutMap(expected), relative(PROJECT_DIRECTORY, file));
        }
    });

    it("names entries after everything the output depends on: tsconfig.json is the whole config (no extends)", () => {
        // The salt hashes tsconfig.json's text; a base config it extended would change the output unseen.
        const tsconfig = JSON.parse(readFileSync(join(PROJECT_DIRECTORY, "tsconfig.json"), "utf8")) as Record<string, unknown>;
        assert.equal(tsconfig.extends, undefined, "add the extended file to saltOf in tools/ts-cache.js");
        const other = mkdtempSync(join(tmpdir(), "ts-cache-other-"));
        try {
            const first = createCache({ directory: work });
            const second = { ...createCache({ directory: other }), salt: "another compiler or tsconfig" };
            compiledSource(first, join(work, "same.ts"), "export const same = 1;\n");
            compiledSource(second, join(work, "same.ts"), "export const same = 1;\n");
            assert.notDeepEqual(entries(work), entries(other), "the same file and text under another salt is another entry");
        } finally {
            rmSync(other, { recursive: true, force: true });
        }
    });

    it("serves an entry only for the exact text it was compiled from", () => {
        const cache = createCache({ directory: work });
        const file = join(work, "value.ts");
        assert.match(compiledSource(cache, file, "export const value: number = 1;\n"), /value = 1;/);
        assert.match(compiledSource(cache, file, "export const value: number = 1;\n"), /value = 1;/);
        assert.deepEqual([cache.compiled, cache.hits], [1, 1]);
        // One character changed, same length: a new entry, never the old one.
        assert.match(compiledSource(cache, file, "export const value: number = 2;\n"), /value = 2;/);
        assert.deepEqual([cache.compiled, cache.hits], [2, 1]);
        assert.equal(entries(work).length, 2);
    });

    it("a source change reaches the next run, whatever the file's date", () => {
        const cache = join(work, "cache");
        const file = join(work, "main.ts");
        writeFileSync(file, "const answer: number = 41;\nconsole.log(answer);\n");
        const { atime, mtime } = statSync(file);
        assert.equal(run(file, cache).stdout, "41\n");
        assert.equal(run(file, cache).stdout, "41\n", "from the entry");
        writeFileSync(file, "const answer: number = 42;\nconsole.log(answer);\n");
        utimesSync(file, atime, mtime);
        assert.equal(run(file, cache).stdout, "42\n");
    });

    it("runs from memory when the cache cannot be written (a read-only tree)", () => {
        const blocked = join(work, "a-file");
        writeFileSync(blocked, "");
        const file = join(work, "main.ts");
        writeFileSync(file, "console.log(\"ran\" as string);\n");
        // A directory below a regular file cannot be created, even by root (whom file modes do not stop).
        const result = run(file, join(blocked, "cache"));
        assert.deepEqual([result.status, result.stdout, result.stderr], [0, "ran\n", ""]);
    });

    it("concurrent first runs all succeed and leave one whole entry", async () => {
        const cache = join(work, "cache");
        const file = join(work, "main.ts");
        writeFileSync(file, "const values: number[] = [1, 2, 3];\nconsole.log(values.join(\",\"));\n");
        const results = await Promise.all([1, 2, 3, 4].map(() => runAsync(file, cache)));
        assert.deepEqual(results, Array(4).fill({ status: 0, stdout: "1,2,3\n" }));
        assert.equal(entries(cache).length, 1, `entries: ${entries(cache).join(", ")}`);
    });

    it("stack traces point into the TypeScript source, from a fresh compile and from the cache", () => {
        const cache = join(work, "cache");
        const file = join(work, "main.ts");
        writeFileSync(file, "interface Shape { sides: number }\n\nconst square: Shape = { sides: 4 };\nfunction fail(): never {\n    throw new Error(`sides ${square.sides}`);\n}\nfail();\n");
        for (const attempt of ["compiled", "cached"]) {
            const result = run(file, cache);
            assert.equal(result.status, 1, attempt);
            assert.ok(result.stderr.includes(`at fail (${file}:5:11)`), `${attempt}:\n${result.stderr}`);
        }
    });

    it("a syntax error fails the run and names the file", () => {
        const file = join(work, "broken.ts");
        writeFileSync(file, "const value: = 1;\n");
        const result = run(file, join(work, "cache"));
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /TypeScript could not compile .*broken\.ts/);
        assert.match(result.stderr, /error TS1110/);
        assert.equal(readdirSync(work).includes("cache") ? entries(join(work, "cache")).length : 0, 0, "nothing cached");
    });

    it("npm run plan under the cache writes the plan and files that the program makes in-process", async function () {
        this.timeout(120_000);
        const out = join(work, "out");
        // The checkout's own cache, as `npm run plan` uses it: empty on a fresh clone (CI), so compiled there.
        const result = run(join(PROJECT_DIRECTORY, "tools", "plan.ts"), undefined, ["--stack", "prod", "--out", out]);
        assert.equal(result.status, 0, result.stderr);
        const expected = await realPlan("prod");
        assert.equal(readFileSync(join(out, "plan.json"), "utf8"), `${JSON.stringify(planDocument(expected), null, 2)}\n`);
        for (const [path, content] of Object.entries(expected.files)) assert.equal(readFileSync(resolve(out, "files", path), "utf8"), content, path);
        assert.ok(Object.keys(expected.files).length > 0);
    });
});
