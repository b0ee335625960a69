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
        component: "platform:data:Postgres", type: "aws:ec2/securityGroup:SecurityGroup", check: "collision",
        why: "name platform-<env>-postgres is fixed and `description` is ForceNew",
        fix: "deleteBeforeReplace: true (EC2 refuses to delete it while the database's interfaces use it, so a description change stops before anything changes; keep the description constant)",
    },
    {
        component: "platform:data:Redis", type: "aws:ec2/securityGroup:SecurityGroup", check: "collision",
        why: "name platform-<env>-redis is fixed and `description` is ForceNew",
        fix: "deleteBeforeReplace: true (as for the database's group)",
    },
    {
        component: "platform:data:Postgres", type: "aws:rds/parameterGroup:ParameterGroup", check: "collision",
        why: "`family` and `description` are ForceNew; the name carries the major version, so a family change takes a new name, but a description change keeps it",
        fix: "keep the description constant, or put a hash of it in the name; not deleteBeforeReplace (RDS refuses to delete a parameter group in use)",
    },
    {
        component: "platform:data:Postgres", type: "aws:iam/role:Role", check: "collision",
        why: "the enhanced-monitoring role's name is fixed and `path` is ForceNew",
        fix: "deleteBeforeReplace: true (enhanced monitoring pauses for the seconds the role is absent)",
    },
    {
        component: "platform:data:Postgres", type: "aws:cloudwatch/logGroup:LogGroup", check: "collision",
        why: "RDS writes to /aws/rds/instance/<id>/<log> (a contract) and `logGroupClass` is ForceNew",
        fix: "deleteBeforeReplace: true (the group's logs go with it, as with any class change)",
    },
    {
        component: "platform:data:Redis", type: "aws:cloudwatch/logGroup:LogGroup", check: "collision",
        why: "ElastiCache delivers to the fixed name and `logGroupClass` is ForceNew",
        fix: "deleteBeforeReplace: true",
    },
    {
        component: "platform:data:Postgres", type: "aws:rds/instance:Instance", check: "rejected",
        why: "a major engineVersion change (rehearsal PostgreSQL 17 -> 18) without allowMajorVersionUpgrade: ModifyDBInstance refuses it",
        fix: "allowMajorVersionUpgrade: true on the primary (no outage by itself: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html), and decide applyImmediately (without it the upgrade waits for the maintenance window)",
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
        component: "platform:identity:Identity", type: "aws:iam/role:Role", check: "collision",
        why: "the deploy and Deployments roles are named (their ARNs are in GitHub variables and trusts) and `path` is ForceNew",
        fix: "deleteBeforeReplace: true (a run that assumes the role in those seconds fails; run it between deployments)",
    },
    {
        component: "platform:workloads:Workloads", type: "aws:iam/role:Role", check: "collision",
        why: "each service's role is named and `path` is ForceNew",
        fix: "deleteBeforeReplace: true (the service's pods get no new credentials for those seconds)",
    },
    {
        component: "platform:github:Repository", type: "github:index/repository:Repository", check: "collision",
        why: "the repository's name is its identity; fork/sourceOwner/sourceRepo force a new one",
        fix: "none needed beyond `protect` (already set in prod): never change those properties; noted so that a change shows",
    },
    {
        component: "platform:deployments:PulumiDeployments", type: "pulumiservice:index:StackTag", check: "collision",
        why: "every StackTag input is replaceOnChanges, so a new `value` replaces the tag under the same name",
        fix: "deleteBeforeReplace: true (the stack carries no production tag for a moment)",
    },
];
