/**
 * The IAM model of a set of plans (one per stack) for the simulator: who a role is, which identity policies it has, and
 * which resource policy guards a resource, with every placeholder made concrete (test/iam-arns.ts).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Plan } from "../tools/mock-engine";
import { accountOfArn, concreteValues, placeOf } from "./iam-arns";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export class IamModel {
    private readonly concrete = new Map<Plan, (text: string) => string>();
    constructor(readonly plans: readonly Plan[]) {
        for (const plan of plans) this.concrete.set(plan, concreteValues(plan));
    }

    private plansOf(account: string): Plan[] {
        return this.plans.filter((plan) => placeOf(plan).account === account);
    }

    private json(plan: Plan, text: unknown): unknown {
        return JSON.parse(this.concrete.get(plan)!(String(text)));
    }

    /** The inline policies of a role, from the plan of the stack that declares it; a role nobody declares has none. */
    identityPolicies(roleArn: string): { name: string; policy: unknown }[] {
        const name = roleArn.split("/").pop()!;
        const policies: { name: string; policy: unknown }[] = [];
        for (const plan of this.plansOf(accountOfArn(roleArn))) {
            const concrete = this.concrete.get(plan)!;
            const attached = plan.resources.filter((resource) => resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && concrete(String(resource.inputs.role)) === name);
            // A managed policy's document is not in the plan: a role that has one cannot be simulated faithfully here.
            if (attached.length > 0) throw new Error(`${roleArn} has managed policies attached (${attached.map((resource) => resource.inputs.policyArn).join(", ")}), which this model does not read`);
            for (const resource of plan.resources.filter((candidate) => candidate.type === "aws:iam/rolePolicy:RolePolicy" && concrete(String(candidate.inputs.role)) === name)) {
                policies.push({ name: resource.name, policy: this.json(plan, resource.inputs.policy) });
            }
        }
        return policies;
    }

    /** Whether a plan in the resource's account declares it (an ECR repository, a KMS key); other types are assumed to exist. */
    exists(resource: string): boolean {
        const ecr = /^arn:aws:ecr:[^:]+:(\d+):repository\/(.+)$/.exec(resource);
        if (!ecr) return true;
        return this.plansOf(ecr[1]).some((plan) => plan.resources.some((candidate) => candidate.type === "aws:ecr/repository:Repository" && candidate.inputs.name === ecr[2]));
    }

    /** The resource policy that guards a resource: an ECR repository's policy, a KMS key's policy, a role's trust policy. */
    resourcePolicy(resource: string): unknown {
        const ecr = /^arn:aws:ecr:[^:]+:(\d+):repository\/(.+)$/.exec(resource);
        for (const plan of this.plansOf(accountOfArn(resource))) {
            const concrete = this.concrete.get(plan)!;
            if (ecr) {
                const policy = plan.resources.find((candidate) => candidate.type === "aws:ecr/repositoryPolicy:RepositoryPolicy" && candidate.inputs.repository === ecr[2]);
                if (policy) return this.json(plan, policy.inputs.policy);
            }
            // sts:AssumeRole is authorized by the target role's trust policy as its resource policy.
            if (resource.startsWith("arn:aws:iam::")) {
                const role = plan.resources.find((candidate) => candidate.type === "aws:iam/role:Role" && concrete(`[computed: ${candidate.name}.arn]`) === resource);
                if (role) return this.json(plan, role.inputs.assumeRolePolicy);
            }
            if (resource.startsWith("arn:aws:kms:")) {
                const key = plan.resources.find((candidate) => candidate.type === "aws:kms/key:Key" && concrete(`[computed: ${candidate.name}.arn]`) === resource);
                if (key) return this.json(plan, key.inputs.policy);
            }
        }
        return undefined;
    }

    /**
     * The simulator's decision for a role's session making one call. The request carries the global keys AWS sets for
     * every request of a role session (aws:PrincipalArn is the role's ARN, aws:PrincipalAccount its account:
     * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html); the simulator does not fill them in itself.
     */
    async decide(roleArn: string, action: string, resource: string, context: Record<string, string> = {}): Promise<{ decision: Decision; detail: string }> {
        const principalAccount = accountOfArn(roleArn);
        const resourceAccount = resource === "*" ? principalAccount : accountOfArn(resource) || principalAccount;
        const sessionArn = `arn:aws:sts::${principalAccount}:assumed-role/${roleArn.split("/").pop()}/simulated-session`;
        const result = await runSimulation({
            request: {
                principal: sessionArn, action, resource: { resource, accountId: resourceAccount },
                contextVariables: { "aws:PrincipalArn": roleArn, "aws:PrincipalAccount": principalAccount, "aws:SecureTransport": "true", ...context },
            },
            identityPolicies: this.identityPolicies(roleArn),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: this.resourcePolicy(resource),
        }, {});
        if (result.resultType === "error") return { decision: "ImplicitlyDenied", detail: `simulation error: ${JSON.stringify(result.errors)}` };
        return { decision: result.overallResult as Decision, detail: "" };
    }
}
