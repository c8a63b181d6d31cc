import * as yaml from "js-yaml";
import * as assert from "assert";
import { modelFor } from "./crdSchemas";
import { execFileSync } from "child_process";
import { dagFiles, medallionJobsJson } from "../components/orchestration/medallion";
import { INSTALL_DRIVERS, SUPERSET_CONFIG, supersetInitScript } from "../components/bi/superset";
import { AIRFLOW_INIT_SCRIPT } from "../components/orchestration/airflow";
import { REDIS_START } from "../components/storage/redis";
import { ENSURE_CONSUMER_SQL, START_SCRIPT } from "../components/storage/postgres";
import { footprint, total } from "../scripts/footprintCalc";
import { loadAllOn } from "./allServices";
import { checkDeclaredLinks, checkReferences, checkSafeDefaults, checkServiceAddresses, checkServiceSelectors } from "./checks";
import { Loaded, k8sObjects, nameOf } from "./harness";
import { audit, policies } from "./network.test";

const STACKS = ["dev", "prod"];

function objectsOf(l: Loaded): any[] {
    return k8sObjects(l).map((r) => r.inputs);
}

function named(objs: any[], kind: string, name: string): any {
    const o = objs.find((x) => x.kind === kind && nameOf(x) === name);
    assert.ok(o, `no ${kind} ${name}`);
    return o;
}

function containerOf(objs: any[], kind: string, name: string, index = 0): any {
    return named(objs, kind, name).spec.template.spec.containers[index];
}

function envOf(c: any): Record<string, any> {
    return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** Validates an object against its API schema (kubernetes-models, or the CRD's for custom resources). */
function validate(o: any): void {
    const Model = modelFor(o.apiVersion, o.kind);
    new Model(o).validate();
}

/** Python source must at least parse: a syntax error would only show once Airflow or Superset loads it. */
function assertPythonParses(source: string, what: string): void {
    execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: source });
    assert.ok(source.length > 0, what);
}

describe("platform service scripts", () => {
    it("every shell script parses (sh -n / bash -n)", () => {
        const scripts: [string, string][] = [
            ["bash", START_SCRIPT],
            ["sh", REDIS_START],
            ["bash", AIRFLOW_INIT_SCRIPT],
            ["sh", INSTALL_DRIVERS],
            ["sh", supersetInitScript([{ name: "Trino (lakehouse)", uriVar: "TRINO_URI" }])],
        ];
        for (const [shell, script] of scripts) execFileSync(shell, ["-n"], { input: script });
        assert.throws(() => execFileSync("sh", ["-n"], { input: "if then", stdio: "pipe" }), "the check can fail");
    });
});

