import * as assert from "assert";
import { Loaded, STACKS, k8sObjects, loadStack, podTemplates, containersOf, sparkApplicationPods } from "./harness";

/** Every string in a value, with its path, for leak searches. */
function strings(v: unknown, path = "$"): { path: string; text: string }[] {
    if (typeof v === "string") return [{ path, text: v }];
    if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => strings(x, `${path}.${k}`));
    return [];
}

function leaks(l: Loaded, where: { path: string; text: string }[]): string[] {
    return where.filter((s) => l.generatedSecrets.some((g) => s.text.includes(g))).map((s) => s.path);
}

describe("stack outputs", () => {
    for (const stack of STACKS) {
        it(`${stack}: every endpoint has an in-cluster URL and a port-forward command for the right Service`, async () => {
            const l = await loadStack(stack);
            const endpoints = l.outputs.endpoints.value as Record<string, Record<string, any>>;
            const platformServices = stack === "prod" ? ["airflow", "clickhouse", "flink", "nessie", "postgres", "redis", "superset", "trino"] : [];
            const streaming = ["cassandra", "grafana", "kafka", "kafkaUi", "schemaRegistry"];
            assert.deepStrictEqual(
                Object.keys(endpoints).sort(),
                ["jupyter", "objectStore", "prometheus", "spark", "sparkHistory", ...streaming, ...platformServices].sort(),
            );
            const services = k8sObjects(l).filter((r) => r.inputs.kind === "Service");
            const locals: number[] = [];
            for (const [svc, eps] of Object.entries(endpoints)) {
                for (const [name, e] of Object.entries(eps)) {
                    const m = /^kubectl --context (\S+) -n (\S+) port-forward svc\/(\S+) (\d+):(\d+)$/.exec(e.portForward);
                    assert.ok(m, `${svc}.${name}: ${e.portForward}`);
                    const [, ctx, ns, name_, local, port] = m;
                    assert.strictEqual(ctx, l.outputs.kubeContext.value);
                    const target = services.find((s) => s.inputs.metadata.name === name_ && s.inputs.metadata.namespace === ns);
                    assert.ok(target, `${svc}.${name}: no Service ${ns}/${name_}`);
                    assert.ok(target.inputs.spec.ports.some((p: any) => p.port === Number(port)), `${svc}.${name}: port ${port}`);
                    assert.ok(e.url.includes(`${name_}.${ns}.svc:${port}`), e.url);
                    assert.ok(e.localUrl.includes(`localhost:${local}`), e.localUrl);
                    locals.push(Number(local));
                }
            }
            assert.strictEqual(new Set(locals).size, locals.length, `local ports must not clash: ${locals}`);
        });

        it(`${stack}: LoadBalancer endpoints show the address the cluster assigned (dev); prod has none`, async () => {
            const l = await loadStack(stack);
            const e = l.outputs.endpoints.value.jupyter.ui;
            if (stack === "prod") {
                // Prod's Services are ClusterIP: the UIs are reached through the Ingress.
                assert.strictEqual(e.external, undefined);
                assert.strictEqual(e.ingressUrl, "https://jupyter.lakehouse.example.com/lab");
                return;
            }
            // The mock cluster assigns 172.18.255.x; the output must carry what status reports.
            assert.match(e.external, /^http:\/\/172\.18\.255\.\d+:8888\/lab$/);
            assert.strictEqual(l.outputs.endpoints.value.spark.workerUi.external, undefined, "internal-only Service has no external address");
        });

        it(`${stack}: credentials are a secret output holding every generated value`, async () => {
            const l = await loadStack(stack);
            assert.strictEqual(l.outputs.credentials.secret, true);
            const values = strings(l.outputs.credentials.value).map((s) => s.text);
            // object store 2, Jupyter 1, Cassandra 2 (superuser, pipeline login), Kafka UI 1, Grafana 1; prod also
            // PostgreSQL's admin and 3 consumers, Redis, ClickHouse, Airflow's 4 and Superset's 2.
            assert.strictEqual(l.generatedSecrets.length, stack === "prod" ? 19 : 7);
            for (const g of l.generatedSecrets) assert.ok(values.includes(g), `credentials output lacks a generated value`);
            const platformCredentials = stack === "prod" ? ["airflow", "clickhouse", "postgres", "redis", "superset"] : [];
            assert.deepStrictEqual(
                Object.keys(l.outputs.credentials.value).sort(),
                ["cassandra", "grafana", "jupyter", "kafkaUi", "objectStore", ...platformCredentials].sort(),
            );
            assert.deepStrictEqual(Object.keys(l.outputs.credentials.value.objectStore).sort(), ["accessKey", "secretKey"]);
        });

        it(`${stack}: no generated secret appears in a plain output, a ConfigMap, an env value or a command line`, async () => {
            const l = await loadStack(stack);
            const plain = Object.entries(l.outputs).filter(([, o]) => !o.secret).flatMap(([k, o]) => strings(o.value, k));
            assert.deepStrictEqual(leaks(l, plain), []);
            const places: { path: string; text: string }[] = [];
            // Every field of every object except the Secrets themselves: ConfigMaps, annotations, policies...
            for (const r of k8sObjects(l).filter((x) => x.inputs.kind !== "Secret")) {
                places.push(...strings(r.inputs, `${r.inputs.kind} ${r.inputs.metadata?.name}`));
            }
            for (const pod of podTemplates(l)) {
                for (const { container: c } of containersOf(pod)) {
                    const where = `${pod.owner.inputs.metadata.name}/${c.name}`;
                    places.push(...strings((c.env ?? []).map((e: any) => e.value), `${where} env`));
                    places.push(...strings([...(c.command ?? []), ...(c.args ?? [])], `${where} command`));
                }
            }
            assert.ok(places.length > 20);
            assert.deepStrictEqual(leaks(l, places), []);
            // ...and the search does find a secret where one is: the Secret objects themselves.
            const secrets = k8sObjects(l).filter((r) => r.inputs.kind === "Secret");
            assert.ok(leaks(l, secrets.flatMap((s) => strings(s.inputs.stringData))).length > 0);
        });

        it(`${stack}: credentials are stable: generated once by @pulumi/random, with no keepers that would rotate them`, async () => {
            const l = await loadStack(stack);
            const passwords = l.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
            assert.strictEqual(passwords.length, stack === "prod" ? 19 : 7);
            for (const p of passwords) {
                assert.strictEqual(p.inputs.keepers, undefined, p.name);
                assert.strictEqual(p.inputs.special, false, `${p.name}: values go into URLs and env files`);
                assert.ok(p.inputs.length >= 20, p.name);
            }
        });
    }

    it("workloads read credentials only through secretKeyRef", async () => {
        const l = await loadStack("dev");
        const pods = [...podTemplates(l), ...sparkApplicationPods(k8sObjects(l).map((r) => r.inputs)).map((p) => ({ ...p, owner: undefined as never }))];
        const refs = pods.flatMap((p) =>
            containersOf(p).flatMap(({ container: c }) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name)),
        );
        assert.deepStrictEqual(
            [...new Set(refs)].sort(),
            [
                "ACCESS_KEY",
                "ADMIN_PASSWORD",
                "APP_PASSWORD",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "CASSANDRA_PASSWORD",
                "CASSANDRA_USERNAME",
                "GF_SECURITY_ADMIN_PASSWORD",
                "GF_SECURITY_ADMIN_USER",
                "JUPYTER_TOKEN",
                "RUSTFS_ACCESS_KEY",
                "RUSTFS_SECRET_KEY",
                "SECRET_KEY",
                "SPRING_SECURITY_USER_NAME",
                "SPRING_SECURITY_USER_PASSWORD",
            ],
        );
    });
});
