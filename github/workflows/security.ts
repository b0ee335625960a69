/**
 * security.yml: on pull requests and daily. CodeQL for the services' languages, dependency review with the licence
 * allow-list (pull requests), secret scanning over the history, Trivy filesystem and IaC scans; every finding goes to
 * code scanning as SARIF. One aggregate job is the check the rulesets require.
 */
import type { PlatformConfig, ServiceConfig } from "../../infra/config";
import { action } from "./catalogue";
import { aggregateJob, checkout } from "./common";
import { defineWorkflow, type Step, type Workflow } from "./model";
import { SCANNING_PERMISSIONS, TRUFFLEHOG_VERSION, trivyStep } from "./scanning";

export const SECURITY_AGGREGATE_JOB = "security-status";
type SecurityJob = "codeql" | "dependency-review" | "secrets" | "trivy-fs" | "trivy-iac" | typeof SECURITY_AGGREGATE_JOB;

/** CodeQL's language for each runtime (CodeQL's supported languages list). */
const CODEQL_LANGUAGE: Record<ServiceConfig["runtime"], string> = { node: "javascript-typescript", python: "python", go: "go", java: "java-kotlin" };

const sarifUpload = (file: string, category: string): Step => ({ name: "Upload to code scanning", if: "always()", uses: action("github/codeql-action", "upload-sarif"), with: { "sarif_file": file, category } });
const trivy = (scanType: "fs" | "config", output: string): Step => trivyStep(`Trivy ${scanType === "fs" ? "filesystem" : "IaC"} scan`, { "scan-type": scanType, "scan-ref": ".", output });

export function securityWorkflow(config: Pick<PlatformConfig, "services" | "environments" | "ci">): Workflow<string> {
    const branches = [...new Set(Object.values(config.environments).map((target) => target.branch))].sort();
    const languages = [...new Set(config.services.map((service) => CODEQL_LANGUAGE[service.runtime]))].sort();
    const scanning = SCANNING_PERMISSIONS;
    return defineWorkflow<SecurityJob>({
        name: "Security",
        on: { pull_request: { branches }, schedule: [{ cron: "17 3 * * *" }] },
        permissions: {},
        concurrency: { group: "security-${{ github.event.pull_request.number || github.ref }}", "cancel-in-progress": "${{ github.event_name == 'pull_request' }}" },
        jobs: {
            codeql: {
                name: "CodeQL (${{ matrix.language }})",
                "runs-on": "ubuntu-latest",
                permissions: scanning,
                "timeout-minutes": 30,
                strategy: { matrix: { language: languages }, "fail-fast": false },
                steps: [
                    checkout(),
                    { name: "Initialise CodeQL", uses: action("github/codeql-action", "init"), with: { languages: "${{ matrix.language }}", "build-mode": "none" } },
                    { name: "Analyse", uses: action("github/codeql-action", "analyze"), with: { category: "/language:${{ matrix.language }}" } },
                ],
            },
            "dependency-review": {
                name: "dependency review and licences",
                "runs-on": "ubuntu-latest",
                if: "github.event_name == 'pull_request'",
                permissions: { contents: "read" },
                "timeout-minutes": 10,
                steps: [
                    checkout(),
                    { name: "Review new dependencies", uses: action("actions/dependency-review-action"), with: { "fail-on-severity": "high", "allow-licenses": config.ci.licenseAllowList.join(", ") } },
                ],
            },
            secrets: {
                name: "secret scanning",
                "runs-on": "ubuntu-latest",
                permissions: { contents: "read" },
                "timeout-minutes": 15,
                steps: [
                    checkout(true),
                    { name: "Scan the history for secrets", uses: action("trufflesecurity/trufflehog"), with: { "extra_args": "--results=verified,unknown", version: TRUFFLEHOG_VERSION } },
                ],
            },
            "trivy-fs": {
                name: "Trivy filesystem scan",
                "runs-on": "ubuntu-latest",
                permissions: scanning,
                "timeout-minutes": 15,
                steps: [checkout(), trivy("fs", "trivy-fs.sarif"), sarifUpload("trivy-fs.sarif", "trivy-fs")],
            },
            "trivy-iac": {
                name: "Trivy IaC scan",
                "runs-on": "ubuntu-latest",
                permissions: scanning,
                "timeout-minutes": 15,
                steps: [checkout(), trivy("config", "trivy-iac.sarif"), sarifUpload("trivy-iac.sarif", "trivy-iac")],
            },
            [SECURITY_AGGREGATE_JOB]: aggregateJob(SECURITY_AGGREGATE_JOB, ["codeql", "dependency-review", "secrets", "trivy-fs", "trivy-iac"]),
        },
    });
}
