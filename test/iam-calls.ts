/**
 * Every AWS call the generated workflows make, read from the rendered files: each job's `run:` scripts (`aws <service>
 * <command>`, `docker ...`) and the actions it `uses:`, mapped to the IAM actions and resources AWS authorizes them
 * against. A command the table below does not know is reported, so a new call cannot slip past the simulation.
 */
import { parse } from "yaml";
import type { Plan } from "../tools/mock-engine";
import { concreteValues, placeOf, repositoryArnOfUri } from "./iam-arns";

export interface AwsCall {
    workflow: string;
    job: string;
    /** The GitHub environment whose deploy role makes the call. */
    environment: string;
    /** What in the workflow makes it: the command or the action. */
    origin: string;
    action: string;
    resource: string;
}

export interface EnvironmentOfStack {
    plan: Plan;
    /** Its GitHub environment's variables, concrete. */
    vars: Record<string, string>;
    roleArn: string;
}

/** Variables no IAM call reads (a target group's ARN suffix) keep their placeholder; a call that reads one fails its check. */
function concreteOrAsIs(concrete: (text: string) => string, text: string): string {
    try {
        return concrete(text);
    } catch {
        return text;
    }
}

/** Each GitHub environment of the plans with its variables and deploy role, all concrete. */
export function environmentsOf(plans: readonly Plan[]): Map<string, EnvironmentOfStack> {
    const environments = new Map<string, EnvironmentOfStack>();
    for (const plan of plans) {
        const concrete = concreteValues(plan);
        const environment = plan.resources.find((resource) => resource.type === "github:index/repositoryEnvironment:RepositoryEnvironment");
        if (!environment) throw new Error(`the plan of ${plan.stack} has no GitHub environment`);
        const vars = Object.fromEntries(plan.resources.filter((resource) => resource.type === "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
            .map((variable) => [String(variable.inputs.variableName), concreteOrAsIs(concrete, String(variable.inputs.value))]));
        environments.set(String(environment.inputs.environment), { plan, vars, roleArn: concrete(String(plan.outputs.deployRoleArn)) });
    }
    return environments;
}

const PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];
// "IAM permissions for pushing an image to an Amazon ECR private repository" lists these six (BatchGetImage included):
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
const PUSH = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"];

interface CallContext { account: string; region: string }
type Args = Map<string, string>;
interface Rule {
    /** Where the mapping comes from. */
    source: string;
    calls(args: Args, positional: string[], context: CallContext): [string, string][];
}

const rds = (context: CallContext, kind: "db" | "snapshot", id: string | undefined) => `arn:aws:rds:${context.region}:${context.account}:${kind}:${id ?? "<missing identifier>"}`;
/** An image reference `<uri>[:tag][@digest]` as its repository's ARN. */
const repositoryOfImage = (image: string) => repositoryArnOfUri(image.replace(/@.*$/, "").replace(/:[^/]*$/, ""));
/** DescribeImages and the other ECR APIs use the caller's registry unless `--registry-id` names another (ECR API, `registryId`). */
const ecrRepository = (args: Args, context: CallContext) =>
    `arn:aws:ecr:${args.get("--region") ?? context.region}:${args.get("--registry-id") ?? context.account}:repository/${args.get("--repository-name")}`;

/**
 * Command -> IAM actions and resources. Actions and resource types: the Service Authorization Reference page of each
 * service (list_amazonelastickubernetesservice.html, list_amazonelasticcontainerregistry.html, list_amazonrds.html,
 * list_amazoncloudwatch.html under https://docs.aws.amazon.com/service-authorization/latest/reference/); the API each
 * CLI command calls: its page in the AWS CLI reference (https://docs.aws.amazon.com/cli/latest/reference/<service>/<command>.html).
 */
