/**
 * The boot script of a deployment agent instance (Amazon Linux 2023), as plain text: Docker, the pinned agent release,
 * its configuration with the pool token read from Secrets Manager at boot (never written into the user data), and a
 * systemd service that restarts it.
 *
 * Sources, pulumi/customer-managed-deployment-agent at v1.4.1 (commit c5c3d114c149cc999e5852abbf77b333732a083d):
 * - the release archive's name and layout: .goreleaser.yaml (`customer-managed-deployment-agent-<tag>-<os>-<x64|arm64>`,
 *   wrapped in the directory `customer-managed-deployment-agent`, with `checksums.txt` beside it) and install.sh
 *   (`releases/download/v<version>/`);
 * - the configuration file and its keys: pulumi-deployment-agent.yaml.sample (`token`, `service_url`,
 *   `workflow_runners_directory`, `workflow_runners_embeddable`), written beside the binary as the repository's EC2
 *   example does (agent-images/agent-setup/index.ts, agent-images/packer/deployment_agent.service_ubuntu);
 * - Docker on the host: install.sh ("customer-managed-deployment-agent requires docker to be available on your $PATH")
 *   and Pulumi's docs ("Docker or Kubernetes is a requirement":
 *   https://www.pulumi.com/docs/pulumi-cloud/deployments/customer-managed-agents/).
 * Docker from AL2023's own repository (the `docker` package, as the ECS developer guide installs it on an AL2023
 * instance: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/create-container-image.html). The AWS CLI v2
 * is taken to be on the standard AL2023 AMI (not checked against a source here: if it were missing, the boot stops at
 * that line, visibly in the instance's console output, before any agent starts).
 */

/** The newest release of the agent (tag v1.4.1, CHANGELOG.md "1.4.1 (2025-08-01)"). */
export const AGENT_VERSION = "1.4.1";
/** Where the agent, its workflow runner binaries and its configuration live on the instance. */
export const AGENT_DIRECTORY = "/opt/pulumi-agent";
/** Pulumi Cloud's API, the sample configuration's `service_url`. */
export const PULUMI_SERVICE_URL = "https://api.pulumi.com";

export interface AgentBootSettings {
    region: string;
    /** The secret holding the pool's token, by name or ARN (`--secret-id` takes either). */
    tokenSecretId: string;
    /** The release archive's architecture name: `x64` or `arm64` (.goreleaser.yaml). */
    architecture: "x64" | "arm64";
    /** @default AGENT_VERSION */
    version?: string;
}

export function agentUserData(settings: AgentBootSettings): string {
    const version = settings.version ?? AGENT_VERSION;
    return `#!/bin/bash
# Pulumi customer-managed deployment agent ${version}, from infra/agents (do not edit on the instance).
set -euo pipefail

dnf install -y docker
systemctl enable --now docker

archive="customer-managed-deployment-agent-v${version}-linux-${settings.architecture}.tar.gz"
base="https://github.com/pulumi/customer-managed-deployment-agent/releases/download/v${version}"
work=$(mktemp -d)
curl --fail --silent --show-error --location --retry 5 --output "$work/$archive" "$base/$archive"
curl --fail --silent --show-error --location --retry 5 --output "$work/checksums.txt" "$base/checksums.txt"
(cd "$work" && grep " $archive\\$" checksums.txt | sha256sum --check --strict)
install -d -m 0700 ${AGENT_DIRECTORY}
tar -xzf "$work/$archive" -C ${AGENT_DIRECTORY} --strip-components=1
rm -rf "$work"

# The pool token: read with the instance's role, which may read this one secret and nothing else.
token=$(aws secretsmanager get-secret-value --region "${settings.region}" --secret-id "${settings.tokenSecretId}" --query SecretString --output text)
umask 077
cat > ${AGENT_DIRECTORY}/pulumi-deployment-agent.yaml <<CONFIG
token: "$token"
service_url: ${PULUMI_SERVICE_URL}
workflow_runners_directory: ${AGENT_DIRECTORY}
workflow_runners_embeddable: ${AGENT_DIRECTORY}/workflow-runner-embeddable
CONFIG
unset token

cat > /etc/systemd/system/pulumi-deployment-agent.service <<'UNIT'
[Unit]
Description=Pulumi customer-managed deployment agent
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target

[Service]
WorkingDirectory=${AGENT_DIRECTORY}
ExecStart=${AGENT_DIRECTORY}/customer-managed-deployment-agent run
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now pulumi-deployment-agent.service
`;
}
