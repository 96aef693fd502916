import { allAddresses, diffSets } from '../address-set.js';
import { comment, headerLines, type RenderInput, type Renderer } from './types.js';

/**
 * A shell script of `ufw` commands. ufw has no sets, so addresses are single rules: adding an
 * existing one is skipped by ufw itself, and addresses that left since the previous run are
 * deleted. Everything else on the port falls to ufw's default incoming policy (deny).
 */
export const ufwRenderer: Renderer = {
  format: 'ufw',
  description: 'ufw: shell script of `ufw allow` rules (and `ufw delete` for addresses that went away)',
  needsPorts: true,
  render(input: RenderInput): string {
    const ports = input.ports.join(',');
    const rule = (address: string) => `allow proto tcp from ${address} to any port ${ports}`;
    const removed = input.previous ? diffSets(input.previous, input.set).removed : [];
    const lines = [
      '#!/bin/sh',
      comment([...headerLines(input), 'Relies on ufw\'s default incoming policy "deny" for everybody else.']).trimEnd(),
      'set -e',
      ...allAddresses(input.set).map((address) => `ufw ${rule(address)} comment '${input.name}'`),
      ...removed.map((address) => `ufw delete ${rule(address)}`),
    ];
    return lines.join('\n') + '\n';
  },
};
