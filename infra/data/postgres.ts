/**
 * PostgreSQL on RDS: encrypted with the database key, the master password created and rotated by RDS in Secrets
 * Manager (never in config, code or state) and read by the migrations alone, the services connecting as their own users
 * with IAM database authentication; reachable only from the cluster's nodes over TLS, with Performance Insights,
 * enhanced monitoring, logs in CloudWatch, backups, read replicas and alarms as the stack file says.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "../alarms";
import type { PlatformConfig } from "../config";
import { serviceTrustPolicy, toJson } from "../iam";
import { postgresAlarms } from "./alarms";
import { NAME_IS_A_CONTRACT } from "../naming";

/** What both data stores share: where they live, who may reach them, where they report. */
export interface DataStoreArgs {
    namePrefix: string;
    vpcId: pulumi.Input<string>;
    /** The isolated database subnets. */
    subnetIds: pulumi.Input<string>[];
    /** The only security group allowed in: the cluster's nodes. */
    clientSecurityGroupId: pulumi.Input<string>;
    alarmTopicArn: pulumi.Input<string>;
    logRetentionDays: number;
    logsKmsKeyArn: pulumi.Input<string>;
    /** `protect` the stateful resources (prod). */
    protect: boolean;
}

export interface PostgresArgs extends DataStoreArgs {
    settings: PlatformConfig["database"];
    /** The account enhanced monitoring acts for: its role trusts RDS on behalf of this account only. */
    accountId: pulumi.Input<string>;
    /** Storage, Performance Insights and the RDS-managed master secret. */
    kmsKeyArn: pulumi.Input<string>;
}

const PORT = 5432;
/** The logs RDS for PostgreSQL can export; each goes to a log group created first, so retention and key are ours. */
const LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** The instance's identifier: fixed by config, so that the deploy role may snapshot it before it exists. */
export function postgresIdentifier(namePrefix: string): string {
    return `${namePrefix}-postgres`;
}

export class Postgres extends pulumi.ComponentResource {
    readonly instanceId: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    /** The ARN of the RDS-managed master secret (never its value). */
    readonly masterSecretArn: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** The read replicas' identifiers, by their stable key. */
    readonly replicaIds: Record<string, pulumi.Output<string>>;
    /**
     * The DbiResourceId of the primary and of each replica: `rds-db:connect` names a database user by it
     * (`arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>`, RDS User Guide, "Creating and using an IAM
     * policy for IAM database access").
     */
    readonly resourceIds: pulumi.Output<string>[];

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Postgres", name, {}, opts);
        const child = { parent: this };
        const db = args.settings;
        const identifier = postgresIdentifier(args.namePrefix);
        const major = db.engineVersion.split(".")[0];

