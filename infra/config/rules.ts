/**
 * Rules that span several keys: what AWS, EKS or GitHub would refuse at `pulumi up`, caught here first with the
 * reason. Each rule reports the key to fix.
 */
import { COLOURS } from "../workloads/colours";
import type { PlatformSettings as Settings } from "./index";
import { RDS_CLASS_MEMORY_GIB } from "../data/instance-classes";
import { RUNNER_IMAGE_REPOSITORY, VARIABLES } from "../../github/workflows/names";
import { isGraviton } from "../cluster/nodes";
import { parseIpv4Cidr } from "./cidr";
import { isProduction } from "../topology";
import { checkWorkloads } from "./rules-workloads";
import { checkVersions } from "./rules-versions";
import { RESERVED_VARIABLES } from "../deployments/names";

export type Report = (path: (string | number)[], input: unknown, message: string) => void;

/** The VPC block sizes the subnet layout (network/subnets.ts) can carve for every tier of up to six zones. */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;

/** Runs every rule over one stack's settings, reporting each problem with the key to fix. */
export function checkConsistency(settings: Settings, report: Report): void {

    const zones = settings.aws.availabilityZones;
    const regionOf = (zone: string): string => zone.slice(0, -1);
    zones.forEach((zone, index) => {
        if (regionOf(zone) !== settings.aws.region) {
            report(["aws", "availabilityZones", index], zone, `expected a zone of the region ${settings.aws.region}`);
        }
    });
    if (new Set(zones).size !== zones.length) {
        report(["aws", "availabilityZones"], zones, "expected each zone once");
    }

    if (settings.network.natGateways > zones.length) {
        report(["network", "natGateways"], settings.network.natGateways,
            `expected at most ${zones.length}: one NAT gateway per availability zone at the most (aws.availabilityZones lists ${zones.length})`);
    }
    const vpc = parseIpv4Cidr(settings.network.cidr);
    if (vpc && (vpc.prefix < VPC_PREFIX_RANGE.min || vpc.prefix > VPC_PREFIX_RANGE.max)) {
        report(["network", "cidr"], settings.network.cidr,
            `expected a block from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}: AWS allows /16 at the largest, and a smaller block leaves no room for the subnets of every zone`);
    }

    for (const [name, group] of Object.entries(settings.cluster.nodeGroups)) {
        const path = ["cluster", "nodeGroups", name];
        if (group.minSize > group.maxSize) {
            report([...path, "minSize"], group.minSize, `expected at most maxSize (${group.maxSize})`);
        }
        const architectures = new Set(group.instanceTypes.map((type) => (isGraviton(type) ? "arm64" : "x86_64")));
        if (architectures.size > 1) {
            report([...path, "instanceTypes"], group.instanceTypes, "expected instance types of one architecture: a node group runs one AMI, arm64 or x86_64");
        }
        if (group.desiredSize < group.minSize || group.desiredSize > group.maxSize) {
            report([...path, "desiredSize"], group.desiredSize, `expected a size from minSize (${group.minSize}) to maxSize (${group.maxSize})`);
        }
    }
    if (Object.keys(settings.cluster.nodeGroups).length === 0) {
        report(["cluster", "nodeGroups"], settings.cluster.nodeGroups, "expected at least one managed node group");
    }

    const db = settings.database;
    if (db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
        report(["database", "maxAllocatedStorageGiB"], db.maxAllocatedStorageGiB,
            `expected at least allocatedStorageGiB (${db.allocatedStorageGiB}): storage autoscaling only grows`);
    }
    if (RDS_CLASS_MEMORY_GIB[db.instanceClass] === undefined) {
        report(["database", "instanceClass"], db.instanceClass,
            `expected an RDS instance class whose memory this program knows (it sizes the connection and memory alarms): ${Object.keys(RDS_CLASS_MEMORY_GIB).join(", ")}`);
    }
    // Performance Insights keeps 7 days, a number of 31-day months up to 23, or 731 days (RDS API, CreateDBInstance).
    const retention = db.performanceInsightsRetentionDays;
    if (!(retention === 7 || retention === 731 || (retention % 31 === 0 && retention >= 31 && retention <= 23 * 31))) {
        report(["database", "performanceInsightsRetentionDays"], retention, "expected 7, a multiple of 31 up to 713 (months), or 731");
    }
    if (db.readReplicas > 0 && db.backupRetentionDays === 0) {
        report(["database", "readReplicas"], db.readReplicas,
            "expected 0 while database.backupRetentionDays is 0: RDS creates read replicas only from a primary with automated backups");
    }

    const cache = settings.cache;
    if (cache.multiAz && cache.replicasPerShard < 1) {
        report(["cache", "replicasPerShard"], cache.replicasPerShard,
            "expected at least 1 while cache.multiAz is true: automatic failover needs a replica to promote");
    }
    if (cache.clusterMode && cache.replicasPerShard < 1) {
        report(["cache", "replicasPerShard"], cache.replicasPerShard,
            "expected at least 1 while cache.clusterMode is true: cluster mode runs with automatic failover, which needs a replica per shard");
    }
    if (!cache.clusterMode && cache.shards !== 1) {
        report(["cache", "shards"], cache.shards, "expected 1 while cache.clusterMode is false: only cluster mode shards the key space");
    }

    checkGithub(settings, report);
    checkLicences(settings, report);
    const accounts = new Set(Object.values(settings.environments).map((target) => target.awsAccountId));
    for (const account of Object.keys(settings.existingOidcProviders)) {
        if (!accounts.has(account)) report(["existingOidcProviders", account], account, `expected the account of an environment (${[...accounts].join(", ")})`);
    }
    checkWorkloads(settings, report);
    checkPromotion(settings, report);
    if (settings.deployments.runner === "hosted") {
        report(["deployments", "runner"], "hosted", "expected agent-pool: the cluster's API endpoint is private (cluster.operatorAccess opens it to an operator for a few days at most), and Pulumi Deployments' hosted runners run outside the VPC, so the Kubernetes resources of every preview, update and drift check would fail");
    }
    checkOperatorAccess(settings, report, new Date());
    checkVersions(settings, report, new Date());

    if (settings.deployments.driftAutoRemediate && isProduction(settings)) {
        report(["deployments", "driftAutoRemediate"], true,
            "expected false for the production environment: drift there is reviewed with `pulumi preview`, never undone unseen");
    }

    for (const [name, bounds] of [["default", settings.workloads.replicas.default] as const, ...Object.entries(settings.workloads.replicas.services)]) {
        const path = ["workloads", "replicas", ...(name === "default" ? ["default"] : ["services", name])];
        if (bounds.min > bounds.max) report([...path, "min"], bounds.min, `expected at most max (${bounds.max})`);
    }
    for (const name of Object.keys(settings.workloads.replicas.services)) {
        if (!settings.services.some((service) => service.name === name)) {
            report(["workloads", "replicas", "services", name], name, `expected the name of a service of Pulumi.yaml (${settings.services.map((s) => s.name).join(", ")})`);
        }
    }

    const serviceNames = settings.services.map((service) => service.name);
    settings.services.forEach((service, index) => {
        if (serviceNames.indexOf(service.name) !== index) {
            report(["services", index, "name"], service.name, "expected a name no other service has");
        }
        if (service.name === RUNNER_IMAGE_REPOSITORY) {
            report(["services", index, "name"], service.name, `expected another name: a service may not be named "${RUNNER_IMAGE_REPOSITORY}", the repository of the cluster jobs' runner image (<prefix>/${RUNNER_IMAGE_REPOSITORY})`);
        }
        service.talksTo.forEach((peer, peerIndex) => {
            if (!serviceNames.includes(peer)) {
                report(["services", index, "talksTo", peerIndex], peer, `expected the name of a service (${serviceNames.join(", ")})`);
            }
        });
    });

    // IAM role names are unique in an account (CreateRole, EntityAlreadyExists): the stack's own three roles included.
    const roles: [string[], string][] = [
        [["identity", "deploymentsRoleName"], settings.identity.deploymentsRoleName],
        [["identity", "deploymentsReadRoleName"], settings.identity.deploymentsReadRoleName],
        [["github", "deployRole", "name"], settings.github.deployRole.name],
    ];
    roles.forEach(([path, name], index) => {
        const earlier = roles.slice(0, index).find(([, other]) => other === name);
        if (earlier) report(path, name, `expected a role name of its own: ${earlier[0].join(".")} names the same role`);
    });

    for (const name of Object.keys(settings.deployments.environmentVariables)) {
        if ((RESERVED_VARIABLES as readonly string[]).includes(name)) {
            report(["deployments", "environmentVariables", name], name, "expected another name: the deployment sets this variable itself (the write role, the GitHub App key, the run's AWS credentials)");
        }
    }
}

