/**
 * The program: config first (nothing is registered if it is invalid), then one component per concern, in the
 * order their inputs need. `pulumi up` runs it through infra/index.ts; the offline plan and the tests run the same
 * function under mocks.
 */
import * as githubSdk from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { GithubAccess } from "../github/access";
import { createGithubProvider, githubAppPrivateKey } from "../github/provider";
import { GithubEnvironment } from "../github/environment";
import { environmentVariables } from "../github/environment-variables";
import { GithubRepository } from "../github/repository";
import { releaseManagerTeamIds } from "../github/rulesets";
import { requiredChecks, workflowFiles } from "../github/workflows";
import { allowedActionPatterns } from "../github/workflows/catalogue";
import { SECRETS, clusterRunnerScaleSet } from "../github/workflows/names";
import { runnerImageTag } from "../github/workflows/runner-image";
import { ClusterAddons } from "./addons";
import { GithubRunners } from "./addons/runners";
import { DeploymentAgents } from "./agents";
import { Backups } from "./backups";
import { Cluster } from "./cluster";
import { loadConfig } from "./config";
import { watchMinutesOf } from "./config/pipeline";
import { Postgres, postgresIdentifier } from "./data/postgres";
import { Redis } from "./data/redis";
import { Workloads, deploymentNames } from "./workloads";
import { PulumiDeployments } from "./deployments";
import { GITHUB_APP_KEY_VARIABLE } from "./deployments/names";
import { Edge, loadBalancerName } from "./edge";
import { Identity } from "./identity";
import { Keys } from "./keys";
import { createNaming } from "./naming";
import { Network } from "./network";
import { Alerting } from "./observability/alerting";
import { Monitoring } from "./observability/monitoring";
import { createAwsProvider } from "./providers";
import { Registry } from "./registry";
import { accountOf, createsOidcProvider, isProduction, promotingAccounts, registryHost } from "./topology";