        const subnetGroup = new aws.rds.SubnetGroup(`${name}`, { name: identifier, subnetIds: args.subnetIds }, child);
        const securityGroup = new aws.ec2.SecurityGroup(`${name}`, {
            name: identifier,
            description: "PostgreSQL: reachable from the cluster's nodes only",
            vpcId: args.vpcId,
            ingress: [{ description: "PostgreSQL from the nodes", protocol: "tcp", fromPort: PORT, toPort: PORT, securityGroups: [args.clientSecurityGroupId] }],
            egress: [],
            // Deletes first on a replacement: EC2 refuses to delete a group the database's interfaces use
            // (DependencyViolation), so a replacing change stops before anything changes instead of colliding.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        const parameters = new aws.rds.ParameterGroup(`${name}`, {
            name: `${identifier}-${major}`,
            family: `postgres${major}`,
            description: "TLS required; slow statements and lock waits logged",
            parameters: [
                { name: "rds.force_ssl", value: "1" },
                // Statements slower than a second, and lock waits, are the first evidence of a query to fix.
                { name: "log_min_duration_statement", value: "1000" },
                { name: "log_lock_waits", value: "1" },
            ],
        }, child);
        const monitoringRole = new aws.iam.Role(`${name}-monitoring`, {
            name: `${identifier}-monitoring`,
            // Bound to the account (the confused-deputy guidance; RDS User Guide, "Setting up and enabling Enhanced
            // Monitoring", shows aws:SourceAccount in this role's trust).
            assumeRolePolicy: toJson(serviceTrustPolicy("monitoring.rds.amazonaws.com", args.accountId)),
            managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
            // Enhanced monitoring pauses for the seconds between the delete and the create of a replacement.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        const logGroupsOf = (instance: string, key: string) => LOG_EXPORTS.map((log) => new aws.cloudwatch.LogGroup(`${name}-${key}-${log}`, {
            name: `/aws/rds/instance/${instance}/${log}`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.logsKmsKeyArn,
            // RDS writes to exactly this name: a replacement deletes first, and the group's logs go with it.
        }, { ...child, ...NAME_IS_A_CONTRACT }));

        const shared = {
            instanceClass: db.instanceClass,
            storageEncrypted: true,
            kmsKeyId: args.kmsKeyArn,
            vpcSecurityGroupIds: [securityGroup.id],
            publiclyAccessible: false,
            parameterGroupName: parameters.name,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: args.kmsKeyArn,
            performanceInsightsRetentionPeriod: db.performanceInsightsRetentionDays,
            monitoringInterval: db.monitoringIntervalSeconds,
            monitoringRoleArn: monitoringRole.arn,
            enabledCloudwatchLogsExports: [...LOG_EXPORTS],
            autoMinorVersionUpgrade: true,
            copyTagsToSnapshot: true,
            deletionProtection: db.deletionProtection,
            // The services connect as their own users with an IAM token, never with the master password (RDS User
            // Guide, "IAM database authentication for MariaDB, MySQL, and PostgreSQL"). A modification of an existing
            // instance, applied in place; a replica takes the setting of its own (the same page, "Enabling and
            // disabling IAM database authentication").
            iamDatabaseAuthenticationEnabled: true,
        };
        const primary = new aws.rds.Instance(`${name}`, {
            ...shared,
            identifier,
            engine: "postgres",
            engineVersion: db.engineVersion,
            // A major version change (database.engineVersion 17 -> 18) is refused by ModifyDBInstance without it
            // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html,
            // AllowMajorVersionUpgrade); by itself it changes nothing. The upgrade then runs in the maintenance window
            // (no applyImmediately: an instance class change would reboot at once too); docs/day2.md has the runbook.
            allowMajorVersionUpgrade: true,
            storageType: "gp3",
            allocatedStorage: db.allocatedStorageGiB,
            maxAllocatedStorage: db.maxAllocatedStorageGiB,
            dbSubnetGroupName: subnetGroup.name,
            multiAz: db.multiAz,
            username: "platform_admin",
            manageMasterUserPassword: true,
            masterUserSecretKmsKeyId: args.kmsKeyArn,
            backupRetentionPeriod: db.backupRetentionDays,
            backupWindow: "03:00-04:00",
            maintenanceWindow: "sun:04:30-sun:05:30",
            skipFinalSnapshot: !db.finalSnapshot,
            finalSnapshotIdentifier: db.finalSnapshot ? `${identifier}-final` : undefined,
        }, { parent: this, protect: args.protect, dependsOn: logGroupsOf(identifier, "primary") });

        // A replica's number is its identity (its identifier and logs carry it), not a position in a list.
        const replicas = Object.fromEntries(Array.from({ length: db.readReplicas }, (_, index) => {
            const key = `replica-${index + 1}`;
            const replica = new aws.rds.Instance(`${name}-${key}`, {
                ...shared,
                identifier: `${identifier}-${key}`,
                replicateSourceDb: primary.identifier,
                // Replicas take no final snapshot: the primary's backups hold the data.
                skipFinalSnapshot: true,
            }, { parent: this, protect: args.protect, dependsOn: logGroupsOf(`${identifier}-${key}`, key) });
            return [key, replica];
        }));

        const replicaIds = Object.fromEntries(Object.entries(replicas).map(([key, replica]) => [key, replica.identifier]));
        createAlarms(this, name, args.namePrefix, args.alarmTopicArn, postgresAlarms({ instanceClass: db.instanceClass, primaryId: primary.identifier, replicaIds }));

        this.instanceId = primary.identifier;
        this.endpoint = primary.endpoint;
        this.masterSecretArn = primary.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");
        this.securityGroupId = securityGroup.id;
        this.replicaIds = replicaIds;
        this.resourceIds = [primary.resourceId, ...Object.values(replicas).map((replica) => replica.resourceId)];
        this.registerOutputs({ instanceId: this.instanceId, endpoint: this.endpoint, masterSecretArn: this.masterSecretArn });
    }
}
