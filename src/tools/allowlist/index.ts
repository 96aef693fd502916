/** Public entry of the allowlist tools: resolver, renderers, watcher and the request-server guard. */
export { requestServerGuard, type GuardOptions, type GuardDecision, type RequestServerGuard } from './guard.js';
export { nodeHttpGuard, expressGuard, fastifyGuard, koaGuard, honoGuard } from './guard-adapters.js';
export { resolveRequestServers, type ResolveReport, type HostResolution } from './resolver.js';
export { createWatcher, type WatchOptions, type Watcher } from './watcher.js';
export { commandApplier, ApplyError, type Applier } from './applier.js';
export { RENDERERS, FORMATS, rendererFor, type RenderInput, type Renderer } from './renderers/index.js';
export { toAddressSet, diffSets, type AddressSet, type AddressDiff } from './address-set.js';
