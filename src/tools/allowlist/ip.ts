/**
 * Address handling shared by the resolver, the renderers and the guard: one canonical text form
 * per address (so sets compare and diff correctly) and CIDR matching for trusted proxies.
 */
import net from 'node:net';

export type Family = 4 | 6;

const MAPPED_PREFIX = '::ffff:';

/**
 * Canonical text of an IP address, or undefined if it is not one. IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, how a dual-stack socket reports an IPv4 peer) becomes plain IPv4;
 * IPv6 gets its RFC 5952 form (lower case, longest zero run compressed).
 */
export function canonicalIp(text: string): string | undefined {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const family = net.isIP(value);
  if (family === 4) return value.split('.').map((octet) => String(Number(octet))).join('.');
  if (family !== 6) return undefined;
  const lower = value.toLowerCase();
  if (lower.startsWith(MAPPED_PREFIX) && net.isIPv4(lower.slice(MAPPED_PREFIX.length))) return lower.slice(MAPPED_PREFIX.length);
  const groups = ipv6Groups(lower);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return compressIpv6(groups);
}

export function familyOf(address: string): Family {
  return net.isIPv6(address) ? 6 : 4;
}

/** The eight 16-bit groups of an IPv6 address (also accepts an embedded dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const o = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}

function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Addresses as 128-bit integers (IPv4 in the low 32 bits, tagged by family) for CIDR checks. */
function toBigInt(address: string): bigint {
  if (net.isIPv4(address)) return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  return ipv6Groups(address).reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

export type Cidr = { family: Family; network: bigint; prefix: number; text: string };

/** Parses `192.0.2.0/24`, `2001:db8::/32` or a bare address (a host route). */
export function parseCidr(text: string): Cidr {
  const [addressPart = '', prefixPart] = text.trim().split('/');
  const address = canonicalIp(addressPart);
  if (!address) throw new Error(`not an IP address or CIDR: "${text}"`);
  const family = familyOf(address);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixPart === undefined ? bits : Number(prefixPart);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`bad prefix length in "${text}"`);
  const mask = prefixMask(prefix, bits);
  return { family, network: toBigInt(address) & mask, prefix, text: `${address}/${prefix}` };
}

function prefixMask(prefix: number, bits: number): bigint {
  return prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/** `address` must already be canonical. */
export function cidrContains(cidr: Cidr, address: string): boolean {
  if (familyOf(address) !== cidr.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  return (toBigInt(address) & prefixMask(cidr.prefix, bits)) === cidr.network;
}

/** Numeric order within a family, IPv4 first: stable output for rules and diffs. */
export function compareIps(a: string, b: string): number {
  const fa = familyOf(a);
  const fb = familyOf(b);
  if (fa !== fb) return fa - fb;
  const x = toBigInt(a);
  const y = toBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
