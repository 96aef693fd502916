/** The allowed addresses, split by family and kept sorted and canonical so sets compare and diff. */
import { canonicalIp, compareIps, familyOf } from './ip.js';

export type AddressSet = { ipv4: readonly string[]; ipv6: readonly string[] };
export type AddressDiff = { added: string[]; removed: string[] };

export const EMPTY_SET: AddressSet = { ipv4: [], ipv6: [] };

/** Throws on anything that is not an IP address: a renderer must never see garbage. */
export function toAddressSet(addresses: Iterable<string>): AddressSet {
  const unique = new Set<string>();
  for (const text of addresses) {
    const address = canonicalIp(text);
    if (!address) throw new Error(`not an IP address: "${text}"`);
    unique.add(address);
  }
  const sorted = [...unique].sort(compareIps);
  return { ipv4: sorted.filter((a) => familyOf(a) === 4), ipv6: sorted.filter((a) => familyOf(a) === 6) };
}

export function allAddresses(set: AddressSet): string[] {
  return [...set.ipv4, ...set.ipv6];
}

export function isEmptySet(set: AddressSet): boolean {
  return set.ipv4.length === 0 && set.ipv6.length === 0;
}

export function diffSets(before: AddressSet, after: AddressSet): AddressDiff {
  const old = new Set(allAddresses(before));
  const now = new Set(allAddresses(after));
  return {
    added: allAddresses(after).filter((a) => !old.has(a)),
    removed: allAddresses(before).filter((a) => !now.has(a)),
  };
}

export function isNoChange(diff: AddressDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0;
}

export function describeDiff(diff: AddressDiff): string {
  const part = (label: string, list: string[]) => (list.length ? `${label} ${list.join(', ')}` : `${label} none`);
  return `${part('added', diff.added)}; ${part('removed', diff.removed)}`;
}
