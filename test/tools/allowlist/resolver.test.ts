import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_SERVER_ENVIRONMENTS } from '../../../src/environments/request-servers.js';
import { queryAddresses, DnsQueryError, parseServerAddress } from '../../../src/tools/allowlist/dns-client.js';
import { resolveRequestServers } from '../../../src/tools/allowlist/resolver.js';
import { startZone, zoneOf, type TestZone } from './zone.js';

const prod = REQUEST_SERVER_ENVIRONMENTS.prod;
const dr = REQUEST_SERVER_ENVIRONMENTS.dr;
let zone: TestZone;

beforeAll(async () => {
  zone = await startZone({
    ...zoneOf(prod, (_, i) => ({ addresses: [`127.0.1.${i + 1}`, `fd00::1:${i + 1}`], ttl: 60 + i })),
    ...zoneOf(dr, (_, i) => ({ addresses: [`127.0.2.${i + 1}`], ttl: 300 })),
  });
});
afterAll(() => zone.close());

describe('resolver against a local DNS server', () => {
  it('resolves A and AAAA with TTLs, per environment and in total', async () => {
    const report = await resolveRequestServers({ environments: ['prod', 'dr'], server: zone.resolver, clock: { now: () => 0 } });
    expect(report.resolvedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(report.failed).toEqual([]);
    expect(report.hosts).toHaveLength(8);
    expect(report.hosts[0]).toEqual({
      environment: 'prod',
      hostname: 'callback-1.vipps.no',
      records: [
        { address: '127.0.1.1', ttl: 60, type: 'A' },
        { address: 'fd00::1:1', ttl: 60, type: 'AAAA' },
      ],
    });
    expect(report.environments.prod).toEqual({ ipv4: ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4'], ipv6: ['fd00::1:1', 'fd00::1:2', 'fd00::1:3', 'fd00::1:4'] });
    expect(report.environments.dr?.ipv4).toEqual(['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4']);
    expect(report.all.ipv4).toHaveLength(8);
    expect(report.minTtl).toBe(60);
  });

  it('reports SERVFAIL, NXDOMAIN, an empty answer and a timeout per host, and keeps the others', async () => {
    const silent = dgram.createSocket('udp4'); // a "DNS server" that never answers
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const hosts = [
      { environment: 'mt' as const, hostname: 'callback-mt-1.vipps.no' },
      { environment: 'mt' as const, hostname: 'callback-mt-2.vipps.no' },
      { environment: 'mt' as const, hostname: 'callback-mt-3.vipps.no' },
      { environment: 'mt' as const, hostname: 'callback-mt-4.vipps.no' },
    ];
    zone.set('callback-mt-1.vipps.no', { addresses: ['127.0.3.1'], ttl: 30 });
    zone.set('callback-mt-2.vipps.no', 'servfail');
    zone.set('callback-mt-3.vipps.no', { addresses: [], ttl: 30 });
    // callback-mt-4 is not in the zone: NXDOMAIN
    const report = await resolveRequestServers({ environments: ['mt'], server: zone.resolver, hosts });
    expect(report.failed.map((f) => [f.hostname, f.code])).toEqual([
      ['callback-mt-2.vipps.no', 'SERVFAIL'],
      ['callback-mt-3.vipps.no', 'NODATA'],
      ['callback-mt-4.vipps.no', 'NXDOMAIN'],
    ]);
    expect(report.all).toEqual({ ipv4: ['127.0.3.1'], ipv6: [] });

    const started = Date.now();
    const timedOut = await resolveRequestServers({ environments: ['mt'], server: { host: '127.0.0.1', port: silent.address().port }, hosts: hosts.slice(0, 1), timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(timedOut.failed).toEqual([expect.objectContaining({ code: 'TIMEOUT' })]);
    silent.close();
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const many = Array.from({ length: 50 }, (_, i) => `127.0.4.${i + 1}`);
    zone.set('big.test', { addresses: many, ttl: 10 });
    const records = await queryAddresses(zone.resolver, 'big.test', 'A');
    expect(records.map((r) => r.address)).toEqual(many);
  });

  it('raises typed errors', async () => {
    zone.set('bad.test', 'servfail');
    await expect(queryAddresses(zone.resolver, 'bad.test', 'A')).rejects.toSatisfy((e) => e instanceof DnsQueryError && e.code === 'SERVFAIL');
  });

  it('parses resolver addresses', () => {
    expect(parseServerAddress('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 53 });
    expect(parseServerAddress('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseServerAddress('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(parseServerAddress('::1')).toEqual({ host: '::1', port: 53 });
    expect(() => parseServerAddress('dns.example:53')).toThrow();
  });
});
