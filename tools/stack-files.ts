/**
 * Reads a stack's config the way the Pulumi CLI hands it to a program: project config from Pulumi.yaml, overlaid by
 * the stack's Pulumi.<stack>.yaml, flattened to `namespace:key` → text. Encrypted values cannot be read offline:
 * they become `[secret]` and are marked secret, so the program treats them exactly as it would the real ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface StackConfig {
    project: string;
    stack: string;
    config: Readonly<Record<string, string>>;
    secretKeys: readonly string[];
}

export class StackFileError extends Error {}

const SECRET_PLACEHOLDER = "[secret]";

export function readStackConfig(directory: string, stack: string): StackConfig {
    const projectFile = readYaml(join(directory, "Pulumi.yaml"), "Pulumi.yaml") as { name?: unknown; config?: unknown };
    if (typeof projectFile?.name !== "string") throw new StackFileError("Pulumi.yaml: `name` (the project's name) is missing");
    const project = projectFile.name;
    const stackFileName = `Pulumi.${stack}.yaml`;
    const stackPath = join(directory, stackFileName);
    if (!existsSync(stackPath)) throw new StackFileError(`${stackFileName}: no such stack file; the stacks are the Pulumi.<stack>.yaml files beside Pulumi.yaml`);
    const stackFile = readYaml(stackPath, stackFileName) as { config?: unknown } | null;

    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const put = (key: string, value: unknown): void => {
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        const { plain, secret } = hideSecrets(value);
        config[fullKey] = typeof plain === "string" ? plain : JSON.stringify(plain);
        if (secret) secretKeys.add(fullKey);
        else secretKeys.delete(fullKey);
    };
    for (const [key, entry] of Object.entries(asMapping(projectFile.config, "Pulumi.yaml: config"))) {
        // Project config is either a bare value or a declaration with `value` (or `default`).
        const declared = entry !== null && typeof entry === "object" && !Array.isArray(entry) && ("value" in entry || "default" in entry);
        const value = declared ? ((entry as Record<string, unknown>).value ?? (entry as Record<string, unknown>).default) : entry;
        if (value !== undefined) put(key, value);
    }
    for (const [key, value] of Object.entries(asMapping(stackFile?.config, `${stackFileName}: config`))) put(key, value);
    return { project, stack, config, secretKeys: [...secretKeys] };
}

function readYaml(path: string, label: string): unknown {
    try {
        return parse(readFileSync(path, "utf8"));
    } catch (error) {
        throw new StackFileError(`${label}: ${(error as Error).message}`);
    }
}

function asMapping(value: unknown, label: string): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value)) throw new StackFileError(`${label}: expected a mapping of keys to values`);
    return value as Record<string, unknown>;
}

/** Replaces every `{ secure: ... }` with the placeholder, and says whether there was one. */
function hideSecrets(value: unknown): { plain: unknown; secret: boolean } {
    if (Array.isArray(value)) {
        const items = value.map(hideSecrets);
        return { plain: items.map((item) => item.plain), secret: items.some((item) => item.secret) };
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") return { plain: SECRET_PLACEHOLDER, secret: true };
        const children = entries.map(([key, child]) => [key, hideSecrets(child)] as const);
        return {
            plain: Object.fromEntries(children.map(([key, child]) => [key, child.plain])),
            secret: children.some(([, child]) => child.secret),
        };
    }
    return { plain: value, secret: false };
}
