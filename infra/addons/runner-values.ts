/**
 * Actions Runner Controller as plain data: the Helm values of the controller and of a stack's runner scale set, the
 * Kubernetes Secret the scale set authenticates with, and the network policies of their namespaces. Keys are the
 * charts' own, read in their values.yaml at the pinned tag (charts.ts, RUNNER_CHARTS: actions/actions-runner-controller
 * gha-runner-scale-set-0.14.2, commit 9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { RUNNER_CHARTS } from "./charts";
import type { HelmValues } from "./values";
import { denyAllButDns, type NetworkPolicySpec } from "../workloads/policies";

/** The controller's release name, as in GitHub's quickstart (`helm install arc ... gha-runner-scale-set-controller`). */
export const CONTROLLER_RELEASE = "arc";
/**
 * The controller's service account: the chart's default name for the release `arc` (`<release>-gha-rs-controller`,
 * its _helpers.tpl), set explicitly so that the scale set's chart can be told it instead of discovering it by a lookup.
 */
export const CONTROLLER_SERVICE_ACCOUNT = `${CONTROLLER_RELEASE}-gha-rs-controller`;
/** The pre-defined Secret the scale set reads its GitHub App credentials from, in the runners' namespace. */
export const GITHUB_APP_SECRET = "github-app";
/** The scale set chart refuses longer names (templates/autoscalingrunnerset.yaml: "Name must have up to 45 characters"). */
export const MAX_SCALE_SET_NAME_LENGTH = 45;
/**
 * The upstream runner image's user and the docker group (actions/runner images/Dockerfile at v2.336.0:
 * `adduser ... --uid 1001 runner`, `groupadd docker --gid 123`). Given as numbers so that Pod Security `restricted`
 * can check `runAsNonRoot` (the image names its user, which the kubelet cannot check).
 */
export const RUNNER_UID = 1001;
/** The controller's image user (the repository's Dockerfile: distroless `static:nonroot`, `USER 65532:65532`); the listener runs that image too. */
export const CONTROLLER_UID = 65532;

const SECCOMP = { seccompProfile: { type: "RuntimeDefault" } };
const LOCKED_DOWN = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, ...SECCOMP };

/** The chart's own commented example of the controller's resources (values.yaml `resources`), requested and capped. */
const CONTROLLER_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "100m", memory: "128Mi" } };

export function controllerValues(): HelmValues {
    return {
        serviceAccount: { create: true, name: CONTROLLER_SERVICE_ACCOUNT },
        // Pod Security `restricted` in its namespace: the image runs as 65532 already; these make it checkable.
        podSecurityContext: { runAsNonRoot: true, runAsUser: CONTROLLER_UID, runAsGroup: CONTROLLER_UID, ...SECCOMP },
        securityContext: { ...LOCKED_DOWN, readOnlyRootFilesystem: true, runAsNonRoot: true },
        resources: CONTROLLER_RESOURCES,
        // The default is "debug".
        flags: { logLevel: "info", logFormat: "json" },
    };
}

/** The runners' settings with the image resolved: config's `runners.image`, or the program's image in this stack's registry. */
export type RunnerSettings = Omit<PlatformConfig["runners"], "image"> & { image: pulumi.Input<string> };

export interface ScaleSetSettings {
    /** The scale set's name: jobs route to it with `runs-on: <name>` (github/workflows/names.ts). */
    name: string;
    /** `https://github.com/<owner>/<repository>`: a repository-scoped scale set. */
    githubConfigUrl: string;
    runners: RunnerSettings;
}

/** A runner pod of the scale set: ARC adds its own environment (the JIT config) to this template's `runner` container. */
export function runnerPodTemplate(runners: RunnerSettings): Record<string, unknown> {
    const resources = { cpu: runners.resources.cpu, memory: runners.resources.memory };
    return {
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: RUNNER_UID, ...SECCOMP },
            // The runner itself never calls the Kubernetes API: jobs reach the cluster as the environment's deploy role
            // (aws eks update-kubeconfig), so the pod's own service account token is not mounted at all.
            automountServiceAccountToken: false,
            containers: [{
                name: "runner",
                image: runners.image,
                command: ["/home/runner/run.sh"],
                resources: { requests: resources, limits: resources },
                // Writable root filesystem: the runner writes its diagnostics, work and tool cache under /home/runner.
                securityContext: { ...LOCKED_DOWN, runAsNonRoot: true },
            }],
        },
    };
}

/**
 * The listener (one pod per scale set, in the controller's namespace): ARC merges a template's container named
 * `listener` and the pod's securityContext into the pod it builds (controllers/actions.github.com/resourcebuilder.go,
 * mergeListenerPodWithTemplate and mergeListenerContainer, at the pinned tag).
 */
export function listenerPodTemplate(): Record<string, unknown> {
    return {
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: CONTROLLER_UID, runAsGroup: CONTROLLER_UID, ...SECCOMP },
            // The merge takes the template's grace period even when unset: ARC's own is 60 seconds.
            terminationGracePeriodSeconds: 60,
            containers: [{
                name: "listener",
                resources: CONTROLLER_RESOURCES,
                securityContext: { ...LOCKED_DOWN, readOnlyRootFilesystem: true, runAsNonRoot: true },
                // A writable /tmp beside the read-only root, as the controller's chart gives the controller.
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            volumes: [{ name: "tmp", emptyDir: {} }],
        },
    };
}

export function scaleSetValues(settings: ScaleSetSettings): HelmValues {
    return {
        githubConfigUrl: settings.githubConfigUrl,
        // A string names a pre-defined Secret in the release's namespace (values.yaml, "Variation C").
        githubConfigSecret: GITHUB_APP_SECRET,
        runnerScaleSetName: settings.name,
        minRunners: settings.runners.minRunners,
        maxRunners: settings.runners.maxRunners,
        // Without it the chart looks the controller up by labels at install time (values.yaml, controllerServiceAccount).
        controllerServiceAccount: { namespace: RUNNER_CHARTS.controller.namespace, name: CONTROLLER_SERVICE_ACCOUNT },
        listenerTemplate: listenerPodTemplate(),
        template: runnerPodTemplate(settings.runners),
    };
}

/**
 * The Secret's keys for a GitHub App (values.yaml, "Variation B" and the `kubectl create secret` example of
 * "Variation C"); ids as strings ("IDs MUST be strings").
 */
export function githubAppSecretData<T>(app: { id: number; installationId: number }, privateKey: T): Record<string, string | T> {
    return {
        github_app_id: String(app.id),
        github_app_installation_id: String(app.installationId),
        github_app_private_key: privateKey,
    };
}

/** The nodes' instance metadata service: nothing in these namespaces needs it (the runners get AWS credentials by OIDC). */
export const METADATA_CIDR = "169.254.169.254/32";

/**
 * The controller's, the listener's and the runners' traffic: nothing comes in (ARC's controller has no webhook and
 * its metrics are off), and out only DNS and HTTPS. HTTPS goes to the cluster API (the controller, the listener),
 * GitHub (all of them), and, from jobs, STS, EKS, ECR, RDS, CloudWatch and Slack: GitHub's and AWS's addresses are not
 * a fixed list, so the port is the boundary. The VPC CNI enforces these (the cluster enables its network policy).
 */
export function runnerNetworkPolicies(): NetworkPolicySpec[] {
    return [
        ...denyAllButDns(),
        {
            name: "allow-https-out",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_CIDR] } }], ports: [{ protocol: "TCP", port: 443 }] }],
            },
        },
    ];
}