describe("platform services, every one enabled", () => {
    const checks = { checkServiceSelectors, checkReferences, checkServiceAddresses, checkSafeDefaults, checkDeclaredLinks };
    for (const stack of STACKS) {
        for (const [what, check] of Object.entries(checks)) {
            it(`${stack}: ${what} finds nothing`, async () => {
                assert.deepStrictEqual(check(objectsOf(await loadAllOn(stack))), []);
            });
        }

        it(`${stack}: every object validates against the API schema`, async () => {
            const failures: string[] = [];
            for (const o of objectsOf(await loadAllOn(stack))) {
                try {
                    validate(o);
                } catch (e) {
                    failures.push(`${o.kind} ${o.metadata?.name}: ${(e as Error).message}`);
                }
            }
            assert.deepStrictEqual(failures, []);
        });

        it(`${stack}: network policies allow each declared link and nothing else`, async () => {
            const l = await loadAllOn(stack);
            assert.deepStrictEqual(audit(l, policies(l)), []);
        });

        it(`${stack}: each service reaches its dependencies through declared links`, async () => {
            const objs = objectsOf(await loadAllOn(stack));
            const links = (kind: string, name: string) => String(named(objs, kind, name).spec.template.metadata.annotations["lakehouse.io/connects-to"]).split(",");
            assert.deepStrictEqual(links("Deployment", "nessie"), ["lakehouse/postgres:postgres", "lakehouse/object-store:s3"]);
            assert.deepStrictEqual(links("Deployment", "trino-coordinator"), ["lakehouse/nessie:api", "lakehouse/object-store:s3"]);
            assert.deepStrictEqual(links("Deployment", "trino-worker"), ["lakehouse/trino-coordinator:http", "lakehouse/nessie:api", "lakehouse/object-store:s3"]);
            assert.ok(links("Deployment", "flink-taskmanager").includes("lakehouse/flink-jobmanager:rpc"));
            assert.ok(links("Deployment", "airflow-scheduler").includes("lakehouse/postgres:postgres"));
            assert.ok(links("Deployment", "airflow-scheduler").includes("lakehouse/airflow-api-server:http"), "tasks report to the execution API");
            assert.deepStrictEqual(links("Deployment", "superset"), ["lakehouse/postgres:postgres", "lakehouse/redis:redis", "lakehouse/trino-coordinator:http", "lakehouse/clickhouse:http"]);
        });

        it(`${stack}: no generated secret appears outside the Secrets`, async () => {
            const l = await loadAllOn(stack);
            const text = JSON.stringify(objectsOf(l).filter((o) => o.kind !== "Secret"));
            const plainOutputs = JSON.stringify(Object.values(l.outputs).filter((o) => !o.secret).map((o) => o.value));
            assert.ok(l.generatedSecrets.length >= 15);
            for (const g of l.generatedSecrets) {
                assert.ok(!text.includes(g), "a generated value leaked into an object");
                assert.ok(!plainOutputs.includes(g), "a generated value leaked into a plain output");
            }
        });

        it(`${stack}: endpoints and credentials of every service are in the outputs`, async () => {
            const l = await loadAllOn(stack);
            for (const svc of ["postgres", "redis", "nessie", "trino", "flink", "clickhouse", "airflow", "superset"]) {
                assert.ok(svc in l.outputs.endpoints.value, `no endpoints for ${svc}`);
            }
            assert.strictEqual(l.outputs.credentials.secret, true);
            const creds = l.outputs.credentials.value;
            assert.deepStrictEqual(Object.keys(creds.postgres).sort(), ["airflow.password", "airflow.user", "nessie.password", "nessie.user", "password", "superset.password", "superset.user", "user"]);
            assert.strictEqual(creds.airflow.adminUser, "admin");
            assert.strictEqual(creds.superset.adminUser, "admin");
            assert.strictEqual(creds.clickhouse.user, "lakehouse");
            assert.ok(creds.redis.password.length >= 32);
        });

        it(`${stack}: exposed Services share the LoadBalancer address without a port clash`, async () => {
            // Prod exposes nothing by default (ClusterIP and the Ingress); this is prod asking for LoadBalancers.
            const { ALL_ON } = await import("./allServices");
            const { loadProgram, withOverrides } = await import("./harness");
            const loaded = stack === "prod" ? await loadProgram("prod", withOverrides("prod", { ...ALL_ON, "lakehouse:exposure": { type: "LoadBalancer" } })) : await loadAllOn(stack);
            const all = objectsOf(loaded);
            const lbs = all.filter((o) => o.kind === "Service" && o.spec.type === "LoadBalancer");
            const ports = lbs.flatMap((s) => s.spec.ports.map((p: any) => p.port));
            assert.strictEqual(new Set(ports).size, ports.length, `ports: ${ports}`);
            const byName = Object.fromEntries(lbs.map((s) => [s.metadata.name, s.spec.ports.map((p: any) => p.port)]));
            assert.deepStrictEqual(byName["trino-coordinator"], [8090]);
            assert.deepStrictEqual(byName["airflow-api-server"], [8082]);
            assert.deepStrictEqual(byName["flink-jobmanager"], [6123, 6124, 8083, 9249]);
            assert.deepStrictEqual(byName["clickhouse"], [8123, 19000, 9363]);
            assert.deepStrictEqual(byName["superset"], [8088]);
            // Of those, only the user-facing ports are opened to outside; Flink's RPC, blob and metrics and
            // ClickHouse's metrics port stay for declared links.
            const opened = (name: string) =>
                all
                    .find((o) => o.kind === "NetworkPolicy" && o.metadata.name === `allow-external-to-${name}`)
                    .spec.ingress[0].ports.map((p: any) => p.port);
            assert.deepStrictEqual(opened("flink-jobmanager"), ["ui"]);
            assert.deepStrictEqual(opened("clickhouse"), ["http", "native"]);
            // Never the ports the streaming services take (Kafka UI, Grafana, Kafka, Schema Registry, Cassandra).
            const mine = ["trino-coordinator", "airflow-api-server", "flink-jobmanager", "clickhouse", "superset"].flatMap((n) => byName[n]);
            for (const taken of [8085, 3000, 9092, 8081, 9042]) assert.ok(!mine.includes(taken), `${taken} is taken`);
        });
    }
});

