/**
 * Which commands a job's `run:` scripts call, and where each comes from: the upstream runner image, the program's
 * runner image (the `provides` of its Dockerfile model), or an action step earlier in the job. The command list is
 * read from the scripts themselves (the first word of every simple command), never written down by hand.
 */
import { RUNNER_IMAGE_DOCKERFILE, runnerDockerfileModel } from "../github/workflows/runner-image";
import type { Step } from "../github/workflows/model";

/** Words after which the next word is a command. */
const PREFIX = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "}", "done", "fi", "esac"]);

/** Bash keywords and builtins: they need no executable, and their arguments are not commands. */
const SHELL = new Set([
    "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", "function", "return", "exit", "break", "continue",
    "local", "export", "set", "shopt", "trap", "wait", "kill", "echo", "printf", "read", "true", "false", "cd", "test", "[", "[[", ":", "shift", "eval",
    "source", ".", "declare", "unset", "time", "!", "{", "}",
]);

/**
 * The upstream image (actions/runner images/Dockerfile at v2.336.0): `apt install ... curl jq unzip` and git from the
 * git-core PPA, the docker CLI (static binaries, DOCKER_VERSION 29.6.1) and buildx as a CLI plugin, on Ubuntu 24.04
 * (mcr.microsoft.com/dotnet/runtime-deps:8.0-noble), whose required packages give coreutils, grep, sed, mawk (awk),
 * findutils, gzip and tar.
 */
const UPSTREAM = new Set([
    "curl", "jq", "unzip", "git", "docker",
    "awk", "sed", "grep", "find", "xargs", "tar", "gzip",
    "cat", "date", "seq", "sleep", "mkdir", "wc", "basename", "dirname", "tr", "cut", "sort", "head", "tail", "uniq", "tee", "rm", "cp", "mv", "ls",
    "env", "sha256sum", "base64", "mktemp", "touch", "chmod", "dpkg",
]);

/** What an action step puts on PATH for the rest of the job. */
const INSTALLED_BY: Record<string, string> = { "Azure/setup-kubectl": "kubectl" };

/** `$(( ... ))` with any nesting of parentheses inside: arithmetic, never a command. */
function withoutArithmetic(text: string): string {
    let result = text;
    for (let start = result.indexOf("$(("); start >= 0; start = result.indexOf("$((")) {
        let depth = 0;
        let end = start + 1;
        for (; end < result.length; end += 1) {
            if (result[end] === "(") depth += 1;
            if (result[end] === ")") depth -= 1;
            if (depth === 0) break;
        }
        result = `${result.slice(0, start)}0${result.slice(end + 1)}`;
    }
    return result;
}

/**
 * The script with quoted text emptied: single-quoted text (jq and awk programs) and double-quoted text are data, except
 * the command substitutions inside double quotes, which are kept (with their own quotes emptied in turn).
 */
function withoutQuotedText(text: string): string {
    const modes: ("code" | "substitution" | "paren" | "single" | "double")[] = ["code"];
    let out = "";
    for (let index = 0; index < text.length; index += 1) {
        const char = text[index];
        const mode = modes[modes.length - 1];
        if (mode === "single") {
            if (char === "'") { modes.pop(); out += "''"; }
        } else if (mode === "double") {
            if (char === "\\") index += 1;
            else if (char === "\"") { modes.pop(); out += "\"\""; }
            else if (char === "$" && text[index + 1] === "(") { modes.push("substitution"); out += " $("; index += 1; }
        } else if (char === "\\") {
            out += text.slice(index, index + 2); index += 1;
        } else if (char === "'") modes.push("single");
        else if (char === "\"") modes.push("double");
        else if (char === "$" && text[index + 1] === "(") { modes.push("substitution"); out += "$("; index += 1; }
        else if (char === "(" && mode !== "code") { modes.push("paren"); out += char; }
        else if (char === ")" && mode !== "code") { modes.pop(); out += char; }
        else out += char;
    }
    return out;
}

/** The first word of every simple command in a bash script. */
export function commandsOf(script: string): string[] {
    const functions = new Set([...script.matchAll(/(\w[\w-]*)\(\)\s*\{/g)].map((match) => match[1]));
    const text = withoutQuotedText(withoutArithmetic(script.replace(/^\s*#.*$/gm, "")))
        .replace(/\w[\w-]*\(\)\s*\{/g, "{")
        .replace(/^(\s*)[\w*|.-]+\)\s/gm, "$1");
    const found = new Set<string>();
    for (const segment of text.split(/\n|;|\|\||&&|\||\$\(|`|\(|\{/)) {
        const words = segment.trim().split(/\s+/).filter((word) => word !== "");
        while (words.length > 0 && (PREFIX.has(words[0]) || /^\w+=/.test(words[0]))) words.shift();
        const word = (words[0] ?? "").replace(/^["']|["']$/g, "");
        if (/^[a-z][a-z0-9._-]*$/i.test(word) && !functions.has(word) && !SHELL.has(word)) found.add(word);
    }
    return [...found];
}

/** Where a command comes from, given the action steps before it; undefined: nowhere. */
export function providerOf(command: string, earlierSteps: readonly Step[]): string | undefined {
    if (runnerDockerfileModel().runs.some((run) => run.provides.includes(command))) return `the runner image (${RUNNER_IMAGE_DOCKERFILE})`;
    if (UPSTREAM.has(command)) return "the upstream runner image";
    const installer = earlierSteps.find((step) => step.uses !== undefined && INSTALLED_BY[step.uses.split("@")[0]] === command);
    return installer ? `the step "${installer.name}"` : undefined;
}

/** `<command> (step <name>)` for every command of the job's scripts that nothing provides at that step. */
export function unprovided(steps: readonly Step[]): string[] {
    return steps.flatMap((step, index) => commandsOf(step.run ?? "")
        .filter((command) => providerOf(command, steps.slice(0, index)) === undefined)
        .map((command) => `${command} (step ${step.name})`));
}
