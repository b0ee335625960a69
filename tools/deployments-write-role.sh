#!/usr/bin/env bash
# The last pre-run command of every Pulumi Deployments run of a stack (infra/deployments/index.ts).
#
# Every run starts on the stack's read role: Pulumi Deployments exchanges the run's OIDC token for the role its
# settings name and publishes the credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the raw
# token stays in /mnt/pulumi/pulumi.oidc (https://www.pulumi.com/docs/deployments/deployments/oidc/aws/). A run whose
# operation writes (update, refresh, destroy, remediate-drift: PULUMI_CI_OPERATION,
# https://www.pulumi.com/docs/deployments/concepts/settings/environment-variables/) exchanges the same token for the
# write role and appends its credentials to /PULUMI_ENV, which carries variables from the pre-run commands into the
# Pulumi operation (same page, "PULUMI_ENV"). Previews and drift checks keep the read role. The same page notes that on
# self-hosted runners the file may live elsewhere ("look for the following message in the logs to get the location:
# `Loading PULUMI_ENV from`"): set PULUMI_ENV_FILE to that path in `deployments.environmentVariables`. If the file is
# wrong, the operation runs on the read role and fails on its first write: nothing is written with the wrong role.
#
# `aws` is the AWS CLI v2 of Pulumi Deployments' default executor image, pulumi/pulumi (pulumi/pulumi-docker-containers,
# docker/pulumi/Dockerfile at 015edcc5cea8c34735a4ff4fcdc123a24c9aa5fd: "AWS v2 cli"); the kubeconfig's
# `aws eks get-token` needs it too.
#
# The gate is not this script: STS checks the token's subject against the write role's trust, which names only the
# write operations of this stack. A pull request that edits this script still previews with a token whose subject says
# `operation:preview`, and the write role refuses it.
set -euo pipefail

operation="${PULUMI_CI_OPERATION:-}"
case "$operation" in
  update | refresh | destroy | remediate-drift) ;;
  *)
    echo "operation '${operation:-none}': this run keeps the read role"
    exit 0
    ;;
esac

role="${PLATFORM_WRITE_ROLE_ARN:?the deployment settings name the write role in PLATFORM_WRITE_ROLE_ARN}"
token_file="${PULUMI_OIDC_TOKEN_FILE:-/mnt/pulumi/pulumi.oidc}"
environment_file="${PULUMI_ENV_FILE:-/PULUMI_ENV}"
seconds="${PLATFORM_WRITE_SESSION_SECONDS:?the deployment settings give the session length in PLATFORM_WRITE_SESSION_SECONDS}"
region="${AWS_REGION:?the deployment settings give the region of the stack in AWS_REGION}"
if [ ! -s "$token_file" ]; then
  echo "error: no OIDC token at $token_file: is OIDC configured in the stack's deployment settings?" >&2
  exit 1
fi

# RoleSessionName: at most 64 characters of [\w+=,.@-] (STS AssumeRoleWithWebIdentity); CloudTrail shows it.
session="pulumi-${operation}-${PULUMI_CI_BUILD_NUMBER:-0}"
credentials=$(aws sts assume-role-with-web-identity \
  --role-arn "$role" \
  --role-session-name "${session:0:64}" \
  --web-identity-token "file://$token_file" \
  --duration-seconds "$seconds" \
  --region "$region" \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
  --output text)
read -r key secret token <<< "$credentials"
if [ -z "$key" ] || [ -z "$secret" ] || [ -z "$token" ]; then
  echo "error: STS returned no credentials for $role" >&2
  exit 1
fi
# The values go to the file only, never to the log.
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nAWS_SESSION_TOKEN=%s\n' "$key" "$secret" "$token" >> "$environment_file"
echo "operation '$operation': the Pulumi operation runs as $role"
