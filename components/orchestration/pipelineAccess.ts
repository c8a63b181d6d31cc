import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorFor } from "../lib/network";
import type { MedallionPipeline } from "./medallion";

const labels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/component": "airflow", "app.kubernetes.io/managed-by": "pulumi" };

/**
 * What the medallion DAG's tasks need to run SparkApplications: a ServiceAccount in Airflow's namespace,
 * allowed (by a Role in the pipeline's namespace) to create, watch and delete exactly SparkApplications
 * there, and egress to the Kubernetes API from the pods that run tasks. Returns the account's name.
 */
export function pipelineAccess(
    name: string,
    args: { namespace: string; pipeline: MedallionPipeline; taskPods: string[] },
    opts: pulumi.CustomResourceOptions,
): string {
    const account = `${name}-pipeline`;
    new k8s.core.v1.ServiceAccount(name, { metadata: { name: account, namespace: args.namespace, labels } }, opts);
    new k8s.rbac.v1.Role(
        name,
        {
            metadata: { name: account, namespace: args.pipeline.namespace, labels },
            rules: [{ apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications"], verbs: ["get", "list", "watch", "create", "delete"] }],
        },
        opts,
    );
    new k8s.rbac.v1.RoleBinding(
        name,
        {
            metadata: { name: account, namespace: args.pipeline.namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account },
            subjects: [{ kind: "ServiceAccount", name: account, namespace: args.namespace }],
        },
        opts,
    );
    // The API server is outside the pod network (a node or control-plane address, which restricted egress
    // otherwise refuses); its address differs per cluster, its ports don't: 443 behind the kubernetes
    // Service, 6443 on the server itself.
    for (const pod of args.taskPods) {
        new k8s.networking.v1.NetworkPolicy(
            `${name}-${pod}-kube-api`,
            {
                metadata: { name: `allow-${pod}-kube-api-egress`, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: selectorFor(pod) },
                    policyTypes: ["Egress"],
                    egress: [{ ports: [{ port: 443, protocol: "TCP" }, { port: 6443, protocol: "TCP" }] }],
                },
            },
            opts,
        );
    }
    return account;
}
