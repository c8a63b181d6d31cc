// The services' own software, from the package registries through their ordinary clients (mvn, pip,
// apt-get, go), cached outside the repository in ~/.cache/lakehouse-services (LAKEHOUSE_SERVICES_CACHE).
// Each entry is built into `<name>.tmp` and renamed once complete, under a lock, so an interrupted or
// concurrent run never sees half an entry.

import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./processes";

export const CACHE = process.env.LAKEHOUSE_SERVICES_CACHE ?? path.join(os.homedir(), ".cache", "lakehouse-services");

function hash(x: unknown): string {
    return crypto.createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 12);
}

/** Returns `<CACHE>/<name>`, creating it with `build(tmpDir)` the first time. */
export async function cached(name: string, build: (dir: string) => void | Promise<void>): Promise<string> {
    const dir = path.join(CACHE, name);
    if (fs.existsSync(path.join(dir, ".done"))) return dir;
    fs.mkdirSync(CACHE, { recursive: true });
    const lock = `${dir}.lock`;
    const deadline = Date.now() + 30 * 60 * 1000;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            break;
        } catch {
            if (fs.existsSync(path.join(dir, ".done"))) return dir;
            if (Date.now() > deadline) throw new Error(`${lock} held for 30 minutes; remove it if no run is building ${name}`);
            await new Promise((r) => setTimeout(r, 2000));
        }
    }
    try {
        if (fs.existsSync(path.join(dir, ".done"))) return dir;
        const tmp = `${dir}.tmp`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        const t0 = Date.now();
        await build(tmp);
        fs.writeFileSync(path.join(tmp, ".done"), `${Math.round((Date.now() - t0) / 1000)}\n`);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(tmp, dir);
        return dir;
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

function must(what: string, r: ReturnType<typeof run>): string {
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}${r.error ? `, ${r.error.message}` : ""}):\n${(r.stdout + r.stderr).slice(-3000)}`);
    return r.stdout;
}

/**
 * Maven Central artifacts and their runtime dependencies, copied into one folder of jars by
 * `mvn dependency:copy-dependencies` over a generated pom. `coords` are `group:artifact:version`
 * (optionally `:type:classifier`). Returns the folder.
 */
export function mavenJars(name: string, coords: string[], exclusions: string[] = []): Promise<string> {
    return cached(`${name}-${hash([coords, exclusions])}`, (dir) => {
        const deps = coords
            .map((c) => {
                const [g, a, v, type, classifier] = c.split(":");
                const ex = exclusions.map((e) => `<exclusion><groupId>${e.split(":")[0]}</groupId><artifactId>${e.split(":")[1]}</artifactId></exclusion>`).join("");
                return `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version>${type ? `<type>${type}</type>` : ""}${classifier ? `<classifier>${classifier}</classifier>` : ""}<exclusions>${ex}</exclusions></dependency>`;
            })
            .join("\n");
        fs.writeFileSync(
            path.join(dir, "pom.xml"),
            `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>lakehouse.conformance</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging><dependencies>${deps}</dependencies></project>`,
        );
        must(`mvn copy-dependencies for ${name}`, run(["mvn", "-B", "-q", "-f", path.join(dir, "pom.xml"), "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${path.join(dir, "jars")}`], { timeoutMs: 20 * 60 * 1000 }));
    }).then((d) => path.join(d, "jars"));
}

/** One Maven Central artifact file (e.g. a server tarball: `io.trino:trino-server:476:tar.gz`), unpacked when it is an archive. */
export function mavenArtifact(coord: string): Promise<string> {
    return cached(`artifact-${coord.replace(/[^A-Za-z0-9.-]+/g, "_")}`, (dir) => {
        must(`mvn dependency:copy ${coord}`, run(["mvn", "-B", "-q", "dependency:copy", `-Dartifact=${coord}`, `-DoutputDirectory=${dir}`], { timeoutMs: 30 * 60 * 1000 }));
        for (const f of fs.readdirSync(dir)) {
            if (/\.(tar\.gz|tgz)$/.test(f)) {
                must(`unpack ${f}`, run(["tar", "-xzf", path.join(dir, f), "-C", dir]));
                fs.rmSync(path.join(dir, f));
            }
        }
    });
}

