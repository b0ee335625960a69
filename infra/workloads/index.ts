/**
 * A hardened home for every service of Pulumi.yaml: a restricted namespace with a quota, and per service its AWS
 * role (EKS Pod Identity), service account, configuration, secrets (Secrets Store CSI driver), Deployment (two, blue
 * and green, where config asks), Service, autoscaler, disruption budget, network policies, load balancer binding and
 * migration Job template. Pulumi owns the shape of all of it; the pipeline owns which image runs and which colour is
 * live (see the ignoreChanges below).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { podIdentityTrust } from "../cluster";
import { NAME_IS_A_CONTRACT } from "../naming";
import type { PlatformConfig, ServiceConfig } from "../config";
import { toJson } from "../iam";
import { clusterProvider } from "../kubernetes/provider";
import { bindPublicService } from "./bindings";
import { COLOURS } from "./colours";
import { jobPod, servicePod, type PodOptions } from "./pods";
import { MIGRATION_LABELS, PORTS, databaseUserOf, idleServices, networkPolicies, secretArnsOf, servicePermissions, type SecretReader, type ServiceSecrets } from "./policies";
import { ROLLING_UPDATE } from "./sizing";

export interface WorkloadsArgs {
    namePrefix: string;
    /** The cluster's kubeconfig (a secret): the Kubernetes provider is built from it, never from an ambient one. */
    kubeconfig: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    region: string;
    namespace: string;
    services: readonly ServiceConfig[];
    settings: PlatformConfig["workloads"];
    /** Two Deployments per service (blue and green) and a Service whose selector the pipeline switches. */
    blueGreen: boolean;
    /** Image repository URL per service (the pipeline sets the digest). */
    repositoryUrls: Record<string, pulumi.Input<string>>;
    /**
     * Target group ARN per public service, or per service and colour where blue-green runs, by infra/edge targetGroupKey
     * (the ALB is managed by Pulumi; pods are bound with TargetGroupBinding, bindings.ts).
     */
    targetGroupArns: Record<string, pulumi.Input<string>>;
    /** Subnet blocks: the load balancer sends from the public ones; the data stores live in the database ones. */
    subnetCidrs: { public: readonly string[]; database: readonly string[] };
    /** Secrets Manager: the settings secret per service, the database master secret (migrations only), the cache AUTH secret. */
    settingsSecretArns: Record<string, pulumi.Input<string>>;
    databaseSecretArn: pulumi.Input<string>;
    /** The database's DbiResourceIds (primary and replicas): services connect as their own users by IAM token. */
    databaseResourceIds: pulumi.Input<string>[];
    accountId: pulumi.Input<string>;
    cacheSecretArn: pulumi.Input<string>;
    /** Keys the services need to decrypt those secrets. */
    secretsKmsKeyArn: pulumi.Input<string>;
    databaseKmsKeyArn: pulumi.Input<string>;
    databaseEndpoint: pulumi.Input<string>;
    cacheEndpoint: pulumi.Input<string>;
    /** Created after the cluster add-ons (CSI driver, load balancer controller) exist. */
    dependsOn: pulumi.Resource[];
}

export { COLOURS } from "./colours";
/** Paths the pipeline owns: Pulumi must neither set nor revert them after creation. */
/** The Deployments of a service: one, or one per colour where blue-green runs. */
export function deploymentNames(service: string, blueGreen: boolean): string[] {
    return blueGreen ? COLOURS.map((colour) => `${service}-${colour}`) : [service];
}

export const PIPELINE_OWNED = { image: "spec.template.spec.containers[0].image", liveColour: "spec.selector" } as const;

/**
 * Day 0: nothing waits on the pipeline. The Deployments start from `<repository>:bootstrap`, a tag nothing pushes (the
 * pipeline sets the image by digest later, see PIPELINE_OWNED), so their pods cannot become ready until the first
 * deploy. The Kubernetes provider's await logic would wait for the Deployment's `Available` condition, and for a
 * Service's endpoints to be ready, and fail the first `pulumi up` after 10 minutes (the await conditions are documented
 * on the resource classes of @pulumi/kubernetes 4.34.2: apps/v1/deployment.d.ts, core/v1/service.d.ts; the
 * `pulumi.com/skipAwait` annotation that turns them off: github.com/pulumi/pulumi-kubernetes pull 417, and the Service
 * documentation's own advice for Services whose pods are not running). So both carry skipAwait, and `pulumi up` creates
 * them and moves on.
 *
 * Chosen over zero replicas until the first deploy: an autoscaler stops scaling a target at zero replicas, so the
 * pipeline would have to own `spec.replicas` too, and every later `pulumi up` would need an ignoreChanges on it. With
 * skipAwait the autoscaler keeps the replica count from the start; until the first deploy the pods wait in
 * ImagePullBackOff, serving nothing, which is what an environment without a release should do. What is given up:
 * `pulumi up` no longer reports a rollout that a shape change breaks; the deploy workflow's rollout watch does.
 */