export async function program(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    const naming = createNaming(config);
    const aws = createAwsProvider(config, naming);
    const scoped: pulumi.ComponentResourceOptions = { providers: { aws } };
    // The account comes from config (environments.<stack>.awsAccountId); the provider refuses credentials of any other.
    const accountId = pulumi.output(accountOf(config.environments, config.stack));
    const protect = config.protection.statefulResources;
    const region = config.aws.region;
    const namePrefix = naming.prefix;
    const logs = { retentionDays: config.logs.retentionDays };

    const keys = new Keys(naming.name("keys"), { namePrefix, region, accountId, protect }, scoped);

    const network = new Network(naming.name("network"), {
        namePrefix,
        region,
        cidr: config.network.cidr,
        availabilityZones: config.aws.availabilityZones,
        natGateways: config.network.natGateways,
        logRetentionDays: logs.retentionDays,
        logsKmsKeyArn: keys.arns.logs,
        accountId,
    }, scoped);

    const alerting = new Alerting(naming.name("alerting"), {
        namePrefix,
        accountId,
        emails: config.observability.alarmEmails,
        pagerDutyIntegrationUrl: config.secrets.pagerDutyIntegrationUrl,
        kmsKeyArn: keys.arns.alerts,
    }, scoped);

    // GitHub first: the deploy roles trust the repository's numeric id. The control stack owns the repository; the
    // other stacks look it up, so a repository that does not exist yet fails their preview with its name.
    const githubProvider = createGithubProvider(config, naming.name("github"));
    const repository = config.environment.controlStack ? new GithubRepository(naming.name("github-repository"), {
        repository: config.repository,
        branches: config.branches,
        teams: config.teams,
        codeOwners: config.codeOwners,
        githubApp: config.githubApp,
        services: config.services,
        requiredChecks: requiredChecks(config),
        allowedActions: allowedActionPatterns(),
        extraFiles: workflowFiles(config),
        environments: config.environments,
        releaseManagerTeamIds: releaseManagerTeamIds(config),
    }, { provider: githubProvider }) : undefined;
    if (repository) {
        new GithubAccess(naming.name("github-access"), {
            repository: repository.repositoryName,
            teams: config.teams,
            codeOwners: config.codeOwners,
        }, { provider: githubProvider });
    }
    const repositoryId = repository?.repositoryId
        ?? githubSdk.getRepositoryOutput({ fullName: `${config.repository.owner}/${config.repository.name}` }, { provider: githubProvider }).repoId;

    const promoteFrom = config.github.promoteFrom;
    const identity = new Identity(naming.name("identity"), {
        namePrefix,
        region,
        accountId,
        repository: config.repository,
        repositoryId,
        github: config.github,
        identity: config.identity,
        project: config.project,
        stack: config.stack,
        createsOidcProviders: { github: createsOidcProvider(config, config.stack, "github"), pulumi: createsOidcProvider(config, config.stack, "pulumi") },
        driftRemediates: config.deployments.driftAutoRemediate,
        watchesReleases: watchMinutesOf(config.github, config.delivery) > 0,
        canaryLoadBalancer: config.github.blueGreen ? loadBalancerName(namePrefix) : undefined,
        clusterName: naming.clusterName,
        servicesRepositoryPrefix: namePrefix,
        // Production copies what staging ran: it reads `<project>-<source stack>/<service>` in the source stack's
        // account (stack names are environment names, a config rule) and snapshots its database before migrations.
        ...(promoteFrom === undefined ? {} : {
            promoteFrom: { repositoryPrefix: `${config.project}-${promoteFrom}`, accountId: accountOf(config.environments, promoteFrom) },
            databaseInstanceId: postgresIdentifier(namePrefix),
        }),
    }, scoped);

    const cluster = new Cluster(naming.name("cluster"), {
        namePrefix,
        clusterName: naming.clusterName,
        settings: config.cluster,
        accountId,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        secretsKmsKeyArn: keys.arns.cluster,
        logRetentionDays: logs.retentionDays,
        logsKmsKeyArn: keys.arns.logs,
        namespaceAccess: [{ roleArn: identity.deployRoleArn, namespace: naming.namespace }],
        // Pulumi Deployments runs `pulumi up` of this stack, Kubernetes resources included; its previews and drift checks read them.
        adminRoleArns: [identity.deploymentsRoleArn],
        viewRoleArns: [identity.deploymentsReadRoleArn],
    }, scoped);

    const registry = new Registry(naming.name("registry"), {
        namePrefix,
        services: config.services.map((service) => service.name),
        settings: config.registry,
        kmsKeyArn: keys.arns.registry,
        // The deploy role writes images: built ones, or the digests it promotes. Nobody else may push. Accounts that
        // promote this stack's images pull them across accounts; their own IAM decides which of their roles may.
        pushRoleArns: [identity.deployRoleArn],
        pullRoleArns: [identity.deployRoleArn, cluster.nodeRoleArn, ...promotingAccounts(config.environments, config.stack).map((account) => `arn:aws:iam::${account}:root`)],
        runnerPullRoleArns: [identity.deployRoleArn, cluster.nodeRoleArn],
        protect,
    }, scoped);

    const dataAccess = {
        vpcId: network.vpcId,
        subnetIds: network.databaseSubnetIds,
        clientSecurityGroupId: cluster.nodeSecurityGroupId,
        alarmTopicArn: alerting.topicArn,
        logRetentionDays: logs.retentionDays,
        logsKmsKeyArn: keys.arns.logs,
        protect,
    };
    const postgres = new Postgres(naming.name("postgres"), {
        namePrefix, settings: config.database, kmsKeyArn: keys.arns.database, accountId, ...dataAccess,
    }, scoped);
    const redis = new Redis(naming.name("redis"), {
        namePrefix, settings: config.cache, kmsKeyArn: keys.arns.cache, secretsKmsKeyArn: keys.arns.secrets, ...dataAccess,
    }, scoped);

    const edge = new Edge(naming.name("edge"), {
        namePrefix,
        region,
        accountId,
        settings: config.edge,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        services: config.services.filter((service) => service.public),
        blueGreen: config.github.blueGreen,
        accessLogExpiryDays: config.backups.bucketExpiryDays,
        logRetentionDays: logs.retentionDays,
        logsKmsKeyArn: keys.arns.logs,
        protect,
    }, scoped);

    const backups = new Backups(naming.name("backups"), {
        namePrefix,
        expiryDays: config.backups.bucketExpiryDays,
        kmsKeyArn: keys.arns.backups,
        secretsKmsKeyArn: keys.arns.secrets,
        services: config.services.map((service) => service.name),
        protect,
        accountId,
    }, scoped);

    new Monitoring(naming.name("monitoring"), {
        namePrefix,
        region,
        clusterName: cluster.clusterName,
        namespace: naming.namespace,
        deployments: config.services.flatMap((service) => deploymentNames(service.name, config.github.blueGreen)),
        databaseInstanceId: postgres.instanceId,
        databaseReplicaIds: Object.values(postgres.replicaIds),
        cacheMemberIds: redis.memberClusterIds,
        loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
        targetGroupArnSuffixes: edge.targetGroupArnSuffixes,
        alarmTopicArn: alerting.topicArn,
        thresholds: config.observability,
    }, scoped);

    const addons = new ClusterAddons(naming.name("addons"), {
        namePrefix,
        kubeconfig: cluster.kubeconfig,
        clusterName: naming.clusterName,
        eksClusterName: cluster.clusterName,
        region,
        accountId,
        vpcId: network.vpcId,
        kubernetesVersion: config.cluster.kubernetesVersion,
        clusterReady: cluster.ready,
    }, scoped);

    // The deploy and rollback jobs run here, inside the VPC, to reach the private API (names.ts gives them the name).
    new GithubRunners(naming.name("runners"), {
        kubeconfig: cluster.kubeconfig,
        scaleSetName: clusterRunnerScaleSet(config.project, config.stack),
        repository: config.repository,
        githubApp: config.githubApp,
        privateKey: githubAppPrivateKey(config),
        settings: config.runners,
        // The image the runner-image workflow builds from the committed Dockerfile: its tag is that file's content hash.
        defaultImage: pulumi.interpolate`${registry.runnerRepositoryUrl}:${runnerImageTag()}`,
        dependsOn: addons.ready,
    }, scoped);

    new Workloads(naming.name("workloads"), {
        namePrefix,
        kubeconfig: cluster.kubeconfig,
        clusterName: cluster.clusterName,
        region,
        namespace: naming.namespace,
        services: config.services,
        settings: config.workloads,
        blueGreen: config.github.blueGreen,
        repositoryUrls: registry.repositoryUrls,
        targetGroupArns: edge.targetGroupArns,
        subnetCidrs: network.subnetCidrs,
        settingsSecretArns: backups.settingsSecretArns,
        databaseSecretArn: postgres.masterSecretArn,
        databaseResourceIds: postgres.resourceIds,
        accountId,
        cacheSecretArn: redis.authSecretArn,
        secretsKmsKeyArn: keys.arns.secrets,
        databaseKmsKeyArn: keys.arns.database,
        databaseEndpoint: postgres.endpoint,
        cacheEndpoint: redis.endpoint,
        dependsOn: addons.ready,
    }, scoped);

    // GitHub: this stack's environment always (the repository-wide objects came first, in the control stack only).
    new GithubEnvironment(naming.name("github-environment"), {
        repository: config.repository.name,
        settings: config.github,
        teams: config.teams,
        variables: environmentVariables(config, {
            region,
            deployRoleArn: identity.deployRoleArn,
            clusterName: cluster.clusterName,
            namespace: naming.namespace,
            project: config.project,
            repositoryUrls: registry.repositoryUrls,
            sourceRegistry: promoteFrom === undefined ? undefined : registryHost(accountOf(config.environments, promoteFrom), region),
            loadBalancerArnSuffix: edge.loadBalancerArnSuffix,
            targetGroupArnSuffixes: edge.targetGroupArnSuffixes,
            listenerRuleArns: edge.listenerRuleArns,
            databaseInstanceId: postgresIdentifier(namePrefix),
        }),
        secrets: { [SECRETS.slackWebhookUrl]: config.secrets.slackWebhookUrl },
    }, { provider: githubProvider, dependsOn: repository ? [repository] : [] });

    const deployments = new PulumiDeployments(naming.name("deployments"), {
        organization: config.identity.pulumiOrganization,
        project: config.project,
        stack: config.stack,
        settings: config.deployments,
        program: config.program,
        region,
        readRoleArn: identity.deploymentsReadRoleArn,
        writeRoleArn: identity.deploymentsRoleArn,
        production: isProduction(config),
        policyEnforcement: config.policy.enforcement,
        // The run authenticates to GitHub as the App, never with the ambient token Pulumi Deployments provides.
        secretEnvironment: { [GITHUB_APP_KEY_VARIABLE]: config.secrets.githubAppPrivateKey },
    });

    // The pool's agents, in the VPC and outside the cluster, so that a deployment can still repair a broken cluster.
    const agents = deployments.agentPoolToken ? new DeploymentAgents(naming.name("deployment-agents"), {
        namePrefix,
        region,
        poolToken: deployments.agentPoolToken,
        settings: config.deployments.agents,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clusterSecurityGroupId: cluster.nodeSecurityGroupId,
        secretsKmsKeyArn: keys.arns.secrets,
    }, scoped) : undefined;

    // Drift checks on the read role read every secret version the stack wrote, and only those.
    identity.grantStateSecretReads([...backups.stateSecretVersions, ...redis.stateSecretVersions, ...(agents?.stateSecretVersions ?? [])], keys.arns.secrets);

    // What the GitHub side and people read: identifiers and endpoints. The one secret, the token the agents of the
    // Deployments pool start with, stays a Pulumi secret (`pulumi stack output agentPoolToken --show-secrets`).
    return {
        ...(deployments.agentPoolToken ? { agentPoolToken: deployments.agentPoolToken } : {}),
        environment: config.environment.name,
        region,
        vpcId: network.vpcId,
        clusterName: cluster.clusterName,
        namespace: naming.namespace,
        deployRoleArn: identity.deployRoleArn,
        deploymentsRoleArn: identity.deploymentsRoleArn,
        deploymentsReadRoleArn: identity.deploymentsReadRoleArn,
        registryUrls: registry.repositoryUrls,
        databaseEndpoint: postgres.endpoint,
        databaseMasterSecretArn: postgres.masterSecretArn,
        cacheEndpoint: redis.endpoint,
        cacheAuthSecretArn: redis.authSecretArn,
        loadBalancerDnsName: edge.dnsName,
        alarmTopicArn: alerting.topicArn,
        backupBucket: backups.bucketName,
    };
}
