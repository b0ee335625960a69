/**
 * docker (only `buildx imagetools create`, the copy by digest between ECR repositories) and curl (the smoke tests
 * through a port-forward, and the Slack webhook). curl's exit codes: 7 when nothing listens, 22 for an HTTP error
 * under --fail (https://curl.se/docs/manpage.html#EXIT); both print `curl: (N) ...` under --show-error.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, next, ok, one, parseArgs, pause, UnknownInvocation, withState, type StubResult, type StubState } from "./state";

/** host/repository[:tag|@digest] of this account's ECR, or undefined for another registry. */
function ecrReference(state: StubState, reference: string): { repository: string; tag?: string; digest?: string } | undefined {
    const host = `${state.aws.account}.dkr.ecr.${state.aws.region}.amazonaws.com/`;
    if (!reference.startsWith(host)) return undefined;
    const rest = reference.slice(host.length);
    const at = rest.indexOf("@");
    if (at >= 0) return { repository: rest.slice(0, at), digest: rest.slice(at + 1) };
    const colon = rest.lastIndexOf(":");
    return colon >= 0 ? { repository: rest.slice(0, colon), tag: rest.slice(colon + 1) } : { repository: rest, tag: "latest" };
}

export function docker(state: StubState, args: string[]): StubResult {
    if (args[0] !== "buildx" || args[1] !== "imagetools" || args[2] !== "create") throw new UnknownInvocation(`docker ${args.slice(0, 3).join(" ")} is not emulated`);
    const { positional, flags } = parseArgs(args.slice(3), ["--tag", "-t"], ["--prefer-index"]);
    const config = join(process.env.DOCKER_CONFIG ?? join(process.env.HOME ?? "/nonexistent", ".docker"), "config.json");
    if (!existsSync(config)) return fail("ERROR: unauthorized: authentication required (no docker login to ECR)");
    const [source] = positional;
    const from = ecrReference(state, source ?? "");
    if (!from?.digest || positional.length !== 1) throw new UnknownInvocation(`imagetools create from ${positional.join(" ")}`);
    const image = state.registries[from.repository]?.find((i) => i.digest === from.digest);
    if (!image) return fail(`ERROR: ${source}: not found`);
    for (const tag of [...(flags["--tag"] ?? []), ...(flags["-t"] ?? [])]) {
        const to = ecrReference(state, tag);
        if (!to?.tag) throw new UnknownInvocation(`imagetools create --tag ${tag}`);
        const target = state.registries[to.repository];
        if (!target) return fail(`ERROR: failed to push ${tag}: name unknown: The repository with name '${to.repository}' does not exist in the registry with id '${state.aws.account}'`);
        const digest = state.copyDigest ?? image.digest;
        const holder = target.find((i) => (i.tags ?? []).includes(to.tag!));
        // Our repositories have immutable tags: a tag never moves to another digest.
        if (holder && holder.digest !== digest) return fail(`ERROR: failed to push ${tag}: tag invalid: The image tag '${to.tag}' already exists in the '${to.repository}' repository and cannot be overwritten because the repository is immutable.`);
        const existing = target.find((i) => i.digest === digest);
        if (existing) existing.tags = [...new Set([...(existing.tags ?? []), to.tag])];
        else target.push({ digest, tags: [to.tag] });
    }
    return { err: `#1 [internal] pushing ${(flags["--tag"] ?? []).join(" ")}\n#1 DONE 0.1s\n`, code: 0 };
}

/** curl runs outside the state lock: it waits for the port-forward that its own script started in the background. */
export function curl(args: string[]): StubResult {
    const { positional, flags } = parseArgs(args, ["--max-time", "-m", "--output", "-o", "-H", "--header", "--data", "-d"], ["--fail", "-f", "--silent", "-s", "--show-error", "-S"]);
    const url = new URL(positional[0] ?? "");
    const showError = "--show-error" in flags || "-S" in flags;
    const failing = "--fail" in flags || "-f" in flags;
    const error = (code: number, message: string): StubResult => ({ err: showError || !("--silent" in flags) ? `curl: (${code}) ${message}\n` : "", code });
    if (url.hostname === "hooks.slack.com") {
        withState((state) => { state.slack.push({ url: url.href, payload: one(flags, "--data") ?? one(flags, "-d") ?? "" }); });
        return ok("ok");
    }
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new UnknownInvocation(`curl to ${url.origin}`);
    const key = `${process.ppid}:${url.port || "80"}`;
    let deployment: string | undefined;
    for (let waited = 0; waited <= 2000 && deployment === undefined; waited += 20) {
        deployment = withState((state) => state.forwards[key]);
        if (deployment === undefined) pause(20);
    }
    if (deployment === undefined) return error(7, `Failed to connect to ${url.hostname} port ${url.port} after 0 ms: Couldn't connect to server`);
    const answer = withState((state) => {
        const expected = state.deployments[deployment!]?.healthPath;
        if (expected !== undefined && expected !== url.pathname) return 404;
        return next(state, `health:${deployment}`, state.health[deployment!], 200);
    });
    if (answer === "refused") return error(7, `Failed to connect to ${url.hostname} port ${url.port} after 0 ms: Couldn't connect to server`);
    if (answer >= 400 && failing) return error(22, `The requested URL returned error: ${answer}`);
    const output = one(flags, "--output") ?? one(flags, "-o");
    if (output && output !== "/dev/null") writeFileSync(output, "ok");
    return ok(output ? "" : "ok");
}
