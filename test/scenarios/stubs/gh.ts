/**
 * The GitHub CLI, for `gh run list`, `gh run download` and `gh issue create` against the runs, artifacts and issues of
 * the state. It needs GH_TOKEN in a workflow (https://cli.github.com/manual/gh_help_environment); `--json` accepts
 * only the fields `gh run list` knows (https://cli.github.com/manual/gh_run_list); `--jq` runs the expression with jq
 * (gh's own is gojq; the scripts' filters mean the same in both). `gh api PATH` answers from `state.api`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, one, parseArgs, UnknownInvocation, type StubResult, type StubState } from "./state";

const RUN_FIELDS = ["attempt", "conclusion", "createdAt", "databaseId", "displayTitle", "event", "headBranch", "headSha", "name", "number", "startedAt", "status", "updatedAt", "url", "workflowDatabaseId", "workflowName"];
// gh run list --status takes a status or a conclusion (gh run list --help).
const STATUSES = ["queued", "completed", "in_progress", "requested", "waiting", "pending", "action_required", "cancelled", "failure", "neutral", "skipped", "stale", "startup_failure", "success", "timed_out"];

function jq(value: unknown, expression: string | undefined): StubResult {
    if (expression === undefined) return ok(`${JSON.stringify(value, null, 2)}\n`);
    const result = spawnSync("jq", ["-r", expression], { input: JSON.stringify(value), encoding: "utf8" });
    return result.status === 0 ? ok(result.stdout) : fail(result.stderr);
}

export function gh(state: StubState, args: string[]): StubResult {
    const { positional, flags } = parseArgs(args, ["--repo", "-R", "--workflow", "-w", "--status", "-s", "--limit", "-L", "--json", "--jq", "-q", "--name", "-n", "--dir", "-D", "--title", "-t", "--body", "-b", "--label", "-l"]);
    if (!process.env.GH_TOKEN && !process.env.GITHUB_TOKEN) {
        return fail("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}", 4);
    }
    if (positional[0] === "api") {
        // `gh api PATH [--jq EXPR]`: GET of a path the scenario answers (state.api); anything else is 404, as GitHub says.
        const path = (positional[1] ?? "").replace(/^\//, "");
        if (positional.length !== 2 || Object.keys(flags).some((f) => f !== "--jq" && f !== "-q")) throw new UnknownInvocation("gh api other than a GET of one path with --jq");
        if (!(path in (state.api ?? {}))) return fail(`gh: Not Found (HTTP 404)\n{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`);
        return jq(state.api![path], one(flags, "--jq") ?? one(flags, "-q"));
    }
    const repo = one(flags, "--repo") ?? one(flags, "-R");
    if (repo !== state.github.repository) return fail(`HTTP 404: Not Found (https://api.github.com/repos/${repo ?? "(no --repo)"})`);
    const [noun, verb, ...rest] = positional;
    switch (`${noun} ${verb}`) {
        case "run list": {
            const workflow = one(flags, "--workflow") ?? one(flags, "-w");
            const status = one(flags, "--status") ?? one(flags, "-s");
            if (status !== undefined && !STATUSES.includes(status)) return fail(`invalid argument "${status}" for "-s, --status" flag`);
            const fields = (one(flags, "--json") ?? "").split(",").filter(Boolean);
            const unknown = fields.find((f) => !RUN_FIELDS.includes(f));
            if (fields.length === 0 || unknown) return fail(`Unknown JSON field: "${unknown ?? ""}"\nAvailable fields:\n  ${RUN_FIELDS.join("\n  ")}`);
            const runs = state.runs
                .filter((r) => workflow === undefined || r.workflow === workflow)
                .filter((r) => status === undefined || r.conclusion === status || (r.status ?? "completed") === status)
                .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
                .slice(0, Number(one(flags, "--limit") ?? one(flags, "-L") ?? 20))
                .map((r) => Object.fromEntries(fields.map((f) => [f, (r as unknown as Record<string, unknown>)[f] ?? (f === "status" ? "completed" : null)])));
            return jq(runs, one(flags, "--jq") ?? one(flags, "-q"));
        }
        case "run download": {
            const id = Number(rest[0]);
            const run = state.runs.find((r) => r.databaseId === id);
            if (!run) return fail(`HTTP 404: Not Found (https://api.github.com/repos/${repo}/actions/runs/${rest[0]})`);
            const names = flags["--name"] ?? flags["-n"];
            if (!names || names.length !== 1) throw new UnknownInvocation("gh run download without exactly one --name");
            const artifact = run.artifacts?.[names[0]];
            if (!artifact) return fail("no valid artifacts found to download");
            // With one --name, gh extracts the artifact's files straight into --dir (default: the current directory).
            const dir = one(flags, "--dir") ?? one(flags, "-D") ?? ".";
            mkdirSync(dir, { recursive: true });
            for (const [file, content] of Object.entries(artifact)) writeFileSync(join(dir, file), typeof content === "string" ? content : JSON.stringify(content, null, 2));
            return ok();
        }
        case "issue create": {
            const title = one(flags, "--title") ?? one(flags, "-t");
            const body = one(flags, "--body") ?? one(flags, "-b");
            if (!title || body === undefined) return fail("must provide `--title` and `--body` when not running interactively");
            const number = state.issues.length + 1;
            state.issues.push({ number, title, body, labels: flags["--label"] ?? flags["-l"] ?? [] });
            return ok(`https://github.com/${repo}/issues/${number}\n`);
        }
        default:
            throw new UnknownInvocation(`gh ${noun} ${verb} is not emulated`);
    }
}
