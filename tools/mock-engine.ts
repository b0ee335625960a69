/**
 * The mock engine: runs the real program under Pulumi's mock runtime and records what a `pulumi preview` would
 * send the engine, resource by resource: the URN (as the real engine builds it), type token, parent, inputs as the
 * program passed them, and the resource options. Values only the cloud knows come back as placeholders that say so.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor, type Mocks } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { createRequire } from "node:module";
import type { StackConfig } from "./stack-files";

/** Loads the runtime's internals (its per-run state, its protocol types) as the Pulumi SDK itself sees them. */
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/runtime/mocks"));

export interface PlannedOptions {
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    dependsOn: string[];
    /** The URN of the provider the resource uses, when one was given or inherited. */
    provider: string | null;
    deleteBeforeReplace: boolean;
}

export interface PlannedResource {
    urn: string;
    /** The provider's type token, e.g. `aws:ec2/subnet:Subnet`. */
    type: string;
    name: string;
    parent: string | null;
    custom: boolean;
    /** The inputs as the program passed them; secrets as `[secret]`, references to resources as their URN. */
    inputs: Record<string, unknown>;
    options: PlannedOptions;
}

/** A data-source read the program makes: what `pulumi preview` reads, so what must already exist. */
export interface PlannedInvoke {
    token: string;
    args: Record<string, unknown>;
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlannedResource[];
    invokes: PlannedInvoke[];
    outputs: Record<string, unknown>;
    /** Every file the stack commits to GitHub, by repository path. */
    files: Record<string, string>;
}

export type Program = () => Promise<Record<string, unknown>>;

/** The resources of a plan of one type token. */
export function ofType(plan: Pick<Plan, "resources">, type: string): PlannedResource[] {
    return plan.resources.filter((resource) => resource.type === type);
}

/** An error the program or the engine raised: its message is meant for people, its stack is not. */
export class PlanError extends Error {}

export const SECRET_PLACEHOLDER = "[secret]";
const UNKNOWN_PLACEHOLDER = "[unknown until apply]";
const STACK_TYPE = "pulumi:pulumi:Stack";
const REPOSITORY_FILE_TYPE = "github:index/repositoryFile:RepositoryFile";

/** What the cloud would compute: a placeholder naming the resource and the attribute. */
export function computedPlaceholder(resourceName: string, attribute: string): string {
    return `[computed: ${resourceName}.${attribute}]`;
}

/**
 * Output-only attributes that are lists or objects: a plain placeholder string would not have their shape, so they
 * get a structure whose leaves are placeholders. Every other output-only attribute is one placeholder string.
 */
const STRUCTURED_OUTPUTS: Record<string, Record<string, (name: string) => unknown>> = {
    // The component's `eksCluster` is the aws.eks.Cluster it made: the attributes the program reads from it.
    "eks:index:Cluster": {
        eksCluster: (name) => ({
            name: computedPlaceholder(name, "eksCluster.name"),
            arn: computedPlaceholder(name, "eksCluster.arn"),
            vpcConfig: { clusterSecurityGroupId: computedPlaceholder(name, "eksCluster.vpcConfig.clusterSecurityGroupId") },
        }),
    },
    "aws:acm/certificate:Certificate": {
        domainValidationOptions: (name) => [{
            domainName: computedPlaceholder(name, "domainValidationOptions[0].domainName"),
            resourceRecordName: computedPlaceholder(name, "domainValidationOptions[0].resourceRecordName"),
            resourceRecordType: "CNAME",
            resourceRecordValue: computedPlaceholder(name, "domainValidationOptions[0].resourceRecordValue"),
        }],
    },
    "aws:rds/instance:Instance": {
        masterUserSecrets: (name) => [{ secretArn: computedPlaceholder(name, "masterUserSecrets[0].secretArn"), kmsKeyId: computedPlaceholder(name, "masterUserSecrets[0].kmsKeyId") }],
    },
};

/** What a data source would read: a placeholder naming the lookup, its key and the attribute. */
export function lookedUpPlaceholder(lookup: string, key: string, attribute: string): string {
    return `[looked up: ${lookup}(${key}).${attribute}]`;
}

