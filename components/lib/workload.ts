// The shapes every service is built from: a long-running workload (Deployment or StatefulSet) with its
// Service, and a one-shot Job. Both apply the platform's safe defaults, so a service cannot forget them:
// non-root with the image's own UID, no privilege escalation, all capabilities dropped, seccomp
// RuntimeDefault, requests and a memory limit, probes on long-running containers, no service links.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ExposureType, PlatformConfig, Resources } from "../config";
import { EndpointSpec } from "./endpoint";
import { Container, EnvMap, buildPodSpec } from "./kx";
import { MetricsTarget } from "./metrics";
import { Link, PEER_GROUP_LABEL, allowExternal, allowLinks, allowPeers, selectorFor } from "./network";

export type { Link } from "./network";

type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Who the pod runs as: the image's own unprivileged user. */
export interface RunAs {
    uid: number;
    gid: number;
}

interface ContainerBase {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env?: EnvMap;
    resources: Resources;
    volumeMounts?: VolumeMount[];
}

/** A long-running container: it must say how to tell it is ready and alive. */
export interface MainContainer extends ContainerBase {
    /** Named container ports; Service ports target them by name. */
    ports: Record<string, number>;
    readinessProbe: Probe;
    livenessProbe: Probe;
}

export type InitContainer = ContainerBase;

export interface ServicePort {
    /** Name of the Service port, and of the container port it targets unless `targetPort` says otherwise. */
    name: string;
    port: number;
    /**
     * The container port's name when it differs from `name`: lets an exposed Service offer a port that
     * doesn't clash on the shared LoadBalancer address (e.g. 8082 -> a container's 8080).
     */
    targetPort?: string;
    /**
     * Cluster-internal even when the Service is exposed (RPC, blob and metrics ports): the port is left out
     * of the policy that opens exposed ports to any source, so only declared links reach it.
     */
    internal?: boolean;
}

// A client declares every connection it makes as a Link (`connectsTo`), so the wiring is data: it is
// written on the pod template and network policies are generated from it.
export const CONNECTS_TO_ANNOTATION = "lakehouse.io/connects-to";

export function linkAnnotation(links: Link[] | undefined): Record<string, string> {
    if (!links || links.length === 0) return {};
    return { [CONNECTS_TO_ANNOTATION]: links.map((l) => `${l.namespace}/${l.server}:${l.portName}`).join(",") };
}

export interface WorkloadArgs {
    kind: "Deployment" | "StatefulSet";
    namespace: string;
    /** Kubernetes name of the workload and its Service; also its DNS name. */
    name: string;
    /** The platform service it belongs to (objectStore, spark, ...), as a label. */
    partOf: string;
    replicas: number;
    runAs: RunAs;
    containers: MainContainer[];
    initContainers?: InitContainer[];
    volumes?: Volume[];
    /** A volume per pod (StatefulSet only), mounted by the containers that name it. */
    volumeClaim?: { name: string; size: string };
    /** Ports the Service offers; omit for a workload nobody connects to. */
    servicePorts?: ServicePort[];
    /** Whether the Service is reachable from outside the cluster (the configured exposure type). */
    exposed?: boolean;
    /** Annotations on the pod template, e.g. a checksum that rolls pods when their config changes. */
    podAnnotations?: Record<string, pulumi.Input<string>>;
    /** Every server port this workload's pods connect to. */
    connectsTo?: Link[];
    /** Where each pod serves Prometheus metrics: a Service port name, a path, and headers it wants. */
    metrics?: { port: string; path: string; headers?: Record<string, string> };
    /**
     * Pods that talk to each other on ports chosen at run time (Spark's driver, master and executors)
     * share a peer group, which may reach its members on any port.
     */
    peerGroup?: string;
    /**
     * A ServiceAccount whose token the pods need, for the few workloads that call the Kubernetes API
     * (Airflow running SparkApplications). Unset: no account token is mounted.
     */
    serviceAccountName?: string;
    /** Seconds between the stop signal and SIGKILL; Kubernetes' default (30) when unset. */
    terminationGracePeriodSeconds?: number;
    platform: Pick<PlatformConfig, "exposure" | "storageClass" | "protectData" | "paused" | "metallb">;
}

