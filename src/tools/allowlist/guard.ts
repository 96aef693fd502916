/**
 * requestServerGuard: decides whether a request comes from a Vipps request server. The allowed
 * set is resolved in the background (TTL-driven, last-known-good on DNS failure), so a decision
 * is a synchronous Set lookup and never waits for DNS. X-Forwarded-For is believed only when the
 * peer is a listed proxy, walking the chain from the right past every trusted hop.
 */
import { PRODUCTION_ENVIRONMENTS, type EnvironmentName, type RequestServer } from '../../environments/request-servers.js';
import { EMPTY_SET, allAddresses, type AddressSet } from './address-set.js';
import { systemClock, type Clock } from './clock.js';
import { parseServerAddress, systemResolver, type DnsServerAddress } from './dns-client.js';
import { canonicalIp, cidrContains, parseCidr, type Cidr } from './ip.js';
import { DEFAULT_SCHEDULE, mergeLastKnownGood, nextDelayMs, type KnownHosts, type Schedule } from './last-known-good.js';
import { resolveRequestServers } from './resolver.js';

export type GuardOptions = {
  /** Defaults to prod and DR: what a production shop receives callbacks from. */
  environments?: readonly EnvironmentName[];
  /** DNS server as `IP[:port]` or an address object; defaults to the first nameserver in /etc/resolv.conf. */
  resolver?: string | DnsServerAddress;
  /** Re-resolution bounds; `false` resolves once and never again. */
  refresh?: Partial<Schedule> | false;
  /** Addresses or CIDRs of your own reverse proxies; only they may speak through X-Forwarded-For. */
  trustedProxies?: readonly string[];
  timeoutMs?: number;
  hosts?: readonly RequestServer[];
  clock?: Clock;
  /** Called with DNS problems found in the background (default: silent). */
  onError?: (message: string) => void;
};

export type GuardReason = 'allowed' | 'not-a-request-server' | 'no-client-address' | 'not-ready';
export type GuardDecision = { allowed: boolean; reason: GuardReason; client?: string };

export type RequestServerGuard = {
  /** Resolves once the first resolution finished (whether or not it found anything). */
  ready(): Promise<void>;
  check(peerAddress: string | undefined, forwardedFor?: string | readonly string[]): GuardDecision;
  current(): AddressSet;
  /** Resolve now (also what the background timer calls). */
  refresh(): Promise<void>;
  /** Stops background refreshes. */
  close(): void;
};

export function requestServerGuard(options: GuardOptions = {}): RequestServerGuard {
  const environments = options.environments ?? PRODUCTION_ENVIRONMENTS;
  const server = typeof options.resolver === 'string' ? parseServerAddress(options.resolver) : (options.resolver ?? systemResolver());
  const schedule: Schedule = { ...DEFAULT_SCHEDULE, ...(options.refresh || {}) };
  const clock = options.clock ?? systemClock;
  const proxies = createProxyMatcher(options.trustedProxies ?? []);
  const canonical = memoize(canonicalIp);
  let allowed = new Set<string>();
  let set: AddressSet = EMPTY_SET;
  let known: KnownHosts = {};
  let failures = 0;
  let resolvedOnce = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  async function resolveOnce(): Promise<number | undefined> {
    const report = await resolveRequestServers({ environments, server, timeoutMs: options.timeoutMs, clock, hosts: options.hosts });
    const merged = mergeLastKnownGood(report, known);
    known = merged.hosts;
    if (merged.set.ipv4.length + merged.set.ipv6.length > 0) {
      set = merged.set;
      allowed = new Set(allAddresses(set)); // swapped in whole: a check never sees a half-built set
    }
    if (report.failed.length) options.onError?.(`request-server lookups failed: ${report.failed.map((f) => `${f.hostname} ${f.code}`).join(', ')}`);
    failures = report.failed.length ? failures + 1 : 0;
    return report.minTtl;
  }

  function refresh(): Promise<void> {
    inFlight ??= resolveOnce()
      .catch((err: unknown) => {
        failures += 1;
        options.onError?.(`request-server refresh failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      })
      .then((minTtl) => {
        resolvedOnce = true;
        inFlight = undefined;
        schedule_(nextDelayMs(schedule, { failures, minTtl }));
      });
    return inFlight;
  }

  function schedule_(delayMs: number): void {
    if (closed || options.refresh === false) return;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), delayMs);
    timer.unref(); // a guard must never keep a process alive
  }

  const first = refresh();

  return {
    ready: () => first,
    current: () => set,
    refresh,
    close() {
      closed = true;
      clearTimeout(timer);
    },
    check(peerAddress, forwardedFor) {
      if (!resolvedOnce && allowed.size === 0) return { allowed: false, reason: 'not-ready' };
      // Fast path: sockets report canonical text already, so most checks are one Set lookup.
      if (!proxies.any && peerAddress !== undefined && allowed.has(peerAddress)) return { allowed: true, reason: 'allowed', client: peerAddress };
      const client = clientAddress(peerAddress, forwardedFor, proxies, canonical);
      if (client === undefined) return { allowed: false, reason: 'no-client-address' };
      return allowed.has(client) ? { allowed: true, reason: 'allowed', client } : { allowed: false, reason: 'not-a-request-server', client };
    },
  };
}

/** Peers repeat (request servers, proxies), so their canonical forms are cached, within a bound. */
function memoize(fn: (text: string) => string | undefined, limit = 4096): (text: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (text) => {
    if (cache.has(text)) return cache.get(text);
    if (cache.size >= limit) cache.clear(); // cheap bound: a flood of distinct addresses only costs recomputation
    const value = fn(text);
    cache.set(text, value);
    return value;
  };
}

type ProxyMatcher = { any: boolean; isTrusted(address: string): boolean };

function createProxyMatcher(entries: readonly string[]): ProxyMatcher {
  const cidrs: Cidr[] = entries.map(parseCidr);
  const exact = new Set(cidrs.filter((c) => c.prefix === (c.family === 4 ? 32 : 128)).map((c) => c.text.split('/')[0]!));
  const ranges = cidrs.filter((c) => !exact.has(c.text.split('/')[0]!));
  const trusted = memoize((address) => (exact.has(address) || ranges.some((r) => cidrContains(r, address)) ? address : undefined));
  return { any: cidrs.length > 0, isTrusted: (address) => trusted(address) !== undefined };
}

/**
 * The address the request really came from. Without trusted proxies that is the peer. Behind
 * them, X-Forwarded-For is read right to left: each trusted hop vouches for the one before it,
 * and the first untrusted hop is the client. A malformed hop ends the walk with no answer.
 */
export function clientAddress(
  peerAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  proxies: ProxyMatcher,
  canonical: (text: string) => string | undefined = canonicalIp,
): string | undefined {
  if (!peerAddress) return undefined;
  const peer = canonical(peerAddress);
  if (!peer || !proxies.any || !proxies.isTrusted(peer) || !forwardedFor) return peer;
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = canonical(hops[i]!.trim());
    if (!hop) return undefined;
    client = hop;
    if (!proxies.isTrusted(hop)) return hop;
  }
  return client;
}

export { createProxyMatcher };