/**
 * Invokes the offline plan can answer, each with placeholders only, in the shape the provider documents for the
 * attributes the program reads. Every invoke is also recorded in the plan (`invokes`): what a preview reads, and
 * therefore what must exist before it.
 */
const INVOKE_ANSWERS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: computedPlaceholder("aws", "accountId"),
        arn: computedPlaceholder("aws", "callerArn"),
        userId: computedPlaceholder("aws", "userId"),
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    "aws:elb/getServiceAccount:getServiceAccount": () => ({
        arn: computedPlaceholder("aws.elb", "serviceAccountArn"),
        id: computedPlaceholder("aws.elb", "serviceAccountId"),
    }),
    // aws.iam.getRole: `arn`, `name`, `id` (the name), `uniqueId`; the ARN carries the role's path, which only IAM knows.
    "aws:iam/getRole:getRole": (inputs) => ({
        name: inputs.name,
        id: inputs.name,
        arn: lookedUpPlaceholder("aws.iam.getRole", String(inputs.name), "arn"),
        uniqueId: lookedUpPlaceholder("aws.iam.getRole", String(inputs.name), "uniqueId"),
    }),
    // aws.iam.getOpenIdConnectProvider by `url`: `arn`, `url`, `clientIdLists`.
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": (inputs) => ({
        url: inputs.url,
        arn: lookedUpPlaceholder("aws.iam.getOpenIdConnectProvider", String(inputs.url), "arn"),
        clientIdLists: [lookedUpPlaceholder("aws.iam.getOpenIdConnectProvider", String(inputs.url), "clientIdLists[0]")],
    }),
    // aws.eks.getAddonVersion: `version`, the add-on version EKS offers for that Kubernetes minor version.
    "aws:eks/getAddonVersion:getAddonVersion": (inputs) => ({
        addonName: inputs.addonName,
        kubernetesVersion: inputs.kubernetesVersion,
        version: lookedUpPlaceholder("aws.eks.getAddonVersion", `${String(inputs.addonName)}@${String(inputs.kubernetesVersion)}`, "version"),
    }),
    // github.getRepository by `fullName`: `repoId` (a number in the provider's schema), `name`, `nodeId`.
    "github:index/getRepository:getRepository": (inputs) => ({
        fullName: inputs.fullName,
        name: String(inputs.fullName).split("/")[1],
        repoId: lookedUpPlaceholder("github.getRepository", String(inputs.fullName), "repoId"),
        nodeId: lookedUpPlaceholder("github.getRepository", String(inputs.fullName), "nodeId"),
    }),
};

/** Runs `program` for one stack under mocks and returns what it declared. Each run has its own runtime state. */
/**
 * Two debugging aids of the Pulumi runtime that the offline plan has no use for, and that cost it a third of its CPU:
 * - `debuggablePromise` (runtime/debuggable.js) captures a stack trace (`new Error().stack`) for every promise the SDK
 *   makes, only for the leak report `pulumi up` prints at exit;
 * - `Resource.stackTrace` (resource.js) walks the whole stack (`Error.stackTraceLimit` set to infinity) of every
 *   resource's construction for its source position, which the engine shows in `pulumi up`'s diagnostics and which
 *   plan.json does not carry.
 * Both are replaced for this process alone, so the plan's resources, inputs and options are the same: the tests that
 * compare plans byte for byte keep proving it. `pulumi up` never runs this file and keeps both.
 */
function skipRuntimeDebugging(): void {
    const debuggable = pulumiRequire("./debuggable") as { debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T> };
    debuggable.debuggablePromise = (promise) => promise;
    (pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] }).stackTrace = () => [];
}

export async function runUnderMocks(stackConfig: StackConfig, program: Program): Promise<Plan> {
    skipRuntimeDebugging();
    const { withLocalStorage } = pulumiRequire("./state") as {
        withLocalStorage<T>(callback: () => Promise<T>): Promise<T>;
    };
    return withLocalStorage(() => runInFreshRuntime(stackConfig, program));
}

