/**
 * Independent models of what a cluster accepts: the Kubernetes OpenAPI schemas that `kubernetes-models` compiles into
 * validators (for built-in kinds), and the CRD schemas of the chart versions we install (test/crds, for custom
 * resources). Both also report unknown fields, which an API server drops or refuses and `.validate()` lets through.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

type Json = Record<string, unknown>;
interface SchemaError { instancePath: string; message?: string; keyword: string; params?: unknown }
type Validate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

// kubernetes-models 5.1.0 is ESM with only `import` exports; Node 22 can require an ES module by its file path, which
// keeps this synchronous under ts-node's CommonJS.
const load = createRequire(__filename);
const MODELS = join(__dirname, "..", "node_modules", "kubernetes-models");
const APIMACHINERY = join(__dirname, "..", "node_modules", "@kubernetes-models", "apimachinery");

/** The compiled validator of a kind's schema: the model file of `<group>/<version>/<Kind>.js` names it. */
function modelValidator(apiVersion: string, kind: string): Validate | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const modelFile = join(MODELS, ...(group ? [group] : []), version, `${kind}.js`);
    if (!existsSync(modelFile)) return undefined;
    const schema = /_schemas\/(\w+)\.js/.exec(readFileSync(modelFile, "utf8"))?.[1];
    return schema ? (load(join(MODELS, "_schemas", `${schema}.js`)) as { validate: Validate }).validate : undefined;
}

/**
 * Runs a compiled validator over the data through proxies that record which properties it reads. The validators are
 * generated from the OpenAPI schema and read exactly the properties the schema declares (and every key of a map, via
 * additionalProperties); a property they never read is one the schema does not know: an unknown field.
 */
