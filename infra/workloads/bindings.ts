/**
 * How a public service's pods reach the load balancer's target groups: the AWS Load Balancer Controller's
 * TargetGroupBinding registers the endpoints of a Service in a target group Pulumi made (infra/edge). A binding names a
 * Service, not a pod selector (spec.serviceRef, test/crds/aws-load-balancer-controller-3.5.0.crds.yaml), so where
 * blue-green runs each colour gets its own Service that selects only that colour's pods, and a binding to that colour's
 * target group; the listener rule's weights decide which colour the internet reaches. The service's own Service (whose
 * selector the pipeline switches) stays for callers inside the cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "../config";
import { targetGroupKey } from "../edge";
import { COLOURS } from "./colours";

type Metadata = (objectName: string, labels?: Record<string, string>) => { name: string; namespace: string; labels: Record<string, string> };

export interface BindingArgs {
    service: ServiceConfig;
    blueGreen: boolean;
    /** By target group key (infra/edge targetGroupKey). */
    targetGroupArns: Record<string, pulumi.Input<string>>;
    metadata: Metadata;
    /** Annotations of the colour Services: their endpoints are not ready before the first deploy. */
    serviceAnnotations: Record<string, string>;
}

/** What a binding says: this Service's port, in this target group, pods registered by IP. */
export function bindingSpec(serviceName: string, port: number, targetGroupARN: pulumi.Input<string>): { serviceRef: { name: string; port: number }; targetGroupARN: pulumi.Input<string>; targetType: string } {
    return { serviceRef: { name: serviceName, port }, targetGroupARN, targetType: "ip" };
}

/** The Service and binding of each colour (blue-green), or the binding of the service's own Service (rolling). */
export function bindPublicService(name: string, args: BindingArgs, opts: pulumi.CustomResourceOptions): void {
    const service = args.service;
    const labels = { app: service.name };
    if (!args.blueGreen) {
        new k8s.apiextensions.CustomResource(`${name}-${service.name}-binding`, {
            apiVersion: "elbv2.k8s.aws/v1beta1",
            kind: "TargetGroupBinding",
            metadata: args.metadata(service.name, labels),
            spec: bindingSpec(service.name, service.port, args.targetGroupArns[targetGroupKey(service.name)]),
        }, opts);
        return;
    }
    for (const colour of COLOURS) {
        const key = targetGroupKey(service.name, colour);
        const colourLabels = { ...labels, colour };
        const colourService = new k8s.core.v1.Service(`${name}-${key}`, {
            metadata: { ...args.metadata(key, colourLabels), annotations: { ...args.serviceAnnotations } },
            spec: {
                type: "ClusterIP",
                ports: [{ name: "http", port: service.port, targetPort: "http", protocol: "TCP" }],
                // Fixed: this Service is the colour, never switched (the weights switch the traffic).
                selector: colourLabels,
            },
        }, opts);
        new k8s.apiextensions.CustomResource(`${name}-${key}-binding`, {
            apiVersion: "elbv2.k8s.aws/v1beta1",
            kind: "TargetGroupBinding",
            metadata: args.metadata(key, colourLabels),
            spec: bindingSpec(key, service.port, args.targetGroupArns[key]),
        }, { ...opts, dependsOn: [colourService] });
    }
}
