import { comment, headerLines, type RenderInput, type Renderer } from './types.js';

/** ipset names are limited to 31 characters; the temporary set adds "-next". */
export function ipsetName(name: string, family: 4 | 6): string {
  return `${name.slice(0, 22)}-v${family}`;
}

function chainName(name: string): string {
  return name.toUpperCase().slice(0, 28);
}

/**
 * `ipset restore` input: fill a temporary set, then `swap` it with the live one. The swap is
 * atomic, so rules matching the set never see it half-filled or empty.
 */
export const ipsetRenderer: Renderer = {
  format: 'ipset',
  description: 'ipset: `ipset restore` script that swaps in the new sets atomically (pairs with iptables/ip6tables)',
  needsPorts: false,
  render(input: RenderInput): string {
    const lines: string[] = [];
    for (const [family, addresses] of [[4, input.set.ipv4], [6, input.set.ipv6]] as const) {
      const live = ipsetName(input.name, family);
      const next = `${live}-next`;
      const inet = family === 4 ? 'inet' : 'inet6';
      lines.push(
        `create ${live} hash:ip family ${inet} -exist`,
        `create ${next} hash:ip family ${inet} -exist`,
        `flush ${next}`,
        ...addresses.map((address) => `add ${next} ${address}`),
        `swap ${next} ${live}`,
        `destroy ${next}`,
      );
    }
    return lines.join('\n') + '\n';
  },
};

function iptablesFor(family: 4 | 6): Renderer {
  const tool = family === 4 ? 'iptables' : 'ip6tables';
  return {
    format: tool,
    description: `${tool}: \`${tool}-restore --noflush\` input with a chain that drops sources not in the ipset`,
    needsPorts: true,
    render(input: RenderInput): string {
      const chain = chainName(input.name);
      const match = `-p tcp -m multiport --dports ${input.ports.join(',')}`;
      return (
        comment([
          ...headerLines(input),
          `The addresses live in ipset ${ipsetName(input.name, family)} (format ipset); load it first.`,
          `Send traffic through the chain once: ${tool} -I INPUT -j ${chain}`,
        ]) +
        [
          '*filter',
          `:${chain} - [0:0]`,
          `-A ${chain} ${match} -m set --match-set ${ipsetName(input.name, family)} src -j RETURN`,
          `-A ${chain} ${match} -j DROP`,
          'COMMIT',
        ].join('\n') +
        '\n'
      );
    },
  };
}

export const iptablesRenderer = iptablesFor(4);
export const ip6tablesRenderer = iptablesFor(6);