export function labelsFor(name: string, partOf: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "lakehouse",
        "app.kubernetes.io/component": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

export function containerSecurity(runAs: RunAs): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.uid,
        runAsGroup: runAs.gid,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

function toResources(r: Resources): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: r.requests.cpu, memory: r.requests.memory },
        limits: r.limits.cpu ? { cpu: r.limits.cpu, memory: r.limits.memory } : { memory: r.limits.memory },
    };
}

function container(c: ContainerBase & Partial<MainContainer>, runAs: RunAs): Container {
    return {
        name: c.name,
        image: c.image,
        imagePullPolicy: "IfNotPresent",
        command: c.command,
        args: c.args,
        env: c.env ?? {},
        ports: c.ports ?? {},
        resources: toResources(c.resources),
        readinessProbe: c.readinessProbe,
        livenessProbe: c.livenessProbe,
        volumeMounts: c.volumeMounts ?? [],
        securityContext: containerSecurity(runAs),
    };
}

/** A pod spec with the safe defaults; shared by workloads and jobs. */
/** Prefer replicas on different nodes: losing a node then loses one replica. Preferred, not required, so a
 * single-node laptop cluster still schedules them all. */
function spreadAcrossNodes(selector: Record<string, string>): k8s.types.input.core.v1.Affinity {
    return {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } },
            ],
        },
    };
}

export function safePodSpec(args: {
    runAs: RunAs;
    affinity?: k8s.types.input.core.v1.Affinity;
    containers: (ContainerBase & Partial<MainContainer>)[];
    initContainers?: InitContainer[];
    volumes?: Volume[];
    restartPolicy?: "Always" | "OnFailure" | "Never";
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
}): pulumi.Output<k8s.types.input.core.v1.PodSpec> {
    return buildPodSpec({
        terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
        // Service links inject KAFKA_PORT-style variables that break Spark and Confluent images.
        enableServiceLinks: false,
        // Only a workload given a service account talks to the Kubernetes API; elsewhere a mounted token
        // would only be something to steal.
        automountServiceAccountToken: args.serviceAccountName !== undefined,
        serviceAccountName: args.serviceAccountName,
        restartPolicy: args.restartPolicy,
        affinity: args.affinity,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: args.runAs.uid,
            runAsGroup: args.runAs.gid,
            fsGroup: args.runAs.gid,
            seccompProfile: { type: "RuntimeDefault" },
        },
        initContainers: (args.initContainers ?? []).map((c) => container(c, args.runAs)),
        containers: args.containers.map((c) => container(c, args.runAs)),
        volumes: args.volumes ?? [],
    });
}

export function httpProbe(port: string, path: string, periodSeconds = 10): Probe {
    return { httpGet: { port, path }, initialDelaySeconds: 5, periodSeconds, timeoutSeconds: 5, failureThreshold: 6 };
}

export function tcpProbe(port: string, periodSeconds = 10): Probe {
    return { tcpSocket: { port }, initialDelaySeconds: 5, periodSeconds, timeoutSeconds: 5, failureThreshold: 6 };
}

/** Annotations that make a LoadBalancer Service behave on a laptop. */
export function exposureAnnotations(
    exposure: PlatformConfig["exposure"],
    type: ExposureType | "ClusterIP",
    // MetalLB deployed by the platform assigns addresses too, so then Pulumi waits for them.
    addressesAssigned = exposure.loadBalancerController,
): Record<string, string> {
    if (type !== "LoadBalancer") return {};
    return {
        // MetalLB gives every exposed Service the same address when their ports don't clash (the new key and
        // the one older MetalLB releases read).
        "metallb.io/allow-shared-ip": exposure.sharedIpKey,
        "metallb.universe.tf/allow-shared-ip": exposure.sharedIpKey,
        // Without a controller no address ever comes, and Pulumi would wait ten minutes for one.
        ...(addressesAssigned ? {} : { "pulumi.com/skipAwait": "true" }),
    };
}

/** A Deployment or StatefulSet with its Service, built with the safe defaults. */
export class Workload {
    readonly name: string;
    readonly namespace: string;
    readonly workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet;
    readonly service?: k8s.core.v1.Service;
    readonly serviceType: ExposureType;
    /** Cluster-internal DNS name of the Service. */
    readonly host: string;
    private readonly ports: ServicePort[];
    /** Where Prometheus scrapes this workload, when it serves metrics. */
    readonly metrics?: MetricsTarget;
    private readonly containerPorts: Record<string, number>;

