// Kubernetes resource quantities ("500m", "1.5", "512Mi", "2G") parsed into plain numbers, so config
// validation, sizing checks and the footprint report all agree on what a quantity means.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

/** CPU in cores ("250m" -> 0.25, "2" -> 2); undefined when the text is not a CPU quantity. */
export function parseCpu(text: string): number | undefined {
    const m = QUANTITY.exec(text);
    if (!m) return undefined;
    const value = Number(m[1]);
    const suffix = m[2] ?? "";
    if (suffix === "m") return value / 1000;
    if (suffix === "") return value;
    return undefined; // "2Gi" of CPU is a mistake worth reporting
}

/** Bytes ("512Mi" -> 536870912); undefined when the text is not a memory quantity. A bare "m" suffix
 * means milli-bytes in Kubernetes, which is always a typo for "Mi" in a memory setting, so it is refused. */
export function parseBytes(text: string): number | undefined {
    const m = QUANTITY.exec(text);
    if (!m) return undefined;
    const value = Number(m[1]);
    const suffix = m[2] ?? "";
    if (suffix in BINARY) return value * BINARY[suffix];
    if (suffix in DECIMAL) return value * DECIMAL[suffix];
    return undefined;
}

/** Spark's own size syntax ("1g", "512m"), as taken by `--memory` and `spark.executor.memory`. */
export function parseSparkSize(text: string): number | undefined {
    const m = /^([0-9]+)([kmgt])$/.exec(text);
    if (!m) return undefined;
    const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2] as "k" | "m" | "g" | "t"];
    return Number(m[1]) * unit;
}

export function formatCpu(cores: number): string {
    return Number.isInteger(cores) ? `${cores}` : `${Math.round(cores * 1000)}m`;
}

export function formatBytes(bytes: number): string {
    if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}Gi`;
    return `${Math.round(bytes / 2 ** 20)}Mi`;
}
