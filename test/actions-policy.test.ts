/**
 * The repository's Actions policy against what the workflows really run, nested actions included, and the workflow
 * files against the branches whose events run them.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { NESTED_ACTIONS, actionsRunBy, patternMatches, policyRefusal, type ActionsPolicy, type NestedAction } from "../github/workflows/actions-policy";
import { ACTIONS } from "../github/workflows/catalogue";
import type { Plan } from "../tools/mock-engine";
import { ofType, one, realPlan } from "./harness";

const FILE_TYPE = "github:index/repositoryFile:RepositoryFile";

/** The policy as the plan declares it (github.ActionsRepositoryPermissions). */
function plannedPolicy(p: Plan): ActionsPolicy {
    const inputs = one(p, "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions").inputs;
    const config = inputs.allowedActionsConfig as { githubOwnedAllowed: boolean; patternsAlloweds: string[] };
    assert.equal(inputs.allowedActions, "selected");
    return { githubOwnedAllowed: config.githubOwnedAllowed, patterns: config.patternsAlloweds, shaPinningRequired: inputs.shaPinningRequired === true };
}

/** Every action reference the workflow files name (their reusable workflows in this repository aside). */
function referencedActions(files: Record<string, string>): string[] {
    const references = Object.entries(files).filter(([path]) => path.startsWith(".github/workflows/"))
        .flatMap(([, content]) => [...content.matchAll(/^\s*(?:-\s*)?uses: (\S+)/gm)].map((match) => match[1]))
        .filter((reference) => !reference.startsWith("./"));
    return [...new Set(references)].sort();
}

/** What the policy refuses among everything the workflows run, directly or nested in composite actions. */
function refusals(policy: ActionsPolicy, references: string[], record?: Readonly<Record<string, NestedAction>>): string[] {
    return references.flatMap((reference) => actionsRunBy(reference, record).map((run) => policyRefusal(policy, run)).filter((reason): reason is string => reason !== undefined));
}

describe("the Actions policy", () => {
    it("admits every action the workflows run, and every action those run in turn", async () => {
        const p = await realPlan("prod");
        const references = referencedActions(p.files);
        assert.ok(references.some((reference) => reference.startsWith("aquasecurity/trivy-action@")));
        const nested = references.flatMap((reference) => actionsRunBy(reference).slice(1));
        assert.ok(nested.includes("aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514"), "trivy-action runs setup-trivy");
        assert.ok(nested.includes("actions/attest@59d89421af93a897026c735860bf21b6eb4f7b26"), "attest-build-provenance runs actions/attest");
        assert.deepEqual(refusals(plannedPolicy(p), references), []);
    });

    it("would refuse setup-trivy with the allow-list as it was (catalogued repositories only)", async () => {
        const p = await realPlan("prod");
        const before: ActionsPolicy = { ...plannedPolicy(p), patterns: Object.keys(ACTIONS).map((repository) => `${repository}@*`) };
        const trivy = `aquasecurity/trivy-action@${ACTIONS["aquasecurity/trivy-action"].sha}`;
        assert.deepEqual(refusals(before, [trivy]), ["aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514 is not allowed: no pattern admits it"]);
    });

    it("refuses a nested action referenced by tag, because SHA pinning is required, even when a pattern admits it", async () => {
        const policy = plannedPolicy(await realPlan("prod"));
        assert.equal(policy.shaPinningRequired, true);
        const trivy = `aquasecurity/trivy-action@${ACTIONS["aquasecurity/trivy-action"].sha}`;
        const byTag: Record<string, NestedAction> = {
            ...NESTED_ACTIONS,
            [trivy]: { ...NESTED_ACTIONS[trivy], uses: ["aquasecurity/setup-trivy@v0.2.6"] },
            "aquasecurity/setup-trivy@v0.2.6": { ...NESTED_ACTIONS["aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514"] },
        };
        const admitting = { ...policy, patterns: [...policy.patterns, "aquasecurity/setup-trivy@*"] };
        assert.deepEqual(refusals(admitting, [trivy], byTag), ["aquasecurity/setup-trivy@v0.2.6 is not pinned to a full-length commit SHA"]);
    });

    it("records every catalogued action at its pinned commit, each entry where its source says", () => {
        for (const [repository, pin] of Object.entries(ACTIONS)) assert.ok(NESTED_ACTIONS[`${repository}@${pin.sha}`], `${repository}@${pin.sha} is not recorded`);
        for (const [reference, entry] of Object.entries(NESTED_ACTIONS)) {
            const [name, ref] = reference.split("@");
            assert.ok(name === entry.repository || name.startsWith(`${entry.repository}/`), reference);
            if (/^[0-9a-f]{40}$/.test(ref)) assert.equal(entry.commit, ref, reference);
            assert.match(entry.commit, /^[0-9a-f]{40}$/);
            assert.equal(entry.source, `https://github.com/${entry.repository}/blob/${entry.commit}/${entry.path}`);
            assert.match(entry.path, /(^|\/)action\.ya?ml$/);
            if (entry.using !== "composite") assert.deepEqual(entry.uses, [], `${reference}: only composite actions run other actions`);
        }
        assert.throws(() => actionsRunBy("someone/else@0000000000000000000000000000000000000000"), /is not in github\/workflows\/nested-actions\.json/);
    });

    describe("matches patterns as GitHub documents them", () => {
        const sha = "a824008085750b8e136effc585c3cd6082bd575f";
        it("one version, or any", () => {
            assert.equal(patternMatches("actions/javascript-action@v1.0.1", "actions/javascript-action@v1.0.1"), true);
            assert.equal(patternMatches("actions/javascript-action@v1.0.1", `actions/javascript-action@${sha}`), false);
            assert.equal(patternMatches("monalisa/octocat@*", `monalisa/octocat@${sha}`), true);
            assert.equal(patternMatches("monalisa/octocat@*", `monalisa/octocat-extra@${sha}`), false);
        });
        it("wildcards for organizations and repositories", () => {
            assert.equal(patternMatches("space-org*/*", "space-org-two/action@v1"), true);
            assert.equal(patternMatches("space-org*/*", "other-org/action@v1"), false);
            assert.equal(patternMatches("*/octocat**@*", "someone/octocat-action@v2"), true);
            assert.equal(patternMatches("monalisa/*", "monalisa/octocat@v2"), true);
        });
        it("a sub-action is named by its repository", () => {
            assert.equal(patternMatches("github/codeql-action@*", `github/codeql-action/upload-sarif@${sha}`), true);
        });
        it("blocks win, GitHub's own actions pass only when allowed, and SHA pinning covers them too", () => {
            const policy: ActionsPolicy = { githubOwnedAllowed: true, patterns: ["space-org/*", "!space-org/action@*"], shaPinningRequired: true };
            assert.match(policyRefusal(policy, `space-org/action@${sha}`) ?? "", /blocked by !space-org\/action@\*/);
            assert.equal(policyRefusal(policy, `space-org/other@${sha}`), undefined);
            assert.equal(policyRefusal(policy, `actions/cache@${sha}`), undefined);
            assert.match(policyRefusal(policy, "actions/cache@v5") ?? "", /not pinned to a full-length commit SHA/);
            assert.match(policyRefusal({ ...policy, githubOwnedAllowed: false }, `actions/cache@${sha}`) ?? "", /GitHub-owned actions are not allowed/);
        });
    });
});

