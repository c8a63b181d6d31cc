// Files for pods (config, scripts, code) in a ConfigMap whose name carries a hash of its content.
//
// Why: the Kubernetes provider replaces a ConfigMap whose data changes (`.data` is a force-new field,
// pulumi-kubernetes provider/pkg/provider/diff.go). Under a fixed name that replacement is
// delete-before-replace, and the engine then also replaces every resource whose inputs refer to the
// ConfigMap: a Prometheus target switched on would replace the Prometheus StatefulSet (its volume with it,
// or, with protectData, fail the update), an edited DAG all five Airflow Deployments. A name that changes
// with the content makes the replacement create-before-delete (the provider deletes first only when the
// new name equals the old one), and the workloads that mount the ConfigMap get a new pod template: a
// rolling update. The same content keeps the same name, so an unrelated change touches nothing.
// Immutable, as the content never changes under one name (the kubelet then stops watching it).

import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor } from "./workload";

/** `<name>-<10 hex digits of the content's SHA-256>`: the same files, the same name. */
export function contentName(name: string, data: Record<string, string>): string {
    const h = crypto.createHash("sha256");
    for (const key of Object.keys(data).sort()) h.update(`${key.length}:${key}${data[key].length}:${data[key]}`);
    return `${name}-${h.digest("hex").slice(0, 10)}`;
}

export interface ConfigFilesArgs {
    /** The name before the hash; also its `app.kubernetes.io/name` label, by which people (and tests) find it. */
    name: string;
    namespace: string;
    /** The platform service it belongs to, as a label. */
    partOf: string;
    /** Plain strings only: the name is computed from them when the program runs. */
    data: Record<string, string>;
}

/** The ConfigMap; `metadata.name` is `contentName(name, data)`. Mount it through `.metadata.name`. */
export function configFiles(resourceName: string, args: ConfigFilesArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        resourceName,
        {
            metadata: { name: contentName(args.name, args.data), namespace: args.namespace, labels: labelsFor(args.name, args.partOf) },
            immutable: true,
            data: args.data,
        },
        opts,
    );
}
