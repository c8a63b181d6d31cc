// A small Kubernetes API client for `npm run test:cluster`: the kubeconfig's current context (client
// certificate, as kwokctl writes it), API discovery, server-side apply with strict field validation, and the
// server's warnings (the `Warning` response header, RFC 7234 code 299, which is how Pod Security `warn`
// and deprecations reach a client).

import * as fs from "fs";
import * as https from "https";
import * as yaml from "js-yaml";

export interface Response {
    status: number;
    body: any;
    warnings: string[];
}

/** The texts of `299 - "<text>"` warnings in a Warning header (Node joins repeated headers with ", "). */
export function parseWarnings(header: string | string[] | undefined): string[] {
    const text = Array.isArray(header) ? header.join(", ") : (header ?? "");
    return [...text.matchAll(/299 [^ ]+ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, "$1"));
}

interface Resource {
    plural: string;
    namespaced: boolean;
    verbs: string[];
}

/** What the server calls an object: `${apiVersion}/${kind}`. */
const typeKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

export class Kube {
    private readonly agent: https.Agent;
    private resources = new Map<string, Resource>();

    constructor(private readonly server: string, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }) {
        this.agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 8 });
    }

    static fromKubeconfig(file: string): Kube {
        const cfg = yaml.load(fs.readFileSync(file, "utf8")) as any;
        const ctx = cfg.contexts.find((c: any) => c.name === cfg["current-context"]).context;
        const cluster = cfg.clusters.find((c: any) => c.name === ctx.cluster).cluster;
        const user = cfg.users.find((u: any) => u.name === ctx.user).user;
        const read = (data: string | undefined, path: string | undefined) => (data ? Buffer.from(data, "base64") : path ? fs.readFileSync(path) : undefined);
        return new Kube(cluster.server, {
            ca: read(cluster["certificate-authority-data"], cluster["certificate-authority"]),
            cert: read(user["client-certificate-data"], user["client-certificate"]),
            key: read(user["client-key-data"], user["client-key"]),
        });
    }

    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Response> {
        const url = new URL(path, this.server);
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                url,
                {
                    method,
                    agent: this.agent,
                    headers: { Accept: "application/json", ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}) },
                    timeout: 60_000,
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (d) => (text += d));
                    res.on("end", () => {
                        let parsed: any = text;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            // not JSON: keep the text
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed, warnings: parseWarnings(res.headers.warning) });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 60s`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    async get(path: string): Promise<any> {
        const r = await this.request("GET", path);
        if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body?.message ?? r.body}`);
        return r.body;
    }

    /** Reads every served resource type (again after CRDs are registered). */
    async discover(): Promise<void> {
        const groupVersions = ["v1", ...((await this.get("/apis")).groups as any[]).flatMap((g) => g.versions.map((v: any) => v.groupVersion))];
        const resources = new Map<string, Resource>();
        for (const gv of groupVersions) {
            const list = await this.get(gv === "v1" ? "/api/v1" : `/apis/${gv}`);
            for (const r of list.resources as any[]) {
                if (r.name.includes("/")) continue;
                resources.set(typeKey(gv, r.kind), { plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] });
            }
        }
        this.resources = resources;
    }

    resource(apiVersion: string, kind: string): Resource {
        const r = this.resources.get(typeKey(apiVersion, kind));
        if (!r) throw new Error(`the server does not serve ${apiVersion} ${kind}`);
        return r;
    }

    /** The path of a collection (`name` unset) or of one object. */
    path(apiVersion: string, kind: string, namespace?: string, name?: string): string {
        const r = this.resource(apiVersion, kind);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const ns = r.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
        return `${base}${ns}/${r.plural}${name ? `/${name}` : ""}`;
    }

    pathOf(o: any): string {
        return this.path(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    }

    /** Server-side apply; unknown or duplicate fields are errors (fieldValidation=Strict), not dropped. */
    apply(o: any, fieldManager: string): Promise<Response> {
        return this.request("PATCH", `${this.pathOf(o)}?fieldManager=${fieldManager}&fieldValidation=Strict&force=true`, o, "application/apply-patch+yaml");
    }

    async list(apiVersion: string, kind: string, namespace?: string, query = ""): Promise<any[]> {
        const r = this.resource(apiVersion, kind);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const ns = r.namespaced && namespace ? `/namespaces/${namespace}` : "";
        return (await this.get(`${base}${ns}/${r.plural}${query ? `?${query}` : ""}`)).items;
    }

    /** Every served type that can be listed, for the sweep after teardown. */
    listable(): { apiVersion: string; kind: string; namespaced: boolean }[] {
        return [...this.resources].filter(([, r]) => r.verbs.includes("list")).map(([k, r]) => {
            const i = k.lastIndexOf("/");
            return { apiVersion: k.slice(0, i), kind: k.slice(i + 1), namespaced: r.namespaced };
        });
    }
}