/** A Python venv with exactly these requirements (pip's own resolver, pins as given). Returns the venv folder. */
export function pythonVenv(name: string, requirements: string[], python = "python3"): Promise<string> {
    return cached(`venv-${name}-${hash([requirements, python])}`, (dir) => {
        must(`venv ${name}`, run([python, "-m", "venv", dir]));
        must(`pip install for ${name}`, run([path.join(dir, "bin", "pip"), "install", "--disable-pip-version-check", "-q", ...requirements], { timeoutMs: 30 * 60 * 1000 }));
        relocateScripts(dir);
    });
}

/**
 * A venv's console scripts (`airflow`, `superset`, `celery`) start with `#!<venv>/bin/python`; the venv is
 * built in `<name>.tmp` and renamed, so their first line is pointed at the final folder.
 */
function relocateScripts(tmp: string): void {
    const final = tmp.replace(/\.tmp$/, "");
    const bin = path.join(tmp, "bin");
    for (const f of fs.readdirSync(bin)) {
        const p = path.join(bin, f);
        if (!fs.lstatSync(p).isFile()) continue;
        const text = fs.readFileSync(p, "latin1");
        if (text.startsWith(`#!${tmp}/`)) fs.writeFileSync(p, `#!${final}/` + text.slice(tmp.length + 3), "latin1");
    }
}

/**
 * Debian packages unpacked (not installed) into a folder: `apt-get download` + `dpkg-deb -x`, so no root, no
 * maintainer scripts and no services are started. Their libraries may need LD_LIBRARY_PATH into the folder.
 * With `backports`, every package is taken from this release's backports suite (`<codename>-backports`, on
 * the machine's own Debian mirror), through package lists kept in the cache entry, not the machine's.
 */
export function debianPackages(name: string, packages: string[], o: { backports?: boolean } = {}): Promise<string> {
    return cached(`deb-${name}-${hash(o.backports ? [packages, "backports"] : packages)}`, (dir) => {
        const dl = path.join(dir, "debs");
        fs.mkdirSync(dl);
        let apt: string[] = [];
        let wanted = packages;
        if (o.backports) {
            const suite = `${osRelease().VERSION_CODENAME}-backports`;
            apt = backportsSources(dir, suite);
            must(`apt-get update for ${suite}`, run(["apt-get", ...apt, "update", "-qq"], { timeoutMs: 10 * 60 * 1000 }));
            wanted = packages.map((p) => `${p}/${suite}`);
        }
        let r = run(["apt-get", ...apt, "download", ...wanted], { cwd: dl, timeoutMs: 10 * 60 * 1000 });
        if (r.code !== 0 && !o.backports) {
            // A fresh machine's package lists may be missing or stale.
            run(["apt-get", "update", "-qq"], { timeoutMs: 10 * 60 * 1000 });
            r = run(["apt-get", "download", ...wanted], { cwd: dl, timeoutMs: 10 * 60 * 1000 });
        }
        must(`apt-get download ${wanted.join(" ")}`, r);
        for (const deb of fs.readdirSync(dl)) must(`dpkg-deb -x ${deb}`, run(["dpkg-deb", "-x", path.join(dl, deb), path.join(dir, "root")]));
        fs.rmSync(dl, { recursive: true });
        fs.rmSync(path.join(dir, "apt"), { recursive: true, force: true });
    }).then((d) => path.join(d, "root"));
}

function osRelease(): Record<string, string> {
    const text = fs.readFileSync("/etc/os-release", "utf8");
    return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replace(/^"|"$/g, "")]));
}

