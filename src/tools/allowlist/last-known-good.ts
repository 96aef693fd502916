/**
 * Last-known-good per host: a host whose lookup fails (SERVFAIL, timeout, NXDOMAIN, empty answer)
 * keeps the addresses it last resolved to, so one bad answer can shrink a firewall only by what
 * DNS positively replaced, and never empty it.
 */
import { toAddressSet, type AddressSet } from './address-set.js';
import type { ResolveReport } from './resolver.js';

export type KnownHost = { addresses: string[]; ttl: number; resolvedAt: string };
export type KnownHosts = Record<string, KnownHost>;

export type MergedSet = {
  hosts: KnownHosts;
  set: AddressSet;
  /** Failed hosts whose old addresses were kept. */
  keptFromLastKnownGood: string[];
  /** Failed hosts with nothing to fall back to (first run). */
  unresolved: string[];
};

export function mergeLastKnownGood(report: ResolveReport, previous: KnownHosts): MergedSet {
  const hosts: KnownHosts = {};
  const keptFromLastKnownGood: string[] = [];
  const unresolved: string[] = [];
  for (const host of report.hosts) {
    if (!host.error) {
      hosts[host.hostname] = {
        addresses: toAddressSetList(host.records.map((r) => r.address)),
        ttl: Math.min(...host.records.map((r) => r.ttl)),
        resolvedAt: report.resolvedAt,
      };
    } else if (previous[host.hostname]) {
      hosts[host.hostname] = previous[host.hostname]!;
      keptFromLastKnownGood.push(host.hostname);
    } else {
      unresolved.push(host.hostname);
    }
  }
  return { hosts, set: toAddressSet(Object.values(hosts).flatMap((h) => h.addresses)), keptFromLastKnownGood, unresolved };
}

function toAddressSetList(addresses: string[]): string[] {
  const set = toAddressSet(addresses);
  return [...set.ipv4, ...set.ipv6];
}

export type Schedule = {
  /** Upper bound between checks, whatever the TTL says. */
  intervalMs: number;
  /** Lower bound, so a TTL of 0 cannot turn the watcher into a flood. */
  minIntervalMs: number;
  /** First retry delay after a failure; doubles per consecutive failure up to intervalMs. */
  backoffBaseMs: number;
};

export const DEFAULT_SCHEDULE: Schedule = { intervalMs: 300_000, minIntervalMs: 5_000, backoffBaseMs: 2_000 };

/** When to look again: at TTL expiry when healthy, with exponential backoff after failures. */
export function nextDelayMs(schedule: Schedule, state: { failures: number; minTtl?: number }): number {
  if (state.failures > 0) return Math.min(schedule.intervalMs, schedule.backoffBaseMs * 2 ** Math.min(state.failures - 1, 30));
  if (state.minTtl === undefined) return schedule.intervalMs;
  return Math.min(schedule.intervalMs, Math.max(schedule.minIntervalMs, state.minTtl * 1000));
}