/** GitHub allows at most six required reviewers on an environment (teams and users together). */
export const MAX_ENVIRONMENT_REVIEWERS = 6;

/**
 * What GitHub would refuse or silently drop. From GitHub's documentation ("Managing environments for deployment",
 * "About rulesets"): environments in private or internal repositories need Pro, Team or Enterprise; required reviewers
 * and wait timers there need Enterprise; rulesets on private repositories need Pro, Team or Enterprise.
 */
function checkGithub(settings: Settings, report: Report): void {
    const { repository, github } = settings;
    const teamKeys = Object.keys(settings.teams);
    github.reviewers.teams.forEach((team, index) => {
        if (!teamKeys.includes(team)) report(["github", "reviewers", "teams", index], team, `expected a team key of Pulumi.yaml teams (${teamKeys.join(", ")})`);
    });
    settings.delivery.releaseManagers.forEach((team, index) => {
        if (!teamKeys.includes(team)) report(["delivery", "releaseManagers", index], team, `expected a team key of teams (${teamKeys.join(", ")})`);
    });
    settings.codeOwners.forEach((rule, ruleIndex) => rule.teams.forEach((team, index) => {
        if (!teamKeys.includes(team)) report(["codeOwners", ruleIndex, "teams", index], team, `expected a team key of teams (${teamKeys.join(", ")})`);
    }));
    const derived = new Set([VARIABLES.region, VARIABLES.role, VARIABLES.cluster, VARIABLES.namespace, VARIABLES.database, VARIABLES.loadBalancer,
        ...settings.services.flatMap((service) => [VARIABLES.repository(service.name), VARIABLES.sourceRepository(service.name), VARIABLES.targetGroup(service.name),
            VARIABLES.listenerRule(service.name), ...COLOURS.map((colour) => VARIABLES.targetGroup(`${service.name}-${colour}`))])]);
    for (const name of Object.keys(github.variables)) {
        // GitHub refuses variable names that start with GITHUB_; the derived names come from the stack's outputs.
        if (name.startsWith("GITHUB_")) report(["github", "variables", name], name, "expected a name that does not start with GITHUB_, which GitHub reserves");
        else if (derived.has(name)) report(["github", "variables", name], name, "expected a name the program does not already derive from the stack's outputs");
    }
    // The control stack writes a ruleset per entry of `branches`: every branch that deploys needs one.
    for (const [stack, target] of Object.entries(settings.environments)) {
        if (settings.branches[target.branch] === undefined) {
            report(["environments", stack, "branch"], target.branch, `expected a branch with a rule in branches (${Object.keys(settings.branches).join(", ")}): a branch that deploys must be protected`);
        }
    }
    const reviewerCount = github.reviewers.teams.length + github.reviewers.users.length;
    if (reviewerCount > MAX_ENVIRONMENT_REVIEWERS) {
        report(["github", "reviewers"], github.reviewers, `expected at most ${MAX_ENVIRONMENT_REVIEWERS} reviewers (teams and users together), GitHub's limit; got ${reviewerCount}`);
    }
    if (isProduction(settings) && reviewerCount === 0) {
        report(["github", "reviewers"], github.reviewers, `expected at least one reviewer: this environment deploys from ${repository.defaultBranch}, so it is production and needs an approval gate`);
    }
    if (github.preventSelfReview && reviewerCount === 0) {
        report(["github", "preventSelfReview"], true, "expected false while there are no reviewers: GitHub rejects prevent_self_review without required reviewers");
    }
    if (repository.visibility !== "public" && !repository.acceptPlanDowngrade) {
        const downgrade = "; or set repository.acceptPlanDowngrade to accept that GitHub will not enforce it";
        if (repository.plan === "free") {
            report(["repository", "plan"], repository.plan, `expected pro, team or enterprise: environments and rulesets on a ${repository.visibility} repository are not available on GitHub Free${downgrade}`);
        }
        if (repository.plan !== "enterprise" && reviewerCount > 0) {
            report(["github", "reviewers"], github.reviewers, `expected none on a ${repository.visibility} repository on the ${repository.plan} plan: required reviewers there need GitHub Enterprise${downgrade}`);
        }
        if (repository.plan !== "enterprise" && github.waitTimerMinutes > 0) {
            report(["github", "waitTimerMinutes"], github.waitTimerMinutes, `expected 0 on a ${repository.visibility} repository on the ${repository.plan} plan: wait timers there need GitHub Enterprise${downgrade}`);
        }
    }
    if (repository.visibility === "internal" && repository.plan !== "enterprise") {
        report(["repository", "visibility"], repository.visibility, "expected public or private: internal repositories exist only on GitHub Enterprise");
    }
}

