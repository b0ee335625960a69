/**
 * The one place where the plan's placeholders (`[computed: <resource>.<attribute>]`, `[looked up: <lookup>(<key>).<attribute>]`)
 * become concrete values, for the IAM simulator. Each value is built in the format AWS documents for its resource type,
 * in the account of the stack that declares the resource (its provider's `allowedAccountIds`, from Pulumi.yaml
 * `environments.<stack>.awsAccountId`) and the stack's region. Sources, Service Authorization Reference (SAR), section
 * "Resource types defined by ...":
 * - IAM role `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`, OIDC provider
 *   `arn:${Partition}:iam::${Account}:oidc-provider/${OidcProviderName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 * - ECR repository `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html ;
 *   its URI `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Repositories.html
 * - RDS db `arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}`, snapshot `...:snapshot:${SnapshotName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
 * - KMS key `arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}` (a key id is a UUID):
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
 * - Secrets Manager secret `arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}`, where the last part
 *   is the secret's name followed by a hyphen and six random characters that Secrets Manager appends (so that a new
 *   secret of a deleted one's name gets a new ARN; CreateSecret API reference, `Name` and `ARN`):
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html ,
 *   https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html . A policy that names a secret
 *   without the suffix does not match its ARN: the simulator sees the suffix here as AWS would.
 *   The database's master secret is created by RDS (`manageMasterUserPassword`), named `rds!db-<uuid>`:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
 * - EKS cluster `arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html
 * - Secrets Manager version ids: the ClientRequestToken of the call that wrote the version becomes its VersionId, a
 *   UUID-type value (PutSecretValue API reference, `ClientRequestToken`):
 *   https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 * - RDS IAM database user `arn:${Partition}:rds-db:${Region}:${Account}:dbuser:${DbiResourceId}/${DbUserName}` (SAR,
 *   "Amazon RDS IAM Authentication"), the DbiResourceId being `db-` and upper-case letters and digits (RDS User Guide,
 *   "Creating and using an IAM policy for IAM database access", whose example is `db-ABCDEFGHIJKL01234`):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
 * - S3 bucket `arn:${Partition}:s3:::${BucketName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * - Elastic Load Balancing listener rule
 *   `arn:${Partition}:elasticloadbalancing:${Region}:${Account}:listener-rule/app/${LoadBalancerName}/${LoadBalancerId}/${ListenerId}/${ListenerRuleId}`
 *   (ids: 16 hex digits): https://docs.aws.amazon.com/service-authorization/latest/reference/list_elasticloadbalancingv2.html
 * - CloudWatch Logs log group `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
 * The random parts (key ids, secret suffixes, the repository id) are derived from the resource's name, so two resources
 * never share one and every run sees the same values.
 */
import { createHash } from "node:crypto";
import type { Plan, PlannedResource } from "../tools/mock-engine";
import { accountOfPlan } from "../tools/day0-checks";

const PLACEHOLDER = /\[(computed|looked up): ((?:[^[\]]|\[\d+\])+)\]/g;

