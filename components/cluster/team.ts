import * as k8s from "@pulumi/kubernetes";
import type { TeamConfig } from "../config";
import { allowApiServer, allowWithinNamespace } from "../lib/clusterNetwork";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { securedNamespace } from "./securedNamespace";

/** What other services need of a team: where its Spark applications run, and as whom. */
export interface Tenant {
    name: string;
    namespace: string;
    serviceAccount: string;
}

export interface TeamArgs {
    team: TeamConfig;
    egress: "restricted" | "open";
}

/** What a Spark driver needs in its namespace: its executors, their services and config, logs, its own apps. */
export const SPARK_ROLE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    {
        apiGroups: [""],
        resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
    },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list", "watch"] },
    {
        apiGroups: ["sparkoperator.k8s.io"],
        resources: ["sparkapplications", "sparkapplications/status", "scheduledsparkapplications"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
];

/** Per container when a pod sets no resources: small, so such pods fit the quota (which requires limits). */
export const CONTAINER_DEFAULTS = {
    default: { cpu: "500m", memory: "512Mi" },
    defaultRequest: { cpu: "100m", memory: "256Mi" },
};

/** Spark labels its pods with their role; drivers create executors through the API server. */
const SPARK_PODS = { matchExpressions: [{ key: "spark-role", operator: "Exists" }] };
const DRIVERS = { matchLabels: { "spark-role": "driver" } };

/**
 * A team's tenant: its namespace (PSA `restricted`, default-deny policies), a service account with the
 * Role Spark applications need, a ResourceQuota and a LimitRange.
 */
export class Team extends LakehouseComponent {
    readonly tenant: Tenant;
    readonly namespaceResource: k8s.core.v1.Namespace;

    constructor(name: string, args: TeamArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:cluster:Team", name, opts);
        const ns = args.team.name;
        const serviceAccount = "spark";
        this.tenant = { name: args.team.name, namespace: ns, serviceAccount };
        this.namespaceResource = securedNamespace(
            `${name}-namespace`,
            { name: ns, level: "restricted", egress: args.egress, labels: { "lakehouse.io/team": args.team.name } },
            this.child(),
        );
        const inNs = this.child({ dependsOn: [this.namespaceResource] });
        const labels = { "app.kubernetes.io/part-of": "lakehouse", "lakehouse.io/team": args.team.name };

        // Driver and executors talk on ports Spark picks at run time; the driver creates executors via the API.
        allowWithinNamespace(name, ns, SPARK_PODS, inNs);
        allowApiServer(name, ns, DRIVERS, inNs);

        new k8s.core.v1.ServiceAccount(`${name}-spark`, { metadata: { name: serviceAccount, namespace: ns, labels } }, inNs);
        new k8s.rbac.v1.Role(`${name}-spark`, { metadata: { name: "spark-app", namespace: ns, labels }, rules: SPARK_ROLE_RULES }, inNs);
        new k8s.rbac.v1.RoleBinding(
            `${name}-spark`,
            {
                metadata: { name: "spark-app", namespace: ns, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "spark-app" },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: ns }],
            },
            inNs,
        );
        const q = args.team.quota;
        new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            {
                metadata: { name: "team-quota", namespace: ns, labels },
                spec: {
                    hard: {
                        "requests.cpu": q.requests.cpu,
                        "requests.memory": q.requests.memory,
                        "limits.cpu": q.limits.cpu,
                        "limits.memory": q.limits.memory,
                        pods: String(q.pods),
                    },
                },
            },
            inNs,
        );
        new k8s.core.v1.LimitRange(
            `${name}-limits`,
            { metadata: { name: "container-defaults", namespace: ns, labels }, spec: { limits: [{ type: "Container", ...CONTAINER_DEFAULTS }] } },
            inNs,
        );

        this.registerOutputs({ tenant: this.tenant });
    }
}
