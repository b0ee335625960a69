/**
 * The event a scenario names, checked against the workflow's `on:` as GitHub would: the workflow must run on it, a push
 * must match its branch or tag filters (`*` any characters but `/`, `**` any characters:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet), and
 * workflow_dispatch inputs must be declared, required ones given, choices among the options; defaults fill the rest
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#workflow_dispatch).
 * Returns the `github` and `inputs` contexts.
 */
import type { Scenario } from "./scenario-format";
import { ScenarioError } from "./scenario-job";

interface DispatchInput { type?: string; required?: boolean; default?: unknown; options?: unknown[] }

const glob = (pattern: string) => new RegExp(`^${pattern.split(/(\*\*|\*|\?)/).map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "." : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`);

function triggers(on: unknown): Record<string, Record<string, unknown>> {
    if (typeof on === "string") return { [on]: {} };
    if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), {}]));
    return Object.fromEntries(Object.entries((on ?? {}) as Record<string, unknown>).map(([k, v]) => [k, (v ?? {}) as Record<string, unknown>]));
}

export function validateEvent(scenario: Scenario, on: unknown, path: string): { github: Record<string, unknown>; inputs: Record<string, unknown> } {
    const event = scenario.event;
    const trigger = triggers(on)[event.name];
    if (!trigger) throw new ScenarioError(`${path} does not run on ${event.name} (on: ${Object.keys(triggers(on)).join(", ")})`);
    const ref = event.ref ?? "refs/heads/main";
    if (event.name === "push") {
        const [kind, name] = ref.startsWith("refs/tags/") ? ["tags", ref.slice(10)] : ["branches", ref.replace(/^refs\/heads\//, "")];
        const filters = trigger[kind] as string[] | undefined;
        const other = trigger[kind === "tags" ? "branches" : "tags"];
        if ((filters && !filters.some((f) => glob(f).test(name))) || (!filters && other)) throw new ScenarioError(`${path} does not run on a push to ${ref}`);
    }
    const inputs: Record<string, unknown> = {};
    if (event.name === "workflow_dispatch") {
        const declared = (trigger.inputs ?? {}) as Record<string, DispatchInput>;
        for (const name of Object.keys(event.inputs)) if (!(name in declared)) throw new ScenarioError(`${path} declares no input ${name}`);
        for (const [name, spec] of Object.entries(declared)) {
            const value = event.inputs[name] ?? spec.default;
            if (value === undefined || value === "") {
                if (spec.required) throw new ScenarioError(`${path}: the required input ${name} is not given`);
                inputs[name] = spec.type === "boolean" ? false : "";
                continue;
            }
            if (spec.type === "choice" && !(spec.options ?? []).includes(value)) throw new ScenarioError(`${path}: ${name} must be one of ${JSON.stringify(spec.options)}, not ${JSON.stringify(value)}`);
            inputs[name] = spec.type === "boolean" ? value === true || value === "true" : spec.type === "number" ? Number(value) : String(value);
        }
    }
    const repository = scenario.state.github?.repository ?? "example-org/platform-app";
    const sha = event.sha ?? "0123456789abcdef0123456789abcdef01234567";
    const refName = ref.replace(/^refs\/(heads|tags)\//, "");
    const github = {
        event_name: event.name,
        event: { ...event.payload, ...(event.name === "workflow_dispatch" ? { inputs, ref } : { ref, after: sha }) },
        ref, ref_name: refName, ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch", sha,
        repository, repository_owner: repository.split("/")[0], actor: event.actor, triggering_actor: event.actor,
        run_id: String(scenario.run.id), run_number: String(scenario.run.number), run_attempt: String(scenario.run.attempt),
        server_url: "https://github.com", api_url: "https://api.github.com", graphql_url: "https://api.github.com/graphql",
        workflow: path, token: "ghs_scenarioRunnerToken", retention_days: "90",
    };
    return { github, inputs };
}