function validateTracked(validate: Validate, data: unknown): { errors: string[]; unknown: string[] } {
    const read = new WeakMap<object, Set<string>>();
    const proxies = new WeakMap<object, object>();
    const wrap = (value: unknown): unknown => {
        if (value === null || typeof value !== "object") return value;
        const target = value as object;
        if (!proxies.has(target)) {
            read.set(target, new Set());
            proxies.set(target, new Proxy(target, {
                get(object, key, receiver) {
                    if (typeof key === "string") read.get(object)!.add(key);
                    return wrap(Reflect.get(object, key, receiver));
                },
                has(object, key) {
                    if (typeof key === "string") read.get(object)!.add(key);
                    return Reflect.has(object, key);
                },
            }));
        }
        return proxies.get(target);
    };
    const valid = validate(wrap(data));
    const errors = valid ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || "/"}: ${error.message ?? error.keyword} ${JSON.stringify(error.params ?? {})}`);
    const unknown: string[] = [];
    const walk = (value: unknown, path: string) => {
        if (value === null || typeof value !== "object") return;
        if (Array.isArray(value)) {
            value.forEach((item, index) => walk(item, `${path}/${index}`));
            return;
        }
        const seen = read.get(value) ?? new Set<string>();
        for (const [key, child] of Object.entries(value as Json)) {
            if (!seen.has(key)) unknown.push(`${path}/${key}`);
            else walk(child, `${path}/${key}`);
        }
    };
    walk(data, "");
    return { errors, unknown };
}

/** One CRD version's schema, found by group, version and kind. */
export interface CrdSchema { source: string; schema: Json }

export function loadCrds(directory: string): Map<string, CrdSchema> {
    const crds = new Map<string, CrdSchema>();
    const sources = JSON.parse(readFileSync(join(directory, "SOURCES.json"), "utf8")) as { crds: { file: string }[] };
    for (const { file } of sources.crds) {
        for (const document of parseAllDocuments(readFileSync(join(directory, file), "utf8"))) {
            const crd = document.toJSON() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema: { openAPIV3Schema: Json } }[] } } | null;
            if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
            for (const version of crd.spec.versions.filter((candidate) => candidate.served)) {
                crds.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, { source: file, schema: version.schema.openAPIV3Schema });
            }
        }
    }
    return crds;
}

// What a CRD's structural schema may say (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema);
// a keyword this checker does not evaluate (a CEL rule, oneOf...) is an error, never a silent pass.
const ANNOTATIONS = new Set(["description", "format", "x-kubernetes-map-type", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "example", "default", "title"]);
const EVALUATED = new Set(["type", "properties", "required", "items", "additionalProperties", "enum", "anyOf", "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "nullable", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"]);

/** Problems of a value under a CRD's structural schema, unknown fields included (the API server prunes them). */
export function structuralProblems(schema: Json, value: unknown, path = ""): string[] {
    const problems: string[] = [];
    const at = path || "/";
    for (const keyword of Object.keys(schema)) {
        if (!ANNOTATIONS.has(keyword) && !EVALUATED.has(keyword)) problems.push(`${at}: the schema uses ${keyword}, which this checker does not evaluate`);
    }
    if (value === null) return schema.nullable === true ? problems : [...problems, `${at}: null`];
    if (schema["x-kubernetes-int-or-string"] === true) {
        if (!(typeof value === "string" || Number.isInteger(value))) problems.push(`${at}: expected an integer or a string`);
        return problems;
    }
    if (Array.isArray(schema.anyOf) && !(schema.anyOf as Json[]).some((branch) => structuralProblems(branch, value, path).length === 0)) problems.push(`${at}: matches none of anyOf`);
    if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    const type = schema.type as string | undefined;
    const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
    if (type && !(type === actual || (type === "number" && actual === "integer"))) return [...problems, `${at}: expected ${type}, got ${actual}`];
    if (typeof value === "string") {
        if (typeof schema.pattern === "string" && !new RegExp(schema.pattern as string, "u").test(value)) problems.push(`${at}: does not match ${schema.pattern as string}`);
        if (typeof schema.minLength === "number" && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
        if (typeof schema.maxLength === "number" && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
    }
    if (typeof value === "number") {
        if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
        if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (typeof schema.minItems === "number" && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
        if (typeof schema.maxItems === "number" && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
        if (schema.items) value.forEach((item, index) => problems.push(...structuralProblems(schema.items as Json, item, `${path}/${index}`)));
    }
    if (actual === "object" && typeof value === "object") {
        const object = value as Json;
        const properties = (schema.properties ?? {}) as Record<string, Json>;
        for (const key of (schema.required ?? []) as string[]) if (object[key] === undefined) problems.push(`${at}: ${key} is required`);
        for (const [key, child] of Object.entries(object)) {
            if (properties[key]) problems.push(...structuralProblems(properties[key], child, `${path}/${key}`));
            else if (typeof schema.additionalProperties === "object") problems.push(...structuralProblems(schema.additionalProperties as Json, child, `${path}/${key}`));
            else if (schema.additionalProperties !== true && schema["x-kubernetes-preserve-unknown-fields"] !== true) problems.push(`${path}/${key}: unknown field`);
        }
    }
    return problems;
}

/**
 * Every problem of one Kubernetes object: a built-in kind against kubernetes-models' schema, a custom one against its
 * CRD (its metadata against ObjectMeta, as the API server does), unknown fields included in both.
 */
export function objectProblems(object: Json, crds: Map<string, CrdSchema>): string[] {
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    const builtIn = modelValidator(apiVersion, kind);
    if (builtIn) {
        const { errors, unknown } = validateTracked(builtIn, object);
        return [...errors, ...unknown.map((path) => `${path}: unknown field`)];
    }
    const crd = crds.get(`${apiVersion} ${kind}`);
    if (!crd) return [`${apiVersion} ${kind}: neither a built-in kind of kubernetes-models nor a vendored CRD (test/crds)`];
    const rest = Object.fromEntries(Object.entries(object).filter(([key]) => !["metadata", "apiVersion", "kind"].includes(key)));
    const metadata = object.metadata;
    const objectMeta = (load(join(APIMACHINERY, "_schemas", "IoK8sApimachineryPkgApisMetaV1ObjectMeta.js")) as { validate: Validate }).validate;
    const meta = validateTracked(objectMeta, metadata ?? {});
    const schema = crd.schema;
    const bodySchema = { ...schema, properties: Object.fromEntries(Object.entries((schema.properties ?? {}) as Json).filter(([key]) => !["metadata", "apiVersion", "kind"].includes(key))) };
    return [...meta.errors.map((error) => `/metadata${error}`), ...meta.unknown.map((path) => `/metadata${path}: unknown field`), ...structuralProblems(bodySchema, rest)];
}
