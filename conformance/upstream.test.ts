// Services no package registry ships (ClickHouse 26.x, Flink's runtime, Grafana, Schema Registry, Kafka UI,
// RustFS): our objects checked against what each image's entrypoint and defaults do, as read in the image's
// public source. Each fact below names the file it comes from; nothing here starts a process.
//
// Sources, as read (the tag where the repository has one, else the stored commit and why):
//   ClickHouse   ClickHouse/docker-library server/26.8.15.10/Dockerfile.ubuntu (the image's build: user 101:101,
//                COPY entrypoint.sh); ClickHouse/ClickHouse docker/server/entrypoint.sh (commit 00b7432) and
//                programs/su/su.cpp (the `clickhouse su` it runs through); programs/server/config.xml defaults.
//   Flink        apache/flink-docker branch dev-2.3 (commit bec288d), docker-entrypoint.sh and
//                Dockerfile-ubuntu.template, from which the 2.3.0 image directories are generated.
//   Grafana      grafana/grafana Dockerfile (commit 78515af) and packaging/docker/run.sh (commit 0775459);
//                conf/defaults.ini for the setting names GF_* variables map to.
//   Schema Reg.  confluentinc/schema-registry-images branch 8.3.x (commit dae5405): Dockerfile.ubi9 and
//                include/etc/confluent/docker/{run,configure,ensure,launch,schema-registry.properties.template}.
//   Kafka UI     kafbat/kafka-ui tag v1.5.0: api/Dockerfile, api/src/main/resources/application.yml,
//                api/src/main/java/io/kafbat/ui/config/auth/{BasicAuthSecurityConfig,AbstractAuthSecurityConfig}.java.
//   RustFS       rustfs/rustfs main (commit 20d1266, workspace version 1.0.0-rc.3; the 1.0.1 tag is not in the
//                copy read): Dockerfile, entrypoint.sh, rustfs/src/config/cli.rs, rustfs/src/admin/route_policy.rs.

import * as assert from "assert";
import { catalog } from "../components/catalog";
import { timed } from "./lib/report";
import { Loaded, loadAllOn, objectOf, podSpec } from "./lib/program";
import { k8sObjects } from "../tests/harness";

type Env = Record<string, any>;

