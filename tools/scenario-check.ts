/** The expectations of a scenario against what the run did: job results, calls, final images and colours, issues. */
import type { StubState } from "../test/scenarios/stubs/state";
import type { Scenario } from "./scenario-format";
import type { JobRun } from "./scenario-job";

export interface Observed {
    jobs: Record<string, JobRun | { result: "skipped" }>;
    calls: string[][];
    unknown: { argv: string[]; reason: string }[];
    initial: StubState;
    final: StubState;
    missingVars: string[];
}

/** Patterns are regular expressions with `s`: `.` also matches the newlines of a multi-line argument. */
const pattern = (source: string) => new RegExp(source, "s");

export const callLine = (argv: readonly string[]): string => argv.join(" ");

/** The failures, each a sentence; none: the scenario holds. */
export function checkExpectations(scenario: Scenario, observed: Observed): string[] {
    const failures: string[] = [];
    const expect = scenario.expect;
    for (const unknown of observed.unknown) failures.push(`a stub met an invocation it does not emulate (${unknown.reason}): ${JSON.stringify(unknown.argv)}`);
    if (observed.missingVars.length > 0) failures.push(`the job reads vars the scenario does not define (GitHub would give ""): ${observed.missingVars.join(", ")}`);
    for (const [job, result] of Object.entries(expect.results)) {
        const actual = observed.jobs[job]?.result;
        if (actual !== result) failures.push(`job ${job}: expected ${result}, got ${actual ?? "nothing (not run)"}`);
    }
    const lines = observed.calls.map(callLine);
    let from = 0;
    for (const expected of expect.calls) {
        const regex = pattern(expected);
        const at = lines.findIndex((line, i) => i >= from && regex.test(line));
        if (at < 0) {
            const anywhere = lines.findIndex((line) => regex.test(line));
            failures.push(anywhere >= 0
                ? `call /${expected}/ happened (#${anywhere + 1}) but not after the previous expected call (#${from})`
                : `no call matches /${expected}/`);
            continue;
        }
        from = at + 1;
    }
    for (const expected of expect.absent) {
        const regex = pattern(expected);
        const at = lines.findIndex((line) => regex.test(line));
        if (at >= 0) failures.push(`call #${at + 1} matches /${expected}/, which must not happen: ${lines[at]}`);
    }
    for (const [expected, count] of Object.entries(expect.counts)) {
        const actual = lines.filter((line) => pattern(expected).test(line)).length;
        if (actual !== count) failures.push(`expected ${count} call(s) matching /${expected}/, got ${actual}`);
    }
    for (const [deployment, image] of Object.entries(expect.images)) {
        const wanted = image === "unchanged" ? observed.initial.deployments[deployment]?.image : image;
        const actual = observed.final.deployments[deployment]?.image;
        if (actual !== wanted) failures.push(`deployment ${deployment}: expected image ${wanted}, got ${actual}`);
    }
    for (const [service, images] of Object.entries(expect.migrations)) {
        const actual = Object.values(observed.final.jobs).filter((job) => job.service === service).map((job) => job.image);
        if (JSON.stringify(actual) !== JSON.stringify(images)) failures.push(`migrations of ${service}: expected Jobs with ${JSON.stringify(images)}, got ${JSON.stringify(actual)}`);
    }
    for (const [service, colour] of Object.entries(expect.colours)) {
        const actual = observed.final.services[service]?.selector.colour;
        if (actual !== colour) failures.push(`service ${service}: expected colour ${colour}, got ${actual}`);
    }
    for (const [rule, weights] of Object.entries(expect.weights)) {
        const actual = observed.final.rules[rule];
        if (JSON.stringify(actual) !== JSON.stringify(weights)) failures.push(`rule ${rule}: expected weights ${JSON.stringify(weights)}, got ${JSON.stringify(actual)}`);
    }
    if (expect.issues !== undefined) {
        const issues = observed.final.issues;
        const wanted = expect.issues.map((i) => (typeof i === "string" ? { title: i, body: [] } : i));
        if (issues.length !== wanted.length) failures.push(`issues: expected ${wanted.length}, got ${JSON.stringify(issues.map((i) => i.title))}`);
        wanted.forEach((want, i) => {
            const issue = issues[i];
            if (!issue) return;
            if (!pattern(want.title).test(issue.title)) failures.push(`issue ${i + 1}: title ${JSON.stringify(issue.title)} does not match /${want.title}/`);
            for (const body of want.body) if (!pattern(body).test(issue.body)) failures.push(`issue ${i + 1}: body does not match /${body}/:\n${issue.body}`);
        });
    }
    const annotations = Object.values(observed.jobs).flatMap((j) => ("annotations" in j ? j.annotations : []));
    for (const expected of expect.errors) {
        if (!annotations.some((a) => pattern(expected).test(a))) failures.push(`no ::error:: annotation matches /${expected}/ (got ${JSON.stringify(annotations)})`);
    }
    if (expect.slack !== undefined && observed.final.slack.length !== expect.slack) failures.push(`Slack: expected ${expect.slack} message(s), got ${observed.final.slack.length}`);
    return failures;
}
