/**
 * Memory of the RDS instance classes this program sizes alarms for, in GiB, from "Hardware specifications for DB
 * instance classes" in the Amazon RDS User Guide. A class outside this table is refused by config validation, so
 * that a typo is never sized by guess.
 */
export const RDS_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
    "db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8, "db.t3.xlarge": 16, "db.t3.2xlarge": 32,
    "db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8, "db.t4g.xlarge": 16, "db.t4g.2xlarge": 32,
    "db.m5.large": 8, "db.m5.xlarge": 16, "db.m5.2xlarge": 32, "db.m5.4xlarge": 64,
    "db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m6g.2xlarge": 32, "db.m6g.4xlarge": 64,
    "db.m7g.large": 8, "db.m7g.xlarge": 16, "db.m7g.2xlarge": 32, "db.m7g.4xlarge": 64,
    "db.r5.large": 16, "db.r5.xlarge": 32, "db.r5.2xlarge": 64, "db.r5.4xlarge": 128,
    "db.r6g.large": 16, "db.r6g.xlarge": 32, "db.r6g.2xlarge": 64, "db.r6g.4xlarge": 128,
    "db.r7g.large": 16, "db.r7g.xlarge": 32, "db.r7g.2xlarge": 64, "db.r7g.4xlarge": 128,
};

const GIB = 1024 ** 3;

/**
 * RDS for PostgreSQL's default `max_connections` is LEAST(DBInstanceClassMemory / 9531392, 5000) (RDS User Guide,
 * "Maximum number of database connections"). DBInstanceClassMemory is somewhat below the class's memory, so this
 * slightly overstates the limit; the alarm fires at a share of it.
 */
export function defaultMaxConnections(instanceClass: string): number {
    const memory = RDS_CLASS_MEMORY_GIB[instanceClass];
    if (memory === undefined) throw new RangeError(`no memory figure for ${instanceClass}`);
    return Math.min(Math.floor((memory * GIB) / 9531392), 5000);
}

export function classMemoryBytes(instanceClass: string): number {
    const memory = RDS_CLASS_MEMORY_GIB[instanceClass];
    if (memory === undefined) throw new RangeError(`no memory figure for ${instanceClass}`);
    return memory * GIB;
}