function digest(text: string): Buffer {
    return createHash("sha256").update(text).digest();
}
/** A UUID (version 4 layout) derived from a name. */
export function uuidOf(name: string): string {
    const hex = digest(name).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
/** Six letters and digits, as Secrets Manager appends to a secret's name in its ARN. */
export function secretSuffixOf(name: string): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return [...digest(name).subarray(0, 6)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

export interface StackPlace {
    account: string;
    region: string;
}

export function placeOf(plan: Plan): StackPlace {
    const account = accountOfPlan(plan);
    if (account === undefined) throw new Error(`the plan of ${plan.stack} names no single AWS account (provider allowedAccountIds)`);
    return { account, region: String(plan.outputs.region) };
}

/** The concrete value of one attribute of one planned resource, in AWS's documented format. */
function attributeOf(resource: PlannedResource, attribute: string, { account, region }: StackPlace): string {
    const name = String(resource.inputs.name ?? resource.inputs.identifier ?? resource.name);
    const key = `${resource.type} ${attribute}`;
    switch (key) {
        case "aws:iam/role:Role arn": return `arn:aws:iam::${account}:role/${name}`;
        // aws.iam.Role's `id` is the role's name (Pulumi registry, aws.iam.Role outputs).
        case "aws:iam/role:Role id": case "aws:iam/role:Role name": return name;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider arn": return `arn:aws:iam::${account}:oidc-provider/${String(resource.inputs.url).replace(/^https:\/\//, "")}`;
        case "aws:ecr/repository:Repository arn": return `arn:aws:ecr:${region}:${account}:repository/${name}`;
        case "aws:ecr/repository:Repository repositoryUrl": return `${account}.dkr.ecr.${region}.amazonaws.com/${name}`;
        case "aws:kms/key:Key arn": return `arn:aws:kms:${region}:${account}:key/${uuidOf(`${account} ${resource.name}`)}`;
        case "aws:secretsmanager/secret:Secret arn": return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${secretSuffixOf(`${account} ${name}`)}`;
        case "aws:secretsmanager/secretVersion:SecretVersion versionId": return uuidOf(`${account} ${resource.name} version`);
        case "aws:s3/bucket:Bucket arn": return `arn:aws:s3:::${String(resource.inputs.bucket ?? name)}`;
        case "aws:rds/instance:Instance arn": return `arn:aws:rds:${region}:${account}:db:${name}`;
        case "aws:rds/instance:Instance id": case "aws:rds/instance:Instance identifier": return name;
        case "aws:rds/instance:Instance resourceId": return `db-${[...digest(`${account} ${name}`).subarray(0, 26)].map((byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[byte % 36]).join("")}`;
        case "aws:rds/instance:Instance masterUserSecrets[0].secretArn": {
            const secret = `rds!db-${uuidOf(`${account} ${name}`)}`;
            return `arn:aws:secretsmanager:${region}:${account}:secret:${secret}-${secretSuffixOf(`${account} ${secret}`)}`;
        }
        case "eks:index:Cluster eksCluster.name": return name;
        case "eks:index:Cluster eksCluster.arn": return `arn:aws:eks:${region}:${account}:cluster/${name}`;
        // The Edge names its rules `<prefix>-edge-<service>` and its load balancer `<prefix>-alb` (infra/edge).
        case "aws:lb/listenerRule:ListenerRule arn": {
            const balancer = `${resource.name.replace(/-edge-[^]*$/, "")}-alb`;
            const id = (part: string) => digest(`${account} ${resource.name} ${part}`).toString("hex").slice(0, 16);
            return `arn:aws:elasticloadbalancing:${region}:${account}:listener-rule/app/${balancer}/${id("lb")}/${id("listener")}/${id("rule")}`;
        }
        case "aws:cloudwatch/logGroup:LogGroup arn": return `arn:aws:logs:${region}:${account}:log-group:${name}`;
        // GitHub's repository id is a number (github.Repository `repoId`); any fixed one serves.
        case "github:index/repository:Repository repoId": return "123456789";
        default: throw new Error(`no documented format for ${attribute} of ${resource.type} (${resource.name}): add one to test/iam-arns.ts`);
    }
}

function lookedUp(lookup: string, { account }: StackPlace): string {
    const match = /^(.+?)\((.*)\)\.(.+)$/.exec(lookup);
    if (!match) throw new Error(`unreadable lookup placeholder ${lookup}`);
    const [, source, key, attribute] = match;
    // A role looked up by name at the root path (the README's bootstrap creates it there).
    if (source === "aws.iam.getRole" && attribute === "arn") return `arn:aws:iam::${account}:role/${key}`;
    if (source === "aws.iam.getOpenIdConnectProvider" && attribute === "arn") return `arn:aws:iam::${account}:oidc-provider/${key.replace(/^https:\/\//, "")}`;
    if (source === "github.getRepository" && attribute === "repoId") return "123456789";
    throw new Error(`no documented format for the lookup ${lookup}: add one to test/iam-arns.ts`);
}

/**
 * A function that replaces every placeholder of `plan` in a text with its concrete value. A placeholder it has no
 * format for throws, so nothing the simulator sees is still a placeholder.
 */
export function concreteValues(plan: Plan): (text: string) => string {
    const place = placeOf(plan);
    // Names are unique per type, not across types (a repository and its policy share one): the first resource of the
    // name whose type has the attribute answers.
    const byName = new Map<string, PlannedResource[]>();
    for (const resource of plan.resources) byName.set(resource.name, [...(byName.get(resource.name) ?? []), resource]);
    return (text) => text.replace(PLACEHOLDER, (_whole, kind: string, body: string) => {
        if (kind === "looked up") return lookedUp(body, place);
        // The longest resource name the body starts with (one name may prefix another's).
        const owner = [...byName.keys()].filter((name) => body.startsWith(`${name}.`)).sort((a, b) => b.length - a.length)[0];
        if (owner === undefined) throw new Error(`the placeholder [computed: ${body}] names no resource of the plan of ${plan.stack}`);
        const attribute = body.slice(owner.length + 1);
        const errors: string[] = [];
        for (const resource of byName.get(owner)!) {
            try {
                return attributeOf(resource, attribute, place);
            } catch (error) {
                errors.push((error as Error).message);
            }
        }
        throw new Error(errors.join("; "));
    });
}

/** A repository URI (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`) as its ARN. */
export function repositoryArnOfUri(uri: string): string {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(uri);
    if (!match) throw new Error(`${uri} is not an ECR repository URI`);
    return `arn:aws:ecr:${match[2]}:${match[1]}:repository/${match[3]}`;
}

/** The account of an ARN (its fifth field). */
export function accountOfArn(arn: string): string {
    return arn.split(":")[4];
}