/** Workflows whose `push` or `pull_request` names a branch on which the file is missing or differs from the default branch's. */
function missingOnBranches(filesByBranch: Record<string, Record<string, string>>, defaultBranch: string): string[] {
    const findings: string[] = [];
    for (const [path, content] of Object.entries(filesByBranch[defaultBranch] ?? {})) {
        if (!path.startsWith(".github/workflows/")) continue;
        const on = (parse(content) as { on: Record<string, { branches?: string[] } | null> }).on;
        const branches = new Set(["push", "pull_request"].flatMap((event) => on[event]?.branches ?? []));
        for (const branch of branches) {
            if (filesByBranch[branch]?.[path] !== content) findings.push(`${path} runs on ${branch}, which ${filesByBranch[branch]?.[path] === undefined ? "does not have it" : "has another version"}`);
        }
    }
    return findings;
}

describe("workflow files on every branch", () => {
    const byBranch = (p: Plan): Record<string, Record<string, string>> => {
        const result: Record<string, Record<string, string>> = {};
        for (const file of ofType(p, FILE_TYPE)) (result[String(file.inputs.branch)] ??= {})[String(file.inputs.file)] = String(file.inputs.content);
        return result;
    };

    it("every workflow a push or pull request on a branch runs is on that branch, as on the default branch", async () => {
        const p = await realPlan("prod");
        const files = byBranch(p);
        assert.deepEqual(Object.keys(files).sort(), ["develop", "main", "staging"]);
        assert.deepEqual(missingOnBranches(files, "main"), []);
        // Code owners are read from the pull request's base branch.
        for (const branch of ["develop", "staging"]) assert.equal(files[branch][".github/CODEOWNERS"], files.main[".github/CODEOWNERS"]);
        // Read from the default branch only: not written elsewhere.
        assert.equal(files.develop[".github/dependabot.yml"], undefined);
        // plan.files stays the default branch's files, by path.
        assert.deepEqual(Object.keys(p.files).sort(), Object.keys(files.main).sort());
        for (const [path, content] of Object.entries(files.main)) assert.equal(p.files[path], content, path);
        // The fixture: everything on the default branch only, as it was.
        assert.deepEqual(missingOnBranches({ main: files.main }, "main").filter((finding) => finding.includes("deploy-dev.yml")), [".github/workflows/deploy-dev.yml runs on develop, which does not have it"]);
    });

    it("keeps the default branch's files at their URNs, and writes each branch in its own serial chain", async () => {
        const p = await realPlan("prod");
        const files = ofType(p, FILE_TYPE);
        const ci = files.find((file) => file.inputs.branch === "main" && file.inputs.file === ".github/workflows/ci.yml")!;
        assert.equal(ci.urn, "urn:pulumi:prod::platform::platform:github:Repository$platform:github:RepositoryFiles$github:index/repositoryFile:RepositoryFile::platform-prod-github-repository-files-github-workflows-ci-yml");
        const branches = Object.fromEntries(ofType(p, "github:index/branch:Branch").map((branch) => [String(branch.inputs.branch), branch.urn]));
        for (const branch of ["develop", "staging"]) {
            const chain = files.filter((file) => file.inputs.branch === branch);
            assert.deepEqual(chain[0].options.dependsOn, [branches[branch]], `${branch}: the first write waits for the branch`);
            for (const [index, file] of chain.entries()) if (index > 0) assert.deepEqual(file.options.dependsOn, [chain[index - 1].urn]);
        }
    });
});
