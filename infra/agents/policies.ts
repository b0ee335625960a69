/**
 * The deployment agent's AWS rights as plain data: read its own pool token, and nothing else. The deployments it runs
 * get their credentials from Pulumi Deployments' OIDC exchange (the Deployments role of infra/identity), inside the
 * deployment's container, never from the instance.
 */
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument } from "../iam";

/**
 * GetSecretValue on the one secret, and the CMK's Decrypt only when Secrets Manager asks for it on that secret's
 * behalf: Secrets Manager decrypts with the encryption context `SecretARN` = the secret's ARN, and calls KMS as
 * `secretsmanager.<region>.amazonaws.com` (AWS docs, "Secret encryption and decryption in AWS Secrets Manager":
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
 */
export function agentTokenPolicy(region: string, secretArn: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): PolicyDocument {
    return policyDocument(
        { Sid: "ReadPoolToken", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
        {
            Sid: "DecryptPoolTokenThroughSecretsManager",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: kmsKeyArn,
            Condition: {
                StringEquals: {
                    "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
                    "kms:EncryptionContext:SecretARN": secretArn,
                },
            },
        },
    );
}

/**
 * The one managed policy the agents' role carries: Session Manager's, so that a person reaches an agent without SSH, a
 * key pair or an open port (AWS docs, "Step 2: Verify or add instance permissions for Session Manager":
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-getting-started-instance-profile.html).
 */
export const SSM_CORE_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
