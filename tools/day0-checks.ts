/**
 * Day-0 checks over offline plans: the failures a first real `pulumi up` from an empty account would meet, each found
 * in the plan before any cloud sees it. Every check names the rule it enforces and where that rule comes from. They
 * are pure functions of plans, so a test can run them over the real stacks (which must pass) and over a changed plan
 * (which must fail).
 */
import { computedPlaceholder, lookedUpPlaceholder, ofType, type Plan, type PlannedResource } from "./mock-engine";
import { WRITE_ROLE_SCRIPT, WRITE_ROLE_VARIABLE } from "../infra/deployments/names";

export interface Finding {
    check: string;
    stack: string;
    subject: string;
    problem: string;
}

const T = {
    awsProvider: "pulumi:providers:aws",
    oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    getOidcProvider: "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
    getRole: "aws:iam/getRole:getRole",
    role: "aws:iam/role:Role",
    cluster: "eks:index:Cluster",
    listener: "aws:lb/listener:Listener",
    certificateValidation: "aws:acm/certificateValidation:CertificateValidation",
    deploymentSettings: "pulumiservice:index:DeploymentSettings",
} as const;

export const OIDC_URLS = ["https://token.actions.githubusercontent.com", "https://api.pulumi.com/oidc"] as const;
/** The least a Pulumi Deployments session must last: a first `up` of a whole environment runs past an hour. */
export const MIN_DEPLOYMENTS_SESSION_SECONDS = 2 * 3600;

/** The account a plan deploys into: the one its AWS provider admits (`allowedAccountIds`). */
export function accountOfPlan(plan: Plan): string | undefined {
    const provider = ofType(plan, T.awsProvider)[0];
    const allowed = provider?.inputs.allowedAccountIds;
    const ids = typeof allowed === "string" ? (JSON.parse(allowed) as string[]) : (allowed as string[] | undefined);
    return ids?.length === 1 ? ids[0] : undefined;
}

/**
 * IAM allows one OIDC provider per issuer URL in an account (CreateOpenIDConnectProvider: EntityAlreadyExists): of
 * the stacks sharing an account exactly one creates each provider, and every other stack looks it up.
 */
export function checkOidcProviders(plans: readonly Plan[]): Finding[] {
    const findings: Finding[] = [];
    const creators = new Map<string, string[]>();
    for (const plan of plans) {
        const account = accountOfPlan(plan);
        if (account === undefined) {
            findings.push({ check: "one-oidc-provider-per-account", stack: plan.stack, subject: T.awsProvider, problem: "the AWS provider does not name exactly one allowed account" });
            continue;
        }
        const created = ofType(plan, T.oidcProvider).map((provider) => String(provider.inputs.url));
        const lookedUp = plan.invokes.filter((invoke) => invoke.token === T.getOidcProvider).map((invoke) => String(invoke.args.url));
        for (const url of OIDC_URLS) {
            if (created.includes(url)) creators.set(`${account} ${url}`, [...(creators.get(`${account} ${url}`) ?? []), plan.stack]);
            else if (!lookedUp.includes(url)) findings.push({ check: "one-oidc-provider-per-account", stack: plan.stack, subject: url, problem: "neither created nor looked up: the roles that trust it would name a provider that may not exist" });
        }
    }
    for (const [key, stacks] of creators) {
        if (stacks.length > 1) {
            findings.push({ check: "one-oidc-provider-per-account", stack: stacks.join(", "), subject: key, problem: `created by ${stacks.length} stacks in one account: the second fails with EntityAlreadyExists` });
        }
    }
    return findings;
}

/**
 * EKS refuses an access entry for a principal that does not exist (CreateAccessEntry: InvalidParameterException), so
 * every principal is a role this plan creates or one it looks up (a missing one then fails the preview by name).
 */
export function checkAccessEntryPrincipals(plan: Plan): Finding[] {
    const roles = new Set(ofType(plan, T.role).map((role) => computedPlaceholder(role.name, "arn")));
    const lookedUp = new Set(plan.invokes.filter((invoke) => invoke.token === T.getRole).map((invoke) => lookedUpPlaceholder("aws.iam.getRole", String(invoke.args.name), "arn")));
    return Object.entries(accessEntries(plan)).flatMap(([key, entry]) =>
        roles.has(entry.principalArn) || lookedUp.has(entry.principalArn) ? [] : [{
            check: "access-entry-principals-exist", stack: plan.stack, subject: key,
            problem: `${entry.principalArn} is neither created by this stack nor looked up`,
        }]);
}

/**
 * An HTTPS listener refuses a certificate that is not issued yet (UnsupportedCertificate) and an ACM certificate is
 * created before it is issued: the listener must wait for a CertificateValidation, or take an existing ARN.
 */
