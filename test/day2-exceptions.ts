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
        fix: "accepted: the description is a constant of infra/data/postgres.ts and must stay one (a new text would collide); not deleteBeforeReplace (RDS refuses to delete a parameter group in use), and not a hash in the name (renaming it replaces the group and modifies the instance on the next up)",
    },
    {
        component: "platform:edge:Edge", type: "aws:lb/targetGroup:TargetGroup", check: "collision",
        why: "the name carries service and port, but `protocol`, `protocolVersion`, `targetType`, `ipAddressType` and `vpcId` are ForceNew too",
        fix: "accepted: protocol, target type and IP address type are constants of infra/edge (a new VPC renews everything); a hash of them in the name would rename, and so replace, every target group and its bindings on the next up for no change",
    },
    {
        component: "platform:github:Repository", type: "github:index/repository:Repository", check: "collision",
        why: "the repository's name is its identity; fork/sourceOwner/sourceRepo force a new one",
        fix: "none needed beyond `protect` (already set in prod): never change those properties; noted so that a change shows",
    },
];
