import { catalog, imageRef } from "../catalog";
import type { JupyterConfig, PlatformConfig, SparkConfig } from "../config";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { Workload, httpProbe } from "../lib/workload";
import type { S3Access } from "../storage/objectStore";
import type { SparkAccess } from "./spark";
import { renderDefaults } from "./spark";
import { sampleNotebook } from "./sampleNotebook";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";

export interface JupyterArgs {
    namespace: string;
    settings: JupyterConfig;
    platform: PlatformConfig;
    spark: SparkAccess;
    tableFormat: SparkConfig["tableFormat"];
    s3: S3Access;
}

const HTTP_PORT = 8888;
// Executors connect back to the notebook's driver; fixed ports keep that path predictable (and allowable
// by a NetworkPolicy) instead of random.
export const DRIVER_PORT = 7078;
export const BLOCK_MANAGER_PORT = 7079;
const SPARK_HOME = "/usr/local/spark";
const HOME = "/home/jovyan";

/** A Jupyter notebook server whose PySpark sessions run on the Spark cluster. */
export class Jupyter extends LakehouseComponent {
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: JupyterArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:compute:Jupyter", name, opts);
        const { settings, namespace, spark } = args;
        const pin = catalog.jupyter;

        this.credential = new Credential(
            `${name}-token`,
            { namespace, secretName: `${name}-token`, partOf: "jupyter", fields: { token: { generate: 48 } } },
            this.child(),
        );

        const driverDefaults = {
            ...spark.defaults,
            "spark.driver.bindAddress": "0.0.0.0",
            "spark.driver.port": `${DRIVER_PORT}`,
            "spark.blockManager.port": `${BLOCK_MANAGER_PORT}`,
        };
        const files = configFiles(
            `${name}-files`,
            {
                name: `${name}-files`,
                namespace,
                partOf: "jupyter",
                data: {
                    "spark-defaults.conf": renderDefaults(driverDefaults),
                    "lakehouse-sample.ipynb": sampleNotebook(),
                },
            },
            this.child(),
        );

        const notebook = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "jupyter",
                replicas: settings.replicas,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumeClaim: { name: "work", size: settings.volumeSize },
                volumes: [{ name: "files", configMap: { name: files.metadata.name } }],
                initContainers: [
                    {
                        // Sessions started before the master is up fail with a confusing RPC error; wait instead.
                        name: "wait-for-spark-master",
                        image: imageRef(catalog.curl),
                        command: ["/bin/sh", "-c", 'until curl -fsS -o /dev/null "$SPARK_MASTER_UI"; do echo "waiting for $SPARK_MASTER_UI"; sleep 3; done'],
                        env: { SPARK_MASTER_UI: spark.uiUrl },
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                    },
                ],
                containers: [
                    {
                        name: "notebook",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            // Jupyter Server reads its token from here; it never appears on a command line.
                            JUPYTER_TOKEN: this.credential.ref("token"),
                            SPARK_MASTER_URL: spark.masterUrl,
                            POD_IP: { fieldRef: { fieldPath: "status.podIP" } },
                            // The driver advertises the pod IP, which executors on the workers can reach.
                            SPARK_LOCAL_IP: "$(POD_IP)",
                            LAKEHOUSE_BUCKET: args.s3.bucket,
                            LAKEHOUSE_TABLE_FORMAT: args.tableFormat,
                            ...spark.env,
                        },
                        ports: { http: HTTP_PORT, driver: DRIVER_PORT, blockmanager: BLOCK_MANAGER_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "work", mountPath: `${HOME}/work` },
                            { name: "files", mountPath: `${SPARK_HOME}/conf/spark-defaults.conf`, subPath: "spark-defaults.conf" },
                            { name: "files", mountPath: `${HOME}/samples/lakehouse-sample.ipynb`, subPath: "lakehouse-sample.ipynb" },
                        ],
                        readinessProbe: httpProbe("http", "/api"),
                        livenessProbe: httpProbe("http", "/api", 30),
                    },
                ],
                servicePorts: [{ name: "http", port: HTTP_PORT }],
                connectsTo: [spark.links.master, spark.links.ui, args.s3.link],
                // Executors connect back to the notebook's driver.
                peerGroup: spark.peerGroup,
                exposed: true,
                platform: args.platform,
            },
            this.child(),
        );

        this.endpoints = {
            ui: notebook.endpoint("http", "http", "Jupyter (token: credentials.jupyter.token)", "/lab", "jupyter"),
        };
        this.registerOutputs({});
    }
}
