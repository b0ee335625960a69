/** The services' network policies and AWS permissions, as plain data. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "../config";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "../iam";

export const PORTS = { postgres: 5432, redis: 6379 } as const;
/** Where the EKS Pod Identity agent serves credentials on every node (IPv4). */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

export interface NetworkPolicySpec {
    name: string;
    spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

export interface NetworkInputs {
    publicCidrs: readonly string[];
    databaseCidrs: readonly string[];
}

const tcp = (port: number) => ({ protocol: "TCP", port });

/**
 * The labels of a service's migration pods: its name and component, but not the `app` label that servers are selected
 * by (Services, disruption budgets, Deployments and so autoscalers, ingress policies all select `app`).
 */
export const MIGRATION_LABELS = (service: string): Record<string, string> => ({ "app.kubernetes.io/name": service, "app.kubernetes.io/component": "migration" });

/** Internal services that no service lists in `talksTo`: nothing may reach their Service. */
export function idleServices(services: readonly ServiceConfig[]): string[] {
    return services.filter((service) => !service.public && !services.some((caller) => caller.talksTo.includes(service.name))).map((service) => service.name);
}

/** Nothing in or out of a namespace's pods but DNS to the cluster's CoreDNS: the base every namespace builds on. */
export function denyAllButDns(): NetworkPolicySpec[] {
    return [
        { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "allow-dns",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
                }],
            },
        },
    ];
}

/**
 * Default deny in both directions; DNS for everyone; from the load balancer's subnets to public services; to the data
 * stores for the services that use them; and the service-to-service edges of `talksTo`. Pods need no route to AWS APIs:
 * the CSI driver fetches their secrets on the node, with the pod's own identity, and an IAM database token is signed
 * locally with credentials from the node's Pod Identity agent.
 */
export function networkPolicies(services: readonly ServiceConfig[], network: NetworkInputs): NetworkPolicySpec[] {
    const byName = new Map(services.map((service) => [service.name, service]));
    const policies: NetworkPolicySpec[] = [
        ...denyAllButDns(),
    ];
    for (const service of services) {
        const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [];
        const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [];
        if (service.public) ingress.push({ from: network.publicCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(service.port)] });
        for (const caller of services.filter((candidate) => candidate.talksTo.includes(service.name))) {
            ingress.push({ from: [{ podSelector: { matchLabels: { app: caller.name } } }], ports: [tcp(service.port)] });
        }
        for (const store of service.uses) {
            egress.push({ to: network.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(PORTS[store])] });
        }
        // A server of a service that uses PostgreSQL signs its IAM database token with its Pod Identity credentials,
        // which the EKS Pod Identity agent serves on the node at 169.254.170.23 (EKS User Guide, "Set up the Amazon EKS
        // Pod Identity Agent"), over HTTP (the SDKs' container credentials URI, http://169.254.170.23/v1/credentials).
        if (service.uses.includes("postgres")) egress.push({ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [tcp(80)] });
        for (const peer of service.talksTo) {
            egress.push({ to: [{ podSelector: { matchLabels: { app: peer } } }], ports: [tcp(byName.get(peer)!.port)] });
        }
        // A migration pod reaches the same stores as its service's servers, and nothing else.
        if (service.migrationCommand && service.uses.length > 0) {
            policies.push({
                name: `${service.name}-migration`,
                spec: {
                    podSelector: { matchLabels: MIGRATION_LABELS(service.name) },
                    policyTypes: ["Egress"],
                    egress: service.uses.map((store) => ({ to: network.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(PORTS[store])] })),
                },
            });
        }
        if (ingress.length + egress.length === 0) continue;
        policies.push({
            name: `${service.name}-traffic`,
            spec: {
                podSelector: { matchLabels: { app: service.name } },
                policyTypes: [...(ingress.length ? ["Ingress"] : []), ...(egress.length ? ["Egress"] : [])],
                ...(ingress.length ? { ingress } : {}),
                ...(egress.length ? { egress } : {}),
            },
        });
    }
    return policies;
}

export interface ServiceSecrets {
    settingsSecretArn: pulumi.Input<string>;
    /** The database's master user secret (RDS manages it): the migrations' alone. */
    databaseSecretArn: pulumi.Input<string>;
    cacheSecretArn: pulumi.Input<string>;
    secretsKmsKeyArn: pulumi.Input<string>;
    /** The key of the database and its master secret. */
    databaseKmsKeyArn: pulumi.Input<string>;
    /** The DbiResourceId of the primary and of each replica (data/postgres.ts). */
    databaseResourceIds: pulumi.Input<string>[];
    accountId: pulumi.Input<string>;
    /** The region whose Secrets Manager alone may use the keys on the pods' behalf. */
    region: string;
}

/**
 * The PostgreSQL user a service connects as. Service names are DNS labels (lowercase letters, digits, hyphens);
 * PostgreSQL's unquoted identifiers take letters, digits and underscores (PostgreSQL documentation, "Identifiers and
 * Key Words"), so hyphens become underscores.
 */
export function databaseUserOf(service: string): string {
    return service.replace(/-/g, "_");
}

/** Who reads: a service's long-running servers, or its migration Job. */
export type SecretReader = "server" | "migration";

/**
 * The secrets a service may read, by the ARN: its own settings and the cache it uses; its migration reads the
 * database's master user secret instead of the cache, since migrations create the schema and the service's user.
 */
export function secretArnsOf(service: ServiceConfig, secrets: ServiceSecrets, reader: SecretReader = "server"): { arn: pulumi.Input<string>; alias: string }[] {
    return [
        { arn: secrets.settingsSecretArn, alias: "settings" },
        ...(reader === "migration" && service.uses.includes("postgres") ? [{ arn: secrets.databaseSecretArn, alias: "database" }] : []),
        ...(reader === "server" && service.uses.includes("redis") ? [{ arn: secrets.cacheSecretArn, alias: "cache" }] : []),
    ];
}

/**
 * Exactly what the service's pods need in AWS: read their secrets, decrypt them with the keys that encrypt them, and
 * (servers of a service that uses PostgreSQL) connect as the service's own database user with an IAM token:
 * `rds-db:connect` on `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>` of the primary and each
 * replica (RDS User Guide, "Creating and using an IAM policy for IAM database access"). Never the master user.
 */
export function servicePermissions(service: ServiceConfig, secrets: ServiceSecrets, reader: SecretReader = "server"): PolicyDocument {
    const readsMaster = reader === "migration" && service.uses.includes("postgres");
    const keys = [secrets.secretsKmsKeyArn, ...(readsMaster ? [secrets.databaseKmsKeyArn] : [])];
    const statements: PolicyStatement[] = [
        { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArnsOf(service, secrets, reader).map((secret) => secret.arn) },
        // Only through Secrets Manager: the keys also encrypt other data, which the pods must never decrypt directly
        // (AWS KMS Developer Guide, "kms:ViaService"; the key policy delegates to IAM, so this statement is the limit).
        {
            Sid: "DecryptOwnSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: keys,
            Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${secrets.region}.amazonaws.com` } },
        },
    ];
    if (reader === "server" && service.uses.includes("postgres")) {
        statements.push({
            Sid: "ConnectAsOwnDatabaseUser", Effect: "Allow", Action: "rds-db:connect",
            Resource: secrets.databaseResourceIds.map((id) => pulumi.interpolate`arn:aws:rds-db:${secrets.region}:${secrets.accountId}:dbuser:${id}/${databaseUserOf(service.name)}`),
        });
    }
    return policyDocument(...statements);
}
