/** Every GitHub object has exactly one owning stack; exactly one stack is the control stack. */
import assert from "node:assert/strict";
import type { PlannedResource } from "../tools/mock-engine";
import { STACKS, realPlan } from "./harness";

/** What GitHub identifies an object by: its type and the fields that name it (never the Pulumi name). */
function identity(resource: PlannedResource): string {
    const inputs = resource.inputs;
    const naming = ["repository", "name", "environment", "variableName", "secretName", "branch", "file", "branchPattern", "tagPattern", "teamId"]
        .filter((key) => inputs[key] !== undefined && typeof inputs[key] !== "object")
        .map((key) => `${key}=${String(inputs[key])}`);
    return `${resource.type} ${naming.join(" ")}`;
}

describe("ownership of GitHub objects", () => {
    it("declares every GitHub object in exactly one stack, and the repository-wide ones in the control stack only", async () => {
        const owners = new Map<string, string[]>();
        const controlStacks: string[] = [];
        for (const stack of STACKS) {
            const p = await realPlan(stack);
            if (p.resources.some((resource) => resource.type === "github:index/repository:Repository")) controlStacks.push(stack);
            for (const resource of p.resources.filter((candidate) => candidate.custom && candidate.type.startsWith("github:"))) {
                const key = identity(resource);
                owners.set(key, [...(owners.get(key) ?? []), stack]);
            }
        }
        assert.deepEqual(controlStacks, ["prod"]);
        const shared = [...owners].filter(([, stacks]) => stacks.length > 1);
        assert.deepEqual(shared, [], "objects declared by more than one stack");
        for (const stack of STACKS) {
            assert.ok([...owners].some(([key, stacks]) => key.startsWith("github:index/repositoryEnvironment:RepositoryEnvironment") && stacks[0] === stack), `${stack} owns its environment`);
        }
        assert.ok(owners.size > 30);
    });
});
