import { comment, headerLines, type RenderInput, type Renderer } from './types.js';

/** nft identifiers: letters, digits and underscores are always safe unquoted. */
export function nftIdentifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * An `nft -f` script that is safe to apply again and again: `add` is a no-op for what exists,
 * and the flushes and refills run in the same transaction as everything else, so the kernel
 * switches from the old set to the new one at once, never passing through an empty set.
 */
export const nftablesRenderer: Renderer = {
  format: 'nftables',
  description: 'nftables: table with named sets and an input chain; atomic `nft -f` script',
  needsPorts: true,
  render(input: RenderInput): string {
    const table = `inet ${nftIdentifier(input.name)}`;
    const ports = `{ ${input.ports.join(', ')} }`;
    const lines = [
      '#!/usr/sbin/nft -f',
      comment([...headerLines(input), `Replaces the sets and rules of table ${table} in one transaction.`]).trimEnd(),
      `add table ${table}`,
      `add set ${table} allowed_v4 { type ipv4_addr; }`,
      `add set ${table} allowed_v6 { type ipv6_addr; }`,
      `add chain ${table} input { type filter hook input priority filter; policy accept; }`,
      `flush chain ${table} input`,
      `add rule ${table} input tcp dport ${ports} ip saddr @allowed_v4 accept`,
      `add rule ${table} input tcp dport ${ports} ip6 saddr @allowed_v6 accept`,
      `add rule ${table} input tcp dport ${ports} counter drop`,
      `flush set ${table} allowed_v4`,
      ...(input.set.ipv4.length ? [`add element ${table} allowed_v4 { ${input.set.ipv4.join(', ')} }`] : []),
      `flush set ${table} allowed_v6`,
      ...(input.set.ipv6.length ? [`add element ${table} allowed_v6 { ${input.set.ipv6.join(', ')} }`] : []),
    ];
    return lines.join('\n') + '\n';
  },
};
