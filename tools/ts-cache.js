// @ts-check
/* global require, module, process, __dirname, __filename -- CommonJS run by Node (eslint.config.mjs gives .js files no Node globals) */
/**
 * A TypeScript loader with a compile cache, for the offline plan and the bench: `node --require ./tools/ts-register.js
 * tools/plan.ts`. It compiles every .ts file exactly as `ts-node/register/transpile-only` does (TypeScript's
 * transpileModule, this repository's tsconfig.json, syntax errors refused) and keeps the JavaScript, with an inline
 * source map, under bin/ts-cache/. Loading TypeScript's compiler and compiling ~100 files took about half of a plan's
 * CPU, every run; with the cache a run that changed nothing loads neither.
 *
 * Why this cannot serve stale code: an entry's name is a hash of everything its output depends on (the file's path
 * and text, tsconfig.json, the compiler's version and this file's own text), and each file is hashed again at every
 * load. An edit gives a new name, hence a compile; nothing is ever invalidated or compared by date.
 * Why concurrent runs are safe: an entry is written to a temporary file and renamed into place (a rename within one
 * directory is atomic on POSIX), so a reader sees a whole entry or none; two runs that compile one file write the
 * same bytes. Why a read-only tree works: when bin/ts-cache/ cannot be written, the compiled code is used from memory.
 *
 * This is plain JavaScript because it is what makes TypeScript loadable. `pulumi up` never loads it: Pulumi.yaml's
 * nodejs runtime with `typescript: true` registers ts-node itself before it requires the program (@pulumi/pulumi
 * 3.270.0, cmd/run/run.js, the PULUMI_NODEJS_TYPESCRIPT branch), and nothing under infra/ requires this file.
 */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { join, resolve } = require("node:path");

const ROOT = resolve(__dirname, "..");
/** `PLATFORM_TS_CACHE` moves the cache (tests use a temporary directory). */
const DEFAULT_DIRECTORY = process.env.PLATFORM_TS_CACHE ?? join(ROOT, "bin", "ts-cache");
/** ts-node's default `ignoreDiagnostics` (ts-node/dist/index.js, DEFAULTS): they never fail a transpile there either. */
const IGNORED_DIAGNOSTICS = new Set([6059, 18002, 18003]);

/**
 * @typedef {{ directory: string, root: string, salt: string, hits: number, compiled: number, writable: boolean,
 *   compile?: (source: string, fileName: string) => string }} Cache
 */

/** @param {string} text */
function sha256(text) {
    return createHash("sha256").update(text).digest("hex");
}

/**
 * What every entry depends on besides its own file. Reading two small files and one package.json costs far less
 * than loading the compiler, which is left for the first miss.
 * @param {string} root
 */
function saltOf(root) {
    const compiler = JSON.parse(readFileSync(require.resolve("typescript/package.json", { paths: [root] }), "utf8")).version;
    return sha256([`typescript ${compiler}`, readFileSync(join(root, "tsconfig.json"), "utf8"), readFileSync(__filename, "utf8")].join("\0"));
}

/**
 * The transpiler, loaded on the first miss: tsconfig.json's options with ts-node's fixed ones
 * (ts-node/dist/configuration.js, TS_NODE_COMPILER_OPTIONS), except that the map is inline so that Node's own
 * source-map support finds it with the code.
 * @param {string} root
 * @returns {(source: string, fileName: string) => string}
 */
function createCompiler(root) {
    /** @type {typeof import("typescript")} */
    const ts = require(require.resolve("typescript", { paths: [root] }));
    const configFile = join(root, "tsconfig.json");
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
    const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile);
    // No outDir: the map's sources are then relative to the .ts file itself, which is where Node resolves them
    // (the module's file name is the .ts path). outDir changes no emitted code in a single-file transpile.
    const compilerOptions = { ...options, outDir: undefined, rootDir: undefined, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false };
    return (source, fileName) => {
        const result = ts.transpileModule(source, { fileName, compilerOptions, reportDiagnostics: true });
        const errors = (result.diagnostics ?? []).filter((diagnostic) => !IGNORED_DIAGNOSTICS.has(diagnostic.code));
        if (errors.length > 0) {
            const host = { getCanonicalFileName: (/** @type {string} */ name) => name, getCurrentDirectory: () => root, getNewLine: () => "\n" };
            throw new SyntaxError(`TypeScript could not compile ${fileName}:\n${ts.formatDiagnostics(errors, host)}`);
        }
        return result.outputText;
    };
}

