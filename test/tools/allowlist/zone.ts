/** A local DNS zone for tests: the real DNS server on 127.0.0.1 with answers a test can change. */
import { startDnsServer, type DnsLookupResult, type DnsServer } from '../../../src/environments/dns-server.js';
import type { DnsServerAddress } from '../../../src/tools/allowlist/dns-client.js';

export type TestZone = {
  server: DnsServer;
  resolver: DnsServerAddress;
  /** "127.0.0.1:port", as the CLI's --resolver takes it. */
  resolverText: string;
  set(name: string, result: DnsLookupResult): void;
  close(): Promise<void>;
};

export async function startZone(records: Record<string, DnsLookupResult>): Promise<TestZone> {
  const table = new Map(Object.entries(records));
  const server = await startDnsServer({ lookup: (name) => table.get(name) });
  return {
    server,
    resolver: { host: server.host, port: server.port },
    resolverText: `${server.host}:${server.port}`,
    set: (name, result) => void table.set(name, result),
    close: () => server.close(),
  };
}

/** The given answer for every host of an environment list. */
export function zoneOf(hosts: readonly string[], answer: (hostname: string, index: number) => DnsLookupResult): Record<string, DnsLookupResult> {
  return Object.fromEntries(hosts.map((h, i) => [h, answer(h, i)]));
}