/**
 * Build once, promote: an environment that promotes copies the digests another environment deployed, so that one must
 * exist and build its own images (a chain of promotions would copy images nobody verified in a running environment).
 * Every other environment builds, so its branch must be one the workflows can push images from.
 */
function checkPromotion(settings: Settings, report: Report): void {
    const stacks = Object.keys(settings.environments);
    for (const [stack, target] of Object.entries(settings.environments)) {
        const source = target.promoteFrom;
        if (source === undefined) continue;
        const path = ["environments", stack, "promoteFrom"];
        if (source === stack) report(path, source, "expected another stack: an environment cannot promote its own images");
        else if (!stacks.includes(source)) report(path, source, `expected a stack of environments (${stacks.join(", ")})`);
        else if (settings.environments[source].promoteFrom !== undefined) {
            report(path, source, `expected a stack that builds its images; ${source} itself promotes from ${settings.environments[source].promoteFrom}`);
        }
    }
}

/** How long the day-0 public endpoint may stay open: long enough for a first `up` and its retries, no longer. */
export const OPERATOR_ACCESS_MAX_DAYS = 7;
/** The narrowest ranges an operator's public address needs; anything wider opens the API to strangers' networks. */
export const OPERATOR_ACCESS_MIN_PREFIX = 24;

/**
 * The day-0 opening of the public API endpoint: narrow ranges, and a date at most a week ahead (the program closes
 * the endpoint by itself from that date on, see cluster/endpoint.ts).
 */
