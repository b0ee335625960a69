/**
 * The edge: an internet-facing ALB managed directly by Pulumi — so that the plan, the alarms and the policy pack see
 * the real load balancer — with HTTP redirected to HTTPS, TLS 1.2 or later, access logs, one target group per public
 * service (the pods are bound to it by the AWS Load Balancer Controller's TargetGroupBinding), and, where config asks,
 * a WAF web ACL with AWS managed rules and a rate limit. Only this load balancer is open to the internet, on 80 and 443.
 * Blue-green environments get one target group per public service and colour, and a listener rule that forwards to
 * both by weight: the pipeline's canary shifts the weights (see CANARY_OWNED).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig, ServiceConfig } from "../config";
import { createHash } from "node:crypto";
import { SecureBucket } from "../storage/bucket";
import { NAME_IS_A_CONTRACT } from "../naming";
import { COLOURS } from "../workloads/colours";
import { webAclRules } from "./waf";

export interface EdgeArgs {
    namePrefix: string;
    region: string;
    accountId: pulumi.Input<string>;
    settings: PlatformConfig["edge"];
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string>[];
    /** The load balancer reaches the services' pods on the nodes through this group. */
    nodeSecurityGroupId: pulumi.Input<string>;
    /** The public services: one target group each, health-checked on the service's health path. */
    services: readonly ServiceConfig[];
    /** One target group per colour of each public service, and a weighted listener rule over both. */
    blueGreen: boolean;
    /** Days before access logs expire. */
    accessLogExpiryDays: number;
    logRetentionDays: number;
    logsKmsKeyArn: pulumi.Input<string>;
    protect: boolean;
}

/** The load balancer's name: the deploy role's listener-rule rights name it (infra/identity). */
export const loadBalancerName = (namePrefix: string): string => `${namePrefix}-alb`;

/** TLS 1.3 with TLS 1.2 as the floor (Elastic Load Balancing's security policies). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
const ACCESS_LOG_PREFIX = "alb";

/**
 * Routing: the first public service of Pulumi.yaml answers `/`; every other one answers `/<service>` and below.
 * Rule priorities follow the same order: stable while the list's order is.
 */
export function routes(services: readonly ServiceConfig[]): { service: string; priority: number; paths: string[] }[] {
    // Steps of 10 leave room for the weighted rule of a blue-green environment (priority + 1, see Edge).
    return services.map((service, index) => ({
        service: service.name,
        priority: index === 0 ? 1000 : 10 * index,
        paths: index === 0 ? ["/*"] : [`/${service.name}`, `/${service.name}/*`],
    }));
}

/** Elastic Load Balancing refuses a target group name longer than 32 characters (CreateTargetGroup, `Name`). */
export const TARGET_GROUP_NAME_MAX = 32;

/**
 * A target group's name, `<prefix>-<service>-<port>`. The port is part of it because a port change replaces the group
 * (`port` is ForceNew in the provider) and create-before-delete needs the new group under a new name; with the old
 * name the new group would collide with the one it replaces (tools/diff.ts reports that). Too long a name keeps the
 * prefix, which the load balancer controller's policy matches, and takes a short hash of the rest, so two services can
 * never be cut down to one name.
 */
export function targetGroupName(prefix: string, service: string, port: number, colour?: string): string {
    const full = `${prefix}-${colour === undefined ? service : `${service}-${colour}`}-${port}`;
    if (full.length <= TARGET_GROUP_NAME_MAX) return full;
    // The colour is part of the hashed text: the two colours of one service never share a short name.
    const short = `${prefix}-${createHash("sha256").update(colour === undefined ? `${service}:${port}` : `${service}:${colour}:${port}`).digest("hex").slice(0, 8)}`;
    if (short.length > TARGET_GROUP_NAME_MAX) throw new Error(`the name prefix ${prefix} leaves no room for a target group name (at most ${TARGET_GROUP_NAME_MAX} characters)`);
    return short;
}

/**
 * The key of a target group in the Edge's outputs (and of its environment variable): the service, or `<service>-<colour>`
 * where blue-green runs.
 */
export function targetGroupKey(service: string, colour?: string): string {
    return colour === undefined ? service : `${service}-${colour}`;
}

