import { allAddresses } from '../address-set.js';
import type { RenderInput, Renderer } from './types.js';

export const jsonRenderer: Renderer = {
  format: 'json',
  description: 'JSON: the address set with its environments, ports and resolution time',
  needsPorts: false,
  render(input: RenderInput): string {
    const { set, ports, environments, generatedAt } = input;
    return JSON.stringify({ generatedAt, environments, ports, ipv4: set.ipv4, ipv6: set.ipv6 }, null, 2) + '\n';
  },
};

/** One address per line and nothing else, for pipes. */
export const textRenderer: Renderer = {
  format: 'text',
  description: 'text: one address per line',
  needsPorts: false,
  render(input: RenderInput): string {
    const addresses = allAddresses(input.set);
    return addresses.length ? addresses.join('\n') + '\n' : '';
  },
};
