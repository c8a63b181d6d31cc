import { catalog, imageRef, s3aPackages } from "../catalog";
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

/**
 * An Ivy module file asking for S3A's packages without the excluded ones, what spark.jars.packages and
 * spark.jars.excludes resolve for a session: a daemon doesn't resolve packages, so the History Server's
 * init container runs the Ivy that ships in Spark's jars (ivy-2.5.3 in Spark 4.0.1) on this file. Its
 * default settings resolve from Maven Central, as Spark's own resolution does.
 */
export function s3aIvyModule(packages: readonly string[] = s3aPackages.packages, excludes: readonly string[] = s3aPackages.excludes): string {
    const exclusions = excludes.map((e) => {
        const [org, module] = e.split(":");
        return `    <exclude org="${org}" module="${module}"/>`;
    });
    const deps = packages.map((p) => {
        const [org, name, rev] = p.split(":");
        return `    <dependency org="${org}" name="${name}" rev="${rev}" conf="default->default(runtime)"/>`;
    });
    return ['<ivy-module version="2.0">', '  <info organisation="lakehouse" module="s3a-jars"/>', "  <dependencies>", ...deps, ...exclusions, "  </dependencies>", "</ivy-module>", ""].join("\n");
}

/** Where Spark's image keeps its jars, the Ivy jar among them. */
const SPARK_JARS = `${SPARK_HOME}/jars`;

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
                    "s3a-ivy.xml": s3aIvyModule(),
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
                        // S3A's jars (about 12 MB, not the SDK bundle), resolved once per pod start from Maven
                        // Central by Spark's own Ivy, like spark.jars.packages does for sessions.
                        name: "fetch-s3a-jars",
                        image: settings.image ?? imageRef(catalog.spark),
                        command: [
                            "java", "-Xmx128m", "-cp", `${SPARK_JARS}/*`, "org.apache.ivy.Main",
                            "-ivy", "/conf/s3a-ivy.xml", "-confs", "default", "-types", "jar", "-cache", "/tmp/ivy",
                            "-retrieve", "/jars/[organisation]_[artifact]-[revision].[ext]",
                        ],
                        resources: { requests: { cpu: "10m", memory: "128Mi" }, limits: { memory: "384Mi" } },
                        volumeMounts: [
                            { name: "conf", mountPath: "/conf/s3a-ivy.xml", subPath: "s3a-ivy.xml" },
                            { name: "jars", mountPath: "/jars" },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
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