export function checkHttpsListeners(plan: Plan): Finding[] {
    const validations = new Set(ofType(plan, T.certificateValidation).map((validation) => validation.urn));
    return ofType(plan, T.listener).filter((listener) => listener.inputs.protocol === "HTTPS").flatMap((listener) => {
        const arn = String(listener.inputs.certificateArn ?? "");
        const existing = arn.startsWith("arn:aws");
        const waits = listener.options.dependsOn.some((urn) => validations.has(urn));
        return existing || waits ? [] : [{ check: "https-waits-for-an-issued-certificate", stack: plan.stack, subject: listener.name, problem: `certificate ${arn} may still be pending validation` }];
    });
}

/**
 * In API authentication mode only access entries grant Kubernetes rights (EKS User Guide, "Grant IAM users access to
 * Kubernetes with EKS access entries"): the role Pulumi Deployments assumes and the pipeline's deploy role both need
 * one, and Deployments runs from the stack's agent pool, whose agents run in the VPC (the API endpoint is private).
 */
export function checkClusterActors(plan: Plan): Finding[] {
    const findings: Finding[] = [];
    const principals = new Set(Object.values(accessEntries(plan)).map((entry) => entry.principalArn));
    const actors = [["the Pulumi Deployments write role", plan.outputs.deploymentsRoleArn], ["the Pulumi Deployments read role", plan.outputs.deploymentsReadRoleArn], ["the deploy role", plan.outputs.deployRoleArn]] as const;
    for (const [actor, arn] of actors) {
        if (typeof arn !== "string" || !principals.has(arn)) findings.push({ check: "cluster-actors-have-entries", stack: plan.stack, subject: actor, problem: "has no access entry: every Kubernetes call it makes gets 401" });
    }
    const cluster = ofType(plan, T.cluster)[0];
    const settings = ofType(plan, T.deploymentSettings)[0];
    if (cluster && cluster.inputs.endpointPublicAccess !== true && settings && settings.inputs.agentPoolId === undefined) {
        findings.push({ check: "cluster-actors-have-a-path", stack: plan.stack, subject: settings.name, problem: "Pulumi Deployments runs on hosted runners, outside the VPC, while the API endpoint is private" });
    }
    // The agents run in the private subnets, and the private endpoint's network interfaces carry the cluster security
    // group (EKS User Guide, "View Amazon EKS security group requirements for clusters"): it must admit the agents on 443.
    if (cluster && settings?.inputs.agentPoolId !== undefined) {
        const clusterGroup = computedPlaceholder(cluster.name, "eksCluster.vpcConfig.clusterSecurityGroupId");
        const agentGroups = new Set(plan.resources.filter((resource) => resource.type === "aws:autoscaling/group:Group" || resource.type === "aws:ec2/launchTemplate:LaunchTemplate")
            .filter((resource) => resource.urn.includes("platform:agents:"))
            .flatMap((resource) => ((resource.inputs.networkInterfaces ?? []) as { securityGroups?: string[] }[]).flatMap((network) => network.securityGroups ?? [])));
        const admitted = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((rule) =>
            rule.inputs.securityGroupId === clusterGroup && agentGroups.has(String(rule.inputs.referencedSecurityGroupId))
            && Number(rule.inputs.fromPort) <= 443 && Number(rule.inputs.toPort) >= 443);
        if (!admitted) findings.push({ check: "cluster-actors-have-a-path", stack: plan.stack, subject: "the Pulumi Deployments agents", problem: "no rule of the cluster security group admits them on 443" });
    }
    return findings;
}

/**
 * A session must outlast the operation it serves: STS refuses a DurationSeconds above the role's MaxSessionDuration,
 * and credentials that expire mid-`up` leave it half done.
 */
export function checkDeploymentsSession(plan: Plan): Finding[] {
    const deployments = deploymentsOidc(plan);
    if (!deployments) return [];
    const { settings, oidc, role } = deployments;
    const seconds = durationSeconds(oidc.duration ?? "1h0m0s");
    const findings: Finding[] = [];
    if (seconds < MIN_DEPLOYMENTS_SESSION_SECONDS) findings.push({ check: "sessions-outlast-operations", stack: plan.stack, subject: settings.name, problem: `sessions of ${seconds} s are shorter than a first \`up\` (${MIN_DEPLOYMENTS_SESSION_SECONDS} s at least)` });
    const maximum = Number(role?.inputs.maxSessionDuration ?? 3600);
    if (seconds > maximum) findings.push({ check: "sessions-outlast-operations", stack: plan.stack, subject: role?.name ?? String(oidc.roleARN), problem: `the role allows ${maximum} s; STS refuses the ${seconds} s Deployments asks for` });
    return findings;
}

