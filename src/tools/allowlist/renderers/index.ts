import { awsRenderer, azureRenderer, gcpRenderer, kubernetesRenderer } from './cloud.js';
import { ip6tablesRenderer, ipsetRenderer, iptablesRenderer } from './iptables.js';
import { nftablesRenderer } from './nftables.js';
import { jsonRenderer, textRenderer } from './plain.js';
import { apacheRenderer, haproxyRenderer, nginxRenderer } from './proxies.js';
import { ufwRenderer } from './ufw.js';
import type { Renderer } from './types.js';

export type { RenderInput, RenderOptions, Renderer } from './types.js';

export const RENDERERS: readonly Renderer[] = [
  nftablesRenderer,
  ipsetRenderer,
  iptablesRenderer,
  ip6tablesRenderer,
  ufwRenderer,
  nginxRenderer,
  haproxyRenderer,
  apacheRenderer,
  awsRenderer,
  gcpRenderer,
  azureRenderer,
  kubernetesRenderer,
  jsonRenderer,
  textRenderer,
];

export const FORMATS = RENDERERS.map((r) => r.format);

export function rendererFor(format: string): Renderer {
  const renderer = RENDERERS.find((r) => r.format === format);
  if (!renderer) throw new Error(`unknown format "${format}" (one of: ${FORMATS.join(', ')})`);
  return renderer;
}