export const COMMANDS: Record<string, Rule> = {
    // update-kubeconfig reads the cluster's endpoint and CA with DescribeCluster; kubectl's token (`aws eks get-token`)
    // is a presigned sts:GetCallerIdentity, which needs no permission.
    "aws eks update-kubeconfig": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/eks/update-kubeconfig.html",
        calls: (args, _p, context) => [["eks:DescribeCluster", `arn:aws:eks:${args.get("--region") ?? context.region}:${context.account}:cluster/${args.get("--name")}`]],
    },
    "aws ecr describe-images": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/ecr/describe-images.html",
        calls: (args, _p, context) => [["ecr:DescribeImages", ecrRepository(args, context)]],
    },
    // CreateDBSnapshot: resource types db and snapshot, both required (SAR, Amazon RDS); `--tags` also needs
    // rds:AddTagsToResource on the snapshot (SAR lists it as CreateDBSnapshot's dependent action).
    "aws rds create-db-snapshot": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/rds/create-db-snapshot.html",
        calls: (args, _p, context) => [
            ["rds:CreateDBSnapshot", rds(context, "db", args.get("--db-instance-identifier"))],
            ["rds:CreateDBSnapshot", rds(context, "snapshot", args.get("--db-snapshot-identifier"))],
            ...(args.has("--tags") ? [["rds:AddTagsToResource", rds(context, "snapshot", args.get("--db-snapshot-identifier"))] as [string, string]] : []),
        ],
    },
    "aws rds describe-db-snapshots": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/rds/describe-db-snapshots.html",
        calls: (args, _p, context) => [["rds:DescribeDBSnapshots", args.has("--db-snapshot-identifier")
            ? rds(context, "snapshot", args.get("--db-snapshot-identifier")) : rds(context, "db", args.get("--db-instance-identifier"))]],
    },
    "aws rds delete-db-snapshot": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-snapshot.html",
        calls: (args, _p, context) => [["rds:DeleteDBSnapshot", rds(context, "snapshot", args.get("--db-snapshot-identifier"))]],
    },
    // GetMetricData supports no resource-level permissions (SAR, Amazon CloudWatch): "*".
    "aws cloudwatch get-metric-data": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-data.html",
        calls: () => [["cloudwatch:GetMetricData", "*"]],
    },
    // DescribeRules is wildcard-only; ModifyRule takes the rule (SAR, Elastic Load Balancing V2, resource type
    // listener-rule/app), whatever its forward action names.
    "aws elbv2 describe-rules": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/elbv2/describe-rules.html",
        calls: () => [["elasticloadbalancing:DescribeRules", "*"]],
    },
    "aws elbv2 modify-rule": {
        source: "https://docs.aws.amazon.com/cli/latest/reference/elbv2/modify-rule.html",
        calls: (args) => [["elasticloadbalancing:ModifyRule", args.get("--rule-arn") ?? "<missing --rule-arn>"]],
    },
    // imagetools create reads the source manifest and blobs and writes them, and the tag, into the target.
    "docker buildx imagetools create": {
        source: "https://docs.docker.com/reference/cli/docker/buildx/imagetools/create/",
        calls: (args, positional) => {
            const target = args.get("--tag") ?? args.get("-t");
            if (!target || positional.length !== 1) return [["<unreadable imagetools create>", "<unresolved>"]];
            return [...PULL.map((action): [string, string] => [action, repositoryOfImage(positional[0])]), ...PUSH.map((action): [string, string] => [action, repositoryOfImage(target)])];
        },
    },
};

const pullOf = (image: unknown): [string, string][] => {
    if (typeof image !== "string" || !/\.dkr\.ecr\.|<unresolved/.test(image)) return [];
    // The digest is known only at run time; the repository must be known now.
    const repository = image.replace(/@.*$/, "");
    return PULL.map((action) => [action, /<unresolved/.test(repository) ? repository : repositoryOfImage(image)]);
};

/** Actions that call AWS, with what they call. configure-aws-credentials only assumes the role (its trust is not simulated here). */
const ACTIONS: Record<string, (inputs: Record<string, unknown>, context: CallContext) => [string, string][]> = {
    "aws-actions/configure-aws-credentials": () => [],
    // The login action calls GetAuthorizationToken, which takes no resource (SAR: "*" only).
    "aws-actions/amazon-ecr-login": () => [["ecr:GetAuthorizationToken", "*"]],
    "docker/build-push-action": (inputs) => String(inputs.push) === "true"
        ? String(inputs.tags).split(/[\n,]/).filter(Boolean).flatMap((tag) => PUSH.map((action): [string, string] => [action, repositoryOfImage(tag.trim())])) : [],
    // Trivy and Syft pull the image they scan from the registry with the job's docker login.
    // (their file-system and IaC scans, and local images, touch no registry).
    "aquasecurity/trivy-action": (inputs) => pullOf(inputs["image-ref"]),
    "anchore/sbom-action": (inputs) => pullOf(inputs.image),
    // The attestation goes to GitHub's attestations API; only `push-to-registry: true` writes it to the registry
    // (actions/attest-build-provenance README, input push-to-registry).
    "actions/attest-build-provenance": (inputs) => String(inputs["push-to-registry"]) === "true"
        ? PUSH.map((action): [string, string] => [action, repositoryOfImage(String(inputs["subject-name"]))]) : [],
};

const GITHUB_RUNTIME: Record<string, string> = { GITHUB_RUN_ID: "1234567890", GITHUB_RUN_ATTEMPT: "1", AWS_REGION: "" };
/**
 * Variables a script reads at run time (`while read -r snapshot`): a value of the shape the script selects. The pruning
 * step's jq keeps only snapshots whose identifier starts with `$DB_INSTANCE_ID-predeploy-`; the canary's steps modify
 * only a rule their RULE_ARNS lists (canary-scripts.ts), the first of which stands for all.
 */
