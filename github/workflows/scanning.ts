/**
 * What every scanning step shares, so that the image scan (docker-build.yml) and the repository scans (security.yml)
 * cannot drift apart: the permissions a job needs to send SARIF to code scanning, the Trivy step, and the TruffleHog
 * image version.
 */
import { ACTIONS, action } from "./catalogue";
import type { Permissions, Step } from "./model";

/**
 * A job that runs github/codeql-action (init, analyze or upload-sarif). `security-events: write` uploads the SARIF;
 * `actions: read` because the action reads the workflow run (`GET /repos/:owner/:repo/actions/runs/:run_id`,
 * getWorkflowRelativePath in src/api-client.ts of github/codeql-action@8aad20d150bbac5944a9f9d289da16a4b0d87c1e),
 * which on a private repository needs it (actions/starter-workflows#1747); `contents: read` for private
 * repositories too (README.md, "Workflow Permissions", same commit).
 */
export const SCANNING_PERMISSIONS = { contents: "read", "security-events": "write", actions: "read" } as const satisfies Permissions;

/** The severities that fail a build and reach code scanning. */
export const FAILING_SEVERITIES = "CRITICAL,HIGH";

/**
 * A Trivy scan that writes SARIF and fails the job on CRITICAL or HIGH findings only.
 *
 * `limit-severities-for-sarif: true`: trivy-action v0.36.0 unsets TRIVY_SEVERITY whenever the format is SARIF unless
 * that input is "true" ("Building SARIF report with all severities"), so that without it `exit-code: 1` fails the
 * job on LOW and MEDIUM findings too (aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25,
 * entrypoint.sh, "Handle SARIF"; the input is declared in action.yaml at the same commit).
 *
 * The action's composite steps run aquasecurity/setup-trivy (pinned there by SHA) and actions/cache: the Actions
 * policy must admit them (github/workflows/nested-actions.json and the test over it).
 */
export function trivyStep(name: string, inputs: Record<string, string | boolean>): Step {
    return {
        name,
        uses: action("aquasecurity/trivy-action"),
        with: { ...inputs, format: "sarif", severity: FAILING_SEVERITIES, "limit-severities-for-sarif": true, "exit-code": "1" },
    };
}

/**
 * The TruffleHog image tag the action runs. trufflesecurity/trufflehog's action.yml (at the pinned
 * bcfcf73aaf4759d4dadc2783177c245a02792318) runs `docker run ... "${IMAGE}:${VERSION}"` with the `version` input
 * defaulting to `latest`: whatever was released last, not the pinned release. The images are tagged by GoReleaser's
 * `{{ .Version }}` (.goreleaser.yml, docker_manifests `ghcr.io/trufflesecurity/{{ .ProjectName }}:{{ .Version }}`,
 * same commit), which is the tag without its `v` prefix (https://goreleaser.com/customization/templates): v3.97.0 is
 * image tag 3.97.0. Derived from the pin, so that a new pin moves the image with it.
 */
export const TRUFFLEHOG_VERSION = ACTIONS["trufflesecurity/trufflehog"].version.replace(/^v/, "");
