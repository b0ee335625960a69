/**
 * Five-field cron expressions, as Pulumi Cloud's schedules take them.
 *
 * Pulumi documents `scheduleCron` only as a "cron expression" with five-field examples such as `0 *\/4 * * *` (every
 * four hours), evaluated in UTC (REST API, https://www.pulumi.com/docs/reference/cloud-rest-api/schedules/; CLI `pulumi stack schedule new
 * --cron`, https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_schedule_edit/; the provider's DriftSchedule,
 * node_modules/@pulumi/pulumiservice/driftSchedule.d.ts, says "Cron expression for when to run drift detection"). It
 * does not name a dialect, so this accepts the common core every cron implements: the five fields and ranges of POSIX
 * crontab (https://pubs.opengroup.org/onlinepubs/9799919799/utilities/crontab.html: minute 0-59, hour 0-23, day of
 * month 1-31, month 1-12, day of week 0-6 with 0 Sunday; `*`, numbers, `a-b` ranges and comma lists), plus `/step`
 * after `*` or a range, the extension Pulumi's own examples use (crontab(5) of Vixie cron and cronie). Names (`MON`,
 * `JAN`), `7` for Sunday, `@daily` macros, seconds fields and Quartz's `?`, `L`, `W`, `#` are refused: not every parser
 * takes them, and a schedule Pulumi Cloud refuses fails only at `pulumi up`.
 */

export const CRON_FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day-of-week", min: 0, max: 6 },
] as const;

const ELEMENT = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/** What is wrong with an expression, one phrase per problem; empty when it is a valid five-field expression. */
export function cronProblems(expression: string): string[] {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== CRON_FIELDS.length) {
        return [`${fields.length} field(s) instead of five (minute hour day-of-month month day-of-week)`];
    }
    return fields.flatMap((field, index) => fieldProblems(field, CRON_FIELDS[index]));
}

function fieldProblems(field: string, spec: (typeof CRON_FIELDS)[number]): string[] {
    const range = `${spec.min}-${spec.max}`;
    return field.split(",").flatMap((element): string[] => {
        const match = ELEMENT.exec(element);
        if (!match) return [`the ${spec.name} field's "${element}" is not *, a number, a range a-b or a list of them, with an optional /step`];
        const [, star, from, to, step] = match;
        const problems: string[] = [];
        if (star === undefined) {
            const first = Number(from);
            const last = to === undefined ? first : Number(to);
            for (const value of to === undefined ? [first] : [first, last]) {
                if (value < spec.min || value > spec.max) problems.push(`the ${spec.name} field's ${value} is outside ${range}`);
            }
            if (first > last) problems.push(`the ${spec.name} field's range ${element} runs backwards`);
            if (step !== undefined && to === undefined) problems.push(`the ${spec.name} field's "${element}" puts a step after a single value; write a range such as ${from}-${spec.max}/${step}`);
        }
        if (step !== undefined && (Number(step) < 1 || Number(step) > spec.max - spec.min + 1)) {
            problems.push(`the ${spec.name} field's step ${step} is outside 1-${spec.max - spec.min + 1}`);
        }
        return problems;
    });
}
