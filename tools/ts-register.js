/* global require -- CommonJS run by Node (eslint.config.mjs gives .js files no Node globals) */
// `node --require ./tools/ts-register.js tools/plan.ts`: loads TypeScript through the compile cache (tools/ts-cache.js).
"use strict";
require("./ts-cache").register();