export function checkOperatorAccess(settings: Settings, report: Report, now: Date): void {
    const access = settings.cluster.operatorAccess;
    if (access === undefined) return;
    access.cidrs.forEach((cidr, index) => {
        const parsed = parseIpv4Cidr(cidr);
        if (parsed && parsed.prefix < OPERATOR_ACCESS_MIN_PREFIX) {
            report(["cluster", "operatorAccess", "cidrs", index], cidr, `expected /${OPERATOR_ACCESS_MIN_PREFIX} or narrower: the operator's own addresses, never a whole network, are let near the cluster API`);
        }
    });
    const until = Date.parse(`${access.until}T00:00:00Z`);
    const latest = now.getTime() + OPERATOR_ACCESS_MAX_DAYS * 24 * 3600 * 1000;
    if (until > latest) {
        report(["cluster", "operatorAccess", "until"], access.until, `expected a date at most ${OPERATOR_ACCESS_MAX_DAYS} days ahead: the public endpoint is a day-0 bootstrap, not a way in`);
    }
}

/**
 * The dependency review compares SPDX identifiers: an entry that is not one (a typo, "Apache 2.0") matches nothing and
 * silently refuses every dependency under the licence meant. The identifiers are the SPDX License List's, as the
 * spdx-license-ids package (pinned) publishes them.
 */
function checkLicences(settings: Settings, report: Report): void {
    const known = new Set(require("spdx-license-ids") as string[]);
    settings.ci.licenseAllowList.forEach((licence, index) => {
        if (!known.has(licence)) report(["ci", "licenseAllowList", index], licence, "expected an SPDX licence identifier such as MIT or Apache-2.0 (https://spdx.org/licenses/)");
    });
}