    constructor(resourceName: string, args: WorkloadArgs, opts: pulumi.CustomResourceOptions) {
        this.name = args.name;
        this.namespace = args.namespace;
        this.host = `${args.name}.${args.namespace}.svc`;
        this.ports = args.servicePorts ?? [];
        this.containerPorts = Object.assign({}, ...args.containers.map((c) => c.ports));
        this.serviceType = args.exposed ? args.platform.exposure.type : "ClusterIP";
        const labels = labelsFor(args.name, args.partOf);
        const podLabels = args.peerGroup ? { ...labels, [PEER_GROUP_LABEL]: args.peerGroup } : labels;
        const selector = selectorFor(args.name);
        const metadata = { name: args.name, namespace: args.namespace, labels };

        if (args.volumeClaim && args.kind !== "StatefulSet") {
            throw new pulumi.ResourceError(`${args.name}: a volume claim needs a StatefulSet`, opts.parent);
        }
        const multi = args.replicas > 1;
        // Paused (config `paused`): no pods, but the objects and their volumes stay, so resuming is one update.
        const replicas = args.platform.paused ? 0 : args.replicas;
        const template = {
            metadata: { labels: podLabels, annotations: { ...args.podAnnotations, ...linkAnnotation(args.connectsTo) } },
            spec: safePodSpec({ ...args, affinity: multi ? spreadAcrossNodes(selector) : undefined }),
        };
        if (multi) {
            // Node drains take replicas down one at a time, so the service keeps serving.
            new k8s.policy.v1.PodDisruptionBudget(
                resourceName,
                { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                opts,
            );
        }

        const addressesAssigned = args.platform.exposure.loadBalancerController || args.platform.metallb.deployed;
        if (this.ports.length > 0) {
            this.service = new k8s.core.v1.Service(
                resourceName,
                {
                    metadata: { ...metadata, annotations: exposureAnnotations(args.platform.exposure, this.serviceType, addressesAssigned) },
                    spec: {
                        type: this.serviceType,
                        selector,
                        ports: this.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.name, protocol: "TCP" })),
                    },
                },
                opts,
            );
        }

        allowLinks(resourceName, this, args.connectsTo ?? [], opts);
        if (this.serviceType !== "ClusterIP") {
            allowExternal(resourceName, this, this.ports.filter((p) => !p.internal).map((p) => p.targetPort ?? p.name), opts);
        }
        if (args.peerGroup) allowPeers(resourceName, this, args.peerGroup, opts);

        // A StatefulSet needs a governing headless Service for its pods' stable DNS names (kubernetesx's
        // StatefulSet names one it never creates); metrics scraping finds each pod through one too.
        const headlessName = `${args.name}-headless`;
        if (args.kind === "StatefulSet" || args.metrics) {
            new k8s.core.v1.Service(
                `${resourceName}-headless`,
                {
                    metadata: { ...metadata, name: headlessName },
                    spec: {
                        clusterIP: "None",
                        publishNotReadyAddresses: true,
                        selector,
                        ports: (this.ports.length > 0 ? this.ports : firstPorts(args.containers)).map((p) => ({
                            name: p.name,
                            port: p.port,
                            targetPort: p.targetPort ?? p.name,
                        })),
                    },
                },
                opts,
            );
        }
        this.metrics = args.metrics && {
            job: args.name,
            namespace: args.namespace,
            headlessService: headlessName,
            port: this.link(args.metrics.port).containerPortNumber,
            path: args.metrics.path,
            ...(args.metrics.headers ? { headers: args.metrics.headers } : {}),
            link: this.link(args.metrics.port),
        };

        if (args.kind === "Deployment") {
            this.workload = new k8s.apps.v1.Deployment(
                resourceName,
                {
                    metadata,
                    spec: {
                        replicas,
                        selector: { matchLabels: selector },
                        // One pod at a time: single-instance services hold volumes or ports that two pods can't share.
                        strategy: args.replicas <= 1 ? { type: "Recreate" } : undefined,
                        template,
                    },
                },
                opts,
            );
        } else {
            const retain = args.platform.protectData ? "Retain" : "Delete";
            // Pausing scales to zero; a claim deleted on scale-down would take the data with it.
            this.workload = new k8s.apps.v1.StatefulSet(
                resourceName,
                {
                    metadata,
                    spec: {
                        replicas,
                        // The literal name, not the Service's output: waiting on a Service that waits on these
                        // very pods would deadlock (pulumi-kubernetes#1974).
                        serviceName: headlessName,
                        selector: { matchLabels: selector },
                        template,
                        volumeClaimTemplates: args.volumeClaim
                            ? [
                                  {
                                      metadata: { name: args.volumeClaim.name, labels },
                                      spec: {
                                          accessModes: ["ReadWriteOnce"],
                                          storageClassName: args.platform.storageClass,
                                          resources: { requests: { storage: args.volumeClaim.size } },
                                      },
                                  },
                              ]
                            : undefined,
                        persistentVolumeClaimRetentionPolicy: args.volumeClaim
                            ? { whenDeleted: retain, whenScaled: args.platform.paused ? "Retain" : retain }
                            : undefined,
                    },
                },
                { ...opts, protect: args.platform.protectData && !!args.volumeClaim },
            );
        }
    }

    /** The link a client declares (in its `connectsTo`) to use one of this workload's ports. */
    link(portName: string): Link {
        const p = this.servicePort(portName);
        const containerPort = p.targetPort ?? p.name;
        const containerPortNumber = this.containerPorts[containerPort];
        return { namespace: this.namespace, server: this.name, portName, port: p.port, containerPort, containerPortNumber };
    }

    /** host:port of a Service port, for clients inside the cluster. */
    address(portName: string): string {
        return `${this.host}:${this.port(portName)}`;
    }

    port(portName: string): number {
        return this.servicePort(portName).port;
    }

    private servicePort(portName: string): ServicePort {
        const p = this.ports.find((x) => x.name === portName);
        if (!p) throw new Error(`${this.name} has no Service port named ${portName}`);
        return p;
    }

    /**
     * An endpoint record for one Service port. A web UI names its `ingressHost` label, under which it is
     * published when Ingress is on.
     */
    endpoint(portName: string, scheme: string, description: string, path = "", ingressHost?: string): EndpointSpec {
        const p = this.servicePort(portName);
        const svc = this.service!;
        return {
            description,
            namespace: this.namespace,
            serviceName: this.name,
            port: p.port,
            url: `${scheme}://${this.host}:${p.port}${path}`,
            exposure: this.serviceType,
            external: externalAddress(svc, this.serviceType, portName, scheme, path),
            ingressHost,
            path,
            containerPort: p.targetPort ?? p.name,
        };
    }
}