describe("platform services with nothing exposed", () => {
    it("with ClusterIP exposure, every connection rests on a generated allow rule and the audit still passes", async () => {
        const { loadProgram, withOverrides } = await import("./harness");
        const { ALL_ON } = await import("./allServices");
        const l = await loadProgram("prod", withOverrides("prod", { ...ALL_ON, "lakehouse:exposure": { type: "ClusterIP" } }));
        assert.ok(!policies(l).some((p: any) => p.metadata.name.startsWith("allow-external")));
        assert.deepStrictEqual(audit(l, policies(l)), []);
    });
});

describe("postgres", () => {
    it("one database, user and generated password per consumer; volume at PostgreSQL 18's parent path", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const c = containerOf(objs, "StatefulSet", "postgres");
        assert.deepStrictEqual(c.volumeMounts.find((m: any) => m.name === "data").mountPath, "/var/lib/postgresql");
        const env = envOf(c);
        assert.strictEqual(env.DB_CONSUMERS, "nessie airflow superset");
        for (const consumer of ["nessie", "airflow", "superset"]) {
            assert.deepStrictEqual(env[`DB_PASSWORD_${consumer}`], { secretKeyRef: { name: `postgres-${consumer}`, key: "password" } });
            assert.strictEqual(named(objs, "Secret", `postgres-${consumer}`).stringData.user, consumer);
        }
        assert.deepStrictEqual(c.command, ["/bin/bash", "/scripts/start.sh"]);
        assert.match(JSON.stringify(c.readinessProbe), /consumers-ready/, "ready only once the consumers exist");
    });

    it("the init script is idempotent: guarded creates, passwords re-applied, no password on a command line", () => {
        assert.match(ENSURE_CONSUMER_SQL, /CREATE ROLE %I LOGIN', :'role'\) WHERE NOT EXISTS \(SELECT FROM pg_roles/);
        assert.match(ENSURE_CONSUMER_SQL, /CREATE DATABASE %I OWNER %I', :'role', :'role'\) WHERE NOT EXISTS \(SELECT FROM pg_database/);
        assert.match(ENSURE_CONSUMER_SQL, /^ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';$/m);
        assert.match(ENSURE_CONSUMER_SQL, /^\\getenv password :password_var$/m);
        assert.match(START_SCRIPT, /for role in \$DB_CONSUMERS; do/);
        assert.doesNotMatch(START_SCRIPT, /PASSWORD=|-W|--password/);
        // The admin's password too is re-applied from its Secret on every start (initdb sets it once).
        assert.match(START_SCRIPT, /^\\getenv password POSTGRES_PASSWORD\nALTER ROLE CURRENT_USER WITH PASSWORD :'password';$/m);
        // Waits on TCP: the entrypoint's temporary init server listens only on the socket.
        assert.match(START_SCRIPT, /until pg_isready -q -h 127\.0\.0\.1/);
    });

    it("a stop signal (the image's SIGINT, or SIGTERM) becomes a fast shutdown, with a grace period that covers its checkpoint", async () => {
        // The conformance suite (conformance/postgres.test.ts) stops the real server this way with clients connected.
        assert.match(START_SCRIPT, /^trap 'kill -INT \$pid' TERM INT$/m);
        assert.doesNotMatch(START_SCRIPT, /kill -TERM/);
        const sts = named(objectsOf(await loadAllOn("dev")), "StatefulSet", "postgres");
        assert.strictEqual(sts.spec.template.spec.terminationGracePeriodSeconds, 60);
    });

    it("consumers get their own access: Nessie's JDBC URL, Airflow's and Superset's SQLAlchemy URLs", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const nessie = envOf(containerOf(objs, "Deployment", "nessie"));
        assert.strictEqual(nessie["quarkus.datasource.postgresql.jdbc.url"], "jdbc:postgresql://postgres.lakehouse.svc:5432/nessie");
        assert.strictEqual(nessie["quarkus.datasource.postgresql.username"], "nessie");
        assert.deepStrictEqual(nessie["quarkus.datasource.postgresql.password"], { secretKeyRef: { name: "postgres-nessie", key: "password" } });
        const airflow = envOf(containerOf(objs, "Deployment", "airflow-scheduler"));
        assert.strictEqual(airflow.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, "postgresql+psycopg2://airflow:$(DB_PASSWORD)@postgres.lakehouse.svc:5432/airflow");
        assert.deepStrictEqual(airflow.DB_PASSWORD, { secretKeyRef: { name: "postgres-airflow", key: "password" } });
        const superset = envOf(containerOf(objs, "Deployment", "superset"));
        assert.strictEqual(superset.SUPERSET_DATABASE_URI, "postgresql+psycopg2://superset:$(DB_PASSWORD)@postgres.lakehouse.svc:5432/superset");
        // $(VAR) expands only variables defined earlier in the list.
        const names = containerOf(objs, "Deployment", "superset").env.map((e: any) => e.name);
        assert.ok(names.indexOf("DB_PASSWORD") < names.indexOf("SUPERSET_DATABASE_URI"));
        assert.ok(names.indexOf("REDIS_PASSWORD") < names.indexOf("SUPERSET_REDIS_URL"));
    });

    it("a consumer switched off loses its database wiring", async () => {
        const { loadProgram, withOverrides } = await import("./harness");
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { postgres: { enabled: true }, redis: { enabled: true }, superset: { enabled: true } } }));
        const env = envOf(containerOf(objectsOf(l), "StatefulSet", "postgres"));
        assert.strictEqual(env.DB_CONSUMERS, "superset");
    });
});

