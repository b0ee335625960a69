/** Stack config of what runs in the cluster: the workloads' replicas and quota, and the Actions runners. */
import { z } from "zod";
import { dnsLabel } from "./primitives";

const replicaBounds = z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) });

export const workloadsSchema = z.strictObject({
    /** Autoscaler bounds for every service, and per service where it differs. */
    replicas: z.strictObject({
        default: replicaBounds,
        services: z.record(dnsLabel, replicaBounds).default({}),
    }),
    /** The namespace's ResourceQuota. */
    quota: z.strictObject({
        requestsCpu: z.string().regex(/^\d+(m)?$/, "expected a CPU quantity such as 8 or 8000m"),
        requestsMemory: z.string().regex(/^\d+(Mi|Gi)$/, "expected a memory quantity such as 16Gi"),
        limitsCpu: z.string().regex(/^\d+(m)?$/, "expected a CPU quantity such as 16"),
        limitsMemory: z.string().regex(/^\d+(Mi|Gi)$/, "expected a memory quantity such as 32Gi"),
        pods: z.number().int().min(1),
    }),
});

/**
 * The upstream runner image at the newest actions/runner release, v2.336.0 (tag commit
 * 98aabcd429c4e8402406c56ce2d26387fed3b9ce; the release workflow, .github/workflows/release.yml, pushes
 * `ghcr.io/actions/actions-runner:<version>` built from images/Dockerfile). It carries curl, jq, git, unzip and the
 * docker CLI with buildx, but not the AWS CLI nor gh: the program's own runner image is built FROM it
 * (github/workflows/runner-image.ts), and that image is the scale set's default (docs-runner-image.md).
 */
export const UPSTREAM_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:2.336.0";

const cpuQuantity = z.string().regex(/^\d+m$|^\d+(\.\d+)?$/, "expected a Kubernetes CPU quantity such as 500m or 2");
const memoryQuantity = z.string().regex(/^\d+(Mi|Gi)$/, "expected a Kubernetes memory quantity such as 2Gi");

/** The GitHub Actions runners (Actions Runner Controller scale set) in the stack's own cluster, for deploy and rollback jobs. */
export const runnersSchema = z.strictObject({
    /** Idle runners kept waiting for a job (0: a runner starts when a job is queued). @default 0 */
    minRunners: z.number().int().min(0).default(0),
    /** The most runners at once: deploys queue per environment, rollbacks run beside them. @default 3 */
    maxRunners: z.number().int().min(1).max(50).default(3),
    /**
     * The runner container's image, by tag or digest. @default the program's runner image in this stack's registry,
     * `<namePrefix>/actions-runner:<content hash of its Dockerfile>` (github/workflows/runner-image.ts), which the
     * runner-image workflow builds
     */
    image: z.string().regex(/^[\w.-]+(\/[\w.-]+)+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, "expected an image reference with a tag or digest").optional(),
    /** Requests and limits of the runner container (equal, so a job cannot starve the node's other pods). @default 1 CPU, 2Gi */
    resources: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }).default({ cpu: "1", memory: "2Gi" }),
}).refine((runners) => runners.minRunners <= runners.maxRunners, {
    path: ["minRunners"],
    message: "expected minRunners no greater than maxRunners",
});