async function runInFreshRuntime(stackConfig: StackConfig, program: Program): Promise<Plan> {
    const { project, stack } = stackConfig;
    const outputOnlyKeys = new Map<string, Set<string>>();
    const explicitDependencies: { resource: pulumi.Resource; dependsOn: unknown }[] = [];
    let programError: unknown;
    const invokes: PlannedInvoke[] = [];
    const monitor = new RecordingMonitor(placeholderMocks(outputOnlyKeys, invokes), project, stack);

    setMockOptions(monitor, project, stack, false);
    enableMockFeatures();
    pulumi.runtime.setAllConfig({ ...stackConfig.config }, [...stackConfig.secretKeys]);

    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            const keys = outputOnlyKeys.get(args.type) ?? new Set<string>();
            for (const [key, value] of Object.entries(args.props)) if (value === undefined) keys.add(key);
            outputOnlyKeys.set(args.type, keys);
            if (args.opts.dependsOn !== undefined) explicitDependencies.push({ resource: args.resource, dependsOn: args.opts.dependsOn });
            return undefined;
        });
        // Caught here rather than left to reject the stack's outputs, whose other promises would then reject unheard.
        try {
            return await program();
        } catch (error) {
            programError = error;
            return {};
        }
    });
    if (programError !== undefined) {
        throw programError instanceof pulumi.RunError ? new PlanError(programError.message) : programError;
    }
    // The stack's outputs can settle before the last registrations do.
    await (pulumiRequire("./settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();

    if (monitor.duplicates.length > 0) {
        throw new PlanError(`Two resources would have the same URN (the engine refuses this):\n${monitor.duplicates.map((urn) => `  - ${urn}`).join("\n")}`);
    }
    for (const { resource, dependsOn } of explicitDependencies) {
        const urn = await settle(resource.urn);
        const record = monitor.records.get(urn);
        if (record) record.options.dependsOn = await resourceUrns(dependsOn);
    }

    const resources = [...monitor.records.values()];
    const files: Record<string, string> = {};
    for (const resource of resources) {
        if (resource.type === REPOSITORY_FILE_TYPE) files[String(resource.inputs.file)] = String(resource.inputs.content);
    }
    return { project, stack, resources, invokes, outputs: monitor.stackOutputs, files };
}

/** Mocks whose resources echo their inputs and fill every output-only attribute with a placeholder. */
function placeholderMocks(outputOnlyKeys: Map<string, Set<string>>, invokes: PlannedInvoke[]): Mocks {
    return {
        newResource(args) {
            const state: Record<string, unknown> = { ...args.inputs };
            const structured = STRUCTURED_OUTPUTS[args.type] ?? {};
            for (const key of outputOnlyKeys.get(args.type) ?? []) state[key] = structured[key]?.(args.name) ?? computedPlaceholder(args.name, key);
            return { id: computedPlaceholder(args.name, "id"), state };
        },
        call(args) {
            invokes.push({ token: args.token, args: { ...(args.inputs as Record<string, unknown>) } });
            const answer = INVOKE_ANSWERS[args.token];
            if (!answer) {
                throw new PlanError(`The offline plan has no answer for the invoke ${args.token}: add one to INVOKE_ANSWERS in tools/mock-engine.ts, with placeholders only.`);
            }
            return answer(args.inputs as Record<string, unknown>);
        },
    };
}

/** The features `setMocks` turns on, set here because we install our own monitor. */
function enableMockFeatures(): void {
    const { getStore } = pulumiRequire("./state") as { getStore(): Record<string, boolean> };
    const store = getStore();
    for (const feature of ["supportsSecrets", "supportsResourceReferences", "supportsDeletedWith", "supportsAliasSpecs", "supportsTransforms", "supportsInvokeTransforms"]) {
        store[feature] = true;
    }
    store.supportsOutputValues = false;
}

/** The protocol's Struct, as the runtime's own deserializer takes it. */
type WireStruct = Parameters<typeof rpc.deserializeProperties>[0];

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): WireStruct;
    getProvider(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getIgnorechangesList(): string[];
    getDeletebeforereplace(): boolean;
    getImportid(): string;
}

