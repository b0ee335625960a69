/** Names shared by the Deployments settings and the config rules (which must not load the Pulumi Cloud SDK). */

/** The script that takes the write role for a write operation (tools/deployments-write-role.sh). */
export const WRITE_ROLE_SCRIPT = "tools/deployments-write-role.sh";
/** The variable that names the write role to that script. */
export const WRITE_ROLE_VARIABLE = "PLATFORM_WRITE_ROLE_ARN";
/** The variable that gives the script the session length to ask for (the role's MaxSessionDuration at most). */
export const WRITE_SESSION_VARIABLE = "PLATFORM_WRITE_SESSION_SECONDS";
/** The region of the AWS CLI and SDKs in a deployment. */
export const REGION_VARIABLE = "AWS_REGION";
/** The variable the GitHub provider reads the App's key from in a deployment (github/provider.ts). */
export const GITHUB_APP_KEY_VARIABLE = "GITHUB_APP_PEM_FILE";
/**
 * Variables a deployment's own settings set or its OIDC exchange publishes: a value in config would override the
 * program's (the write role, the App key) or the run's credentials.
 */
export const RESERVED_VARIABLES = [WRITE_ROLE_VARIABLE, WRITE_SESSION_VARIABLE, REGION_VARIABLE, GITHUB_APP_KEY_VARIABLE, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"] as const;
