/** IPv4 CIDR arithmetic for config validation and subnet planning: small, pure, no dependencies. */

export interface Ipv4Block {
    /** The network address as an unsigned 32-bit integer. */
    base: number;
    prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined unless every octet is 0-255, n is 0-32 and no host bit is set. */
export function parseIpv4Cidr(text: string): Ipv4Block | undefined {
    const match = CIDR_PATTERN.exec(text);
    if (!match) return undefined;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
    const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
    const hostBits = 2 ** (32 - prefix);
    if (base % hostBits !== 0) return undefined;
    return { base, prefix };
}

export function isIpv4Cidr(text: string): boolean {
    return parseIpv4Cidr(text) !== undefined;
}

export function formatIpv4Cidr(block: Ipv4Block): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(block.base / 2 ** shift) % 256);
    return `${octets.join(".")}/${block.prefix}`;
}

/** The `index`-th block of `newPrefix` inside `block` (Terraform's cidrsubnet). */
export function subBlock(block: Ipv4Block, newPrefix: number, index: number): Ipv4Block {
    if (newPrefix < block.prefix || newPrefix > 32) {
        throw new RangeError(`cannot cut a /${newPrefix} out of a /${block.prefix}`);
    }
    const count = 2 ** (newPrefix - block.prefix);
    if (index < 0 || index >= count) {
        throw new RangeError(`a /${block.prefix} holds ${count} blocks of /${newPrefix}, not ${index + 1}`);
    }
    return { base: block.base + index * 2 ** (32 - newPrefix), prefix: newPrefix };
}