describe("redis", () => {
    it("requires its generated password, persists with AOF, keeps the password off the command line", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const c = containerOf(objs, "StatefulSet", "redis");
        const script = c.command.join(" ");
        assert.match(script, /appendonly yes/);
        assert.match(script, /requirepass/);
        assert.doesNotMatch(script, /--requirepass/);
        assert.deepStrictEqual(envOf(c).REDIS_PASSWORD, { secretKeyRef: { name: "redis-auth", key: "password" } });
        assert.ok(c.volumeMounts.some((m: any) => m.name === "data" && m.mountPath === "/data"));
    });
});

describe("nessie", () => {
    it("JDBC2 version store, warehouse in the bucket, S3 keys by secretKeyRef, health probes, metrics", async () => {
        const l = await loadAllOn("dev");
        const objs = objectsOf(l);
        const c = containerOf(objs, "Deployment", "nessie");
        const env = envOf(c);
        assert.strictEqual(env["nessie.version.store.type"], "JDBC2");
        assert.strictEqual(env["nessie.catalog.warehouses.warehouse.location"], "s3://lakehouse/warehouse");
        assert.strictEqual(env["nessie.catalog.service.s3.default-options.path-style-access"], "true");
        assert.strictEqual(env["nessie.catalog.service.s3.default-options.endpoint"], "http://object-store.lakehouse.svc:9000/");
        assert.deepStrictEqual(env["lakehouse.s3.name"], { secretKeyRef: { name: "object-store-root", key: "accessKey" } });
        assert.strictEqual(c.readinessProbe.httpGet.path, "/q/health/ready");
        assert.strictEqual(c.livenessProbe.httpGet.path, "/q/health/live");
        const scrape = named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"];
        assert.match(scrape, /job_name: nessie\n\s+metrics_path: \/q\/metrics/);
    });
});

