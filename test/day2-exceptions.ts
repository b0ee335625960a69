/**
 * THE one list of day-2 findings in files this change does not own (infra/edge, infra/data, infra/identity,
 * infra/workloads, infra/deployments, github/): each entry says what fails, why, and the option its owner applies.
 * test/replacements.test.ts and test/rehearsals.test.ts accept exactly these, and fail on an entry no longer needed,
 * so that applying a fix also removes its line here.
 */
export interface OtherOwnersException {
    /** The component type (`platform:<area>:<Name>`) the resource belongs to. */
    component: string;
    /** The resource type. */
    type: string;
    /** `collision`: a fixed name with forcing properties; `rejected`: an update the cloud's API refuses. */
    check: "collision" | "rejected";
    why: string;
    /** What the owner applies. */
    fix: string;
}

export const OTHER_OWNERS_EXCEPTIONS: readonly OtherOwnersException[] = [
    {
        component: "platform:data:Postgres", type: "aws:rds/parameterGroup:ParameterGroup", check: "collision",
        why: "`family` and `description` are ForceNew; the name carries the major version, so a family change takes a new name, but a description change keeps it",
        fix: "keep the description constant, or put a hash of it in the name; not deleteBeforeReplace (RDS refuses to delete a parameter group in use)",
    },
    {
        component: "platform:edge:Edge", type: "aws:ec2/securityGroup:SecurityGroup", check: "collision",
        why: "the load balancer's group platform-<env>-alb has a fixed name and a ForceNew `description`",
        fix: "deleteBeforeReplace: true (EC2 refuses while the load balancer uses it; keep the description constant)",
    },
    {
        component: "platform:edge:Edge", type: "aws:lb/loadBalancer:LoadBalancer", check: "collision",
        why: "name platform-<env>-alb is fixed and `internal`, `loadBalancerType`, `customerOwnedIpv4Pool` are ForceNew",
        fix: "namePrefix (the DNS name changes with any replacement anyway; listeners, rules, WAF association and target group bindings follow in the same update); not deleteBeforeReplace (an outage until the new one is active)",
    },
    {
        component: "platform:edge:Edge", type: "aws:lb/targetGroup:TargetGroup", check: "collision",
        why: "the name carries service and port, but `protocol`, `protocolVersion`, `targetType`, `ipAddressType` and `vpcId` are ForceNew too",
        fix: "put a short hash of those properties in the name (within ELB's 32 characters), as the port already is",
    },
    {
        component: "platform:edge:Edge", type: "aws:wafv2/webAcl:WebAcl", check: "collision",
        why: "name platform-prod-web-acl is fixed and `scope` is ForceNew",
        fix: "deleteBeforeReplace: true (the load balancer is unprotected by WAF until the new ACL is associated)",
    },
    {
        component: "platform:edge:Edge", type: "aws:cloudwatch/logGroup:LogGroup", check: "collision",
        why: "WAF logs to the fixed aws-waf-logs-* name and `logGroupClass` is ForceNew",
        fix: "deleteBeforeReplace: true",
    },
    {
        component: "platform:github:Repository", type: "github:index/repository:Repository", check: "collision",
        why: "the repository's name is its identity; fork/sourceOwner/sourceRepo force a new one",
        fix: "none needed beyond `protect` (already set in prod): never change those properties; noted so that a change shows",
    },
];
