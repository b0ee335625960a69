// @ts-check
/* global require, process -- CommonJS run by Node (eslint.config.mjs gives .js files no Node globals) */
/**
 * Preloaded by `npm run bench` into every process it measures (`node --require ./tools/bench-usage.js ...`): at exit,
 * writes the process's own CPU time and peak memory, and the SDK modules (node_modules/@pulumi) it loaded, as JSON
 * to the file named by PLATFORM_BENCH_USAGE. Node gives a parent no child's resource usage, so the child reports its
 * own (process.resourceUsage: https://nodejs.org/api/process.html#processresourceusage). Plain JavaScript, so that
 * the SDK-load case loads nothing of TypeScript's.
 */
"use strict";
const { writeFileSync } = require("node:fs");

const target = process.env.PLATFORM_BENCH_USAGE;
if (target) {
    process.on("exit", () => {
        const usage = process.resourceUsage();
        const sdkModules = Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/]@pulumi[\\/]/.test(path));
        writeFileSync(target, JSON.stringify({ cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, peakMiB: usage.maxRSS / 1024, sdkModules }));
    });
}
