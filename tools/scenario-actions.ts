/**
 * The `uses:` steps the deploy and rollback jobs run, emulated in a few lines each. Any other action fails the
 * scenario loudly: a job that starts using one needs an emulation here first.
 * - aws-actions/configure-aws-credentials: exports AWS_REGION, AWS_DEFAULT_REGION and session credentials for the
 *   steps after it (https://github.com/aws-actions/configure-aws-credentials#readme); here fake ones, and only when
 *   `aws-region` and `role-to-assume` are not empty (an empty variable would fail the real action too).
 * - aws-actions/amazon-ecr-login: logs Docker in to the account's registry, output `registry`
 *   (aws-actions/amazon-ecr-login action.yml); here a Docker config file that the docker stub requires.
 * - Azure/setup-kubectl: installs kubectl; here nothing (the kubectl stub is already on PATH).
 * - actions/upload-artifact / actions/download-artifact: into / out of this run's artifact directory; a missing path
 *   warns (if-no-files-found: warn is the default, https://github.com/actions/upload-artifact#inputs) and a second
 *   artifact of one name fails (artifacts are immutable since v4).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export interface ActionCall {
    action: string;
    with: Record<string, string>;
    /** The environment the step would run with. */
    env: Record<string, string>;
    home: string;
    artifacts: string;
    state: { account: string; region: string };
}

export interface ActionResult {
    outputs?: Record<string, string>;
    /** Variables set for the following steps (as through $GITHUB_ENV). */
    env?: Record<string, string>;
    failure?: string;
    log: string;
    warnings?: string[];
}

type Emulation = (call: ActionCall) => ActionResult;

const ACTIONS: Record<string, Emulation> = {
    "aws-actions/configure-aws-credentials": (call) => {
        const region = call.with["aws-region"] ?? "", role = call.with["role-to-assume"] ?? "";
        if (!region) return { failure: "Input required and not supplied: aws-region", log: "" };
        if (!role) return { failure: "Credentials could not be loaded, please check your action inputs: no role-to-assume", log: "" };
        return {
            env: { AWS_REGION: region, AWS_DEFAULT_REGION: region, AWS_ACCESS_KEY_ID: "ASIASCENARIOSTUB0000", AWS_SECRET_ACCESS_KEY: "scenario-stub-secret", AWS_SESSION_TOKEN: "scenario-stub-session" },
            log: `assumed ${role} in ${region}`,
        };
    },
    "aws-actions/amazon-ecr-login": (call) => {
        if (!call.env.AWS_ACCESS_KEY_ID) return { failure: "Could not load credentials from any providers", log: "" };
        const registry = `${call.state.account}.dkr.ecr.${call.env.AWS_REGION ?? call.state.region}.amazonaws.com`;
        mkdirSync(join(call.home, ".docker"), { recursive: true });
        writeFileSync(join(call.home, ".docker", "config.json"), JSON.stringify({ auths: { [registry]: { auth: "c2NlbmFyaW86c3R1Yg==" } } }));
        return { outputs: { registry }, log: `logged in to ${registry}` };
    },
    "Azure/setup-kubectl": (call) => ({ outputs: { "kubectl-path": "kubectl" }, log: `kubectl ${call.with.version ?? "latest"} (the stub)` }),
    "actions/upload-artifact": (call) => {
        const name = call.with.name || "artifact", path = call.with.path ?? "";
        if (/[*?[]/.test(path) || path.includes("\n")) return { failure: `the emulation uploads one file or directory, not ${path}`, log: "" };
        const target = join(call.artifacts, name);
        if (existsSync(target)) return { failure: `Failed to CreateArtifact: an artifact with the name ${name} already exists on this run`, log: "" };
        if (!existsSync(path)) {
            const mode = call.with["if-no-files-found"] ?? "warn";
            const message = `No files were found with the provided path: ${path}. No artifacts will be uploaded.`;
            if (mode === "error") return { failure: message, log: "" };
            return { log: message, warnings: mode === "warn" ? [message] : [] };
        }
        mkdirSync(target, { recursive: true });
        cpSync(path, statSync(path).isDirectory() ? target : join(target, basename(path)), { recursive: true });
        return { outputs: { "artifact-id": String(readdirSync(call.artifacts).length) }, log: `uploaded ${name}` };
    },
    "actions/download-artifact": (call) => {
        const name = call.with.name ?? "";
        if (call.with["run-id"]) return { failure: "the emulation downloads this run's artifacts only", log: "" };
        const source = join(call.artifacts, name);
        if (!name || !existsSync(source)) return { failure: `Unable to download artifact(s): Artifact not found for name: ${name}`, log: "" };
        const path = call.with.path || call.env.GITHUB_WORKSPACE;
        mkdirSync(path, { recursive: true });
        cpSync(source, path, { recursive: true });
        return { outputs: { "download-path": path }, log: `downloaded ${name} to ${path}` };
    },
};

/** `owner/repo[/path]@ref` → the emulation, or undefined (the caller fails the scenario). */
export function emulation(uses: string): { action: string; run: Emulation } | undefined {
    const action = uses.split("@")[0];
    return Object.hasOwn(ACTIONS, action) ? { action, run: ACTIONS[action] } : undefined;
}

export const EMULATED_ACTIONS = Object.keys(ACTIONS);
