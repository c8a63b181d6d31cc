import { AWS_SDK_BUNDLE_VERSION, HADOOP_VERSION, catalog, imageRef, mavenJarUrl } from "../catalog";
import type { PlatformConfig, SparkHistoryConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { EndpointSpec } from "../lib/endpoint";
import { Workload, httpProbe } from "../lib/workload";
import type { S3Access } from "../storage/objectStore";
import type { SparkAccess } from "./spark";
import { renderDefaults } from "./spark";

export interface SparkHistoryArgs {
    namespace: string;
    settings: SparkHistoryConfig;
    platform: PlatformConfig;
    spark: SparkAccess;
    s3: S3Access;
    /** The event log directory applications write to (s3a://<bucket>/<prefix>). */
    logDir: string;
}

const UI_PORT = 18080;
const SPARK_HOME = "/opt/spark";

/** The jars S3A needs on a daemon's classpath: daemons don't resolve spark.jars.packages. */
export function historyJars(): { name: string; url: string }[] {
    return [
        { name: `hadoop-aws-${HADOOP_VERSION}.jar`, url: mavenJarUrl("org.apache.hadoop", "hadoop-aws", HADOOP_VERSION) },
        { name: `bundle-${AWS_SDK_BUNDLE_VERSION}.jar`, url: mavenJarUrl("software.amazon.awssdk", "bundle", AWS_SDK_BUNDLE_VERSION) },
    ];
}

/** The Spark History Server, reading every application's event log from the object store. */
export class SparkHistory extends LakehouseComponent {
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: SparkHistoryArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:compute:SparkHistory", name, opts);
        const { settings, namespace, spark, s3 } = args;
        const conf = configFiles(
            `${name}-conf`,
            {
                name: `${name}-conf`,
                namespace,
                partOf: "sparkHistory",
                data: {
                    // The session defaults for S3A, minus the master: the server reads logs, it runs no application.
                    "spark-defaults.conf": renderDefaults({
                        ...Object.fromEntries(Object.entries(spark.defaults).filter(([k]) => k !== "spark.master")),
                        "spark.history.fs.logDirectory": args.logDir,
                        "spark.history.ui.port": `${UI_PORT}`,
                        "spark.history.fs.update.interval": "30s",
                    }),
                },
            },
            this.child(),
        );
        const jars = historyJars();
        const ui = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "sparkHistory",
                replicas: 1,
                runAs: { uid: catalog.spark.uid, gid: catalog.spark.gid },
                volumes: [
                    { name: "conf", configMap: { name: conf.metadata.name } },
                    { name: "jars", emptyDir: {} },
                    { name: "tmp", emptyDir: {} },
                ],
                initContainers: [
                    {
                        // Fetched once per pod start from Maven Central, like spark.jars.packages does for sessions.
                        name: "fetch-s3a-jars",
                        image: imageRef(catalog.curl),
                        command: ["/bin/sh", "-ec", 'for j in $JARS; do curl -fsSL --retry 5 -o "/jars/${j%%=*}" "${j#*=}"; done'],
                        env: { JARS: jars.map((j) => `${j.name}=${j.url}`).join(" ") },
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        volumeMounts: [{ name: "jars", mountPath: "/jars" }],
                    },
                ],
                containers: [
                    {
                        name: "history",
                        image: settings.image ?? imageRef(catalog.spark),
                        command: [`${SPARK_HOME}/bin/spark-class`, "org.apache.spark.deploy.history.HistoryServer"],
                        env: { SPARK_DAEMON_CLASSPATH: "/jars/*", SPARK_DAEMON_MEMORY: "384m", ...spark.env },
                        ports: { ui: UI_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "conf", mountPath: `${SPARK_HOME}/conf/spark-defaults.conf`, subPath: "spark-defaults.conf" },
                            { name: "jars", mountPath: "/jars" },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                        readinessProbe: httpProbe("ui", "/"),
                        livenessProbe: httpProbe("ui", "/", 30),
                    },
                ],
                servicePorts: [{ name: "ui", port: UI_PORT }],
                exposed: true,
                connectsTo: [s3.link],
                platform: args.platform,
            },
            this.child(),
        );
        this.endpoints = { ui: ui.endpoint("ui", "http", "Spark History Server", "", "history") };
        this.registerOutputs({});
    }
}