export const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" } as const;

/**
 * The AWS Load Balancer Controller injects a readiness gate into every pod created in a namespace with this label: a
 * pod is Ready only once its target in the load balancer's target group is healthy, so a rolling update (which never
 * takes a pod away before its replacement is Ready: maxUnavailable 0) cannot retire the old pods while the new targets
 * are still "initial" (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/;
 * it works with target type ip, which the TargetGroupBindings use).
 */
export const READINESS_GATE_LABEL = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } as const;

export class Workloads extends pulumi.ComponentResource {
    constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:workloads:Workloads", name, {}, opts);
        const provider = clusterProvider(`${name}-kubernetes`, args.kubeconfig, this);
        const k = { parent: this, provider };
        const namespace = args.namespace;
        const metadata = (objectName: string, labels: Record<string, string> = {}) => ({ name: objectName, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi", ...labels } });

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: namespace,
                labels: {
                    ...Object.fromEntries(["enforce", "audit", "warn"].flatMap((mode) => [
                        [`pod-security.kubernetes.io/${mode}`, "restricted"], [`pod-security.kubernetes.io/${mode}-version`, "latest"],
                    ])),
                    ...READINESS_GATE_LABEL,
                },
            },
        }, { ...k, dependsOn: args.dependsOn });
        const inNamespace = { ...k, dependsOn: [ns] };
        const quota = args.settings.quota;
        new k8s.core.v1.ResourceQuota(`${name}-quota`, {
            metadata: metadata("platform-quota"),
            spec: { hard: { "requests.cpu": quota.requestsCpu, "requests.memory": quota.requestsMemory, "limits.cpu": quota.limitsCpu, "limits.memory": quota.limitsMemory, pods: String(quota.pods) } },
        }, inNamespace);
        // A container that states no resources still gets bounded ones (the quota refuses pods without them).
        new k8s.core.v1.LimitRange(`${name}-limits`, {
            metadata: metadata("platform-defaults"),
            spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "512Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } }] },
        }, inNamespace);
        for (const policy of networkPolicies(args.services, { publicCidrs: args.subnetCidrs.public, databaseCidrs: args.subnetCidrs.database })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${policy.name}`, { metadata: metadata(policy.name), spec: policy.spec }, inNamespace);
        }
        // An internal service that no service talks to has a Service nothing may reach (the network policies admit
        // only `talksTo` callers): a warning, not an error, because a queue worker legitimately has no callers and its
        // Service costs nothing; but a forgotten `talksTo` shows up here before anyone debugs a timeout.
        for (const idle of idleServices(args.services)) {
            pulumi.log.warn(`service ${idle}: internal, and no service lists it in talksTo, so no network policy admits traffic to its Service`, this);
        }

        /**
         * One identity in the namespace: a Kubernetes service account bound by Pod Identity to an IAM role of its own,
         * and the SecretProviderClass that mounts exactly its secrets. The Secrets Store CSI driver over External
         * Secrets: each pod reads only its own secrets, with its own Pod Identity role, as mounted files; nothing is
         * copied into a Kubernetes Secret, so nothing lands in etcd.
         */
        const podIdentity = (service: ServiceConfig, secrets: ServiceSecrets, reader: SecretReader, labels: Record<string, string>): { serviceAccount: string; secretClass: pulumi.Resource } => {
            const key = reader === "server" ? service.name : `${service.name}-migration`;
            const role = new aws.iam.Role(`${name}-${key}`, { name: `${args.namePrefix}-svc-${key}`, assumeRolePolicy: toJson(podIdentityTrust({ clusterName: args.clusterName, namespace, serviceAccount: key })) },
                // Named (`<prefix>-svc-<key>`); a replacement deletes first: the pods get no new credentials for those seconds.
                { parent: this, ...NAME_IS_A_CONTRACT });
            new aws.iam.RolePolicy(`${name}-${key}`, { role: role.id, policy: toJson(servicePermissions(service, secrets, reader)) }, { parent: this });
            new aws.eks.PodIdentityAssociation(`${name}-${key}`, { clusterName: args.clusterName, namespace, serviceAccount: key, roleArn: role.arn }, { parent: this });
            // The Pod Identity webhook adds its own projected token; pods need no Kubernetes API token of their own.
            new k8s.core.v1.ServiceAccount(`${name}-${key}`, { metadata: metadata(key, labels), automountServiceAccountToken: false }, inNamespace);
            const secretClass = new k8s.apiextensions.CustomResource(`${name}-${key}-secrets`, {
                apiVersion: "secrets-store.csi.x-k8s.io/v1",
                kind: "SecretProviderClass",
                metadata: metadata(`${key}-secrets`, labels),
                spec: {
                    provider: "aws",
                    parameters: {
                        region: args.region,
                        usePodIdentity: "true",
                        objects: pulumi.all(secretArnsOf(service, secrets, reader).map((secret) => pulumi.output(secret.arn).apply((arn) => ({ objectName: arn, objectAlias: secret.alias }))))
                            .apply((objects) => stringify(objects)),
                    },
                },
            }, inNamespace);
            return { serviceAccount: key, secretClass };
        };

        const databaseUsers = args.services.filter((service) => service.uses.includes("postgres")).map((service) => databaseUserOf(service.name));
        for (const service of args.services) {
            const labels = { app: service.name };
            const secrets: ServiceSecrets = {
                settingsSecretArn: args.settingsSecretArns[service.name],
                databaseSecretArn: args.databaseSecretArn,
                cacheSecretArn: args.cacheSecretArn,
                secretsKmsKeyArn: args.secretsKmsKeyArn,
                databaseKmsKeyArn: args.databaseKmsKeyArn,
                databaseResourceIds: args.databaseResourceIds,
                accountId: args.accountId,
                region: args.region,
            };
            const server = podIdentity(service, secrets, "server", labels);
            const usesPostgres = service.uses.includes("postgres");
            const config = new k8s.core.v1.ConfigMap(`${name}-${service.name}-config`, {
                metadata: metadata(`${service.name}-config`, labels),
                data: {
                    PORT: String(service.port),
                    APP_ENV: args.namePrefix,
                    SECRETS_DIR: "/mnt/secrets",
                    // The servers connect as DATABASE_USER with an IAM token (DATABASE_AUTH=iam, docs/kubernetes.md); the
                    // migration connects as the master user from its mounted `database` secret and creates that user.
                    ...(usesPostgres ? { DATABASE_HOST: args.databaseEndpoint, DATABASE_PORT: String(PORTS.postgres), DATABASE_SSLMODE: "require", DATABASE_USER: databaseUserOf(service.name), DATABASE_AUTH: "iam" } : {}),
                    ...(service.uses.includes("redis") ? { REDIS_HOST: args.cacheEndpoint, REDIS_PORT: String(PORTS.redis), REDIS_TLS: "true" } : {}),
                },
            }, inNamespace);
            const secretClass = server.secretClass;

            const podOptions = (colour?: string): PodOptions => ({
                image: pulumi.interpolate`${args.repositoryUrls[service.name]}:bootstrap`,
                serviceAccountName: server.serviceAccount,
                configMapName: `${service.name}-config`,
                secretProviderClass: `${server.serviceAccount}-secrets`,
                labels: colour ? { ...labels, colour } : labels,
            });
            const bounds = args.settings.replicas.services[service.name] ?? args.settings.replicas.default;
            const deployments = args.blueGreen ? COLOURS.map((colour) => [`${service.name}-${colour}`, colour] as const) : [[service.name, undefined] as const];
            for (const [deploymentName, colour] of deployments) {
                const options = podOptions(colour);
                new k8s.apps.v1.Deployment(`${name}-${deploymentName}`, {
                    metadata: { ...metadata(deploymentName, options.labels), annotations: { ...SKIP_AWAIT } },
                    spec: {
                        // No replica count: the autoscaler owns it.
                        selector: { matchLabels: options.labels },
                        strategy: { type: "RollingUpdate", rollingUpdate: { ...ROLLING_UPDATE } },
                        template: { metadata: { labels: options.labels }, spec: servicePod(service, options) },
                    },
                }, {
                    ...inNamespace,
                    dependsOn: [ns, config, secretClass],
                    // The pipeline deploys by digest: `pulumi up` must never put back the image it replaced.
                    ignoreChanges: [PIPELINE_OWNED.image],
                });
                new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-${deploymentName}`, {
                    metadata: metadata(deploymentName, options.labels),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
                        minReplicas: bounds.min,
                        maxReplicas: bounds.max,
                        metrics: [
                            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                            { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
                        ],
                    },
                }, inNamespace);
                // One pod at a time may be evicted (a drain proceeds even at one replica, unlike minAvailable: 1).
                new k8s.policy.v1.PodDisruptionBudget(`${name}-${deploymentName}`, {
                    metadata: metadata(deploymentName, options.labels),
                    spec: { maxUnavailable: 1, selector: { matchLabels: options.labels } },
                }, inNamespace);
            }

            new k8s.core.v1.Service(`${name}-${service.name}`, {
                // Its endpoints are not ready before the first deploy (see SKIP_AWAIT).
                metadata: { ...metadata(service.name, labels), annotations: { ...SKIP_AWAIT } },
                spec: {
                    type: "ClusterIP",
                    ports: [{ name: "http", port: service.port, targetPort: "http", protocol: "TCP" }],
                    selector: args.blueGreen ? { ...labels, colour: COLOURS[0] } : labels,
                },
            }, {
                ...inNamespace,
                // Blue-green: the pipeline switches the live colour by patching the selector; `pulumi up` must not switch it back.
                ignoreChanges: args.blueGreen ? [PIPELINE_OWNED.liveColour] : [],
            });

            if (service.public) {
                // The ALB, its HTTPS listener, health check and WAF are Pulumi's (infra/edge), so instead of an Ingress
                // the load balancer controller binds the pods to the target groups Pulumi made (one per colour where
                // blue-green runs: bindings.ts).
                bindPublicService(name, { service, blueGreen: args.blueGreen, targetGroupArns: args.targetGroupArns, metadata, serviceAnnotations: SKIP_AWAIT }, inNamespace);
            }

            if (service.migrationCommand) {
                // A template, not a Job: a Job made by `pulumi up` would run then, with an image the pipeline has not chosen.
                // The deploy workflow fills in the image digest and applies it before a rollout.
                // Its pods carry no `app` label, which every Service, disruption budget, Deployment (and so autoscaler)
                // and ingress policy selects by: a migration pod never receives traffic, never counts towards a budget
                // or the autoscaler's average, and is never mistaken for a server. Its own egress policy opens the stores.
                // A migration of a service that uses PostgreSQL runs as an identity of its own, the only one that reads
                // the database's master user secret.
                const migrationLabels = MIGRATION_LABELS(service.name);
                const runner = usesPostgres ? podIdentity(service, secrets, "migration", migrationLabels).serviceAccount : server.serviceAccount;
                const migrationOptions = { ...podOptions(), serviceAccountName: runner, secretProviderClass: `${runner}-secrets`, labels: migrationLabels };
                // The users every migration ensures exist with `rds_iam` (docs/kubernetes.md, "Database users").
                const migrationEnv: Record<string, string> = usesPostgres ? { DATABASE_SERVICE_USERS: databaseUsers.join(",") } : {};
                const job = pulumi.output(podOptions().image).apply((image: string) => stringify({
                    apiVersion: "batch/v1",
                    kind: "Job",
                    metadata: { generateName: `${service.name}-migrate-`, namespace, labels: migrationLabels },
                    spec: {
                        backoffLimit: 1,
                        activeDeadlineSeconds: 900,
                        ttlSecondsAfterFinished: 86400,
                        template: { metadata: { labels: migrationLabels }, spec: jobPod(service, { ...migrationOptions, image }, service.migrationCommand!, migrationEnv) },
                    },
                }));
                new k8s.core.v1.ConfigMap(`${name}-${service.name}-migration`, {
                    metadata: metadata(`${service.name}-migration`, { ...labels, role: "migration-template" }),
                    data: { "job.yaml": job },
                }, inNamespace);
            }
        }
        this.registerOutputs({});
    }
}
