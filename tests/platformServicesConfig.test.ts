import * as assert from "assert";
import { parseConfig } from "../components/config";
import { problemsOf } from "./configProblems";
import { lastRegistered, loadProgram, withOverrides } from "./harness";

const on = { enabled: true };

/** Each bad platform-service config and what its message must say; dev is the base, platform services off. */
const cases: { what: string; stack?: string; services: Record<string, unknown>; expect: RegExp }[] = [
    {
        what: "Nessie without PostgreSQL",
        services: { nessie: on },
        expect: /lakehouse:services\.nessie\.enabled: true needs lakehouse:services\.postgres\.enabled: true \(Nessie keeps its version store \(JDBC2\) in PostgreSQL\); enable postgres or disable nessie/,
    },
    {
        what: "Nessie without the object store",
        services: { nessie: on, postgres: on, objectStore: { enabled: false }, spark: { enabled: false }, jupyter: { enabled: false }, sparkHistory: { enabled: false } },
        expect: /lakehouse:services\.nessie\.enabled: true needs lakehouse:services\.objectStore\.enabled: true .*enable objectStore or disable nessie/,
    },
    {
        what: "Trino without Nessie",
        services: { trino: on },
        expect: /lakehouse:services\.trino\.enabled: true needs lakehouse:services\.nessie\.enabled: true .*enable nessie or disable trino/,
    },
    {
        what: "Trino without the object store",
        services: { trino: on, nessie: on, postgres: on, objectStore: { enabled: false }, spark: { enabled: false }, jupyter: { enabled: false }, sparkHistory: { enabled: false } },
        expect: /lakehouse:services\.trino\.enabled: true needs lakehouse:services\.objectStore\.enabled: true .*enable objectStore or disable trino/,
    },
    {
        what: "Flink without the object store",
        services: { flink: on, objectStore: { enabled: false }, spark: { enabled: false }, jupyter: { enabled: false }, sparkHistory: { enabled: false } },
        expect: /lakehouse:services\.flink\.enabled: true needs lakehouse:services\.objectStore\.enabled: true .*enable objectStore or disable flink/,
    },
    {
        what: "Airflow without PostgreSQL",
        services: { airflow: on },
        expect: /lakehouse:services\.airflow\.enabled: true needs lakehouse:services\.postgres\.enabled: true .*enable postgres or disable airflow/,
    },
    {
        what: "Airflow on Celery without Redis (prod)",
        stack: "prod",
        services: { redis: { enabled: false }, superset: { enabled: false } },
        expect: /lakehouse:services\.airflow\.enabled: true needs lakehouse:services\.redis\.enabled: true \(the CeleryExecutor queues tasks on Redis\); enable redis or disable airflow/,
    },
    {
        what: "Superset without PostgreSQL",
        services: { superset: on, redis: on },
        expect: /lakehouse:services\.superset\.enabled: true needs lakehouse:services\.postgres\.enabled: true .*enable postgres or disable superset/,
    },
    {
        what: "Superset without Redis",
        services: { superset: on, postgres: on },
        expect: /lakehouse:services\.superset\.enabled: true needs lakehouse:services\.redis\.enabled: true \(Superset caches on Redis\); enable redis or disable superset/,
    },
    {
        what: "Trino query memory beyond the heap",
        services: { postgres: on, nessie: on, trino: { enabled: true, queryMaxMemoryPerNode: "1Gi" } },
        expect: /lakehouse:services\.trino\.queryMaxMemoryPerNode: "1Gi" is not valid; it must fit in 806Mi: 70% of the JVM heap, which is 75% of lakehouse:services\.trino\.resources\.limits\.memory \(1536Mi\)/,
    },
    {
        what: "Trino cluster query memory below the per-node figure",
        services: { postgres: on, nessie: on, trino: { enabled: true, queryMaxMemory: "256Mi" } },
        expect: /lakehouse:services\.trino\.queryMaxMemory: "256Mi" is not valid; must be at least lakehouse:services\.trino\.queryMaxMemoryPerNode \(512Mi\)/,
    },
    {
        what: "Flink with no TaskManager",
        services: { flink: { enabled: true, taskManagers: 0 } },
        expect: /lakehouse:services\.flink\.taskManagers: 0 is not valid; Flink needs at least 1 TaskManager/,
    },
    {
        what: "Flink with too little process memory",
        services: { flink: { enabled: true, taskManagerResources: { requests: { memory: "512Mi" }, limits: { memory: "768Mi" } } } },
        expect: /lakehouse:services\.flink\.taskManagerResources\.limits\.memory: "768Mi" is not valid; Flink's process memory is this limit and needs at least 1Gi/,
    },
    {
        what: "Flink with 0 slots",
        services: { flink: { enabled: true, slots: 0 } },
        expect: /lakehouse:services\.flink\.slots: 0 is not valid; expected a whole number from 1 to 64/,
    },
    {
        what: "an unknown Airflow executor",
        services: { postgres: on, airflow: { enabled: true, executor: "KubernetesExecutor" } },
        expect: /lakehouse:services\.airflow\.executor: "KubernetesExecutor" is not valid; allowed: LocalExecutor \| CeleryExecutor/,
    },
    {
        what: "Celery with no worker",
        services: { postgres: on, redis: on, airflow: { enabled: true, executor: "CeleryExecutor", workers: 0 } },
        expect: /lakehouse:services\.airflow\.workers: 0 is not valid; the CeleryExecutor needs at least 1 worker/,
    },
    {
        what: "Celery workers with the LocalExecutor",
        services: { postgres: on, airflow: { enabled: true, workers: 2 } },
        expect: /lakehouse:services\.airflow\.workers: 2 is not valid; workers are Celery workers/,
    },
    {
        what: "the medallion DAG with the standalone launcher",
        services: { postgres: on, airflow: { enabled: true, medallionDag: true }, pipeline: { launcher: "standalone" } },
        expect: /lakehouse:services\.airflow\.medallionDag: true is not valid; the DAG runs the pipeline's SparkApplications, but lakehouse:services\.pipeline\.launcher is standalone/,
    },
    {
        what: "the medallion DAG without the pipeline",
        services: { postgres: on, airflow: { enabled: true, medallionDag: true }, pipeline: { enabled: false } },
        expect: /lakehouse:services\.airflow\.enabled: true needs lakehouse:services\.pipeline\.enabled: true \(the medallion DAG runs the pipeline's SparkApplications\)/,
    },
    {
        what: "the medallion DAG without the Spark Operator",
        services: { postgres: on, airflow: { enabled: true, medallionDag: true }, sparkOperator: { enabled: false } },
        expect: /lakehouse:services\.airflow\.enabled: true needs lakehouse:services\.sparkOperator\.enabled: true/,
    },
    {
        what: "the medallion DAG without Spark",
        services: { postgres: on, airflow: { enabled: true, medallionDag: true }, spark: { enabled: false }, jupyter: { enabled: false }, sparkHistory: { enabled: false } },
        expect: /lakehouse:services\.airflow\.enabled: true needs lakehouse:services\.spark\.enabled: true \(the medallion DAG runs Spark jobs\)/,
    },
    {
        what: "a ClickHouse volume of 0",
        services: { clickhouse: { enabled: true, volumeSize: "0Gi" } },
        expect: /lakehouse:services\.clickhouse\.volumeSize: "0Gi" is not valid; expected a size above zero/,
    },
    {
        what: "100,000 Trino workers",
        services: { postgres: on, nessie: on, trino: { enabled: true, workers: 100_000 } },
        expect: /lakehouse:services\.trino\.workers: 100000 is not valid; expected a whole number from 0 to 100/,
    },
    {
        what: "a thousand Flink TaskManagers",
        services: { flink: { enabled: true, taskManagers: 1000 } },
        expect: /lakehouse:services\.flink\.taskManagers: 1000 is not valid; expected a whole number from 0 to 100/,
    },
    {
        what: "a thousand Celery workers",
        stack: "prod",
        services: { airflow: { workers: 1000 } },
        expect: /lakehouse:services\.airflow\.workers: 1000 is not valid; expected a whole number from 0 to 100/,
    },
    {
        what: "Trino workers written in hexadecimal",
        services: { postgres: on, nessie: on, trino: { enabled: true, workers: "0x2" } },
        expect: /lakehouse:services\.trino\.workers: "0x2" is not valid; expected a whole number from 0 to 100/,
    },
    {
        what: "a typo in a platform service key",
        services: { redis: { enabeld: true } },
        expect: /lakehouse:services\.redis\.enabeld: unknown key; allowed keys: enabled, image, resources, volumeSize/,
    },
];

describe("platform services config", () => {
    it("dev defaults: every platform service off; small sizes when switched on", () => {
        const cfg = parseConfig({}, "dev");
        for (const name of ["postgres", "redis", "nessie", "trino", "flink", "clickhouse", "airflow", "superset"] as const) {
            assert.strictEqual(cfg.services[name].enabled, false, name);
        }
        assert.strictEqual(cfg.services.airflow.executor, "LocalExecutor");
        assert.strictEqual(cfg.services.trino.workers, 1);
        assert.strictEqual(cfg.services.flink.slots, 2);
    });

    it("prod turns them on with Celery and bigger sizes", async () => {
        const { stackConfig } = await import("./harness");
        const cfg = parseConfig(stackConfig("prod"), "prod");
        assert.strictEqual(cfg.services.airflow.executor, "CeleryExecutor");
        assert.strictEqual(cfg.services.airflow.workers, 3);
        assert.strictEqual(cfg.services.trino.workerResources.limits.memory, "12Gi");
        assert.strictEqual(cfg.services.clickhouse.volumeSize, "200Gi");
    });

    it("Airflow with the LocalExecutor needs no Redis", () => {
        const cfg = parseConfig(withOverrides("dev", { "lakehouse:services": { postgres: on, airflow: on } }), "dev");
        assert.strictEqual(cfg.services.redis.enabled, false);
    });

    for (const c of cases) {
        it(`rejects ${c.what}, naming the key, the value and what is allowed`, () => {
            const problems = problemsOf(withOverrides(c.stack ?? "dev", { "lakehouse:services": c.services }));
            assert.ok(problems.some((m) => c.expect.test(m)), `no problem matched ${c.expect}; got:\n${problems.join("\n")}`);
        });
    }

    for (const c of cases.filter((x) => /without|medallion/.test(x.what))) {
        it(`registers nothing when run with ${c.what}`, async () => {
            await assert.rejects(loadProgram(c.stack ?? "dev", withOverrides(c.stack ?? "dev", { "lakehouse:services": c.services })), (e: Error) => e.name === "ConfigError");
            assert.deepStrictEqual(lastRegistered().map((r) => r.name), []);
        });
    }
});
