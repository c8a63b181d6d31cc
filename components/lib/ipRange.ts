// IPv4 address ranges as MetalLB takes them ("a.b.c.d/nn" or "a.b.c.d-e.f.g.h"), parsed into numbers so
// config validation and the bootstrap script (docker subnet -> pool range) agree on what a range is.

export interface Ipv4Range {
    /** First and last address, as unsigned 32-bit numbers. */
    start: number;
    end: number;
}

/** Private ranges (RFC 1918): a laptop cluster's LoadBalancer addresses must stay inside one of them. */
export const PRIVATE_IPV4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

export function parseIpv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function parseCidr(text: string): Ipv4Range | undefined {
    const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
    const base = m ? parseIpv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined;
    const size = 2 ** (32 - bits);
    const start = base - (base % size);
    return { start, end: start + size - 1 };
}

/** Parses a CIDR or an `a-b` range; returns the reason when the text is neither. */
export function parseRange(text: string): Ipv4Range | string {
    if (text.includes("/")) return parseCidr(text.trim()) ?? "expected a CIDR such as 172.18.255.0/24";
    const m = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(text);
    const start = m ? parseIpv4(m[1]) : undefined;
    const end = m ? parseIpv4(m[2]) : undefined;
    if (start === undefined || end === undefined) return "expected a CIDR (172.18.255.0/24) or an IPv4 range (172.18.255.200-172.18.255.250)";
    if (start > end) return `its start ${m![1]} comes after its end ${m![2]}`;
    return { start, end };
}

/** Why `text` is not a usable LoadBalancer pool (undefined when it is): a range inside one private range. */
export function poolRangeProblem(text: string): string | undefined {
    const r = parseRange(text);
    if (typeof r === "string") return r;
    const inside = PRIVATE_IPV4.map((c) => parseCidr(c)!).some((p) => r.start >= p.start && r.end <= p.end);
    if (!inside) return `expected a range inside one private range (${PRIVATE_IPV4.join(", ")})`;
    return undefined;
}

/**
 * The LoadBalancer pool for a docker network: 51 addresses near the top of its subnet, which docker's
 * IPAM hands out last (it allocates container addresses from the bottom). For Kind's 172.18.0.0/16 that
 * is 172.18.255.200-172.18.255.250. Only IPv4 subnets of at least 128 addresses leave room for it.
 */
export function poolForSubnet(subnet: string): string | undefined {
    const r = parseCidr(subnet);
    if (!r || r.end - r.start + 1 < 128) return undefined;
    const end = r.end - 5;
    const start = end - 50;
    const range = `${formatIpv4(start)}-${formatIpv4(end)}`;
    return poolRangeProblem(range) === undefined ? range : undefined;
}

/** Addresses every client has: a LoadBalancer open to any of these is open to the internet. */
const EVERYWHERE = ["0.0.0.0/0", "::/0"];

/**
 * Why `text` is not a usable `loadBalancerSourceRanges` entry (undefined when it is): an IPv4 or IPv6
 * CIDR, as the Service field takes, that is not the whole internet.
 */
export function sourceRangeProblem(text: string): string | undefined {
    const v6 = /^([0-9a-fA-F:]+)\/([0-9]{1,3})$/.exec(text);
    const ok = parseCidr(text) !== undefined || (v6 !== null && v6[1].includes(":") && Number(v6[2]) <= 128);
    if (!ok) return "expected a CIDR such as 203.0.113.0/24 or 2001:db8::/32";
    if (EVERYWHERE.includes(text) || /\/0$/.test(text)) return "that is every address on the internet; list the networks that may connect";
    return undefined;
}
