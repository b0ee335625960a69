import assert from "node:assert/strict";
import { cacheAlarms, cacheMemberIds, postgresAlarms } from "../infra/data/alarms";
import { defaultMaxConnections } from "../infra/data/instance-classes";
import { PlanError } from "../tools/mock-engine";
import { STACKS, accountOf, ofType, one, plan, realPlan, rejection, withStackValue } from "./harness";

const DATABASE = {
    dev: { instanceClass: "db.t3.medium", multiAz: false, replicas: 0, backups: 7, protectedDb: false },
    staging: { instanceClass: "db.t3.large", multiAz: true, replicas: 0, backups: 14, protectedDb: false },
    prod: { instanceClass: "db.r6g.xlarge", multiAz: true, replicas: 1, backups: 30, protectedDb: true },
} as const;
const CACHE = {
    dev: { nodeType: "cache.t3.micro", clusterMode: "disabled", failover: false },
    staging: { nodeType: "cache.t3.small", clusterMode: "disabled", failover: true },
    prod: { nodeType: "cache.r6g.large", clusterMode: "enabled", failover: true },
} as const;

describe("data stores", () => {
    for (const stack of STACKS) {
        const expected = DATABASE[stack];
        describe(stack, () => {
            it(`runs PostgreSQL on ${expected.instanceClass}${expected.multiAz ? ", Multi-AZ" : ""}, with ${expected.replicas} read replica(s) and ${expected.backups} days of backups`, async () => {
                const p = await realPlan(stack);
                const instances = ofType(p, "aws:rds/instance:Instance");
                const primary = instances.find((instance) => !instance.inputs.replicateSourceDb)!;
                const replicas = instances.filter((instance) => instance.inputs.replicateSourceDb);
                assert.deepEqual([primary.inputs.instanceClass, primary.inputs.multiAz, replicas.length], [expected.instanceClass, expected.multiAz, expected.replicas]);
                assert.equal(primary.inputs.backupRetentionPeriod, expected.backups);
                assert.deepEqual([primary.inputs.engine, primary.inputs.engineVersion, primary.inputs.storageType], ["postgres", "17", "gp3"]);
                assert.ok(Number(primary.inputs.maxAllocatedStorage) > Number(primary.inputs.allocatedStorage), "storage autoscaling");
                for (const replica of replicas) assert.equal(replica.inputs.replicateSourceDb, primary.inputs.identifier);
                assert.equal(primary.inputs.copyTagsToSnapshot, true);
            });

            it("never holds the master password: RDS manages it in Secrets Manager, encrypted with the database key", async () => {
                const p = await realPlan(stack);
                for (const db of ofType(p, "aws:rds/instance:Instance")) {
                    assert.equal(db.inputs.password, undefined, db.name);
                    assert.equal(db.inputs.kmsKeyId, `[computed: platform-${stack}-keys-database.arn]`);
                    assert.equal(db.inputs.performanceInsightsEnabled, true);
                    assert.equal(db.inputs.performanceInsightsKmsKeyId, `[computed: platform-${stack}-keys-database.arn]`);
                    assert.equal(db.inputs.monitoringInterval, 60);
                }
                // Enhanced monitoring's role trusts RDS on behalf of this account only.
                const monitoring = JSON.parse(String(one(p, "aws:iam/role:Role", "postgres-monitoring").inputs.assumeRolePolicy));
                assert.deepEqual(monitoring.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": accountOf(stack) } });
                const primary = ofType(p, "aws:rds/instance:Instance").find((instance) => !instance.inputs.replicateSourceDb)!;
                assert.equal(primary.inputs.manageMasterUserPassword, true);
                assert.equal(primary.inputs.masterUserSecretKmsKeyId, `[computed: platform-${stack}-keys-database.arn]`);
                assert.equal(p.outputs.databaseMasterSecretArn, `[computed: ${primary.name}.masterUserSecrets[0].secretArn]`);
            });

            it("is reachable only from the cluster's nodes, over TLS, in the isolated subnets", async () => {
                const p = await realPlan(stack);
                const nodes = "[computed: platform-" + stack + "-cluster.eksCluster.vpcConfig.clusterSecurityGroupId]";
                for (const key of ["postgres", "redis"]) {
                    const group = one(p, "aws:ec2/securityGroup:SecurityGroup", `-${key}`);
                    const ingress = group.inputs.ingress as { securityGroups: string[]; cidrBlocks?: string[]; fromPort: number }[];
                    assert.equal(ingress.length, 1);
                    assert.deepEqual(ingress[0].securityGroups, [nodes]);
                    assert.equal(ingress[0].cidrBlocks, undefined);
                    assert.deepEqual(group.inputs.egress, []);
                }
                const parameters = one(p, "aws:rds/parameterGroup:ParameterGroup");
                assert.deepEqual((parameters.inputs.parameters as { name: string; value: string }[]).find((parameter) => parameter.name === "rds.force_ssl"), { name: "rds.force_ssl", value: "1" });
                assert.equal(parameters.inputs.family, "postgres17");
                assert.deepEqual(one(p, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds, one(p, "aws:elasticache/subnetGroup:SubnetGroup").inputs.subnetIds);
                assert.match(JSON.stringify(one(p, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds), /network-database-us-east-1a/);
            });

            it("exports PostgreSQL's logs to log groups made first, with the environment's retention", async () => {
                const p = await realPlan(stack);
                for (const db of ofType(p, "aws:rds/instance:Instance")) {
                    const groups = ofType(p, "aws:cloudwatch/logGroup:LogGroup").filter((group) => String(group.inputs.name).startsWith(`/aws/rds/instance/${db.inputs.identifier}/`));
                    assert.deepEqual(groups.map((group) => String(group.inputs.name).split("/").pop()).sort(), [...(db.inputs.enabledCloudwatchLogsExports as string[])].sort());
                    assert.deepEqual([...db.options.dependsOn].sort(), groups.map((group) => group.urn).sort());
                }
            });

            it(stack === "dev" ? "lets dev's database go without a final snapshot" : "keeps a final snapshot and deletion protection", async () => {
                const primary = ofType(await realPlan(stack), "aws:rds/instance:Instance").find((instance) => !instance.inputs.replicateSourceDb)!;
                assert.equal(primary.inputs.deletionProtection, stack !== "dev");
                assert.equal(primary.inputs.skipFinalSnapshot, stack === "dev");
                assert.equal(primary.inputs.finalSnapshotIdentifier, stack === "dev" ? undefined : `platform-${stack}-postgres-final`);
                assert.equal(primary.options.protect, expected.protectedDb);
            });

            it("alarms on CPU, storage, connections and memory, and on replica lag where a replica exists", async () => {
                const alarms = ofType(await realPlan(stack), "aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => String(alarm.inputs.name));
                const firstMember = stack === "prod" ? "0001-001" : "001";
                for (const key of ["db-cpu", "db-free-storage", "db-connections", "db-freeable-memory", `cache-engine-cpu-${firstMember}`, `cache-memory-${firstMember}`]) {
                    assert.ok(alarms.includes(`platform-${stack}-${key}`), key);
                }
                assert.equal(alarms.filter((name) => name.endsWith("-lag")).length, expected.replicas);
            });

            it(`runs ${CACHE[stack].nodeType} with TLS, at-rest encryption and an AUTH token seen only as a secret`, async () => {
                const p = await realPlan(stack);
                const cache = one(p, "aws:elasticache/replicationGroup:ReplicationGroup");
                assert.deepEqual([cache.inputs.nodeType, cache.inputs.clusterMode], [CACHE[stack].nodeType, CACHE[stack].clusterMode]);
                assert.deepEqual([cache.inputs.transitEncryptionEnabled, cache.inputs.transitEncryptionMode, cache.inputs.atRestEncryptionEnabled], [true, "required", true]);
                assert.equal(cache.inputs.authToken, "[secret]");
                assert.equal(cache.inputs.automaticFailoverEnabled, CACHE[stack].failover);
                assert.equal(cache.inputs.multiAzEnabled, CACHE[stack].failover);
                if (stack === "prod") assert.ok(Number(cache.inputs.numNodeGroups) >= 2);
                const logs = (cache.inputs.logDeliveryConfigurations as { logType: string; destinationType: string }[]).map((entry) => entry.logType).sort();
                assert.deepEqual(logs, ["engine-log", "slow-log"]);
                assert.ok(Number(cache.inputs.snapshotRetentionLimit) >= 1);
                const version = one(p, "aws:secretsmanager/secretVersion:SecretVersion", "redis-auth");
                assert.equal(version.inputs.secretString, "[secret]");
                assert.equal(one(p, "aws:secretsmanager/secret:Secret", "redis-auth").options.protect, stack === "prod");
                assert.equal(cache.options.protect, stack === "prod");
            });
        });
    }

    it("follows the stack file: two read replicas, each with its lag alarm", async () => {
        const p = await plan("prod", { directory: withStackValue("prod", ["database", "readReplicas"], 2) });
        assert.equal(ofType(p, "aws:rds/instance:Instance").filter((instance) => instance.inputs.replicateSourceDb).length, 2);
        assert.equal(ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((alarm) => String(alarm.inputs.name).endsWith("-lag")).length, 2);
    });

    it("refuses an instance class whose memory it cannot size alarms for", async () => {
        const error = await rejection(plan("dev", { directory: withStackValue("dev", ["database", "instanceClass"], "db.x9.huge") }));
        assert.ok(error instanceof PlanError);
        assert.match(error.message, /platform:database\.instanceClass: got "db\.x9\.huge"; expected an RDS instance class whose memory this program knows/);
    });

    it("refuses cluster mode without a replica per shard", async () => {
        const error = await rejection(plan("prod", { directory: withStackValue("prod", ["cache", "replicasPerShard"], 0) }));
        assert.match(error.message, /platform:cache\.replicasPerShard: got 0; expected at least 1/);
    });

    it("sizes the connection alarm from RDS's default max_connections formula", () => {
        assert.equal(defaultMaxConnections("db.t3.medium"), Math.floor((4 * 1024 ** 3) / 9531392));
        assert.equal(defaultMaxConnections("db.r6g.4xlarge"), 5000);
        const connections = postgresAlarms({ instanceClass: "db.t3.medium", primaryId: "db", replicaIds: {} }).find((alarm) => alarm.key === "db-connections")!;
        assert.equal(connections.threshold, Math.floor(defaultMaxConnections("db.t3.medium") * 0.8));
        assert.equal(postgresAlarms({ instanceClass: "db.t3.medium", primaryId: "db", replicaIds: { "replica-1": "r1" } }).find((alarm) => alarm.key === "db-replica-1-lag")?.treatMissingData, "breaching");
    });

    it("watches the cache per member cluster, the dimension ElastiCache publishes engine metrics by", async () => {
        assert.deepEqual(cacheMemberIds("g", { clusterMode: true, shards: 2, replicasPerShard: 1 }), ["g-0001-001", "g-0001-002", "g-0002-001", "g-0002-002"]);
        assert.deepEqual(cacheMemberIds("g", { clusterMode: false, shards: 1, replicasPerShard: 1 }), ["g-001", "g-002"]);
        assert.deepEqual(cacheAlarms("g", { clusterMode: false, shards: 1, replicasPerShard: 0 }).map((alarm) => [alarm.key, alarm.metric!.dimensions]),
            [["cache-engine-cpu-001", { CacheClusterId: "g-001" }], ["cache-memory-001", { CacheClusterId: "g-001" }]]);
        const prod = ofType(await realPlan("prod"), "aws:cloudwatch/metricAlarm:MetricAlarm").filter((alarm) => alarm.inputs.namespace === "AWS/ElastiCache");
        assert.deepEqual(prod.map((alarm) => (alarm.inputs.dimensions as Record<string, string>).CacheClusterId).sort(),
            ["0001-001", "0001-002", "0002-001", "0002-002"].flatMap((member) => [`platform-prod-cache-${member}`, `platform-prod-cache-${member}`]));
    });
});
