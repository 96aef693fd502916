/**
 * Resolves every request-server hostname (A and AAAA) and reports per host, per environment and
 * in total, including which hosts failed and why. A host counts as failed unless both of its
 * questions were answered and at least one address came back: an empty answer is a failure for
 * a firewall, never "allow nobody".
 */
import { requestServers, type EnvironmentName, type RequestServer } from '../../environments/request-servers.js';
import { toAddressSet, type AddressSet } from './address-set.js';
import { DnsQueryError, formatServerAddress, queryAddresses, type AddressRecord, type DnsErrorCode, type DnsServerAddress } from './dns-client.js';
import { systemClock, type Clock } from './clock.js';

export type HostResolution = {
  environment: EnvironmentName;
  hostname: string;
  records: (AddressRecord & { type: 'A' | 'AAAA' })[];
  error?: { code: DnsErrorCode; message: string };
};

export type ResolveReport = {
  resolvedAt: string;
  resolver: string;
  hosts: HostResolution[];
  /** Union of the hosts that resolved, per environment. */
  environments: Partial<Record<EnvironmentName, AddressSet>>;
  all: AddressSet;
  failed: { hostname: string; code: DnsErrorCode; message: string }[];
  /** Smallest TTL seen (seconds): when the answer may next change. Undefined if nothing resolved. */
  minTtl?: number;
};

export type ResolveOptions = {
  environments: readonly EnvironmentName[];
  server: DnsServerAddress;
  timeoutMs?: number;
  clock?: Clock;
  /** Override the hostnames (the emulator and tests); defaults to the environments' request servers. */
  hosts?: readonly RequestServer[];
};

export async function resolveHost(host: RequestServer, server: DnsServerAddress, timeoutMs?: number): Promise<HostResolution> {
  const [a, aaaa] = await Promise.allSettled([
    queryAddresses(server, host.hostname, 'A', { timeoutMs }),
    queryAddresses(server, host.hostname, 'AAAA', { timeoutMs }),
  ]);
  const base = { environment: host.environment, hostname: host.hostname };
  for (const outcome of [a, aaaa]) {
    if (outcome.status === 'rejected') {
      const error = outcome.reason instanceof DnsQueryError ? outcome.reason : new DnsQueryError('NETWORK', String(outcome.reason));
      return { ...base, records: [], error: { code: error.code, message: error.message } };
    }
  }
  const records = [
    ...(a as PromiseFulfilledResult<AddressRecord[]>).value.map((r) => ({ ...r, type: 'A' as const })),
    ...(aaaa as PromiseFulfilledResult<AddressRecord[]>).value.map((r) => ({ ...r, type: 'AAAA' as const })),
  ];
  if (records.length === 0) return { ...base, records, error: { code: 'NODATA', message: `${host.hostname}: empty answer` } };
  return { ...base, records };
}

export async function resolveRequestServers(options: ResolveOptions): Promise<ResolveReport> {
  const clock = options.clock ?? systemClock;
  const hosts = options.hosts ?? requestServers(options.environments);
  const results = await Promise.all(hosts.map((host) => resolveHost(host, options.server, options.timeoutMs)));
  return summarize(results, formatServerAddress(options.server), new Date(clock.now()).toISOString());
}

/** Pure: folds per-host results into the report. */
export function summarize(hosts: HostResolution[], resolver: string, resolvedAt: string): ResolveReport {
  const environments: Partial<Record<EnvironmentName, AddressSet>> = {};
  for (const environment of new Set(hosts.map((h) => h.environment))) {
    environments[environment] = toAddressSet(hosts.filter((h) => h.environment === environment).flatMap((h) => h.records.map((r) => r.address)));
  }
  const ttls = hosts.flatMap((h) => h.records.map((r) => r.ttl));
  return {
    resolvedAt,
    resolver,
    hosts,
    environments,
    all: toAddressSet(hosts.flatMap((h) => h.records.map((r) => r.address))),
    failed: hosts.filter((h) => h.error).map((h) => ({ hostname: h.hostname, code: h.error!.code, message: h.error!.message })),
    ...(ttls.length ? { minTtl: Math.min(...ttls) } : {}),
  };
}