const RUNTIME_SAMPLES: Record<string, string> = { snapshot: "${DB_INSTANCE_ID}-predeploy-1234567890-1", rule: "${RULE_ARNS%% *}" };

type Scope = Record<string, string>;

/** `${{ vars.X }}`, `${{ vars[matrix.y] }}`, `${{ matrix.y }}`, `${{ env.X }}`, `${{ inputs.x }}`; anything else stays unresolved. */
function expression(text: string, scope: { vars: Scope; matrix: Scope; env: Scope; inputs: Scope }): string {
    return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_whole, body: string) => {
        let match = /^vars\.(\w+)$/.exec(body) ?? /^vars\[matrix\.(\w+)\]$/.exec(body);
        if (match) return scope.vars[body.startsWith("vars[") ? scope.matrix[match[1]] : match[1]] ?? `<unresolved:${body}>`;
        match = /^(matrix|env|inputs)\.(\w+)$/.exec(body);
        if (match) return scope[match[1] as "matrix" | "env" | "inputs"][match[2]] ?? `<unresolved:${body}>`;
        return `<unresolved:${body}>`;
    });
}

// Expands $X, ${X}, ${X#<star>/} (through the first slash), ${X%%.<star>}, ${X%% <star>} (the first word) and ${X#prefix}
// in a shell word, quotes removed.
function shellWord(word: string, scope: Scope, depth = 0): string {
    const unquoted = word.replace(/^"(.*)"$/s, "$1").replace(/^'(.*)'$/s, "$1");
    if (word.startsWith("'")) return unquoted;
    return unquoted.replace(/\$\{(\w+)(#\*\/|%%\.\*|%% \*|#[^}]*)?\}|\$(\w+|\d)/g, (_whole, braced: string | undefined, operator: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare!;
        const raw = scope[name];
        let value = raw === undefined ? `<unresolved:${name}>` : depth < 4 ? shellWord(`"${raw}"`, scope, depth + 1) : raw;
        if (operator === "#*/") value = value.replace(/^[^/]*\//, "");
        else if (operator === "%%.*") value = value.replace(/\..*$/, "");
        else if (operator === "%% *") value = value.replace(/ .*$/, "");
        else if (operator?.startsWith("#") && value.startsWith(operator.slice(1))) value = value.slice(operator.length - 1);
        return value;
    });
}

const WORD = /"[^"]*"|'[^']*'|[^\s;|&>)]+/g;
const COMMAND = /\b(aws\s+[a-z0-9-]+\s+[a-z0-9-]+|docker\s+buildx\s+imagetools\s+[a-z]+|docker\s+[a-z]+)((?:[ \t]+(?:"[^"]*"|'[^']*'|[^\s;|&>)]+))*)/g;

interface ScriptResult { calls: { origin: string; action: string; resource: string }[]; unknown: string[] }

/** The AWS calls of one `run:` script, with its functions' `$1` bound at each call site. */
export function scriptCalls(script: string, env: Scope, context: CallContext): ScriptResult {
    const text = script.replace(/\\\n/g, " ");
    const scope: Scope = { ...GITHUB_RUNTIME, AWS_REGION: context.region, ...RUNTIME_SAMPLES, ...env };
    for (const [, name, value] of text.matchAll(/^\s*(\w+)="([^"]*)"\s*$/gm)) scope[name] = value;
    const functions = new Map<string, string>();
    for (const [, name, body] of text.matchAll(/^\s*(\w+)\(\)\s*\{(.*)\}\s*;?\s*$/gm)) functions.set(name, body);
    const result: ScriptResult = { calls: [], unknown: [] };
    const scan = (line: string, lineScope: Scope) => {
        for (const [, head, rest] of line.matchAll(COMMAND)) {
            const command = head.replace(/\s+/g, " ");
            const rule = COMMANDS[command];
            if (!rule) { result.unknown.push(command); continue; }
            const words = [...rest.matchAll(WORD)].map(([word]) => word);
            const args: Args = new Map();
            const positional: string[] = [];
            for (let index = 0; index < words.length; index++) {
                if (words[index].startsWith("-")) {
                    const next = words[index + 1];
                    const flagOnly = next === undefined || next.startsWith("--");
                    args.set(words[index], flagOnly ? "" : shellWord(next, lineScope));
                    if (!flagOnly) index++;
                } else positional.push(shellWord(words[index], lineScope));
            }
            for (const [action, resource] of rule.calls(args, positional, context)) result.calls.push({ origin: `${command} ${rest.trim()}`.slice(0, 160), action, resource });
        }
    };
    for (const line of text.split("\n")) {
        const definition = /^\s*(\w+)\(\)\s*\{/.exec(line);
        if (definition) continue;
        scan(line, scope);
        for (const [name, body] of functions) {
            for (const [, argument] of line.matchAll(new RegExp(`(?:^|[\\s;!|&(])${name}\\s+("[^"]*"|\\S+)`, "g"))) scan(body, { ...scope, 1: shellWord(argument, scope) });
        }
    }
    return result;
}

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { uses?: string; with?: Record<string, string>; environment?: string | { name: string }; env?: Record<string, string>; steps?: Step[]; strategy?: { matrix?: { include?: Scope[] } } }
interface Workflow { jobs: Record<string, Job> }

export interface WorkflowScan {
    calls: AwsCall[];
    unknown: string[];
    withoutRole: string[];
    /** Registry operations (docker, and actions that pull or push) on a registry the job's docker client has no login for. */
    notLoggedIn: string[];
}

/**
 * amazon-ecr-login logs docker in to the registries of its `registries` input (account ids), by default only the
 * caller's own; another account's registry must be listed (aws-actions/amazon-ecr-login action.yml, input `registries`,
 * and its README, "Login to ECR on multiple AWS accounts").
 */
const REGISTRY_ACTIONS = new Set(["docker/build-push-action", "aquasecurity/trivy-action", "anchore/sbom-action", "actions/attest-build-provenance"]);
const isRegistryOperation = (origin: string) => origin.startsWith("docker ") || REGISTRY_ACTIONS.has(origin);

/** The AWS calls of every job of the control stack's workflows, each in every environment that runs the job. */
export function workflowCalls(files: Record<string, string>, environments: Map<string, EnvironmentOfStack>): WorkflowScan {
    const workflows = Object.entries(files).filter(([path]) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path)).map(([path, text]) => [path, parse(text) as Workflow] as const);
    const scan: WorkflowScan = { calls: [], unknown: [], withoutRole: [], notLoggedIn: [] };
    for (const [path, workflow] of workflows) {
        // A reusable workflow runs in the environments its callers pass it.
        const callers = workflows.flatMap(([, other]) => Object.values(other.jobs)).filter((job) => job.uses === `./${path}`);
        for (const [id, job] of Object.entries(workflow.jobs)) {
            if (job.uses) continue;
            const named = typeof job.environment === "string" ? job.environment : job.environment?.name;
            const names = named === undefined ? [undefined] : named.includes("inputs.environment") ? callers.map((caller) => caller.with?.environment) : [named];
            for (const name of names) {
                const environment = name === undefined ? undefined : environments.get(name);
                const context = environment ? placeOf(environment.plan) : { account: "<no environment>", region: "<no region>" };
                for (const matrix of job.strategy?.matrix?.include ?? [{}]) {
                    const base = { vars: environment?.vars ?? {}, matrix, inputs: { environment: name ?? "" }, env: {} as Scope };
                    const jobEnv = Object.fromEntries(Object.entries(job.env ?? {}).map(([key, value]) => [key, expression(String(value), base)]));
                    const assumes = (job.steps ?? []).some((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                    const found: { origin: string; action: string; resource: string }[] = [];
                    const loggedIn = new Set<string>();
                    for (const step of job.steps ?? []) {
                        const before = found.length;
                        const scope = { ...base, env: jobEnv };
                        const stepEnv = { ...jobEnv, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expression(String(value), scope)])) };
                        if (step.run) {
                            const result = scriptCalls(step.run, stepEnv, context);
                            found.push(...result.calls);
                            scan.unknown.push(...result.unknown.map((command) => `${path} ${id}: ${command}`));
                        }
                        if (step.uses) {
                            const action = step.uses.replace(/@.*$/, "");
                            const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([key, value]) => [key, expression(String(value), { ...scope, env: stepEnv })]));
                            const mapper = ACTIONS[action];
                            if (mapper) found.push(...mapper(inputs, context).map(([iamAction, resource]) => ({ origin: action, action: iamAction, resource })));
                            else if (action.startsWith("aws-actions/") || Object.values(inputs).some((value) => /\.dkr\.ecr\./.test(value))) scan.unknown.push(`${path} ${id}: uses ${action}`);
                            if (action === "aws-actions/amazon-ecr-login") for (const account of (inputs.registries ?? context.account).split(",")) loggedIn.add(account.trim());
                        }
                        for (const call of found.slice(before).filter((candidate) => isRegistryOperation(candidate.origin))) {
                            const account = call.resource.split(":")[4];
                            if (!loggedIn.has(account)) scan.notLoggedIn.push(`${path} ${id} [${name}]: ${call.origin.split(" --")[0]} on ${account}'s registry`);
                        }
                    }
                    if (found.length > 0 && (!assumes || !environment)) scan.withoutRole.push(`${path} ${id}`);
                    if (environment && name) scan.calls.push(...found.map((call) => ({ workflow: path, job: id, environment: name, ...call })));
                }
            }
        }
    }
    return scan;
}