function firstPorts(containers: MainContainer[]): ServicePort[] {
    return Object.entries(containers[0].ports).map(([name, port]) => ({ name, port }));
}

/** Where a user outside the cluster reaches a port: LoadBalancer address from status, or the node port. */
function externalAddress(
    svc: k8s.core.v1.Service,
    type: ExposureType,
    portName: string,
    scheme: string,
    path: string,
): pulumi.Output<string | undefined> {
    if (type === "LoadBalancer") {
        return pulumi.all([svc.status, svc.spec]).apply(([status, spec]) => {
            const ingress = status?.loadBalancer?.ingress?.[0];
            const host = ingress?.ip || ingress?.hostname;
            const port = spec.ports.find((p) => p.name === portName)?.port;
            return host && port ? `${scheme}://${host}:${port}${path}` : undefined;
        });
    }
    if (type === "NodePort") {
        return svc.spec.apply((spec) => {
            const nodePort = spec.ports.find((p) => p.name === portName)?.nodePort;
            return nodePort ? `${scheme}://<any-node-ip>:${nodePort}${path}` : undefined;
        });
    }
    return pulumi.output(undefined);
}

/** A one-shot Job with the same safe defaults (no probes: it runs to completion). */
export function oneShotJob(
    resourceName: string,
    args: {
        namespace: string;
        name: string;
        partOf: string;
        runAs: RunAs;
        containers: InitContainer[];
        initContainers?: InitContainer[];
        volumes?: Volume[];
        backoffLimit?: number;
        connectsTo?: Link[];
    },
    opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
    const labels = labelsFor(args.name, args.partOf);
    allowLinks(resourceName, args, args.connectsTo ?? [], opts);
    return new k8s.batch.v1.Job(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, labels },
            spec: {
                backoffLimit: args.backoffLimit ?? 10,
                template: {
                    metadata: { labels, annotations: linkAnnotation(args.connectsTo) },
                    spec: safePodSpec({ ...args, restartPolicy: "OnFailure" }),
                },
            },
        },
        opts,
    );
}
