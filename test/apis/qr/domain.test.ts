/**
 * The QR API's pure rules: what Accept and Size ask for, when a code is alive and how long it has
 * left, and the decisions of create, update and check-in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkIn,
  createRedirect,
  expiresIn,
  isAcceptedRedirectUrl,
  isLive,
  landingUrl,
  parseAccept,
  parseSize,
  putCallback,
  updateRedirect,
} from '../../../src/apis/qr/domain.js';

const now = new Date('2026-01-01T12:00:00.000Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('Accept and Size', () => {
  it('maps the four documented values, case-insensitively and by q-value; everything else is refused', () => {
    const format = (h: string | undefined) => {
      const r = parseAccept(h);
      return r.ok ? r.value : r.problem.status;
    };
    expect(format('image/png')).toBe('png');
    expect(format('image/svg+xml')).toBe('svg');
    expect(format('image/*')).toBe('svg');
    expect(format('text/targetUrl')).toBe('targetUrl');
    expect(format('Image/PNG')).toBe('png');
    expect(format('text/html, image/png;q=0.2, image/svg+xml;q=0.9')).toBe('svg');
    expect(format('image/png;q=0, text/targeturl')).toBe('targetUrl');
    expect(format('*/*')).toBe(415);
    expect(format('application/json')).toBe(415);
    expect(format(undefined)).toBe(400);
    expect(format(' ')).toBe(400);
  });

  it('Size: exactly the whole numbers 100..2000', () => {
    fc.assert(fc.property(fc.integer({ min: -5000, max: 5000 }), (n) => {
      const r = parseSize(String(n));
      expect(r.ok).toBe(n >= 100 && n <= 2000);
    }));
    for (const bad of ['1e3', '100.5', '', 'x', '0x100']) expect(parseSize(bad).ok).toBe(false);
    expect(parseSize(undefined)).toEqual({ ok: true, value: undefined });
  });
});

describe('merchant redirect codes', () => {
  const input = { msn: '123456', id: 'poster', redirectUrl: 'https://shop.example/p', code: 'code-0001' };

  it('expiresIn counts down in whole seconds (rounded up) to 0; -1 never expires; live until the instant', () => {
    fc.assert(fc.property(fc.integer({ min: 300, max: 10_000_000 }), fc.integer({ min: 0, max: 20_000_000 }), (ttl, elapsedMs) => {
      const made = createRedirect(undefined, { ...input, ttl }, now);
      if (!made.ok) throw new Error('refused');
      const later = new Date(now.getTime() + elapsedMs);
      const left = expiresIn(made.value.expiresAt, later);
      expect(left).toBe(Math.max(0, Math.ceil((ttl * 1000 - elapsedMs) / 1000)));
      expect(isLive(made.value.expiresAt, later)).toBe(elapsedMs < ttl * 1000);
    }));
    expect(expiresIn(null, now)).toBe(-1);
  });

  it('an existing live id is a conflict; an expired one may be replaced; update keeps code and expiry', () => {
    const first = createRedirect(undefined, { ...input, ttl: 300 }, now);
    if (!first.ok) throw new Error('refused');
    const again = createRedirect(first.value, { ...input, code: 'code-0002' }, at(299));
    expect(again).toMatchObject({ ok: false, problem: { status: 409, id: 'poster' } });
    expect(createRedirect(first.value, { ...input, code: 'code-0002' }, at(300))).toMatchObject({ ok: true, value: { code: 'code-0002', expiresAt: null } });
    const updated = updateRedirect(first.value, 'poster', 'https://shop.example/q', at(10));
    expect(updated).toMatchObject({ ok: true, value: { code: 'code-0001', expiresAt: first.value.expiresAt, redirectUrl: 'https://shop.example/q' } });
    expect(updateRedirect(first.value, 'poster', 'https://shop.example/q', at(300))).toMatchObject({ ok: false, problem: { status: 404 } });
    expect(updateRedirect(undefined, 'x', 'https://shop.example/q', now)).toMatchObject({ ok: false, problem: { status: 404 } });
  });

  it('redirect URLs: the spec\'s HTTPS pattern, plus loopback http', () => {
    for (const ok of ['https://shop.example/p', 'https://my-shop.example:8443/a?b=c#d', 'http://localhost:3000/x', 'http://127.0.0.1/']) expect(isAcceptedRedirectUrl(ok), ok).toBe(true);
    for (const bad of ['http://shop.example/', 'ftp://x', 'https://', 'javascript:alert(1)', 'https://a.example/<script>', 'http://localhost.evil.example/']) expect(isAcceptedRedirectUrl(bad), bad).toBe(false);
  });
});

describe('one-time payment QR and check-ins', () => {
  it('accepts only this emulator\'s landing pages with a token', () => {
    const base = 'http://127.0.0.1:8765';
    expect(landingUrl(`  ${base}/landing?token=abcdefghij  `, base)).toBe(`${base}/landing?token=abcdefghij`);
    expect(landingUrl(`${base}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=eyJhbGciOiJIUzI1`, base)).toBeDefined();
    for (const bad of [`http://localhost:8765/landing?token=abcdefghij`, `${base}/landing?token=short`, `${base}/landing`, `${base}/app?token=abcdefghij`, 'nonsense']) {
      expect(landingUrl(bad, base), bad).toBeUndefined();
    }
  });

  it('a second PUT changes only the location; each check-in is the next event of the code', () => {
    const made = putCallback(undefined, { msn: '123456', merchantQrId: 'till', locationDescription: 'Till 1', code: 'c-1' }, now);
    const renamed = putCallback(made, { msn: '123456', merchantQrId: 'till', locationDescription: 'Till 2', code: 'c-2' }, at(5));
    expect(renamed).toMatchObject({ code: 'c-1', locationDescription: 'Till 2', createdAt: made.createdAt, checkIns: 0 });
    const one = checkIn(renamed, { phoneNumber: '4797777776', token: 't1' }, at(10));
    const two = checkIn(one.qr, { phoneNumber: '4797777776', token: 't2' }, at(20));
    expect([one.seq, two.seq]).toEqual([0, 1]);
    expect(two.payload).toEqual({ customerToken: 't2', merchantQrId: 'till', merchantSerialNumber: '123456', initiatedAt: at(20).toISOString() });
    expect(Date.parse(two.token.expiresAt) - Date.parse(two.token.initiatedAt)).toBe(15 * 60_000);
  });
});