function envOf(c: any): Env {
    return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** The mount (and its volume) that holds `p`: the longest mountPath that is `p` or a parent of it. */
function mountFor(workload: any, c: any, p: string): { mount: any; volume: any } | undefined {
    const mounts = (c.volumeMounts ?? []).filter((m: any) => p === m.mountPath || p.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const mount = mounts.sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount) return undefined;
    const claims = (workload.spec.volumeClaimTemplates ?? []).map((t: any) => ({ name: t.metadata.name, persistentVolumeClaim: {} }));
    const volume = [...(podSpec(workload).volumes ?? []), ...claims].find((v: any) => v.name === mount.name);
    return { mount, volume };
}

/** Whether a path is on a volume the container may write: an emptyDir or a claim, never a ConfigMap/Secret or a subPath file. */
function writableVolume(workload: any, c: any, p: string): boolean {
    const m = mountFor(workload, c, p);
    return !!m && !m.mount.subPath && !m.mount.readOnly && !!(m.volume?.emptyDir || m.volume?.persistentVolumeClaim);
}

function runAs(workload: any, c: any): { uid: number; gid: number } {
    const sc = { ...podSpec(workload).securityContext, ...c.securityContext };
    return { uid: sc.runAsUser, gid: sc.runAsGroup };
}

for (const stack of ["dev", "prod"]) {
    describe(`upstream images' entrypoints and defaults, ${stack} objects`, function () {
        let l: Loaded;
        before(async () => {
            l = await loadAllOn(stack);
        });

        it("ClickHouse: runs the entrypoint's server branch as 101:101, which writes the admin user into a writable users.d", () =>
            timed("clickhouse", `upstream source: ClickHouse/docker-library server/${catalog.clickhouse.tag}/Dockerfile.ubuntu, docker/server/entrypoint.sh, programs/su/su.cpp`, async () => {
                const sts = objectOf(l, "StatefulSet", "clickhouse");
                const c = podSpec(sts).containers[0];
                // Dockerfile.ubuntu: groupadd --gid=101 clickhouse; useradd --uid=101.
                assert.deepStrictEqual(runAs(sts, c), { uid: 101, gid: 101 });
                // Not root, so the entrypoint runs the server through `clickhouse su "$(id -u):$(id -g)"`, and
                // su.cpp throws for gid 0 ("dropping privileges to gid 0 does not make sense").
                assert.notStrictEqual(runAs(sts, c).gid, 0);
                // `if [[ $# -lt 1 ]] || [[ "$1" == "--"* ]]` → exec clickhouse-server; any other args are exec'd instead.
                const args = [...(c.command ?? []), ...(c.args ?? [])];
                assert.ok(args.length === 0 || args[0].startsWith("--"), `args ${JSON.stringify(args)} would replace the server`);
                // The variables the entrypoint reads; anything else CLICKHOUSE_* would be silently ignored.
                const read = [
                    "CLICKHOUSE_DO_NOT_CHOWN", "CLICKHOUSE_UID", "CLICKHOUSE_GID", "CLICKHOUSE_CONFIG", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD",
                    "CLICKHOUSE_DB", "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "CLICKHOUSE_ALWAYS_RUN_INITDB_SCRIPTS", "CLICKHOUSE_INIT_TIMEOUT",
                    "CLICKHOUSE_WATCHDOG_ENABLE", "CLICKHOUSE_DOCKER_RESTART_ON_EXIT",
                ];
                const env = envOf(c);
                for (const k of Object.keys(env).filter((x) => x.startsWith("CLICKHOUSE_"))) assert.ok(read.includes(k), `${k} is not read by the entrypoint`);
                // A user other than `default` (or a password) makes it write users.d/default-user.xml with
                // <networks><ip>::/0</ip></networks>; since 25.1.3 `default` alone has no network access.
                assert.ok(env.CLICKHOUSE_USER && env.CLICKHOUSE_USER !== "default" && env.CLICKHOUSE_PASSWORD?.secretKeyRef);
                assert.ok(writableVolume(sts, c, "/etc/clickhouse-server/users.d/default-user.xml"), "users.d must be writable by 101");
                // The password goes into that XML file unescaped: the generated one must be letters and digits.
                const ref = env.CLICKHOUSE_PASSWORD.secretKeyRef;
                const secretOwner = k8sObjects(l).find((r) => r.inputs.kind === "Secret" && (r.state.metadata?.name ?? r.inputs.metadata?.name) === ref.name);
                assert.ok(secretOwner, `Secret ${ref.name}`);
                const random = l.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.startsWith(`${ref.name}-${ref.key}`));
                assert.strictEqual(random.length, 1, `one RandomPassword for ${ref.name}.${ref.key}`);
                assert.strictEqual(random[0].inputs.special, false, "no XML-special characters in the password");
                // The directories the entrypoint makes (config.xml's path, tmp_path, user_files_path,
                // format_schema_path, logger.log/errorlog dirs) with `clickhouse su ... mkdir -p` as 101.
                for (const dir of ["/var/lib/clickhouse/", "/var/lib/clickhouse/tmp/", "/var/lib/clickhouse/user_files/", "/var/lib/clickhouse/format_schemas/", "/var/log/clickhouse-server"]) {
                    assert.ok(writableVolume(sts, c, dir), `${dir} is on no writable volume`);
                }
                // config.xml: http_port 8123 (the /ping readiness probe), tcp_port 9000.
                const ports = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
                assert.strictEqual(ports[c.readinessProbe.httpGet.port], 8123);
                assert.strictEqual(c.readinessProbe.httpGet.path, "/ping");
                assert.strictEqual(ports[c.livenessProbe.tcpSocket.port], 9000);
            }));

        it("Flink: FLINK_PROPERTIES survive the entrypoint's parsing, the S3 plugin exists in opt/, conf/ stays writable", () =>
            timed("flink", `upstream source: apache/flink-docker dev-2.3 docker-entrypoint.sh (image ${catalog.flink.tag})`, async () => {
                for (const role of ["jobmanager", "taskmanager"]) {
                    const dep = objectOf(l, "Deployment", "flink", `flink-${role}`);
                    const c = podSpec(dep).containers[0];
                    // Dockerfile-ubuntu.template: groupadd --gid=9999 flink; useradd --uid=9999; chown -R flink:flink $FLINK_HOME.
                    assert.deepStrictEqual(runAs(dep, c), { uid: 9999, gid: 9999 });
                    // The entrypoint's branches: jobmanager | standalone-job | history-server | taskmanager; else pass-through.
                    assert.deepStrictEqual([...(c.command ?? []), ...(c.args ?? [])], [role]);
                    const env = envOf(c);
                    // process_flink_properties: per line, `tr -d '[:space:]'`, then `IFS=':' read -r key value`:
                    // all whitespace in a value is dropped and the key ends at the first ':'.
                    const lines = String(env.FLINK_PROPERTIES).split("\n");
                    for (const line of lines) {
                        const stripped = line.replace(/\s/g, "");
                        const [key, ...rest] = stripped.split(":");
                        const [wantKey, ...wantRest] = line.split(": ");
                        assert.strictEqual(key, wantKey.trim(), `${role}: key of "${line}"`);
                        assert.strictEqual(rest.join(":"), wantRest.join(": ").trim(), `${role}: the value of ${wantKey} would lose its whitespace`);
                        assert.ok(!/\$/.test(stripped) || stripped.includes("$("), `${role}: ${wantKey} would go through envsubst`);
                    }
                    // prepare_configuration sets jobmanager.rpc.address to `hostname -f` (a pod name nobody
                    // resolves) unless FLINK_PROPERTIES overrides it afterwards.
                    assert.ok(lines.some((x) => x.startsWith("jobmanager.rpc.address: ")), `${role}: jobmanager.rpc.address`);
                    // copy_plugins_if_required: each `;`-separated name must exist as ${FLINK_HOME}/opt/<name>, or
                    // the entrypoint exits 1; flink-dist's opt/ holds flink-s3-fs-hadoop-<version>.jar.
                    const version = catalog.flink.tag.split("-")[0];
                    assert.deepStrictEqual(String(env.ENABLE_BUILT_IN_PLUGINS).split(";"), [`flink-s3-fs-hadoop-${version}.jar`]);
                    // config-parser-utils.sh rewrites $FLINK_HOME/conf/config.yaml and plugins/ is created at
                    // start: neither may be covered by a read-only volume.
                    for (const p of ["/opt/flink/conf/config.yaml", "/opt/flink/plugins/x"]) {
                        const m = mountFor(dep, c, p);
                        assert.ok(!m || writableVolume(dep, c, p), `${role}: ${p} is on a read-only mount`);
                    }
                    assert.notStrictEqual(c.securityContext?.readOnlyRootFilesystem, true, `${role}: the entrypoint writes into the image's $FLINK_HOME`);
                }
            }));

        it("Grafana: 472:0, the image's data, plugins and provisioning paths, GF_* names that exist in defaults.ini", () =>
            timed("grafana", `upstream source: grafana/grafana Dockerfile, packaging/docker/run.sh, conf/defaults.ini (image ${catalog.grafana.tag})`, async () => {
                const dep = objectOf(l, "Deployment", "grafana");
                const c = podSpec(dep).containers[0];
                // Dockerfile: ARG GF_UID="472", GF_GID="0"; USER "$GF_UID".
                assert.deepStrictEqual(runAs(dep, c), { uid: 472, gid: 0 });
                // ENTRYPOINT /run.sh passes "$@" to `grafana server` as flags: no command, no args.
                assert.strictEqual(c.command, undefined);
                assert.strictEqual(c.args, undefined);
                // run.sh warns unless GF_PATHS_DATA (/var/lib/grafana) is writable, and mkdirs GF_PATHS_PLUGINS
                // (/var/lib/grafana/plugins) when missing; set -e makes that fatal on a read-only mount.
                assert.ok(writableVolume(dep, c, "/var/lib/grafana"));
                assert.ok(writableVolume(dep, c, "/var/lib/grafana/plugins"));
                // Provisioning is read from GF_PATHS_PROVISIONING=/etc/grafana/provisioning/<kind>/.
                const prov = c.volumeMounts.filter((m: any) => m.mountPath.startsWith("/etc/grafana/provisioning/"));
                assert.deepStrictEqual(prov.map((m: any) => m.mountPath.split("/")[4]).sort(), ["dashboards", "datasources"]);
                // GF_<SECTION>_<KEY> names a setting of conf/defaults.ini.
                const known = [
                    "SECURITY_ADMIN_USER", "SECURITY_ADMIN_PASSWORD", "USERS_ALLOW_SIGN_UP", "ANALYTICS_REPORTING_ENABLED",
                    "ANALYTICS_CHECK_FOR_UPDATES", "ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", "DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH",
                ];
                const env = envOf(c);
                for (const k of Object.keys(env).filter((x) => x.startsWith("GF_"))) assert.ok(known.includes(k.slice(3)), `${k} is no setting in defaults.ini`);
                // The home dashboard path points into the dashboards mount.
                if (env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH) assert.ok(mountFor(dep, c, env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)?.volume?.configMap);
                assert.strictEqual(Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]))[c.readinessProbe.httpGet.port], 3000);
            }));

        it("Schema Registry: the variables configure requires, no SCHEMA_REGISTRY_PORT (service links off), properties it knows", () =>
            timed("schema-registry", `upstream source: confluentinc/schema-registry-images 8.3.x include/etc/confluent/docker (image ${catalog.schemaRegistry.tag})`, async () => {
                const dep = objectOf(l, "Deployment", "schemaRegistry");
                const c = podSpec(dep).containers[0];
                // CMD ["/etc/confluent/docker/run"] → configure, ensure, launch.
                assert.strictEqual(c.command, undefined);
                assert.strictEqual(c.args, undefined);
                const env = envOf(c);
                // configure: `ub ensure SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS`, `ub ensure SCHEMA_REGISTRY_HOST_NAME`.
                for (const k of ["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_HOST_NAME"]) assert.ok(env[k], k);
                // configure exits 1 when SCHEMA_REGISTRY_PORT is set ("PORT is deprecated"), which Kubernetes' service
                // links inject for a Service named schema-registry (SCHEMA_REGISTRY_PORT=tcp://...).
                assert.strictEqual(env.SCHEMA_REGISTRY_PORT, undefined);
                assert.strictEqual(podSpec(dep).enableServiceLinks, false);
                // schema-registry.properties.template: envToProps "SCHEMA_REGISTRY_" with no exclusions, so every such
                // variable becomes a property ("_" → ".", docs.confluent.io's Docker configuration reference).
                // These are Schema Registry settings (docs.confluent.io schema-registry config reference), except
                // heap.opts, which bin/schema-registry-run-class reads as SCHEMA_REGISTRY_HEAP_OPTS and which the
                // server ignores as a property.
                const known = ["host.name", "listeners", "kafkastore.bootstrap.servers", "kafkastore.topic.replication.factor", "heap.opts"];
                for (const k of Object.keys(env).filter((x) => x.startsWith("SCHEMA_REGISTRY_"))) {
                    const prop = k.slice("SCHEMA_REGISTRY_".length).toLowerCase().replace(/___/g, "\0").replace(/__/g, "-").replace(/_/g, ".").replace(/\0/g, "_");
                    assert.ok(known.includes(prop), `${k} becomes the unknown property ${prop}`);
                }
                // configure: `ub path /etc/schema-registry/ writable`; the Dockerfile chowns it to APP_UID (appuser, 1000).
                assert.strictEqual(runAs(dep, c).uid, catalog.schemaRegistry.uid);
                assert.strictEqual(mountFor(dep, c, "/etc/schema-registry/schema-registry.properties"), undefined, "the rendered properties need the image's writable folder");
                // EXPOSE 8081; the listener is on it.
                assert.match(env.SCHEMA_REGISTRY_LISTENERS, /:8081$/);
            }));

        it("Kafka UI: the image's shell-form CMD with JAVA_OPTS, a LOGIN_FORM whose whitelist has the probe path", () =>
            timed("kafka-ui", `upstream source: kafbat/kafka-ui ${catalog.kafkaUi.tag} api/Dockerfile, application.yml, AbstractAuthSecurityConfig.java`, async () => {
                const dep = objectOf(l, "Deployment", "kafkaUi");
                const c = podSpec(dep).containers[0];
                // CMD java --add-opens ... $JAVA_OPTS -jar api.jar: a relative jar in WORKDIR /, options from JAVA_OPTS.
                assert.strictEqual(c.command, undefined);
                assert.strictEqual(c.args, undefined);
                assert.strictEqual(c.workingDir, undefined);
                const env = envOf(c);
                // -Djava.io.tmpdir must point at a writable volume (the image's / is root's).
                const tmp = /-Djava\.io\.tmpdir=(\S+)/.exec(env.JAVA_OPTS)?.[1];
                assert.ok(tmp && writableVolume(dep, c, tmp), `java.io.tmpdir ${tmp}`);
                // auth.type (application.yml default DISABLED): BasicAuthSecurityConfig is @ConditionalOnProperty LOGIN_FORM,
                // with Spring Security's single user from spring.security.user.*.
                assert.strictEqual(env.AUTH_TYPE, "LOGIN_FORM");
                assert.ok(env.SPRING_SECURITY_USER_NAME?.secretKeyRef && env.SPRING_SECURITY_USER_PASSWORD?.secretKeyRef);
                // AUTH_WHITELIST permits /actuator/health/** without a login (a probe answered by a redirect to /login
                // would pass as 3xx and mean nothing); application.yml exposes the health endpoint.
                for (const p of [c.readinessProbe, c.livenessProbe]) assert.strictEqual(p.httpGet.path, "/actuator/health");
                // EXPOSE 8080.
                assert.strictEqual(Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]))[c.readinessProbe.httpGet.port], 8080);
                // KAFKA_CLUSTERS_0_* bind to kafka.clusters[0] (Spring's relaxed binding, as the repository's compose files use).
                for (const k of ["KAFKA_CLUSTERS_0_NAME", "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]) assert.ok(env[k], k);
            }));

        it("RustFS: 10001, the variables its CLI reads, the entrypoint's data volume, a non-default key pair, public health paths", () =>
            timed("rustfs", `upstream source: rustfs/rustfs Dockerfile, entrypoint.sh, rustfs/src/config/cli.rs, route_policy.rs (image ${catalog.rustfs.tag})`, async () => {
                const sts = objectOf(l, "StatefulSet", "objectStore");
                const c = podSpec(sts).containers[0];
                if (c.name !== "rustfs") return; // the MinIO engine is opt-in and not the image checked here
                // Dockerfile: adduser -u 10001 -G rustfs (addgroup -g 10001); USER rustfs; /data and /logs owned by it.
                assert.deepStrictEqual(runAs(sts, c), { uid: 10001, gid: 10001 });
                // entrypoint.sh: no args (or "rustfs") → /usr/bin/rustfs + the RUSTFS_VOLUMES paths as arguments.
                assert.ok(!c.command && (c.args ?? []).length === 0);
                const env = envOf(c);
                // cli.rs: #[arg(env = ...)] on each of these; anything else RUSTFS_* we set would be ignored.
                const read = ["RUSTFS_VOLUMES", "RUSTFS_ADDRESS", "RUSTFS_ACCESS_KEY", "RUSTFS_SECRET_KEY", "RUSTFS_CONSOLE_ENABLE", "RUSTFS_CONSOLE_ADDRESS"];
                for (const k of Object.keys(env).filter((x) => x.startsWith("RUSTFS_"))) assert.ok(read.includes(k), `${k} is not read by rustfs`);
                // The entrypoint creates each RUSTFS_VOLUMES path (rustfs no longer creates the disk root): on the claim.
                for (const v of String(env.RUSTFS_VOLUMES).split(/[ ,\t]+/)) assert.ok(mountFor(sts, c, v)?.volume?.persistentVolumeClaim, `${v} is on no claim`);
                // An empty key is fatal, the default rustfsadmin only warned about: ours come from the generated Secret.
                assert.ok(env.RUSTFS_ACCESS_KEY?.secretKeyRef && env.RUSTFS_SECRET_KEY?.secretKeyRef);
                // RUSTFS_OBS_LOG_DIRECTORY=/logs (Dockerfile ENV): the image's own folder, owned by 10001; nothing covers it.
                assert.strictEqual(mountFor(sts, c, "/logs/x"), undefined);
                // The S3 and console listeners are the container's ports.
                const ports = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
                assert.strictEqual(env.RUSTFS_ADDRESS, `0.0.0.0:${ports.s3}`);
                assert.strictEqual(env.RUSTFS_CONSOLE_ADDRESS, `0.0.0.0:${ports.console}`);
                // route_policy.rs: GET /health and /health/ready are public routes (no signature).
                for (const p of [c.readinessProbe, c.livenessProbe]) assert.ok(["/health", "/health/ready"].includes(p.httpGet.path), p.httpGet.path);
            }));
    });
}
