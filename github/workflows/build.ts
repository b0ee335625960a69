/**
 * docker-build.yml: the reusable image build the deploy workflows of building environments call on every push to
 * their branch and release tags. A matrix over the services: OIDC to the environment's deploy role, buildx with a
 * cache, one platform on branches and amd64 plus arm64 on tags, push to ECR, and from then on the image is named by
 * its digest: Trivy fails the job on CRITICAL or HIGH findings (SARIF to code scanning), an SBOM, a build provenance
 * attestation, a size report. The digests go back to the caller as one JSON output.
 */
import type { PlatformConfig } from "../../infra/config";
import { action } from "./catalogue";
import { checkout } from "./common";
import { defineWorkflow, type Permissions, type Workflow } from "./model";
import { VARIABLES } from "./names";
import { SCANNING_PERMISSIONS, trivyStep } from "./scanning";

export const BUILD_JOB_PERMISSIONS: Permissions = { ...SCANNING_PERMISSIONS, "id-token": "write", attestations: "write" };

const IMAGE = "${{ env.REPOSITORY }}@${{ steps.build.outputs.digest }}";

const SIZE_REPORT = `set -euo pipefail
bytes=$(aws ecr describe-images --repository-name "\${REPOSITORY#*/}" --image-ids imageDigest="$DIGEST" --query 'imageDetails[0].imageSizeInBytes' --output text)
{ echo "| service | digest | size |"; echo "|---|---|---|"; echo "| $SERVICE | $DIGEST | $(( bytes / 1048576 )) MiB |"; } >> "$GITHUB_STEP_SUMMARY"`;

/**
 * One file per service, named `<service>.digest`, all downloaded into one directory (`merge-multiple: true`).
 * Why not one directory per artifact: actions/download-artifact v8 extracts into `path` itself, with no directory per
 * artifact, when exactly one artifact matches the pattern (src/download-artifact.ts at the pinned
 * 3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c: `isSingleArtifactDownload || inputs.mergeMultiple || artifacts.length
 * === 1 ? resolvedPath : path.join(resolvedPath, artifact.name)`), so a `digests/<artifact>/digest` glob found
 * nothing for a one-service project. With the service in the file name the layout is the same for one or many.
 */
export const DIGEST_FILE_SUFFIX = ".digest";

const COLLECT_DIGESTS = `set -euo pipefail
shopt -s nullglob
digests=$(for file in "$RUNNER_TEMP"/digests/*${DIGEST_FILE_SUFFIX}; do
  service=$(basename "$file" ${DIGEST_FILE_SUFFIX})
  jq -n --arg service "$service" --arg digest "$(cat "$file")" '{key: $service, value: $digest}'
done | jq -cs 'from_entries')
echo "$digests" | jq -e 'length > 0 and (to_entries | all(.value | test("^sha256:[0-9a-f]{64}$")))' > /dev/null
echo "digests=$digests" >> "$GITHUB_OUTPUT"`;

export function buildWorkflow(config: Pick<PlatformConfig, "services">): Workflow<"image" | "digests"> {
    return defineWorkflow<"image" | "digests">({
        name: "Docker build",
        on: {
            workflow_call: {
                inputs: { environment: { description: "The GitHub environment whose role and registry build the images", type: "string", required: true } },
                outputs: { digests: { description: "JSON object: service name to image digest", value: "${{ jobs.digests.outputs.digests }}" } },
            },
        },
        permissions: {},
        jobs: {
            image: {
                name: "${{ matrix.service }}: build, scan, attest",
                "runs-on": "ubuntu-latest",
                // The environment's role and registry, without a deployment record: building is not deploying.
                environment: { name: "${{ inputs.environment }}", deployment: false },
                permissions: BUILD_JOB_PERMISSIONS,
                "timeout-minutes": 45,
                strategy: {
                    "fail-fast": false,
                    matrix: { include: config.services.map((service) => ({ service: service.name, path: service.path, variable: VARIABLES.repository(service.name) })) },
                },
                env: { REPOSITORY: "${{ vars[matrix.variable] }}" },
                steps: [
                    checkout(),
                    { name: "Assume the environment's deploy role", uses: action("aws-actions/configure-aws-credentials"), with: { "role-to-assume": `\${{ vars.${VARIABLES.role} }}`, "aws-region": `\${{ vars.${VARIABLES.region} }}` } },
                    { name: "Log in to ECR", uses: action("aws-actions/amazon-ecr-login") },
                    { name: "Set up QEMU for arm64", if: "startsWith(github.ref, 'refs/tags/')", uses: action("docker/setup-qemu-action") },
                    { name: "Set up buildx", uses: action("docker/setup-buildx-action") },
                    {
                        name: "Build and push",
                        id: "build",
                        uses: action("docker/build-push-action"),
                        with: {
                            context: "${{ matrix.path }}",
                            push: true,
                            platforms: "${{ startsWith(github.ref, 'refs/tags/') && 'linux/amd64,linux/arm64' || 'linux/amd64' }}",
                            // Tags are immutable in ECR: one per attempt; from here on the image is named by digest.
                            tags: "${{ env.REPOSITORY }}:${{ github.sha }}-${{ github.run_id }}-${{ github.run_attempt }}",
                            "cache-from": "type=gha,scope=${{ matrix.service }}",
                            "cache-to": "type=gha,mode=max,scope=${{ matrix.service }}",
                            provenance: false,
                        },
                    },
                    trivyStep("Trivy: fail on CRITICAL or HIGH", { "image-ref": IMAGE, output: "trivy-image.sarif", "ignore-unfixed": true }),
                    { name: "Upload to code scanning", if: "always()", uses: action("github/codeql-action", "upload-sarif"), with: { "sarif_file": "trivy-image.sarif", category: "image-${{ matrix.service }}" } },
                    { name: "SBOM", uses: action("anchore/sbom-action"), with: { image: IMAGE, format: "spdx-json", "artifact-name": "sbom-${{ matrix.service }}.spdx.json" } },
                    { name: "Build provenance attestation", uses: action("actions/attest-build-provenance"), with: { "subject-name": "${{ env.REPOSITORY }}", "subject-digest": "${{ steps.build.outputs.digest }}" } },
                    { name: "Image size", env: { SERVICE: "${{ matrix.service }}", DIGEST: "${{ steps.build.outputs.digest }}" }, run: SIZE_REPORT },
                    { name: "Keep the digest", env: { DIGEST: "${{ steps.build.outputs.digest }}", SERVICE: "${{ matrix.service }}" }, run: `mkdir -p "$RUNNER_TEMP/digest" && echo "$DIGEST" > "$RUNNER_TEMP/digest/$SERVICE${DIGEST_FILE_SUFFIX}"` },
                    { name: "Hand the digest on", uses: action("actions/upload-artifact"), with: { name: "digest-${{ matrix.service }}", path: `\${{ runner.temp }}/digest/\${{ matrix.service }}${DIGEST_FILE_SUFFIX}`, "retention-days": 1 } },
                ],
            },
            digests: {
                name: "collect the digests",
                "runs-on": "ubuntu-latest",
                needs: ["image"],
                permissions: {},
                "timeout-minutes": 5,
                outputs: { digests: "${{ steps.collect.outputs.digests }}" },
                steps: [
                    { name: "Download the digests", uses: action("actions/download-artifact"), with: { pattern: "digest-*", path: "${{ runner.temp }}/digests", "merge-multiple": true } },
                    { name: "One JSON object", id: "collect", run: COLLECT_DIGESTS },
                ],
            },
        },
    });
}