/** Whether a role's trust names this stack's Deployments subject for an operation (`...:stack:<s>:operation:<op>:...`). */
function trustsOperation(plan: Plan, role: PlannedResource | undefined, operation: string): boolean {
    return JSON.stringify(role?.inputs.assumeRolePolicy ?? "").includes(`:stack:${plan.stack}:operation:${operation}:`);
}

/**
 * A scheduled drift check presents the operation `detect-drift` in its token's subject (infra/identity/policies.ts):
 * the Deployments role must trust it, or every drift run fails to get credentials.
 */
export function checkDriftTrusted(plan: Plan): Finding[] {
    const deployments = deploymentsOidc(plan);
    if (!deployments || ofType(plan, "pulumiservice:index:DriftSchedule").length === 0) return [];
    const { oidc, role } = deployments;
    return trustsOperation(plan, role, "detect-drift") ? [] : [{
        check: "drift-runs-are-trusted", stack: plan.stack, subject: role?.name ?? String(oidc.roleARN),
        problem: "the role the Deployments settings name does not trust the detect-drift operation of this stack",
    }];
}

/**
 * Credentials follow trust (DESIGN, "Day 0, day 1, day 2"): the role the settings name, which every run takes, never
 * writes, and the write role that write operations exchange the same token for (tools/deployments-write-role.sh) trusts
 * no preview and no drift check, or an unreviewed pull request's code would run with it. The exchange must also happen:
 * the settings name the write role to the script, and the script is the last pre-run command (after `npm ci` and the
 * plan, which run on the read role whatever the operation).
 */
export function checkCredentialsFollowTrust(plan: Plan): Finding[] {
    const deployments = deploymentsOidc(plan);
    if (!deployments) return [];
    const { settings, oidc, context } = deployments;
    const findings: Finding[] = [];
    const finding = (subject: string, problem: string) => findings.push({ check: "credentials-follow-trust", stack: plan.stack, subject, problem });
    if (oidc.roleARN === plan.outputs.deploymentsRoleArn) finding(settings.name, "every run, pull-request previews included, starts on the write role");
    const writeArn = context.environmentVariables?.[WRITE_ROLE_VARIABLE];
    const writeRole = ofType(plan, T.role).find((candidate) => computedPlaceholder(candidate.name, "arn") === writeArn);
    if (!writeRole) finding(settings.name, `${WRITE_ROLE_VARIABLE} names no role of this stack: write operations cannot take the write role`);
    for (const operation of ["preview", "detect-drift"]) {
        if (writeRole && trustsOperation(plan, writeRole, operation)) finding(writeRole.name, `the write role trusts ${operation} runs, which run unreviewed code or only read`);
    }
    if (writeRole && !trustsOperation(plan, writeRole, "update")) finding(writeRole.name, "the write role does not trust update runs: merged code cannot deploy");
    const commands = context.preRunCommands ?? [];
    if (commands.at(-1) !== `bash ${WRITE_ROLE_SCRIPT}`) finding(settings.name, `the last pre-run command is not \`bash ${WRITE_ROLE_SCRIPT}\`: write operations stay on the read role, or later commands run with the write role`);
    return findings;
}

interface OperationContext {
    oidc?: { aws?: { duration?: string; roleARN?: string } };
    environmentVariables?: Record<string, string>;
    preRunCommands?: string[];
}

/** The stack's Deployments settings, their AWS OIDC settings, and the role those name (when the plan creates it). */
function deploymentsOidc(plan: Plan) {
    const settings = ofType(plan, T.deploymentSettings)[0];
    if (!settings) return undefined;
    const context = (settings.inputs.operationContext ?? {}) as OperationContext;
    const oidc = context.oidc?.aws ?? {};
    const role = ofType(plan, T.role).find((candidate) => computedPlaceholder(candidate.name, "arn") === oidc.roleARN);
    return { settings, oidc, role, context };
}

/** Every day-0 check over the plans of all stacks. */
export function day0Findings(plans: readonly Plan[]): Finding[] {
    return [
        ...checkOidcProviders(plans),
        ...plans.flatMap((plan) => [
            ...checkAccessEntryPrincipals(plan),
            ...checkHttpsListeners(plan),
            ...checkClusterActors(plan),
            ...checkDeploymentsSession(plan),
            ...checkDriftTrusted(plan),
            ...checkCredentialsFollowTrust(plan),
        ]),
    ];
}

function accessEntries(plan: Plan): Record<string, { principalArn: string }> {
    return (ofType(plan, T.cluster)[0]?.inputs.accessEntries ?? {}) as Record<string, { principalArn: string }>;
}

/** Pulumi Deployments' "XhYmZs" durations, in seconds. */
export function durationSeconds(text: string): number {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!match || text === "") throw new Error(`not an XhYmZs duration: ${text}`);
    return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