/**
 * The listener rule's weights belong to the pipeline: the canary shifts them step by step (ModifyRule), and after a
 * release all weight stays on the colour it made live. So `pulumi up` must never put back the weights it created the
 * rule with, and the rule's actions are ignored after creation:
 * - `pulumi up` / `preview`: an ignored property takes its value from the state, never from the program, once the
 *   resource exists (https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/, "How ignoreChanges works"); and the
 *   provider sends the rule's actions only when they differ from the state (`if d.HasChange(names.AttrAction)` in
 *   resourceListenerRuleUpdate, terraform-provider-aws internal/service/elbv2/listener_rule.go @
 *   032c4f076a6cb8e54a85cb60f237cb80ab18b36b), so an update of the conditions or priority leaves the weights alone.
 * - Drift runs (`pulumi refresh --preview-only`, which is what Pulumi Cloud's drift detection runs:
 *   https://www.pulumi.com/docs/deployments/concepts/drift/): since pulumi/pulumi#16146 (merged) the engine stores
 *   ignoreChanges in the state and applies it to refresh, so a change of an ignored property is neither reported nor
 *   written to the state (pulumi/pulumi#18377 asks to show them again; #16391 was the weighted-listener case). An
 *   engine older than that PR writes the live weights into the state on refresh, and a later `up` could then send the
 *   stale program weights: run the stacks with an engine that has it.
 * The whole `actions` list is ignored, not `...targetGroups[*].weight`: the provider holds the target groups as a set,
 * whose order in the state need not be the program's, so an index-wise copy could swap the colours' weights.
 * What is given up: a change of the rule's target groups (a replaced target group) is not applied by `pulumi up`;
 * such a change is reviewed by hand (`pulumi up --target` after removing the option), and tools/replacements reports
 * target group replacements.
 */
export const CANARY_OWNED = ["actions"] as const;

/** The weights a new rule starts with: all traffic on the first colour, which the Services select at creation too. */
export function initialWeights(colours: readonly string[]): Record<string, number> {
    return Object.fromEntries(colours.map((colour, index) => [colour, index === 0 ? 100 : 0]));
}

export class Edge extends pulumi.ComponentResource {
    readonly dnsName: pulumi.Output<string>;
    readonly loadBalancerArnSuffix: pulumi.Output<string>;
    readonly targetGroupArnSuffixes: Record<string, pulumi.Output<string>>;
    /** By targetGroupKey: the service, or `<service>-<colour>` where blue-green runs. */
    readonly targetGroupArns: Record<string, pulumi.Output<string>>;
    /** Blue-green: the weighted listener rule of each public service, by service (what the canary modifies). */
    readonly listenerRuleArns: Record<string, pulumi.Output<string>>;
    readonly securityGroupId: pulumi.Output<string>;
    /** DNS records that prove ownership of the domain, when the stack requests the certificate without a hosted zone. */
    readonly certificateValidationRecords: pulumi.Output<unknown>;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:Edge", name, {}, opts);
        const child = { parent: this };
        const settings = args.settings;
        const ports = [...new Set(args.services.map((service) => service.port))].sort((a, b) => a - b);

        const securityGroup = new aws.ec2.SecurityGroup(`${name}-alb`, {
            name: `${args.namePrefix}-alb`,
            description: "The load balancer: HTTP and HTTPS from the internet, to the public services' pods only",
            vpcId: args.vpcId,
            ingress: [80, 443].map((port) => ({
                description: `${port === 80 ? "HTTP (redirected)" : "HTTPS"} from the internet`,
                protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"],
            })),
            egress: ports.map((port) => ({ description: `to pods on ${port}`, protocol: "tcp", fromPort: port, toPort: port, securityGroups: [args.nodeSecurityGroupId] })),
            // Deletes first on a replacement: EC2 refuses to delete a group the load balancer uses (DependencyViolation),
            // so a replacing change (a new description) stops before anything changes instead of colliding.
        }, { ...child, ...NAME_IS_A_CONTRACT });
        for (const port of ports) {
            new aws.vpc.SecurityGroupIngressRule(`${name}-nodes-from-alb-${port}`, {
                securityGroupId: args.nodeSecurityGroupId,
                referencedSecurityGroupId: securityGroup.id,
                ipProtocol: "tcp", fromPort: port, toPort: port,
                description: `pods on ${port} from the load balancer`,
            }, child);
        }

