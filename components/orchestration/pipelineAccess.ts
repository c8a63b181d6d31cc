import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { allowApiServer } from "../lib/clusterNetwork";
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
    // The tasks create SparkApplications through the API server (lib/clusterNetwork.ts says why by port).
    for (const pod of args.taskPods) {
        allowApiServer(`${name}-${pod}`, args.namespace, { matchLabels: selectorFor(pod) }, opts, `allow-${pod}-kube-api-egress`);
    }
    return account;
}
