/**
 * The Amazon EKS Kubernetes release calendar: which minor versions EKS offers, and until when in standard and in
 * extended support. Dates are UTC; extended-support billing starts at the beginning of the end-of-standard-support
 * day (AWS, "Understand the Kubernetes version lifecycle on EKS").
 *
 * Sources, as of the dates below (this list does not refresh itself: add a row when EKS releases a minor version):
 * - 1.27 to 1.34: the AWS page itself, https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 *   read from its source, awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc at commits
 *   013856044148d6eeed4723027a45aa2180536bcb (table 1.29 to 1.34) and 8596db85c9ea47d3c692d8c7c0498f616187d44d
 *   (table 1.27 to 1.33, for 1.27 and 1.28). The awsdocs repository stops before 1.35.
 * - 1.35 and 1.36: endoflife.date, products/amazon-eks.md at commit de1074dab973a23a89d3e30dcebe45251bf5cf22
 *   (2026-07-08), whose end-of-standard and end-of-extended dates are scraped from the same AWS table
 *   (`release_table: https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html`); its release dates
 *   come from the EKS platform-version announcements instead. 1.35's dates agree with AWS's own sample
 *   aws-samples.github.io/sample-apex-skills (eks-operation-review, cluster lifecycle, "Last verified: 2026-04-24").
 * No source read here lists a version after 1.36: one that EKS released later is refused until its row is added.
 */

/** The date of the newest source above: a version released after it is unknown to this list. */
export const EKS_CALENDAR_AS_OF = "2026-07-08";

export const EKS_CALENDAR_URL = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html";

export interface EksVersion {
    /** The first day EKS offered the version (UTC). */
    released: string;
    /** The day extended support (and its extra charge) begins (UTC). */
    endOfStandardSupport: string;
    /** The day EKS stops offering the version and upgrades remaining control planes (UTC). */
    endOfExtendedSupport: string;
}

export const EKS_VERSIONS: Readonly<Record<string, EksVersion>> = {
    "1.36": { released: "2026-06-02", endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02" },
    "1.35": { released: "2026-01-28", endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
    "1.34": { released: "2025-10-02", endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
    "1.33": { released: "2025-05-29", endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
    "1.32": { released: "2025-01-23", endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
    "1.31": { released: "2024-09-26", endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26" },
    "1.30": { released: "2024-05-23", endOfStandardSupport: "2025-07-23", endOfExtendedSupport: "2026-07-23" },
    "1.29": { released: "2024-01-23", endOfStandardSupport: "2025-03-23", endOfExtendedSupport: "2026-03-23" },
    "1.28": { released: "2023-09-26", endOfStandardSupport: "2024-11-26", endOfExtendedSupport: "2025-11-26" },
    "1.27": { released: "2023-05-24", endOfStandardSupport: "2024-07-24", endOfExtendedSupport: "2025-07-24" },
};

export type EksSupport =
    | { phase: "standard"; until: string }
    | { phase: "extended"; since: string; until: string }
    | { phase: "ended"; since: string }
    | { phase: "unreleased"; from: string }
    | { phase: "unknown" };

const day = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/** Where a minor version stands on a given day, by the calendar above. */
export function eksSupport(version: string, now: Date): EksSupport {
    const entry = EKS_VERSIONS[version];
    if (entry === undefined) return { phase: "unknown" };
    const time = now.getTime();
    if (time < day(entry.released)) return { phase: "unreleased", from: entry.released };
    if (time < day(entry.endOfStandardSupport)) return { phase: "standard", until: entry.endOfStandardSupport };
    if (time < day(entry.endOfExtendedSupport)) return { phase: "extended", since: entry.endOfStandardSupport, until: entry.endOfExtendedSupport };
    return { phase: "ended", since: entry.endOfExtendedSupport };
}

/** The versions in standard support on a day, oldest first. */
export function standardVersions(now: Date): string[] {
    return Object.keys(EKS_VERSIONS).filter((version) => eksSupport(version, now).phase === "standard")
        .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}