/** apt options for a sources file naming only `suite`, on the mirror (and keyring) of the machine's main Debian source. */
function backportsSources(dir: string, suite: string): string[] {
    const system = "/etc/apt/sources.list.d/debian.sources";
    const main = fs.existsSync(system) ? fs.readFileSync(system, "utf8").split(/\n\s*\n/)[0] : "";
    const uri = /^URIs:\s*(\S+)/m.exec(main)?.[1];
    if (!uri) throw new Error(`${system}: no URIs line in its first entry; cannot find this machine's Debian mirror for ${suite}`);
    const keyring = /^Signed-By:\s*(\S+)/m.exec(main)?.[1] ?? "/usr/share/keyrings/debian-archive-keyring.gpg";
    const apt = path.join(dir, "apt");
    fs.mkdirSync(path.join(apt, "lists", "partial"), { recursive: true });
    fs.mkdirSync(path.join(apt, "cache"), { recursive: true });
    fs.mkdirSync(path.join(apt, "sources"));
    fs.writeFileSync(path.join(apt, "sources", "backports.sources"), `Types: deb\nURIs: ${uri}\nSuites: ${suite}\nComponents: main\nSigned-By: ${keyring}\n`);
    return [
        "-o", `Dir::Etc::sourcelist=${path.join(apt, "none.list")}`,
        "-o", `Dir::Etc::sourceparts=${path.join(apt, "sources")}`,
        "-o", `Dir::State::Lists=${path.join(apt, "lists")}`,
        "-o", `Dir::Cache=${path.join(apt, "cache")}`,
    ];
}

/** A Go program built from the Go module proxy (`go install module/pkg@version`) into a cache folder; returns the binary. */
export async function goBinary(pkgAtVersion: string, binary: string, env: Record<string, string> = {}): Promise<string> {
    const dir = await cached(`go-${pkgAtVersion.replace(/[^A-Za-z0-9.-]+/g, "_")}`, (d) => {
        must(`go install ${pkgAtVersion}`, run(["nice", "-n", "10", "go", "install", "-trimpath", pkgAtVersion], { env: { GOBIN: d, CGO_ENABLED: "0", ...env }, timeoutMs: 40 * 60 * 1000 }));
    });
    return path.join(dir, binary);
}

/**
 * A Go program built inside its own module, as that module's main module (`go mod download`, then `go build`
 * in a copy of the module's folder): for modules whose go.mod has `exclude` or `replace` directives, which
 * `go install pkg@version` refuses. Returns the binary.
 */
export async function goModuleBinary(module: string, version: string, pkg: string, binary: string): Promise<string> {
    const dir = await cached(`gomod-${`${module}@${version}`.replace(/[^A-Za-z0-9.-]+/g, "_")}-${binary}`, (d) => {
        const env = { CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
        const info = JSON.parse(must(`go mod download ${module}@${version}`, run(["go", "mod", "download", "-json", `${module}@${version}`], { env, timeoutMs: 20 * 60 * 1000, cwd: d })));
        const src = path.join(d, "src");
        must(`copy ${info.Dir}`, run(["cp", "-r", info.Dir, src]));
        must(`chmod ${src}`, run(["chmod", "-R", "u+w", src]));
        must(`go build ${pkg}`, run(["nice", "-n", "10", "go", "build", "-trimpath", "-o", path.join(d, binary), pkg], { env: { CGO_ENABLED: "0" }, cwd: src, timeoutMs: 40 * 60 * 1000 }));
        fs.rmSync(src, { recursive: true, force: true });
    });
    return path.join(dir, binary);
}

/** A fresh scratch folder for one test's files, removed at the end of the suite unless LAKEHOUSE_KEEP_SANDBOX is set. */
export function sandbox(name: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lakehouse-${name}-`));
    sandboxes.push(dir);
    return dir;
}
export const sandboxes: string[] = [];

/**
 * Maven coordinates (`group:artifact:version`) of a Maven Central jar URL (`<repo>/<group path>/<artifact>/
 * <version>/<artifact>-<version>.jar`), so a jar an init container would curl is fetched through mvn here.
 */
export function mavenCoordsFromUrl(url: string): string {
    const m = /\/maven2\/(.+)\/([^/]+)\/([^/]+)\/\2-\3\.jar$/.exec(url);
    if (!m) throw new Error(`not a Maven Central jar URL: ${url}`);
    return `${m[1].replace(/\//g, ".")}:${m[2]}:${m[3]}`;
}

/** The one jar of a Maven Central URL (no dependencies), fetched by mvn; returns its path. */
export async function mavenJarOf(url: string): Promise<string> {
    const [, a, v] = mavenCoordsFromUrl(url).split(":");
    return path.join(await mavenArtifact(mavenCoordsFromUrl(url)), `${a}-${v}.jar`);
}
