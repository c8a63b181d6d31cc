// Image pins of the platform services (issue 5), spread into `catalog` in catalog.ts. Tags were confirmed
// with the search tool (public pins in compose files, CI and k8s manifests, Nov 2026) and against
// shared/FACTS.md; UIDs are the images' own users.

export const platformServicePins = {
    postgres: {
        image: "postgres",
        tag: "18.6",
        uid: 999,
        gid: 999,
        confirmed: "search (code): postgres:18.6 pinned in public compose files and testcontainers setups (Nov 2026); FACTS.md; image user postgres 999",
    },
    redis: {
        image: "redis",
        tag: "8.10.2",
        uid: 999,
        gid: 999,
        confirmed: "search (code): redis:8.10.2 pinned in public k8s manifests and Dependabot bumps (Nov 2026); FACTS.md; image user redis 999",
    },
    nessie: {
        image: "ghcr.io/projectnessie/nessie",
        tag: "0.108.4",
        uid: 10000,
        gid: 10000,
        confirmed: "search (code): ghcr.io/projectnessie/nessie:0.108.4 in public compose files (the docker.io copy is frozen at 0.76.6); FACTS.md gives UID 10000",
    },
    trino: {
        image: "trinodb/trino",
        tag: "483",
        uid: 1000,
        gid: 1000,
        confirmed: "search (code): trinodb/trino:483 pinned with digest in public compose files and Helm values (Nov 2026); image user trino 1000",
    },
    flink: {
        image: "flink",
        tag: "2.3.0-java17",
        uid: 9999,
        gid: 9999,
        confirmed: "search (code): flink:2.3.0-java17 in public compose files and k8s manifests (Nov 2026); image user flink 9999 (FACTS.md)",
    },
    clickhouse: {
        image: "clickhouse/clickhouse-server",
        tag: "26.8.15.10",
        uid: 101,
        gid: 101,
        confirmed: "search (code): clickhouse/clickhouse-server:26.8.15.10 listed as the 26.8 LTS image in a public test matrix (Nov 2026); image user clickhouse 101",
    },
    airflow: {
        image: "apache/airflow",
        tag: "3.3.2",
        uid: 50000,
        // The image's files belong to group 0 (OpenShift-style), so the pods run with GID 0, which is not root.
        gid: 0,
        confirmed: "search (code): apache/airflow:3.3.2 (and -python3.12) as the base of public Dockerfiles (Nov 2026); image user airflow 50000, group 0",
    },
    superset: {
        image: "apache/superset",
        tag: "6.1.0",
        uid: 1000,
        gid: 1000,
        confirmed: "search (code): apache/superset:6.1.0 in public Dockerfiles and compose files (Nov 2026); image user superset 1000; no psycopg2 in it (FACTS.md)",
    },
} as const;

/** Python drivers Superset's image lacks, pip-installed by an init container; versions checked on PyPI (Nov 2026). */
export const supersetDrivers = ["psycopg2-binary==2.9.11", "trino==0.336.0", "clickhouse-connect==0.15.1"] as const;
