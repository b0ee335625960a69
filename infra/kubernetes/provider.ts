/** The Kubernetes provider of a stack, built from its own cluster's kubeconfig: never an ambient one. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export function clusterProvider(name: string, kubeconfig: pulumi.Input<string>, parent: pulumi.Resource): k8s.Provider {
    return new k8s.Provider(name, {
        kubeconfig,
        // An object removed from the program is deleted, even when the cluster that held it is gone too.
        deleteUnreachable: true,
        enableServerSideApply: true,
    }, { parent });
}
