import * as fs from "fs";
import * as path from "path";
import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, ProducerConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { EnvMap } from "../lib/kx";
import { InitContainer, MainContainer, Workload, oneShotJob } from "../lib/workload";
import type { KafkaAccess } from "./kafka";
import { JOBS_DIR } from "./pipeline";

export interface VehicleProducerArgs {
    namespace: string;
    settings: ProducerConfig;
    platform: PlatformConfig;
    kafka: KafkaAccess;
}

const PIPE = "/pipe/events";
const KAFKA_HOME = "/opt/kafka";

/** Env of producer.py: what to send and where (see jobs/producer.py). */
export function producerEnv(settings: ProducerConfig): Record<string, string> {
    return {
        // A continuous producer runs forever (0); a one-shot one sends `count` and finishes.
        EVENT_COUNT: settings.mode === "deployment" ? "0" : String(settings.count),
        EVENTS_PER_SECOND: String(settings.eventsPerSecond),
        INVALID_FRACTION: String(settings.invalidFraction),
        OUTPUT: PIPE,
    };
}

// The Kafka image has the client but no Python; the Spark image has Python. The two containers meet at a
// named pipe: producer.py writes events to it at the configured rate, kafka-console-producer sends each line
// as a record and exits when the writer closes the pipe.
const sendScript = `
until [ -p ${PIPE} ]; do sleep 1; done
exec ${KAFKA_HOME}/bin/kafka-console-producer.sh --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \\
  --producer-property acks=all < ${PIPE}
`.trim();

/** The vehicle-events producer: a one-shot Job (default) or a continuous Deployment. */
export class VehicleProducer extends LakehouseComponent {
    constructor(name: string, args: VehicleProducerArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:VehicleProducer", name, opts);
        const { settings, namespace, kafka } = args;
        const code = configFiles(
            `${name}-code`,
            { name: `${name}-code`, namespace, partOf: "producer", data: { "producer.py": fs.readFileSync(path.join(JOBS_DIR, "producer.py"), "utf8") } },
            this.child(),
        );
        // Both containers run as the Kafka image's user: Python in the Spark image runs as any user.
        const runAs = { uid: catalog.kafka.uid, gid: catalog.kafka.gid };
        const mounts = [{ name: "pipe", mountPath: "/pipe" }];
        const containers: InitContainer[] = [
            {
                name: "events",
                image: imageRef(catalog.spark),
                command: ["python3", "/code/producer.py"],
                env: producerEnv(settings),
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                volumeMounts: [...mounts, { name: "code", mountPath: "/code" }],
            },
            {
                name: "send",
                image: imageRef(catalog.kafka),
                command: ["/bin/sh", "-ec", sendScript],
                // The client's scripts write logs under the Kafka home unless told otherwise.
                env: { BOOTSTRAP: kafka.bootstrap, TOPIC: settings.topic, LOG_DIR: "/tmp", KAFKA_HEAP_OPTS: "-Xmx128m" } as EnvMap,
                resources: settings.resources,
                volumeMounts: mounts,
            },
        ];
        const volumes = [
            { name: "pipe", emptyDir: {} },
            { name: "code", configMap: { name: code.metadata.name } },
        ];
        const common = { namespace, name, partOf: "producer", runAs, volumes, connectsTo: [kafka.link] };
        if (settings.mode === "job") {
            oneShotJob(name, { ...common, containers }, this.child({ dependsOn: [kafka.topicsReady] }));
        } else {
            // Both sides are alive while the pipe is there; nothing listens on a port.
            const alive = { exec: { command: ["/bin/sh", "-c", `test -p ${PIPE}`] }, initialDelaySeconds: 10, periodSeconds: 20 };
            const main: MainContainer[] = containers.map((c) => ({ ...c, ports: {}, readinessProbe: alive, livenessProbe: alive }));
            new Workload(name, { ...common, kind: "Deployment", replicas: 1, containers: main, platform: args.platform }, this.child({ dependsOn: [kafka.topicsReady] }));
        }
        this.registerOutputs({});
    }
}
