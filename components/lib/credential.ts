// A generated credential: random values (@pulumi/random, so they stay the same across updates) stored in
// one Kubernetes Secret. Workloads read it only through secretKeyRef; the stack exports it only as a
// secret output. Nothing else ever sees the values.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LakehouseComponent, LakehouseComponentOptions } from "./component";

/** How one key of the Secret is made. */
export type CredentialField =
    /** A generated value: letters and digits only, so it is safe in URLs, env files and connection strings. */
    | { generate: number; lowercase?: boolean }
    /** A fixed, non-secret value stored beside the generated ones (a user name such as "admin"). */
    | { fixed: string };

export interface CredentialArgs {
    namespace: string;
    /** Kubernetes name of the Secret. */
    secretName: string;
    /** Label value naming the service the credential belongs to. */
    partOf: string;
    fields: Record<string, CredentialField>;
}

export class Credential extends LakehouseComponent {
    readonly secretName: string;
    readonly secret: k8s.core.v1.Secret;
    /** Every key's value, as one secret output. */
    readonly values: pulumi.Output<Record<string, string>>;
    private readonly keys: string[];
    private readonly namespace: string;
    private readonly labels: Record<string, string>;

    constructor(name: string, args: CredentialArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:lib:Credential", name, opts);
        this.secretName = args.secretName;
        this.keys = Object.keys(args.fields);
        this.namespace = args.namespace;
        this.labels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/component": args.partOf };

        const entries = Object.entries(args.fields).map(([key, field]) => {
            if ("fixed" in field) return [key, pulumi.output(field.fixed)] as const;
            const value = new random.RandomPassword(
                `${name}-${key}`,
                { length: field.generate, special: false, upper: !field.lowercase },
                this.child(),
            );
            return [key, value.result] as const;
        });
        const data = pulumi.secret(pulumi.all(Object.fromEntries(entries)));

        this.secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: args.secretName,
                    namespace: args.namespace,
                    labels: this.labels,
                },
                type: "Opaque",
                stringData: data,
            },
            this.child(),
        );
        this.values = data;
        this.registerOutputs({ secretName: this.secretName, values: this.values });
    }

    /**
     * A copy of some keys of this Secret, under the same name, in another namespace: a pod can only read
     * Secrets of its own namespace. Same values (the same random outputs), so both copies change together;
     * `ref(key)` then names the copy too, as the name and keys are the same.
     */
    copyTo(resourceName: string, namespace: string, keys: string[], opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
        keys.forEach((k) => this.ref(k));
        return new k8s.core.v1.Secret(
            resourceName,
            {
                metadata: { name: this.secretName, namespace, labels: { ...this.labels, "lakehouse.io/copy-of": this.namespace } },
                type: "Opaque",
                stringData: pulumi.secret(this.values.apply((v) => Object.fromEntries(keys.map((k) => [k, v[k]])))),
            },
            opts,
        );
    }

    /** An env var source reading one key; fails at once for a key the Secret does not have. */
    ref(key: string): { secretKeyRef: { name: string; key: string } } {
        if (!this.keys.includes(key)) {
            throw new pulumi.ResourceError(`credential ${this.secretName} has no key ${key} (keys: ${this.keys.join(", ")})`, this);
        }
        return { secretKeyRef: { name: this.secretName, key } };
    }
}
