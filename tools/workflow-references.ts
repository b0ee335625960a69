/**
 * Which environment each job of a set of rendered workflows runs in, and which `vars.X` and `secrets.X` it reads:
 * what the tests hold against the environments, variables and secrets the stacks' plans declare. A job of a reusable
 * workflow whose environment is `${{ inputs.environment }}` runs in every environment a caller passes it.
 */
import { parse } from "yaml";

export interface JobReferences {
    workflow: string;
    job: string;
    /** The GitHub environment the job names, resolved through callers; undefined when it names none. */
    environment?: string;
    variables: string[];
    secrets: string[];
}

interface ParsedJob {
    environment?: string | { name: string };
    uses?: string;
    with?: Record<string, unknown>;
    strategy?: { matrix?: { include?: Record<string, unknown>[] } };
}

const BUILT_IN_SECRETS = new Set(["GITHUB_TOKEN"]);
const unique = (values: Iterable<string>) => [...new Set(values)].sort();

function variablesOf(job: ParsedJob, text: string): string[] {
    const direct = [...text.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
    // `vars[matrix.key]`: every value the matrix gives that key.
    const indexed = [...text.matchAll(/\bvars\[matrix\.([A-Za-z_-]+)\]/g)].flatMap((match) =>
        (job.strategy?.matrix?.include ?? []).map((entry) => String(entry[match[1]])));
    return unique([...direct, ...indexed]);
}

export function jobReferences(files: Record<string, string>): JobReferences[] {
    const workflows = Object.entries(files).map(([path, content]) => ({ path, jobs: (parse(content) as { jobs: Record<string, ParsedJob> }).jobs }));
    const callers = (path: string): string[] => workflows.flatMap((workflow) => Object.values(workflow.jobs)
        .filter((job) => job.uses === `./${path}`)
        .map((job) => String(job.with?.environment)));
    return workflows.flatMap(({ path, jobs }) => Object.entries(jobs).flatMap(([id, job]): JobReferences[] => {
        if (job.uses !== undefined) return [];
        const text = JSON.stringify(job);
        const named = typeof job.environment === "string" ? job.environment : job.environment?.name;
        const environments = named === undefined ? [undefined] : named.includes("inputs.environment") ? callers(path) : [named];
        const secrets = unique([...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]).filter((name) => !BUILT_IN_SECRETS.has(name)));
        return environments.map((environment) => ({ workflow: path, job: id, environment, variables: variablesOf(job, text), secrets }));
    }));
}