type Callback = (error: unknown, response: unknown) => void;

/** The mock monitor, recording every registration and building URNs as the real engine does. */
class RecordingMonitor extends MockMonitor {
    readonly records = new Map<string, PlannedResource>();
    readonly duplicates: string[] = [];
    stackOutputs: Record<string, unknown> = {};

    constructor(mocks: Mocks, private readonly project: string, private readonly stack: string) {
        super(mocks);
    }

    /** The engine qualifies a child's type with its parent's full type chain, leaving out the root stack. */
    private urnOf(parent: string, type: string, name: string): string {
        const parentType = parent ? parent.split("::")[2] : "";
        const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
        return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
    }

    override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
        try {
            const type = req.getType();
            const name = req.getName();
            const parent = req.getParent() || null;
            const serializedInputs = req.getObject().toJavaScript();
            const result = await this.mocks.newResource({
                type,
                name,
                inputs: rpc.deserializeProperties(req.getObject()),
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
            });
            const urn = type === STACK_TYPE ? `urn:pulumi:${this.stack}::${this.project}::${type}::${name}` : this.urnOf(req.getParent(), type, name);
            if (this.records.has(urn)) this.duplicates.push(urn);
            if (type !== STACK_TYPE) {
                this.records.set(urn, {
                    urn,
                    type,
                    name,
                    parent: parent && !parent.includes(`::${STACK_TYPE}::`) ? parent : null,
                    custom: req.getCustom(),
                    inputs: readable(serializedInputs) as Record<string, unknown>,
                    options: {
                        protect: req.getProtect(),
                        retainOnDelete: req.getRetainondelete(),
                        ignoreChanges: req.getIgnorechangesList(),
                        dependsOn: [],
                        provider: req.getProvider() ? req.getProvider().slice(0, req.getProvider().lastIndexOf("::")) : null,
                        deleteBeforeReplace: req.getDeletebeforereplace(),
                    },
                });
            }
            const state = await rpc.serializeProperties("", result.state);
            this.resources.set(urn, { urn, id: result.id ?? null, state });
            const { RegisterResourceResponse } = pulumiRequire("../proto/resource_pb") as ResourceProto;
            const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as StructProto;
            const response = new RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(result.id ?? "");
            response.setObject(Struct.fromJavaScript(state));
            callback(null, response);
        } catch (error) {
            callback(error, undefined);
        }
    }

    override registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, callback: Callback): void {
        if (req.getUrn().includes(`::${STACK_TYPE}::`)) {
            this.stackOutputs = readable(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        }
        super.registerResourceOutputs(req, callback);
    }
}

interface ResourceProto {
    RegisterResourceResponse: new () => { setUrn(urn: string): void; setId(id: string): void; setObject(object: unknown): void };
}
interface StructProto {
    Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
}

/** Turns the engine's wire format into what a reviewer reads: secrets hidden, references as URNs. */
function readable(value: unknown): unknown {
    if (value === rpc.unknownValue) return UNKNOWN_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(readable);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    const signature = object[rpc.specialSigKey];
    if (signature === rpc.specialSecretSig) return SECRET_PLACEHOLDER;
    if (signature === rpc.specialResourceSig) return object.urn;
    if (signature === rpc.specialOutputValueSig) return "secret" in object && object.secret ? SECRET_PLACEHOLDER : readable(object.value);
    if (signature === rpc.specialAssetSig || signature === rpc.specialArchiveSig) {
        return Object.fromEntries(Object.entries(object).filter(([key]) => key !== rpc.specialSigKey));
    }
    return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, readable(child)]));
}

function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

/** The URNs of the resources a `dependsOn` names, however it was given (one, a list, outputs of either). */
async function resourceUrns(dependsOn: unknown): Promise<string[]> {
    const value = pulumi.Output.isInstance(dependsOn) ? await settle(dependsOn as pulumi.Output<unknown>) : await dependsOn;
    if (Array.isArray(value)) return (await Promise.all(value.map(resourceUrns))).flat();
    if (pulumi.Resource.isInstance(value)) return [await settle(value.urn)];
    return [];
}
