/**
 * Engine versions a real `pulumi up` would refuse: the cluster's Kubernetes version against the EKS release calendar
 * (eks-versions.ts), and the cache's engine version against the engine.
 *
 *
 * Kubernetes: the cluster sets `upgradePolicy.supportType: STANDARD` (infra/cluster/index.ts), so only a version in standard
 * support will do: "You cannot disable extended support once your cluster has entered it. You can only disable extended
 * support for clusters on standard support" (https://docs.aws.amazon.com/eks/latest/userguide/disable-extended-support.html,
 * awsdocs/amazon-eks-user-guide latest/ug/versioning/disable-extended-support.adoc at 96e29e5089ad132bff01cc5f3f86892d95e2ca33),
 * and with STANDARD "your EKS cluster will automatically upgrade to the next supported Kubernetes version in standard
 * support" at the end of standard support (view-upgrade-policy.adoc at 36b2a08141701e1dc326714953758497505c244c), so a
 * version in extended support would either be refused or replaced by EKS behind the program's back. Choosing EXTENDED
 * instead costs extra per cluster-hour (same page), which the program refuses to do silently.
 */
import type { PlatformSettings as Settings } from "./index";
import type { Report } from "./rules";
import { EKS_CALENDAR_AS_OF, EKS_CALENDAR_URL, EKS_VERSIONS, eksSupport, standardVersions, type EksSupport } from "./eks-versions";

/** Runs the version rules of this file. */
export function checkVersions(settings: Settings, report: Report, now: Date): void {
    checkKubernetesVersion(settings, report, now);
    checkCacheEngineVersion(settings, report);
}

/**
 * ElastiCache's node-based caches run Valkey from 7.2 and Redis OSS from 4.0.10 up to 7.1, the last Redis OSS version
 * it offers (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html, "Supported
 * engines and versions", read in its docs.amazonaws.cn copy; "Valkey is designed as a drop-in replacement for Redis
 * OSS 7", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html). So `engine: valkey` with the
 * default 7.1, or `engine: redis` with 8.0, names an engine version that does not exist.
 */
export function checkCacheEngineVersion(settings: Settings, report: Report): void {
    const { engine, engineVersion } = settings.cache;
    const [major, minor] = engineVersion.split(".").map(Number);
    const at = major * 100 + minor;
    if (engine === "valkey" && at < 702) {
        report(["cache", "engineVersion"], engineVersion, "expected 7.2 or later with cache.engine valkey: ElastiCache's Valkey starts at 7.2 (7.1 and earlier are Redis OSS versions)");
    }
    if (engine === "redis" && (at > 701 || at < 400)) {
        report(["cache", "engineVersion"], engineVersion, "expected a Redis OSS version from 4.0 to 7.1 with cache.engine redis: ElastiCache offers no Redis OSS after 7.1 (later versions are Valkey: set cache.engine to valkey)");
    }
}

/** Refuses a Kubernetes minor version that EKS does not offer in standard support on `now`, saying where it stands. */
export function checkKubernetesVersion(settings: Settings, report: Report, now: Date): void {
    const version = settings.cluster.kubernetesVersion;
    const support = eksSupport(version, now);
    if (support.phase === "standard") return;
    const choices = standardVersions(now);
    const expected = choices.length > 0
        ? `expected a version in EKS standard support today (${choices.join(", ")})`
        : `expected a version in EKS standard support today; the calendar this program carries (as of ${EKS_CALENDAR_AS_OF}) has none left: add the current versions to infra/config/eks-versions.ts from ${EKS_CALENDAR_URL}`;
    report(["cluster", "kubernetesVersion"], version, `${expected}: ${describe(version, support)}`);
}

function describe(version: string, support: Exclude<EksSupport, { phase: "standard" }>): string {
    switch (support.phase) {
        case "extended":
            return `${version} is in extended support since ${support.since} (until ${support.until}), which costs extra per cluster-hour; the cluster's upgradePolicy is STANDARD, which EKS allows only for versions in standard support and which upgrades the control plane on its own when standard support ends`;
        case "ended":
            return `EKS stopped offering ${version} on ${support.since}, the end of its extended support`;
        case "unreleased":
            return `EKS offers ${version} only from ${support.from}`;
        case "unknown": {
            const minor = (v: string): number => Number(v.split(".")[1]);
            const oldest = Object.keys(EKS_VERSIONS).sort((a, b) => minor(a) - minor(b))[0];
            if (/^1\.\d+$/.test(version) && minor(version) < minor(oldest)) {
                return `${version} is older than every version of the EKS release calendar this program carries (infra/config/eks-versions.ts, from ${EKS_CALENDAR_URL}), whose oldest, ${oldest}, left EKS on ${EKS_VERSIONS[oldest].endOfExtendedSupport}`;
            }
            return `${version} is not in the EKS release calendar this program carries (infra/config/eks-versions.ts, from ${EKS_CALENDAR_URL} as of ${EKS_CALENDAR_AS_OF}): either EKS no longer offers it, or it is newer than that list; a newer one is accepted once its row and dates are added there`;
        }
    }
}
