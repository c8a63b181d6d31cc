// What ran, per service: the binary and its version (or the upstream source a check read), and how long it
// took. Printed as one table after the suite, so a CI log says what was really exercised.

export interface Ran {
    service: string;
    /** e.g. "kafka_2.13 4.3.1 (Maven Central), KafkaDockerWrapper setup + kafka.Kafka". */
    what: string;
    seconds: number;
}

export const ran: Ran[] = [];

/** Times `fn` and records it under `service` with `what` ran. */
export async function timed<T>(service: string, what: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
        return await fn();
    } finally {
        ran.push({ service, what, seconds: Math.round((Date.now() - t0) / 100) / 10 });
    }
}

export function table(): string {
    const w = Math.max(8, ...ran.map((r) => r.service.length));
    const lines = ran.map((r) => `${r.service.padEnd(w)}  ${String(r.seconds).padStart(6)}s  ${r.what}`);
    return [`${"service".padEnd(w)}  ${"time".padStart(7)}  what ran`, ...lines].join("\n");
}
