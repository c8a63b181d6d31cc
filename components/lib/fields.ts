// Small, composable readers for stack config values. Each reader checks one value and, when it is bad,
// records a problem that names the full config key, the value given and what is allowed. Readers never
// throw, so one run reports every bad value at once.

import { parseBytes, parseCpu, parseSparkSize } from "./quantity";

export class Problems {
    readonly list: string[] = [];
    add(key: string, value: unknown, allowed: string): void {
        this.list.push(`lakehouse:${key}: ${show(value)} is not valid; ${allowed}`);
    }
    note(message: string): void {
        this.list.push(message);
    }
}

/** Longest value echoed whole in a message; longer ones are cut, with their length. */
const SHOWN_MAX = 80;

/** A value as a message shows it: JSON, cut after SHOWN_MAX characters, never a crash on a deep value. */
export function show(value: unknown): string {
    if (typeof value === "string" && value.length > SHOWN_MAX) return `${JSON.stringify(value.slice(0, SHOWN_MAX))}… (${value.length} characters)`;
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        // Too deeply nested for JSON.stringify (a RangeError); decode() refuses such values before readers see them.
        return Array.isArray(value) ? "[…]" : "{…}";
    }
    return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}… (${text.length} characters)` : text;
}

/** A key as a message names it: cut like a value when it is absurdly long. */
export function showKey(key: string): string {
    return key.length > SHOWN_MAX ? `${key.slice(0, SHOWN_MAX)}… (${key.length} characters)` : key;
}

/** Whether `key` is one of the object's own keys: `toString` or `__proto__` are not keys of a shape. */
export function hasKey(o: object, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(o, key);
}

/** Reads `value` at `key`; returns undefined (and records a problem) when it is bad. */
export type Field<T> = (key: string, value: unknown, problems: Problems) => T | undefined;

// Stack config holds top-level scalars as strings ("3", "true"); values nested in objects are typed JSON,
// so the readers accept both.
export const bool: Field<boolean> = (key, value, p) => {
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    p.add(key, value, "expected true or false");
    return undefined;
};

// Decimal digits only: JavaScript's Number() would also read "0x10" as 16, "1e3" as 1000 and " 3 " as 3.
const WHOLE = /^-?[0-9]+$/;
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): Field<number> {
    return (key, value, p) => {
        const n = typeof value === "string" && WHOLE.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            const range = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
            p.add(key, value, `expected ${range}`);
            return undefined;
        }
        return n;
    };
}

export function oneOf<T extends string>(...allowed: T[]): Field<T> {
    return (key, value, p) => {
        if (typeof value === "string" && (allowed as string[]).includes(value)) return value as T;
        p.add(key, value, `allowed: ${allowed.join(" | ")}`);
        return undefined;
    };
}

export function matching(pattern: RegExp, allowed: string): Field<string> {
    return (key, value, p) => {
        if (typeof value === "string" && pattern.test(value)) return value;
        p.add(key, value, allowed);
        return undefined;
    };
}

/** A DNS-1123 label: what Kubernetes accepts as a namespace or Service name. */
export const dnsLabel = matching(
    /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit",
);

export const cpuQuantity: Field<string> = (key, value, p) => {
    if (typeof value === "string" && (parseCpu(value) ?? 0) > 0) return value;
    if (typeof value === "number" && value > 0) return String(value);
    p.add(key, value, 'expected a CPU quantity above zero such as "250m", "1" or "1.5"');
    return undefined;
};

/** Below this no JVM, database or server here starts (a 1-byte limit would be accepted by Kubernetes). */
export const MIN_MEMORY = "16Mi";

export const memoryQuantity: Field<string> = (key, value, p) => {
    if (typeof value === "string" && (parseBytes(value) ?? 0) >= parseBytes(MIN_MEMORY)!) return value;
    p.add(key, value, `expected a memory quantity of at least ${MIN_MEMORY} such as "512Mi", "2Gi" or "1G" (binary suffixes Ki, Mi, Gi, Ti)`);
    return undefined;
};

/** A container's CPU limit: required, because every container keeps one (safe defaults: requests and limits). */
export const cpuLimit: Field<string> = (key, value, p) => {
    if (value === null || value === "") {
        p.add(key, value, 'a CPU limit can\'t be removed: every container keeps one, so one busy pod can\'t starve its node; raise it instead, e.g. "4"');
        return undefined;
    }
    return cpuQuantity(key, value, p);
};

/** A volume size: a memory-style quantity above zero. */
export const volumeSize: Field<string> = (key, value, p) => {
    if (typeof value === "string" && (parseBytes(value) ?? 0) > 0) return value;
    p.add(key, value, 'expected a size above zero such as "5Gi" or "100Gi"');
    return undefined;
};

// The image reference grammar of github.com/distribution/reference (reference.go, regexp.go), which
// container runtimes parse image names with: lowercase path components joined by single separators,
// `/` between components (none empty), an optional registry host[:port] before the first `/`, then an
// optional tag and digest. Only sha256 digests, which kubelets pull by.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const IMAGE_REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);
/** distribution/reference's RepositoryNameTotalLengthMax. */
const IMAGE_NAME_MAX = 255;

export interface ImageReference {
    /** Registry host and repository path, e.g. "quay.io/jupyter/pyspark-notebook". */
    name: string;
    tag?: string;
    digest?: string;
}

/** Parses an image reference by the distribution/reference grammar; undefined when it isn't one. */
export function parseImageReference(text: string): ImageReference | undefined {
    // Longer than any valid reference (name, tag and digest at their maxima): refused before the regexp runs.
    if (text.length > IMAGE_NAME_MAX + 130 + 72) return undefined;
    const m = IMAGE_REFERENCE.exec(text);
    if (!m || m[1].length > IMAGE_NAME_MAX) return undefined;
    return { name: m[1], tag: m[2], digest: m[3] };
}

/** An image reference override; it must carry a pinned tag (not `latest`) or a digest. */
export const imageOverride: Field<string> = (key, value, p) => {
    const ref = typeof value === "string" ? parseImageReference(value) : undefined;
    if (!ref) {
        p.add(
            key,
            value,
            'expected an image with a pinned tag, such as "registry.example.com/team/spark:4.0.1": an image reference ' +
                "(github.com/distribution/reference: ASCII, lowercase repository path, no empty path component, a tag of letters, digits, '_', '.', '-')",
        );
        return undefined;
    }
    if (ref.digest || (ref.tag && ref.tag !== "latest")) return value as string;
    p.add(key, value, 'expected an image with a pinned tag, such as "registry.example.com/team/spark:4.0.1" (not "latest", not untagged)');
    return undefined;
};

/** A Kafka topic name as Kafka's Topic.validate accepts it; names starting with "__" are Kafka's own. */
export const kafkaTopic: Field<string> = (key, value, p) => {
    if (typeof value === "string" && /^[a-zA-Z0-9._-]{1,249}$/.test(value) && value !== "." && value !== ".." && !value.startsWith("__")) return value;
    p.add(key, value, "expected a Kafka topic name: 1-249 letters, digits, '.', '_' and '-', not \".\" or \"..\" and not starting with \"__\" (Kafka's internal topics)");
    return undefined;
};

/** A CQL keyspace name of our own: Cassandra keeps `system` and every `system_*` keyspace for itself. */
export const cqlKeyspace: Field<string> = (key, value, p) => {
    if (typeof value === "string" && /^[a-z][a-z0-9_]{0,47}$/.test(value) && value !== "system" && !value.startsWith("system_")) return value;
    p.add(
        key,
        value,
        "expected a CQL keyspace name: lowercase letters, digits and '_', starting with a letter, at most 48 characters, " +
            "and not Cassandra's own (system, system_auth, system_schema, system_traces, ...: system and every system_* name)",
    );
    return undefined;
};

/**
 * A heap or memory size in the JVM's and Spark's syntax ("512m", "2g"), at least `min` (same syntax):
 * a JVM, and Spark in particular, refuses to start below its floor.
 */
export function jvmSize(min: string, why: string): Field<string> {
    const floor = parseSparkSize(min)!;
    return (key, value, p) => {
        if (typeof value === "string" && /^[1-9][0-9]*[mMgG]$/.test(value) && parseSparkSize(value.toLowerCase())! >= floor) return value;
        p.add(key, value, `expected a JVM size such as "512m" or "2g", at least ${min} (${why})`);
        return undefined;
    };
}

// Prometheus keeps durations as int64 nanoseconds (prometheus/common model.ParseDuration answers
// "duration out of range" above 2^63-1 ns, about 292 years).
const DURATION_UNIT_NS: Record<string, bigint> = { h: 3600n * 10n ** 9n, d: 86400n * 10n ** 9n, w: 7n * 86400n * 10n ** 9n, y: 365n * 86400n * 10n ** 9n };
const DURATION_MAX_NS = 2n ** 63n - 1n;

/** A Prometheus duration of whole hours, days, weeks or years, within what Prometheus can hold. */
export const prometheusDuration: Field<string> = (key, value, p) => {
    const m = typeof value === "string" ? /^([1-9][0-9]*)([hdwy])$/.exec(value) : null;
    if (!m) {
        p.add(key, value, 'expected a duration such as "12h", "7d" or "2w"');
        return undefined;
    }
    if (BigInt(m[1]) * DURATION_UNIT_NS[m[2]] > DURATION_MAX_NS) {
        p.add(key, value, "Prometheus holds durations up to about 292 years (int64 nanoseconds): at most 292y, 15250w, 106751d or 2562047h");
        return undefined;
    }
    return value as string;
};

export function listOf<T>(item: Field<T>, minItems = 0): Field<T[]> {
    return (key, value, p) => {
        if (!Array.isArray(value) || value.length < minItems) {
            p.add(key, value, `expected a list with at least ${minItems} item(s)`);
            return undefined;
        }
        const out: T[] = [];
        value.forEach((v, i) => {
            const r = item(`${key}[${i}]`, v, p);
            if (r !== undefined) out.push(r);
        });
        const dupes = out.filter((v, i) => out.indexOf(v) !== i);
        if (dupes.length > 0) p.add(key, value, `expected no duplicates (${show(dupes[0])} appears twice)`);
        return out.length === value.length ? out : undefined;
    };
}

export type Shape<T> = { [K in keyof T]-?: Field<T[K]> };

/** The most pods of one kind (workers, replicas) the platform deploys for a service. */
export const MAX_REPLICAS = 100;

// A Kubernetes annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63
// characters (the API server's qualified-name rule).
const ANNOTATION_KEY = /^(?:(?=.{1,253}\/)[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A map of Kubernetes annotations: qualified-name keys, string values. */
export const annotations: Field<Record<string, string>> = (key, value, p) => {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        p.add(key, value, 'expected a map of annotations such as {"nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth"}');
        return undefined;
    }
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
        if (!ANNOTATION_KEY.test(k)) {
            p.add(`${key}.${k}`, k, "expected an annotation key: an optional DNS prefix and '/', then letters, digits, '-', '_' and '.', at most 63 characters");
            ok = false;
        } else if (typeof v !== "string" || v === "") {
            p.add(`${key}.${k}`, v, "expected a non-empty string");
            ok = false;
        }
    }
    return ok ? (value as Record<string, string>) : undefined;
};

/**
 * Reads an object whose every key has a reader and a default. Unknown keys are problems (a typo would
 * otherwise be silently ignored); missing keys take the default. Nested objects are read by their own
 * `object` readers with their own defaults, so a partial override ({limits: {memory}}) keeps the rest.
 */
export function object<T extends object>(shape: Shape<T>, defaults: T): Field<T> {
    return (key, value, p) => {
        if (value === undefined || value === null) return defaults;
        if (!isPlainObject(value)) {
            p.add(key, value, `expected an object with keys: ${Object.keys(shape).join(", ")}`);
            return undefined;
        }
        const out = { ...defaults } as Record<string, unknown>;
        let ok = true;
        for (const [k, v] of Object.entries(value)) {
            const read = hasKey(shape, k) ? (shape as Record<string, Field<unknown>>)[k] : undefined;
            if (!read) {
                p.note(`lakehouse:${key}.${showKey(k)}: unknown key; allowed keys: ${Object.keys(shape).join(", ")}`);
                ok = false;
                continue;
            }
            const r = read(`${key}.${k}`, v, p);
            if (r === undefined) ok = false;
            else out[k] = r;
        }
        return ok ? (out as T) : undefined;
    };
}

/**
 * A key that may be left out (undefined: the default, `unset`). `""` and `null` are not "unset": they are
 * refused with how to unset the key, so no empty value slips through as a setting.
 */
export function optional<T>(field: Field<T>, unset: string): Field<T | undefined> {
    return (key, value, p) => {
        if (value === undefined) return undefined;
        if (value === null || value === "") {
            p.add(key, value, `an empty value is not a setting; leave the key out for ${unset} (\`pulumi config rm --path ${key}\`)`);
            return undefined;
        }
        return field(key, value, p);
    };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A number (not necessarily whole) from min to max, inclusive. */
export function decimal(min: number, max: number): Field<number> {
    return (key, value, p) => {
        const n = typeof value === "string" && DECIMAL.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isFinite(n) || n < min || n > max) {
            p.add(key, value, `expected a number from ${min} to ${max}`);
            return undefined;
        }
        return n;
    };
}
