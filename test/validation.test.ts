import assert from "node:assert/strict";
import type { PlatformSettings } from "../infra/config";
import { cronProblems } from "../infra/config/cron";
import { EKS_VERSIONS, eksSupport, standardVersions } from "../infra/config/eks-versions";
import { checkCacheEngineVersion, checkKubernetesVersion } from "../infra/config/rules-versions";

const on = (date: string) => new Date(`${date}T12:00:00Z`);
const addMonths = (date: string, months: number) => {
    const result = new Date(`${date}T00:00:00Z`);
    result.setUTCMonth(result.getUTCMonth() + months);
    return result.getTime();
};

/** What checkKubernetesVersion reports for a version on a day: [key, value, message] or nothing. */
function versionReport(version: string, date: string): [string, unknown, string][] {
    const reports: [string, unknown, string][] = [];
    // The rule reads only cluster.kubernetesVersion; the rest of the settings do not matter to it.
    const settings = { cluster: { kubernetesVersion: version } } as unknown as PlatformSettings;
    checkKubernetesVersion(settings, (path, value, message) => reports.push([path.join("."), value, message]), on(date));
    return reports;
}

describe("EKS release calendar", () => {
    it("keeps each version 12 months in extended support after its standard support, which lasts about 14 months", () => {
        for (const [version, entry] of Object.entries(EKS_VERSIONS)) {
            assert.equal(Date.parse(`${entry.endOfExtendedSupport}T00:00:00Z`), addMonths(entry.endOfStandardSupport, 12), version);
            const drift = Math.abs(Date.parse(`${entry.endOfStandardSupport}T00:00:00Z`) - addMonths(entry.released, 14)) / 86_400_000;
            assert.ok(drift <= 5, `${version}: standard support ends ${drift} days away from 14 months after release`);
        }
    });

    it("places 1.35 in standard support until 2027-03-27, then extended support until 2028-03-27, then nowhere", () => {
        assert.deepEqual(eksSupport("1.35", on("2026-12-01")), { phase: "standard", until: "2027-03-27" });
        assert.deepEqual(eksSupport("1.35", on("2027-03-27")), { phase: "extended", since: "2027-03-27", until: "2028-03-27" });
        assert.deepEqual(eksSupport("1.35", on("2028-03-27")), { phase: "ended", since: "2028-03-27" });
        assert.deepEqual(eksSupport("1.36", on("2026-05-01")), { phase: "unreleased", from: "2026-06-02" });
        assert.deepEqual(eksSupport("1.19", on("2026-12-01")), { phase: "unknown" });
    });

    it("lists the versions in standard support on a day", () => {
        assert.deepEqual(standardVersions(on("2026-12-01")), ["1.34", "1.35", "1.36"]);
        assert.deepEqual(standardVersions(on("2026-12-02")), ["1.35", "1.36"]);
    });
});

describe("Kubernetes version rule", () => {
    it("accepts the shipped 1.35 while it is in standard support", () => {
        assert.deepEqual(versionReport("1.35", "2026-12-01"), []);
        assert.deepEqual(versionReport("1.35", "2027-03-26"), []);
    });

    it("refuses a version in extended support, saying so and why: the STANDARD upgrade policy", () => {
        const [[key, value, message]] = versionReport("1.33", "2026-12-01");
        assert.equal(key, "cluster.kubernetesVersion");
        assert.equal(value, "1.33");
        assert.match(message, /^expected a version in EKS standard support today \(1\.34, 1\.35, 1\.36\): 1\.33 is in extended support since 2026-07-29 \(until 2027-07-29\), which costs extra.*upgradePolicy is STANDARD/);
        assert.match(versionReport("1.35", "2027-03-27")[0][2], /1\.35 is in extended support since 2027-03-27/);
    });

    it("refuses a version past extended support, one not yet released, an old one and one the calendar does not know", () => {
        assert.match(versionReport("1.31", "2026-12-01")[0][2], /EKS stopped offering 1\.31 on 2026-11-26/);
        assert.match(versionReport("1.36", "2026-05-01")[0][2], /EKS offers 1\.36 only from 2026-06-02/);
        assert.match(versionReport("1.19", "2026-12-01")[0][2], /1\.19 is older than every version .* whose oldest, 1\.27, left EKS on 2025-07-24/);
        assert.match(versionReport("1.37", "2026-12-01")[0][2], /1\.37 is not in the EKS release calendar this program carries .* as of 2026-07-08/);
    });

    it("says what to do when the calendar has run out", () => {
        assert.match(versionReport("1.36", "2027-09-01")[0][2], /has none left: add the current versions to infra\/config\/eks-versions\.ts/);
    });
});

describe("cache engine version rule", () => {
    const reports = (engine: string, engineVersion: string) => {
        const found: string[] = [];
        const settings = { cache: { engine, engineVersion } } as unknown as PlatformSettings;
        checkCacheEngineVersion(settings, (path, value, message) => found.push(`${path.join(".")}: ${String(value)}: ${message}`));
        return found;
    };

    it("accepts Redis OSS up to 7.1 and Valkey from 7.2", () => {
        for (const [engine, version] of [["redis", "7.1"], ["redis", "6.2"], ["valkey", "7.2"], ["valkey", "8.0"]]) assert.deepEqual(reports(engine, version), [], `${engine} ${version}`);
    });

    it("refuses Valkey before 7.2 (the default 7.1 among them) and Redis OSS after 7.1", () => {
        assert.match(reports("valkey", "7.1").join(), /^cache\.engineVersion: 7\.1: expected 7\.2 or later with cache\.engine valkey/);
        assert.match(reports("redis", "8.0").join(), /^cache\.engineVersion: 8\.0: expected a Redis OSS version from 4\.0 to 7\.1/);
        assert.match(reports("redis", "7.2").join(), /set cache\.engine to valkey/);
    });
});

describe("cron expressions", () => {
    for (const expression of ["0 */6 * * *", "0 * * * *", "17 3 * * 1-5", "0,30 8-18/2 1 1,6 0", "59 23 31 12 6", " 0 6 * * * "]) {
        it(`accepts ${JSON.stringify(expression)}`, () => assert.deepEqual(cronProblems(expression), []));
    }

    const refused: [string, RegExp][] = [
        ["61 * * * *", /the minute field's 61 is outside 0-59/],
        ["* 24 * * *", /the hour field's 24 is outside 0-23/],
        ["* * 0 * *", /the day-of-month field's 0 is outside 1-31/],
        ["* * 32 * *", /the day-of-month field's 32 is outside 1-31/],
        ["* * * 13 *", /the month field's 13 is outside 1-12/],
        ["* * * * 7", /the day-of-week field's 7 is outside 0-6/],
        ["* * * JAN *", /the month field's "JAN" is not \*/],
        ["@daily", /1 field\(s\) instead of five/],
        ["0 0 * * * *", /6 field\(s\) instead of five/],
        ["5-1 * * * *", /range 5-1 runs backwards/],
        ["*/0 * * * *", /step 0 is outside 1-60/],
        ["5/15 * * * *", /puts a step after a single value/],
        ["1,,2 * * * *", /the minute field's "" is not/],
        ["0 0 ? * *", /the day-of-month field's "\?" is not/],
    ];
    for (const [expression, problem] of refused) {
        it(`refuses ${JSON.stringify(expression)}`, () => assert.match(cronProblems(expression).join("; "), problem));
    }
});
