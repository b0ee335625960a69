/**
 * The entry of every stub: `main.js <tool> <args...>`. Logs the call, runs the tool's emulation on the state under
 * the lock, prints what the tool would print and exits with its code. An invocation no emulation knows is logged
 * apart (the runner fails the scenario on it, even when the script ignored the failure) and exits 2 with its argv.
 */
import { readFileSync } from "node:fs";
import { aws } from "./aws";
import { gh } from "./gh";
import { kubectl } from "./kubectl";
import { curl, docker } from "./net";
import { logCall, logUnknown, UnknownInvocation, withState, type StubResult, type StubState } from "./state";

const TOOLS: Record<string, (state: StubState, args: string[], stdin?: string) => StubResult> = { aws, gh, kubectl, docker };

function run(tool: string, args: string[]): StubResult {
    if (tool === "curl") return curl(args);
    const emulate = TOOLS[tool];
    if (!emulate) throw new UnknownInvocation(`no stub for ${tool}`);
    // stdin is read before the lock: in `kubectl get | kubectl create -f -` both ends need the state.
    const stdin = args.includes("-") || args.includes("--filename=-") ? readFileSync(0, "utf8") : undefined;
    return withState((state) => emulate(state, args, stdin));
}

const [tool, ...args] = process.argv.slice(2);
logCall([tool, ...args]);
let result: StubResult;
try {
    result = run(tool, args);
} catch (error) {
    if (!(error instanceof UnknownInvocation)) throw error;
    logUnknown([tool, ...args], error.message);
    result = { err: `scenario stub: unknown invocation (${error.message}): ${JSON.stringify([tool, ...args])}\n`, code: 2 };
}
if (result.out) process.stdout.write(result.out);
if (result.err) process.stderr.write(result.err);
process.exitCode = result.code ?? 0;
