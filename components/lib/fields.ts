// Small, composable readers for stack config values. Each reader checks one value and, when it is bad,
// records a problem that names the full config key, the value given and what is allowed. Readers never
// throw, so one run reports every bad value at once.

import { parseBytes, parseCpu } from "./quantity";

export class Problems {
    readonly list: string[] = [];
    add(key: string, value: unknown, allowed: string): void {
        this.list.push(`lakehouse:${key}: ${show(value)} is not valid; ${allowed}`);
    }
    note(message: string): void {
        this.list.push(message);
    }
}

export function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
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

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): Field<number> {
    return (key, value, p) => {
        const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
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

export const memoryQuantity: Field<string> = (key, value, p) => {
    if (typeof value === "string" && (parseBytes(value) ?? 0) > 0) return value;
    p.add(key, value, 'expected a memory quantity above zero such as "512Mi", "2Gi" or "1G" (binary suffixes Ki, Mi, Gi, Ti)');
    return undefined;
};

/** A volume size: a memory-style quantity above zero. */
export const volumeSize: Field<string> = (key, value, p) => {
    if (typeof value === "string" && (parseBytes(value) ?? 0) > 0) return value;
    p.add(key, value, 'expected a size above zero such as "5Gi" or "100Gi"');
    return undefined;
};

/** An image reference override; it must carry a pinned tag (not `latest`) or a digest. */
export const imageOverride: Field<string> = (key, value, p) => {
    if (typeof value === "string") {
        if (/^[^@\s]+@sha256:[a-f0-9]{64}$/.test(value)) return value;
        const tagged = /^[^\s:@]+(?::[0-9]+)?(?:\/[^\s:@]+)*:([\w][\w.-]{0,127})$/.exec(value);
        if (tagged && tagged[1] !== "latest") return value;
    }
    p.add(key, value, 'expected an image with a pinned tag, such as "registry.example.com/team/spark:4.0.1" (not "latest", not untagged)');
    return undefined;
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
            const read = (shape as Record<string, Field<unknown>>)[k];
            if (!read) {
                p.note(`lakehouse:${key}.${k}: unknown key; allowed keys: ${Object.keys(shape).join(", ")}`);
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

export function optional<T>(field: Field<T>): Field<T | undefined> {
    return (key, value, p) => (value === undefined || value === null || value === "" ? undefined : field(key, value, p));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A number (not necessarily whole) from min to max, inclusive. */
export function decimal(min: number, max: number): Field<number> {
    return (key, value, p) => {
        const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
        if (typeof n !== "number" || !Number.isFinite(n) || n < min || n > max) {
            p.add(key, value, `expected a number from ${min} to ${max}`);
            return undefined;
        }
        return n;
    };
}