describe("trino", () => {
    it("coordinator and configured workers; iceberg through Nessie with native path-style S3; tpch", async () => {
        const objs = objectsOf(await loadAllOn("prod"));
        assert.strictEqual(named(objs, "Deployment", "trino-worker").spec.replicas, 3);
        const etc = named(objs, "ConfigMap", "trino-worker-etc").data;
        const iceberg = etc["catalog_iceberg.properties"];
        for (const line of [
            "connector.name=iceberg",
            "iceberg.catalog.type=nessie",
            "iceberg.nessie-catalog.uri=http://nessie.lakehouse.svc:19120/api/v2",
            "iceberg.nessie-catalog.default-warehouse-dir=s3://lakehouse/warehouse",
            "fs.native-s3.enabled=true",
            "s3.path-style-access=true",
            "s3.endpoint=http://object-store.lakehouse.svc:9000",
            "s3.aws-access-key=${ENV:AWS_ACCESS_KEY_ID}",
        ]) {
            assert.ok(iceberg.split("\n").includes(line), line);
        }
        assert.strictEqual(etc["catalog_tpch.properties"], "connector.name=tpch\n");
        assert.match(etc["config.properties"], /^discovery\.uri=http:\/\/trino-coordinator\.lakehouse\.svc:8090$/m);
        assert.match(named(objs, "ConfigMap", "trino-coordinator-etc").data["config.properties"], /^node-scheduler\.include-coordinator=false$/m);
        const volume = named(objs, "Deployment", "trino-worker").spec.template.spec.volumes.find((v: any) => v.name === "etc");
        assert.ok(volume.configMap.items.some((i: any) => i.key === "catalog_iceberg.properties" && i.path === "catalog/iceberg.properties"));
        // Prometheus scrapes the coordinator's OpenMetrics with the user header Trino requires.
        const scrape = (yaml.load(named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as any).scrape_configs;
        const job = scrape.find((j: any) => j.job_name === "trino-coordinator");
        assert.strictEqual(job.metrics_path, "/metrics");
        assert.deepStrictEqual(job.http_headers, { "X-Trino-User": { values: ["prometheus"] } });
        assert.deepStrictEqual(job.dns_sd_configs, [{ names: ["trino-coordinator-headless.lakehouse.svc"], type: "A", port: 8080 }]);
    });

    it("JVM and query memory are sized per stack", async () => {
        const dev = named(objectsOf(await loadAllOn("dev")), "ConfigMap", "trino-worker-etc").data;
        const prod = named(objectsOf(await loadAllOn("prod")), "ConfigMap", "trino-worker-etc").data;
        assert.match(dev["config.properties"], /^query\.max-memory-per-node=512MB$/m);
        assert.match(prod["config.properties"], /^query\.max-memory-per-node=4096MB$/m);
        assert.match(prod["config.properties"], /^query\.max-memory=12288MB$/m);
        assert.match(prod["jvm.config"], /^-XX:MaxRAMPercentage=75$/m, "the heap follows the container limit");
    });

    it("with 0 workers the coordinator runs queries itself and no worker exists", async () => {
        const { loadProgram, withOverrides } = await import("./harness");
        const patch = { "lakehouse:services": { postgres: { enabled: true }, nessie: { enabled: true }, trino: { enabled: true, workers: 0 } } };
        const objs = objectsOf(await loadProgram("dev", withOverrides("dev", patch)));
        assert.ok(!objs.some((o) => o.kind === "Deployment" && o.metadata.name === "trino-worker"));
        assert.match(named(objs, "ConfigMap", "trino-coordinator-etc").data["config.properties"], /^node-scheduler\.include-coordinator=true$/m);
    });
});

describe("flink", () => {
    it("JobManager and TaskManagers with configured slots, S3 plugin, checkpoints and savepoints in the bucket, metrics", async () => {
        const objs = objectsOf(await loadAllOn("prod"));
        assert.strictEqual(named(objs, "Deployment", "flink-taskmanager").spec.replicas, 3);
        const env = envOf(containerOf(objs, "Deployment", "flink-taskmanager"));
        const props = Object.fromEntries(String(env.FLINK_PROPERTIES).split("\n").map((l) => l.split(": ")));
        assert.strictEqual(props["taskmanager.numberOfTaskSlots"], "4");
        assert.strictEqual(props["execution.checkpointing.dir"], "s3://lakehouse/flink/checkpoints");
        assert.strictEqual(props["execution.checkpointing.savepoint-dir"], "s3://lakehouse/flink/savepoints");
        assert.strictEqual(props["s3.path.style.access"], "true");
        assert.strictEqual(props["taskmanager.memory.process.size"], "8192m", "Flink's process size is the container limit");
        assert.strictEqual(props["metrics.reporter.prom.factory.class"], "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assert.strictEqual(env.ENABLE_BUILT_IN_PLUGINS, "flink-s3-fs-hadoop-2.3.0.jar");
        assert.deepStrictEqual(env.AWS_SECRET_ACCESS_KEY, { secretKeyRef: { name: "object-store-root", key: "secretKey" } });
        assert.deepStrictEqual(containerOf(objs, "Deployment", "flink-jobmanager").args, ["jobmanager"]);
    });
});

describe("clickhouse", () => {
    it("a named admin with a generated password (the default user has no network access), HTTP and native ports, metrics", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const c = containerOf(objs, "StatefulSet", "clickhouse");
        const env = envOf(c);
        assert.deepStrictEqual(env.CLICKHOUSE_USER, { secretKeyRef: { name: "clickhouse-admin", key: "user" } });
        assert.deepStrictEqual(env.CLICKHOUSE_PASSWORD, { secretKeyRef: { name: "clickhouse-admin", key: "password" } });
        assert.deepStrictEqual(c.ports.map((p: any) => [p.name, p.containerPort]), [["http", 8123], ["native", 9000], ["metrics", 9363]]);
        assert.match(named(objs, "ConfigMap", "clickhouse-config").data["prometheus.xml"], /<port>9363<\/port>/);
    });
});

describe("airflow", () => {
    it("dev: LocalExecutor, the four components, no Celery workers", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const deployments = objs.filter((o) => o.kind === "Deployment" && o.metadata.name.startsWith("airflow-")).map((o) => o.metadata.name).sort();
        assert.deepStrictEqual(deployments, ["airflow-api-server", "airflow-dag-processor", "airflow-scheduler", "airflow-triggerer"]);
        assert.strictEqual(envOf(containerOf(objs, "Deployment", "airflow-scheduler")).AIRFLOW__CORE__EXECUTOR, "LocalExecutor");
    });

    it("prod: CeleryExecutor with Redis as broker and the configured workers", async () => {
        const objs = objectsOf(await loadAllOn("prod"));
        assert.strictEqual(named(objs, "Deployment", "airflow-worker").spec.replicas, 3);
        const env = envOf(containerOf(objs, "Deployment", "airflow-worker"));
        assert.strictEqual(env.AIRFLOW__CORE__EXECUTOR, "CeleryExecutor");
        assert.strictEqual(env.AIRFLOW__CELERY__BROKER_URL, "redis://:$(REDIS_PASSWORD)@redis.lakehouse.svc:6379/0");
        assert.ok(String(named(objs, "Deployment", "airflow-worker").spec.template.metadata.annotations["lakehouse.io/connects-to"]).includes("lakehouse/redis:redis"));
    });

    it("every component shares the generated JWT secret and Fernet key; a Job migrates and creates the admin", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        for (const name of ["airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]) {
            const env = envOf(containerOf(objs, "Deployment", name));
            assert.deepStrictEqual(env.AIRFLOW__API_AUTH__JWT_SECRET, { secretKeyRef: { name: "airflow-secrets", key: "jwtSecret" } }, name);
            assert.strictEqual(env.AIRFLOW__CORE__FERNET_KEY, "$(FERNET_KEY_BODY)=", name);
            assert.strictEqual(named(objs, "Deployment", name).spec.template.spec.initContainers[0].name, "wait-for-migrations");
        }
        assert.strictEqual(envOf(containerOf(objs, "Deployment", "airflow-scheduler")).AIRFLOW__CORE__EXECUTION_API_SERVER_URL, "http://airflow-api-server.lakehouse.svc:8082/execution/");
        const job = containerOf(objs, "Job", "airflow-init");
        assert.match(job.command[2], /airflow db migrate/);
        assert.match(job.command[2], /airflow users create --username "\$ADMIN_USER" --password "\$ADMIN_PASSWORD" --role Admin/);
        assert.deepStrictEqual(envOf(job).ADMIN_PASSWORD, { secretKeyRef: { name: "airflow-secrets", key: "adminPassword" } });
    });

    it("DAGs come from a ConfigMap mounted as the DAG folder; the medallion DAG only with a pipeline", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        assert.deepStrictEqual(Object.keys(named(objs, "ConfigMap", "airflow-dags").data), [".airflowignore", "lakehouse_smoke.py"]);
        const mount = containerOf(objs, "Deployment", "airflow-dag-processor").volumeMounts.find((m: any) => m.name === "dags");
        assert.strictEqual(mount.mountPath, "/opt/airflow/dags");
        const pipeline = {
            namespace: "team",
            jobs: ["bronze", "silver", "gold"].map((name) => ({ name, sparkApplication: { apiVersion: "sparkoperator.k8s.io/v1beta2", kind: "SparkApplication", metadata: { name } } })),
        };
        const files = dagFiles(pipeline);
        assert.deepStrictEqual(Object.keys(files).sort(), [".airflowignore", "lakehouse_medallion.py", "lakehouse_smoke.py", "medallion_jobs.json"]);
        const jobs = JSON.parse(medallionJobsJson(pipeline));
        assert.deepStrictEqual(jobs.jobs.map((j: any) => j.name), ["bronze", "silver", "gold"], "run order is the given order");
        assert.strictEqual(jobs.namespace, "team");
        for (const [file, source] of Object.entries(files)) if (file.endsWith(".py")) assertPythonParses(source, file);
    });

    it("our DAGs are unscheduled and unpaused at creation, so a triggered run starts without unpausing", () => {
        const pipeline = { namespace: "team", jobs: [{ name: "bronze", sparkApplication: {} }] };
        for (const [file, source] of Object.entries(dagFiles(pipeline)).filter(([f]) => f.endsWith(".py"))) {
            assert.match(source, /^\s*schedule=None,$/m, file);
            assert.match(source, /^\s*is_paused_upon_creation=False,$/m, file);
        }
    });

    it("the DAG folder ignores the kubelet's ..data and ..<timestamp> folders, which Airflow's walk would meet twice", () => {
        const ignore = dagFiles(undefined)[".airflowignore"];
        const patterns = ignore.split("\n").map((x) => x.replace(/\s*#.*/, "")).filter(Boolean);
        assert.deepStrictEqual(patterns, ["..*/"]);
    });

    for (const stack of STACKS) {
        it(`${stack}: task logs go to the object store (remote logging), which the api-server and the task pods may reach`, async () => {
            const l = await loadAllOn(stack);
            const objs = objectsOf(l);
            const taskPod = stack === "dev" ? "airflow-scheduler" : "airflow-worker";
            for (const name of ["airflow-api-server", taskPod, "airflow-triggerer"]) {
                const env = envOf(containerOf(objs, "Deployment", name));
                assert.strictEqual(env.AIRFLOW__LOGGING__REMOTE_LOGGING, "True", name);
                assert.strictEqual(env.AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "s3://lakehouse/airflow/logs", name);
                const conn = JSON.parse(env[`AIRFLOW_CONN_${env.AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID.toUpperCase()}`]);
                assert.strictEqual(conn.extra.endpoint_url, "http://object-store.lakehouse.svc:9000", name);
                assert.deepStrictEqual(env.AWS_SECRET_ACCESS_KEY, { secretKeyRef: { name: "object-store-root", key: "secretKey" } }, name);
                const links = named(objs, "Deployment", name).spec.template.metadata.annotations["lakehouse.io/connects-to"];
                assert.ok(links.split(",").includes("lakehouse/object-store:s3"), `${name} links: ${links}`);
                named(objs, "NetworkPolicy", `allow-${name}-to-object-store-s3`);
            }
        });
    }
});

describe("superset", () => {
    it("secret key, metadata DB and cache by secretKeyRef; drivers pip-installed into an emptyDir on PYTHONPATH", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const pod = named(objs, "Deployment", "superset").spec.template.spec;
        const env = envOf(pod.containers[0]);
        assert.deepStrictEqual(env.SUPERSET_SECRET_KEY, { secretKeyRef: { name: "superset-secrets", key: "secretKey" } });
        assert.strictEqual(env.SUPERSET_REDIS_URL, "redis://:$(REDIS_PASSWORD)@redis.lakehouse.svc:6379/1");
        assert.strictEqual(env.PYTHONPATH, "/app/drivers:/app/pythonpath");
        const init = pod.initContainers[0];
        assert.strictEqual(init.name, "install-drivers");
        assert.match(envOf(init).DRIVERS, /^psycopg2-binary==[\d.]+ trino==[\d.]+ clickhouse-connect==[\d.]+$/);
        assert.ok(init.volumeMounts.some((m: any) => m.name === "drivers" && m.mountPath === "/app/drivers"));
        assertPythonParses(SUPERSET_CONFIG, "superset_config.py");
    });

    it("the init Job upgrades the database, makes the admin, and registers Trino and ClickHouse", async () => {
        const objs = objectsOf(await loadAllOn("dev"));
        const job = containerOf(objs, "Job", "superset-init");
        const script: string = job.command[2];
        assert.deepStrictEqual(script.split("\n").map((l) => l.split(" ").slice(0, 2).join(" ")), [
            "superset db",
            "superset fab",
            "superset fab",
            "superset init",
            "superset set-database-uri",
            "superset set-database-uri",
        ]);
        const env = envOf(job);
        assert.strictEqual(env.TRINO_URI, "trino://superset@trino-coordinator.lakehouse.svc:8090/iceberg");
        assert.strictEqual(env.CLICKHOUSE_URI, "clickhousedb://lakehouse:$(CLICKHOUSE_PASSWORD)@clickhouse.lakehouse.svc:8123/default");
        assert.strictEqual(supersetInitScript([]).split("\n").length, 4, "nothing to register without Trino and ClickHouse");
    });
});

