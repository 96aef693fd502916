import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_SERVER_ENVIRONMENTS } from '../../../src/environments/request-servers.js';
import { requestServerGuard, type RequestServerGuard } from '../../../src/tools/allowlist/guard.js';
import { startZone, zoneOf, type TestZone } from './zone.js';

let zone: TestZone;
const prod = REQUEST_SERVER_ENVIRONMENTS.prod;
const guards: RequestServerGuard[] = [];
const track = (guard: RequestServerGuard) => (guards.push(guard), guard);

beforeAll(async () => {
  zone = await startZone(zoneOf(prod, (_, i) => ({ addresses: [`127.0.5.${i + 1}`, `fd00::5:${i + 1}`], ttl: 60 })));
});
afterAll(async () => {
  guards.forEach((g) => g.close());
  await zone.close();
});

describe('requestServerGuard decisions', () => {
  it('allows resolved request servers, IPv4-mapped IPv6 and non-canonical IPv6 included, and denies the rest', async () => {
    const guard = track(requestServerGuard({ environments: ['prod'], resolver: zone.resolverText, refresh: false }));
    await guard.ready();
    expect(guard.check('127.0.5.1')).toEqual({ allowed: true, reason: 'allowed', client: '127.0.5.1' });
    expect(guard.check('::ffff:127.0.5.2').allowed).toBe(true);
    expect(guard.check('FD00:0:0:0:0:0:5:3').allowed).toBe(true);
    expect(guard.check('127.0.5.9')).toEqual({ allowed: false, reason: 'not-a-request-server', client: '127.0.5.9' });
    expect(guard.check('::ffff:127.0.5.9').allowed).toBe(false);
    expect(guard.check(undefined)).toEqual({ allowed: false, reason: 'no-client-address' });
  });

  it('believes X-Forwarded-For only from trusted proxies, reading it from the right', async () => {
    const guard = track(requestServerGuard({ environments: ['prod'], resolver: zone.resolverText, refresh: false, trustedProxies: ['10.0.0.0/8', '127.0.0.4'] }));
    await guard.ready();
    expect(guard.check('127.0.0.3', '127.0.5.1').allowed).toBe(false); // spoofed by an untrusted peer
    expect(guard.check('127.0.0.4', '127.0.5.1').allowed).toBe(true);
    expect(guard.check('::ffff:127.0.0.4', '127.0.5.1').allowed).toBe(true);
    expect(guard.check('127.0.0.4', '127.0.5.1, 10.1.2.3').allowed).toBe(true); // two trusted hops
    expect(guard.check('127.0.0.4', '127.0.5.1, 198.51.100.1').client).toBe('198.51.100.1'); // forged left part ignored
    expect(guard.check('127.0.0.4', ['127.0.5.1', '198.51.100.1']).allowed).toBe(false);
    expect(guard.check('127.0.0.4', 'unknown').reason).toBe('no-client-address');
    expect(guard.check('127.0.0.4').client).toBe('127.0.0.4'); // no header: the proxy itself is the client
  });

  it('fails closed until the first resolution, without waiting for DNS', async () => {
    zone.set('slow.test', 'drop');
    const guard = track(requestServerGuard({ environments: ['prod'], resolver: zone.resolverText, refresh: false, timeoutMs: 300, hosts: [{ environment: 'prod', hostname: 'slow.test' }] }));
    const started = process.hrtime.bigint();
    expect(guard.check('127.0.5.1').reason).toBe('not-ready');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
    await guard.ready();
    expect(guard.check('127.0.5.1').reason).toBe('not-a-request-server');
  });

  it('picks up a rotation in the background and keeps last-known-good when DNS fails', async () => {
    const host = 'callback-rotating.test';
    zone.set(host, { addresses: ['127.0.6.1'], ttl: 0 });
    const errors: string[] = [];
    const guard = track(requestServerGuard({
      resolver: zone.resolverText,
      hosts: [{ environment: 'prod', hostname: host }],
      refresh: { minIntervalMs: 30, intervalMs: 200, backoffBaseMs: 30 },
      onError: (e) => errors.push(e),
    }));
    await guard.ready();
    expect(guard.check('127.0.6.1').allowed).toBe(true);
    zone.set(host, { addresses: ['127.0.6.2'], ttl: 0 });
    await expect.poll(() => guard.check('127.0.6.2').allowed, { timeout: 3000, interval: 20 }).toBe(true);
    expect(guard.check('127.0.6.1').allowed).toBe(false);
    zone.set(host, 'servfail');
    await expect.poll(() => errors.some((e) => e.includes('SERVFAIL')), { timeout: 3000, interval: 20 }).toBe(true);
    expect(guard.check('127.0.6.2').allowed).toBe(true);
  });
});