        // ALB access logs support SSE-S3 only (Elastic Load Balancing User Guide, "Access logs": bucket requirements).
        const elbAccount = aws.elb.getServiceAccountOutput({}, child);
        const logs = new SecureBucket(`${name}-access-logs`, {
            bucketName: pulumi.interpolate`${args.namePrefix}-alb-logs-${args.accountId}`,
            expiryDays: args.accessLogExpiryDays,
            // The access logs are evidence (who called what, before an incident): kept like every stateful resource.
            protect: args.protect,
            extraStatements: (bucketArn) => [{
                Sid: "LoadBalancerWritesAccessLogs",
                Effect: "Allow",
                // Regions opened before August 2022 deliver as the regional ELB account; newer ones as the service.
                Principal: { AWS: elbAccount.arn, Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${bucketArn}/${ACCESS_LOG_PREFIX}/AWSLogs/${args.accountId}/*`,
            }],
        }, child);

        const loadBalancer = new aws.lb.LoadBalancer(`${name}`, {
            name: loadBalancerName(args.namePrefix),
            loadBalancerType: "application",
            internal: false,
            subnets: args.publicSubnetIds,
            securityGroups: [securityGroup.id],
            dropInvalidHeaderFields: true,
            enableDeletionProtection: settings.deletionProtection,
            accessLogs: { bucket: logs.bucketName, prefix: ACCESS_LOG_PREFIX, enabled: true },
            // The name is a contract (production's deploy role may modify the rules of `<prefix>-alb` only), so a
            // replacement (a new scheme or type) deletes first: the environment is unreachable until the new load
            // balancer, its listeners and rules exist, and its DNS name is new. Where deletion protection is on (prod),
            // the delete is refused and the update stops before anything changes: turn it off first, on purpose.
        }, { parent: this, dependsOn: [logs], ...NAME_IS_A_CONTRACT });

        let certificateArn: pulumi.Input<string>;
        let issued: pulumi.Resource[] = [];
        this.certificateValidationRecords = pulumi.output([]);
        if (settings.certificateArn) {
            certificateArn = settings.certificateArn;
        } else {
            const certificate = new aws.acm.Certificate(`${name}`, { domainName: settings.domainName, validationMethod: "DNS" }, child);
            this.certificateValidationRecords = certificate.domainValidationOptions;
            // An HTTPS listener refuses a certificate that is not issued yet (UnsupportedCertificate), and
            // aws.acm.Certificate does not wait for issue; aws.acm.CertificateValidation does (Terraform AWS provider,
            // r/acm_certificate_validation: "waits for the newly created certificate to become valid", 75 minutes by
            // default). So the listener always takes the validation's ARN.
            const validationRecordFqdns: pulumi.Input<string>[] = [];
            if (settings.hostedZoneId) {
                const record = new aws.route53.Record(`${name}-certificate-validation`, {
                    zoneId: settings.hostedZoneId,
                    name: certificate.domainValidationOptions[0].resourceRecordName,
                    type: certificate.domainValidationOptions[0].resourceRecordType,
                    records: [certificate.domainValidationOptions[0].resourceRecordValue],
                    ttl: 300,
                }, child);
                validationRecordFqdns.push(record.fqdn);
            }
            // Without a hosted zone the operator creates the record shown by `aws acm describe-certificate` (README,
            // day 0) while `pulumi up` waits here; nothing behind the listener is created before the certificate is issued.
            const validation = new aws.acm.CertificateValidation(`${name}`, {
                certificateArn: certificate.arn,
                ...(validationRecordFqdns.length > 0 ? { validationRecordFqdns } : {}),
            }, child);
            certificateArn = validation.certificateArn;
            issued = [validation];
        }

        new aws.lb.Listener(`${name}-http`, {
            loadBalancerArn: loadBalancer.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        }, child);
        const https = new aws.lb.Listener(`${name}-https`, {
            loadBalancerArn: loadBalancer.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn,
            defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }],
        }, { parent: this, dependsOn: issued });

        this.targetGroupArns = {};
        this.targetGroupArnSuffixes = {};
        this.listenerRuleArns = {};
        const byName = new Map(args.services.map((service) => [service.name, service]));
        const colours: readonly (string | undefined)[] = args.blueGreen ? COLOURS : [undefined];
        for (const route of routes(args.services)) {
            const service = byName.get(route.service)!;
            const groups = colours.map((colour) => {
                const key = targetGroupKey(service.name, colour);
                const targetGroup = new aws.lb.TargetGroup(`${name}-${key}`, {
                    name: targetGroupName(args.namePrefix, service.name, service.port, colour),
                    vpcId: args.vpcId,
                    // Pods have VPC addresses (VPC CNI): the load balancer sends straight to them.
                    targetType: "ip",
                    port: service.port,
                    protocol: "HTTP",
                    deregistrationDelay: 30,
                    healthCheck: { path: service.healthPath, port: "traffic-port", protocol: "HTTP", matcher: "200-399", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3 },
                }, child);
                this.targetGroupArns[key] = targetGroup.arn;
                this.targetGroupArnSuffixes[key] = targetGroup.arnSuffix;
                return { colour, arn: targetGroup.arn };
            });
            const ruleArgs = {
                listenerArn: https.arn,
                priority: route.priority,
                conditions: [{ hostHeader: { values: [settings.domainName] } }, { pathPattern: { values: route.paths } }],
            };
            if (!args.blueGreen) {
                new aws.lb.ListenerRule(`${name}-${service.name}`, { ...ruleArgs, actions: [{ type: "forward", targetGroupArn: groups[0].arn }] }, child);
                continue;
            }
            // A new resource beside the rolling rule, not that rule changed: an existing rule's actions are ignored
            // (CANARY_OWNED), so a stack that had the rolling rule would keep forwarding to the replaced target group.
            // Its priority is one after the rolling rule's, so while `pulumi up` replaces one with the other both may
            // exist (ELB refuses two rules of one priority) and the old one keeps answering until it is deleted.
            const weights = initialWeights(COLOURS);
            const rule = new aws.lb.ListenerRule(`${name}-${service.name}-weighted`, {
                ...ruleArgs,
                priority: route.priority + 1,
                actions: [{ type: "forward", forward: { targetGroups: groups.map((group) => ({ arn: group.arn, weight: weights[group.colour!] })) } }],
            }, { parent: this, ignoreChanges: [...CANARY_OWNED] });
            this.listenerRuleArns[service.name] = rule.arn;
        }

        if (settings.waf.enabled) {
            const webAcl = new aws.wafv2.WebAcl(`${name}`, {
                name: `${args.namePrefix}-web-acl`,
                scope: "REGIONAL",
                defaultAction: { allow: {} },
                rules: webAclRules(args.namePrefix, settings.waf.rateLimitPer5Minutes),
                visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: `${args.namePrefix}-web-acl`, sampledRequestsEnabled: true },
                // A replacement (a new `scope`) deletes first: the load balancer is without WAF until the new ACL is associated.
            }, { ...child, ...NAME_IS_A_CONTRACT });
            // WAF delivers only to log groups whose names start with `aws-waf-logs-`.
            const wafLogs = new aws.cloudwatch.LogGroup(`${name}-waf`, {
                name: `aws-waf-logs-${args.namePrefix}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKmsKeyArn,
                // WAF writes to this name: a replacement deletes first, and the group's logs go with it.
            }, { ...child, ...NAME_IS_A_CONTRACT });
            new aws.wafv2.WebAclLoggingConfiguration(`${name}`, { resourceArn: webAcl.arn, logDestinationConfigs: [wafLogs.arn] }, child);
            new aws.wafv2.WebAclAssociation(`${name}`, { resourceArn: loadBalancer.arn, webAclArn: webAcl.arn }, child);
        }

        this.dnsName = loadBalancer.dnsName;
        this.loadBalancerArnSuffix = loadBalancer.arnSuffix;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({ dnsName: this.dnsName, loadBalancerArnSuffix: this.loadBalancerArnSuffix, targetGroupArns: this.targetGroupArns, listenerRuleArns: this.listenerRuleArns });
    }
}
