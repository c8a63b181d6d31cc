// Structural schemas of the custom resources the program creates, taken from their CRDs (the parts the
// program uses: required fields, types, enums, minimums), in the shape kubernetes-models validates with.
// kubernetes-models only knows the built-in kinds; these let the schema test cover the custom ones too.

import * as assert from "assert";

export interface Schema {
    type?: "object" | "string" | "integer" | "array" | "boolean";
    required?: string[];
    properties?: Record<string, Schema>;
    items?: Schema;
    enum?: string[];
    minimum?: number;
    /** Values of a map (e.g. sparkConf: string -> string). */
    additionalProperties?: Schema;
}

export function violations(schema: Schema, value: unknown, at = ""): string[] {
    const out: string[] = [];
    const type = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
    if (schema.type && type !== schema.type) return [`${at || "."}: expected ${schema.type}, got ${type}`];
    if (schema.enum && !schema.enum.includes(value as string)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
    if (schema.minimum !== undefined && (value as number) < schema.minimum) out.push(`${at}: ${value} is below ${schema.minimum}`);
    if (type === "object") {
        const obj = value as Record<string, unknown>;
        for (const r of schema.required ?? []) if (obj[r] === undefined) out.push(`${at}.${r}: required`);
        for (const [k, v] of Object.entries(obj)) {
            const s = schema.properties?.[k] ?? schema.additionalProperties;
            if (s && v !== undefined) out.push(...violations(s, v, `${at}.${k}`));
        }
    }
    if (type === "array" && schema.items) (value as unknown[]).forEach((v, i) => out.push(...violations(schema.items!, v, `${at}[${i}]`)));
    return out;
}

const str: Schema = { type: "string" };
const strings: Schema = { type: "array", items: str };
const stringMap: Schema = { type: "object", additionalProperties: str };

const sparkPod: Schema = {
    type: "object",
    properties: {
        cores: { type: "integer", minimum: 1 },
        coreRequest: str,
        coreLimit: str,
        memory: str,
        memoryOverhead: str,
        image: str,
        serviceAccount: str,
        labels: stringMap,
        annotations: stringMap,
        ports: { type: "array", items: { type: "object", required: ["name", "containerPort"], properties: { containerPort: { type: "integer" } } } },
        instances: { type: "integer", minimum: 1 },
        env: { type: "array", items: { type: "object", required: ["name"] } },
        volumeMounts: { type: "array", items: { type: "object", required: ["name", "mountPath"] } },
        securityContext: { type: "object" },
        podSecurityContext: { type: "object" },
    },
};

/** sparkoperator.k8s.io/v1beta2 SparkApplication (kubeflow/spark-operator CRD, chart 2.5.x). */
export const sparkApplicationSchema: Schema = {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
        metadata: { type: "object", required: ["name", "namespace"] },
        spec: {
            type: "object",
            required: ["type", "sparkVersion", "mainApplicationFile", "driver", "executor"],
            properties: {
                type: { enum: ["Java", "Python", "Scala", "R"] },
                mode: { enum: ["cluster", "client", "in-cluster-client"] },
                sparkVersion: str,
                image: str,
                mainApplicationFile: str,
                mainClass: str,
                arguments: strings,
                sparkConf: stringMap,
                deps: { type: "object", properties: { packages: strings, jars: strings, files: strings, pyFiles: strings } },
                restartPolicy: {
                    type: "object",
                    required: ["type"],
                    properties: {
                        type: { enum: ["Never", "Always", "OnFailure"] },
                        onFailureRetries: { type: "integer", minimum: 0 },
                        onFailureRetryInterval: { type: "integer", minimum: 1 },
                        onSubmissionFailureRetryInterval: { type: "integer", minimum: 1 },
                    },
                },
                volumes: { type: "array", items: { type: "object", required: ["name"] } },
                driver: { ...sparkPod, required: ["serviceAccount"] },
                executor: sparkPod,
            },
        },
    },
};

/** metallb.io/v1beta1 IPAddressPool and L2Advertisement (metallb CRDs, chart 0.16). */
export const ipAddressPoolSchema: Schema = {
    type: "object",
    required: ["metadata", "spec"],
    properties: {
        metadata: { type: "object", required: ["name", "namespace"] },
        spec: { type: "object", required: ["addresses"], properties: { addresses: strings, autoAssign: { type: "boolean" } } },
    },
};
export const l2AdvertisementSchema: Schema = {
    type: "object",
    required: ["metadata"],
    properties: { metadata: { type: "object", required: ["name", "namespace"] }, spec: { type: "object", properties: { ipAddressPools: strings } } },
};

/** The custom resources the program creates, with their CRDs' names, for registering those CRDs on a test server. */
export const customResources: { group: string; version: string; kind: string; plural: string; schema: Schema }[] = [
    { group: "sparkoperator.k8s.io", version: "v1beta2", kind: "SparkApplication", plural: "sparkapplications", schema: sparkApplicationSchema },
    { group: "metallb.io", version: "v1beta1", kind: "IPAddressPool", plural: "ipaddresspools", schema: ipAddressPoolSchema },
    { group: "metallb.io", version: "v1beta1", kind: "L2Advertisement", plural: "l2advertisements", schema: l2AdvertisementSchema },
];

function model(schema: Schema): { new (data: unknown): { validate(): void } } {
    return class {
        constructor(private readonly data: unknown) {}
        validate(): void {
            const v = violations(schema, this.data);
            if (v.length > 0) throw new Error(v.join("; "));
        }
    };
}

export const crdModels: Record<string, { new (data: unknown): { validate(): void } }> = {
    "sparkoperator.k8s.io/v1beta2/SparkApplication": model(sparkApplicationSchema),
    "metallb.io/v1beta1/IPAddressPool": model(ipAddressPoolSchema),
    "metallb.io/v1beta1/L2Advertisement": model(l2AdvertisementSchema),
};

/** The kubernetes-models class for an object's apiVersion and kind (core group objects live under v1/). */
export function modelFor(apiVersion: string, kind: string): { new (data: unknown): { validate(): void } } {
    // Custom resources (kubernetes-models has only the built-in kinds) are checked against their CRDs' required fields.
    const crd = crdModels[`${apiVersion}/${kind}`];
    if (crd) return crd;
    const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath);
    assert.ok(mod[kind], `kubernetes-models has no ${apiVersion} ${kind}`);
    return mod[kind];
}
