/**
 * The only reader of Pulumi config: project config (Pulumi.yaml) and stack config (Pulumi.<stack>.yaml) become one
 * validated, frozen, typed object, or the program stops before registering anything, with a message that names the
 * file, the key, the value given and what is expected.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { projectSchema, stackSchema, PROJECT_KEYS, SECRET_KEYS, type SecretKey } from "./schema";
import { checkConsistency } from "./rules";

export { CLOUDWATCH_RETENTION_DAYS, RUNTIMES, SECRET_KEYS, type SecretKey } from "./schema";

const configSchema = z.strictObject({ ...projectSchema.shape, ...stackSchema.shape });

type ParsedSettings = z.output<typeof configSchema>;
/** The settings of one stack: its `github` block completed with its entry of the project's branch model. */
export type PlatformSettings = Omit<ParsedSettings, "github"> & {
    github: ParsedSettings["github"] & ParsedSettings["environments"][string];
};
export type ServiceConfig = PlatformSettings["services"][number];

/** Everything the program knows before it registers a resource. */
export type PlatformConfig = Readonly<PlatformSettings> & {
    readonly project: string;
    readonly stack: string;
    /** Secret config, only ever as Pulumi secrets; a key that is not set is absent. */
    readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
};

/** Bad configuration: Pulumi prints a RunError's message without a stack trace. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[], stack: string) {
        super(`Invalid configuration for stack "${stack}":\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** Reads the running stack's config from the Pulumi runtime. */
export function loadConfig(): PlatformConfig {
    // isConfigSecret is in the runtime's JavaScript but not its typings.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
    return parseConfig(pulumi.getProject(), pulumi.getStack(), pulumi.runtime.allConfig(), (key) => runtimeConfig.isConfigSecret(key));
}

/**
 * Turns the flat `namespace:key` map that Pulumi hands a program into the platform's config.
 * Keys of other namespaces (a provider's, an ESC import's) are not ours to judge and are ignored.
 */
export function parseConfig(
    project: string,
    stack: string,
    flat: Record<string, string>,
    isSecret: (fullKey: string) => boolean = () => false,
): PlatformConfig {
    const prefix = `${project}:`;
    const raw: Record<string, unknown> = {};
    const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
    const problems: string[] = [];
    for (const [fullKey, text] of Object.entries(flat)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if ((SECRET_KEYS as readonly string[]).includes(key)) {
            if (isSecret(fullKey)) secrets[key as SecretKey] = pulumi.secret(text);
            else problems.push(`Pulumi.${stack}.yaml: ${fullKey}: got a plain value; expected a secret: set it with \`pulumi config set --secret ${fullKey} <value>\` so that it is encrypted and never printed`);
        } else {
            raw[key] = decodeConfigValue(text);
        }
    }
    const parsed = configSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, project, stack)));
        throw new ConfigError(problems, stack);
    }
    const target = parsed.data.environments[stack];
    if (!target) {
        problems.push(`Pulumi.yaml: ${project}:environments: got no entry for the stack "${stack}"; expected one per stack (${Object.keys(parsed.data.environments).join(", ")} are listed)`);
        throw new ConfigError(problems, stack);
    }
    if (parsed.data.environment.name !== stack) {
        // Other stacks find this environment's resources by `<project>-<stack>` (production copies staging's images
        // from the registry `<project>-staging/<service>`), so the names must not drift apart.
        problems.push(`Pulumi.${stack}.yaml: ${project}:environment.name: got "${parsed.data.environment.name}"; expected "${stack}", the stack's name: other stacks find this environment's resources by it`);
        throw new ConfigError(problems, stack);
    }
    const settings: PlatformSettings = { ...parsed.data, github: { ...target, ...parsed.data.github } };
    checkConsistency(settings, (path, input, message) => problems.push(describeIssue({ code: "custom", path, input, message } as z.core.$ZodIssue, project, stack)));
    if (problems.length > 0) throw new ConfigError(problems, stack);
    return Object.freeze({ ...deepFreeze(settings), project, stack, secrets: Object.freeze(secrets) });
}

/** Structured values arrive as JSON text, plain strings as themselves. */
function decodeConfigValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function describeIssue(issue: z.core.$ZodIssue, project: string, stack: string): string {
    const [topKey, ...rest] = issue.path.map(String);
    const file = topKey === undefined
        ? `Pulumi.yaml or Pulumi.${stack}.yaml`
        : (PROJECT_KEYS as string[]).includes(topKey) ? "Pulumi.yaml" : `Pulumi.${stack}.yaml`;
    const key = topKey === undefined ? project : [`${project}:${topKey}`, ...rest].join(".");
    if (issue.code === "unrecognized_keys") {
        const allowed = [...allowedKeysAt(issue.path), ...(topKey === undefined ? SECRET_KEYS : [])];
        const unknown = issue.keys.map((name) => (topKey === undefined ? `${project}:${name}` : `${key}.${name}`));
        return `${file}: unknown key ${unknown.join(", ")}; the keys allowed here are ${allowed.join(", ")}`;
    }
    const given = issue.input === undefined ? "nothing (the key is missing)" : JSON.stringify(issue.input);
    return `${file}: ${key}: got ${given}; ${issue.message.replace(/^Invalid input: /, "")}`;
}

/** The keys the schema accepts at a path, so that a typo's message shows the right spelling. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
    let schema: z.core.$ZodType = z.strictObject({ ...projectSchema.shape, ...stackSchema.shape });
    for (const segment of path) {
        schema = unwrap(schema);
        const def = schema._zod.def;
        if (def.type === "object") schema = (def as z.core.$ZodObjectDef).shape[String(segment)];
        else if (def.type === "array") schema = (def as z.core.$ZodArrayDef).element;
        else if (def.type === "record") schema = (def as z.core.$ZodRecordDef).valueType;
        else return [];
        if (schema === undefined) return [];
    }
    const def = unwrap(schema)._zod.def;
    return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    let current = schema;
    while (["optional", "default", "nullable", "pipe"].includes(current._zod.def.type)) {
        const def = current._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
        current = def.innerType ?? def.in ?? current;
        if (current === schema) break;
    }
    return current;
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value)) deepFreeze(child);
    }
    return value;
}