describe("footprint with every service on", () => {
    it("dev stays within 3.5 CPUs and 22.5Gi of requests", async () => {
        // Measured: 3245m CPU and 22496Mi requested (`npm run footprint -- dev:all`): the default dev stack
        // (core + streaming on the Spark Operator, ~1.9 CPUs / 15Gi) plus Trino (2 JVMs of 1Gi), Flink (2 of 1Gi), Airflow's four
        // processes (384Mi each) and the rest. The platform services are off in dev by default for that reason.
        const t = total(footprint(objectsOf(await loadAllOn("dev"))).running);
        assert.ok(t.requestsCpu <= 3.5, `dev requests ${t.requestsCpu} CPUs`);
        assert.ok(t.requestsMemory <= 22.5 * 2 ** 30, `dev requests ${t.requestsMemory / 2 ** 30} GiB`);
    });
});

describe("peer groups", () => {
    it("members reach each other both ways under restricted egress (Spark, Trino, Flink)", async () => {
        const { allowed } = await import("./network.test");
        const l = await loadAllOn("dev");
        const pod = (name: string) => {
            const o = objectsOf(l).find((x) => x.kind === "Deployment" && x.metadata.name === name);
            const ports = Object.fromEntries(o.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort])));
            return { where: name, namespace: "lakehouse", labels: o.spec.template.metadata.labels, ports };
        };
        const pols = policies(l);
        for (const [src, dst, port] of [
            ["spark-master", "spark-worker", "ui"],
            ["trino-coordinator", "trino-worker", "http"],
            ["trino-worker", "trino-worker", "http"],
            ["flink-jobmanager", "flink-taskmanager", "rpc"],
            ["flink-taskmanager", "flink-taskmanager", "rpc"],
        ]) {
            assert.ok(allowed(pols, pod(src), pod(dst), port), `${src} -> ${dst}:${port}`);
        }
        assert.ok(!allowed(pols, pod("trino-coordinator"), pod("flink-taskmanager"), "rpc"), "groups stay apart");
    });
});
