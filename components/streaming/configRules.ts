// Cross-key rules of the streaming services' config, run by config.ts's checkServices before any resource
// exists. Kept apart from config.ts so the streaming rules read as one piece.

import type { ServicesConfig } from "../config";
import { Problems } from "../lib/fields";
import { parseBytes, parseSparkSize } from "../lib/quantity";

const MiB = 2 ** 20;
/** JVM memory outside the heap (metaspace, threads, buffers) a container must leave room for. */
export const JVM_OVERHEAD_BYTES = 256 * MiB;
/** Cassandra uses a lot of memory off the heap (memtables, bloom filters, the driver's netty buffers). */
export const CASSANDRA_OFF_HEAP_BYTES = 512 * MiB;
/** A PySpark driver's Python process and JVM overhead beside the driver heap, in the submit pod. */
export const DRIVER_OVERHEAD_BYTES = 384 * MiB;

export const javaBytes = (size: string): number => parseSparkSize(size.toLowerCase()) ?? 0;

/** The Spark applications the pipeline runs: bronze, silver, gold, and the Cassandra sink when Cassandra is on. */
export function pipelineJobCount(s: Pick<ServicesConfig, "cassandra">): number {
    return s.cassandra.enabled ? 4 : 3;
}

function fits(key: string, heap: string, overhead: number, limitKey: string, limit: string, p: Problems): void {
    if (javaBytes(heap) + overhead > (parseBytes(limit) ?? 0)) {
        p.add(key, heap, `it must fit in lakehouse:${limitKey} (${limit}) with ${overhead / MiB}Mi to spare for memory outside the heap`);
    }
}

export function checkStreaming(s: ServicesConfig, p: Problems): void {
    const { kafka, producer, pipeline, cassandra, spark } = s;
    if (kafka.enabled) {
        if (kafka.brokers % 2 === 0) {
            p.add("services.kafka.brokers", kafka.brokers, "the KRaft controller quorum needs an odd number of nodes (1, 3, 5, ...): an even one tolerates no more failures than one fewer");
        }
        kafka.topics.forEach((t, i) => {
            if (t.replicationFactor > kafka.brokers) {
                p.add(`services.kafka.topics[${i}].replicationFactor`, t.replicationFactor, `topic ${t.name} cannot have more replicas than brokers (lakehouse:services.kafka.brokers is ${kafka.brokers})`);
            }
            if (kafka.minInSyncReplicas > t.replicationFactor) {
                p.add(
                    "services.kafka.minInSyncReplicas",
                    kafka.minInSyncReplicas,
                    `topic ${t.name} has replicationFactor ${t.replicationFactor}, so acks=all writes would always fail; use at most ${t.replicationFactor}`,
                );
            }
        });
        const names = kafka.topics.map((t) => t.name);
        if (new Set(names).size !== names.length) p.add("services.kafka.topics", names, "expected each topic name once");
        fits("services.kafka.heap", kafka.heap, JVM_OVERHEAD_BYTES, "services.kafka.resources.limits.memory", kafka.resources.limits.memory, p);
        const topicUse = [
            { key: "services.producer.topic", on: producer.enabled, topic: producer.topic },
            { key: "services.pipeline.topic", on: pipeline.enabled, topic: pipeline.topic },
        ];
        for (const u of topicUse) {
            if (u.on && !names.includes(u.topic)) p.add(u.key, u.topic, `expected one of the topics in lakehouse:services.kafka.topics (${names.join(", ")})`);
        }
    }
    // Under the operator the executors are pods of their own in a team namespace, not slots on the workers.
    if (pipeline.enabled && spark.enabled && pipeline.launcher === "standalone") {
        const needed = pipelineJobCount(s) * pipeline.coresPerJob;
        const offered = spark.workers * spark.workerCores;
        if (needed > offered) {
            p.add(
                "services.pipeline.coresPerJob",
                pipeline.coresPerJob,
                `the ${pipelineJobCount(s)} streaming jobs need ${needed} cores at once but the Spark workers offer ${offered} ` +
                    "(lakehouse:services.spark.workers × workerCores); raise those or lower coresPerJob",
            );
        }
        if (javaBytes(pipeline.executorMemory) > (parseSparkSize(spark.workerMemory) ?? 0)) {
            p.add("services.pipeline.executorMemory", pipeline.executorMemory, `an executor must fit in a worker's lakehouse:services.spark.workerMemory (${spark.workerMemory})`);
        }
    }
    if (pipeline.enabled && spark.enabled) {
        fits("services.pipeline.driverMemory", pipeline.driverMemory, DRIVER_OVERHEAD_BYTES, "services.pipeline.resources.limits.memory", pipeline.resources.limits.memory, p);
    }
    if (cassandra.enabled) {
        if (javaBytes(cassandra.heapNewSize) >= javaBytes(cassandra.maxHeapSize)) {
            p.add("services.cassandra.heapNewSize", cassandra.heapNewSize, `the young generation must be smaller than lakehouse:services.cassandra.maxHeapSize (${cassandra.maxHeapSize})`);
        }
        fits("services.cassandra.maxHeapSize", cassandra.maxHeapSize, CASSANDRA_OFF_HEAP_BYTES, "services.cassandra.resources.limits.memory", cassandra.resources.limits.memory, p);
    }
}