/**
 * @param {{ directory?: string, root?: string }} [options]
 * @returns {Cache}
 */
function createCache(options = {}) {
    const root = options.root ?? ROOT;
    return { directory: options.directory ?? DEFAULT_DIRECTORY, root, salt: saltOf(root), hits: 0, compiled: 0, writable: true };
}

/**
 * The JavaScript for one TypeScript file: from the cache when an entry for exactly this text exists, else compiled
 * (and stored, when the directory can be written).
 * @param {Cache} cache
 * @param {string} fileName
 * @param {string} source
 * @returns {string}
 */
function compiledSource(cache, fileName, source) {
    const entry = join(cache.directory, `${sha256(`${cache.salt}\0${fileName}\0${source}`)}.js`);
    try {
        const cached = readFileSync(entry, "utf8");
        cache.hits += 1;
        return cached;
    } catch {
        // No entry yet: compile below.
    }
    cache.compile ??= createCompiler(cache.root);
    const output = cache.compile(source, fileName);
    cache.compiled += 1;
    if (cache.writable) {
        const temporary = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        try {
            mkdirSync(cache.directory, { recursive: true });
            writeFileSync(temporary, output);
            renameSync(temporary, entry);
        } catch {
            // A read-only tree or a full disk: run from memory, and stop trying for this process.
            cache.writable = false;
            try { unlinkSync(temporary); } catch { /* never written */ }
        }
    }
    return output;
}

/**
 * Loads .ts files through the cache from now on, with source-mapped stack traces.
 * node_modules is left alone, as ts-node leaves it.
 * @param {{ directory?: string, root?: string }} [options]
 * @returns {Cache}
 */
function register(options) {
    const cache = createCache(options);
    // V8's code cache for every module this process compiles, the SDKs' included: about 10% of a plan's CPU is V8
    // compiling the same JavaScript at every start. Node validates each entry against the module's source and
    // never throws if the directory cannot be used (https://nodejs.org/api/module.html#module-compile-cache);
    // NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
    if (typeof Module.enableCompileCache === "function" && !process.env.NODE_COMPILE_CACHE) Module.enableCompileCache(join(cache.directory, "v8"));
    // Only this repository's files: mapping node_modules too (what --enable-source-maps does) cost about 5% of a
    // plan's CPU (whole-process medians in turns), spent measuring the lines of every SDK module that names a .map
    // file. module.setSourceMapsSupport is in Node 22.14 and later
    // (https://nodejs.org/api/module.html#modulesetsourcemapssupportenabled-options).
    if (typeof Module.setSourceMapsSupport === "function") Module.setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
    else process.setSourceMapsEnabled(true);
    /** @type {Record<string, (module: NodeJS.Module, fileName: string) => void>} */
    const extensions = /** @type {{ _extensions: Record<string, (module: NodeJS.Module, fileName: string) => void> }} */ (/** @type {unknown} */ (Module))._extensions;
    const fallback = extensions[".js"];
    extensions[".ts"] = (module, fileName) => {
        if (fileName.split(/[\\/]/).includes("node_modules")) return fallback(module, fileName);
        const output = compiledSource(cache, fileName, readFileSync(fileName, "utf8"));
        /** @type {{ _compile(code: string, fileName: string): void }} */ (/** @type {unknown} */ (module))._compile(output, fileName);
    };
    return cache;
}

module.exports = { register, createCache, compiledSource, DEFAULT_DIRECTORY };
