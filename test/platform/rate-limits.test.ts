// Rate limits as the reference documents them (ePayment §3.11, eCom §2.8), declared by the modules
// as data and counted on the emulator clock: the tests advance the clock, they never sleep.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/apis/index.js';
import { OffsetClock } from '../../src/platform/clock.js';
import { RateLimiter, type RateLimit } from '../../src/platform/rate-limits.js';
import { startTestEmulator, type ApiResponse, type TestEmulator } from '../helpers/emulator.js';

const advance = (emu: TestEmulator, seconds: number) => emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { seconds } });

describe('RateLimiter', () => {
  const limit: RateLimit = { endpoint: 'capture', routes: [], limit: 3, windowSeconds: 60, per: ['msn', { param: 'reference' }] };
  const request = (reference?: string, msn = '123456') => ({ merchant: { msn }, params: { reference }, headers: {} }) as unknown as FastifyRequest;

  it('lets `limit` requests through in any window, then answers how long until the oldest leaves it', async () => {
    const clock = new OffsetClock(0);
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.take('c', limit, request('ref-1'))).toBeUndefined();
      await clock.advance(10_000);
    }
    // Three in the last 30 s: the fourth is refused until the first is a minute old.
    expect(limiter.take('c', limit, request('ref-1'))).toEqual({ limit, retryAfterSeconds: 30 });
    // Refused requests are not counted; another reference or sales unit has a count of its own.
    expect(limiter.take('c', limit, request('ref-2'))).toBeUndefined();
    expect(limiter.take('c', limit, request('ref-1', '654321'))).toBeUndefined();
    await clock.advance(30_000);
    expect(limiter.take('c', limit, request('ref-1'))).toBeUndefined();
    expect(limiter.take('c', limit, request('ref-1'))?.retryAfterSeconds).toBe(10);
    // A key that cannot be made (no reference) is not counted: validation refuses the request anyway.
    for (let i = 0; i < 5; i += 1) expect(limiter.take('c', limit, request(undefined))).toBeUndefined();
  });

  it('clear() forgets all counts, or one sales unit\'s', () => {
    const limiter = new RateLimiter(new OffsetClock(0));
    for (let i = 0; i < 3; i += 1) {
      limiter.take('c', limit, request('r', 'A'));
      limiter.take('c', limit, request('r', 'B'));
    }
    limiter.clear('A');
    expect(limiter.take('c', limit, request('r', 'A'))).toBeUndefined();
    expect(limiter.take('c', limit, request('r', 'B'))).toBeDefined();
    limiter.clear();
    expect(limiter.size).toBe(0);
  });

  it('the modules declare limits only on routes they serve, with a key to count by', () => {
    for (const module of MODULES) {
      for (const l of module.rateLimits ?? []) {
        expect(l.limit, `${module.name} ${l.endpoint}`).toBeGreaterThan(0);
        expect(l.per.length).toBeGreaterThan(0);
        for (const route of l.routes) expect(route).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \//);
      }
    }
    expect(MODULES.find((m) => m.name === 'epayment')!.rateLimits!.map((l) => [l.endpoint, l.limit])).toEqual([
      ['create', 5], ['capture', 5], ['cancel', 5], ['refund', 5], ['getPayment', 120], ['getPaymentEventLog', 120],
    ]);
  });
});

describe('documented limits over HTTP (429 in each API\'s shape, recovery after the window)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  /** The emulator clock past the window (the access token lives an hour: still valid). */
  const afterWindow = async () => {
    expect((await advance(emu, 61)).status).toBe(200);
  };

  const expect429 = (res: ApiResponse) => {
    expect(res.status, res.text).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  };

  it('ePayment capture: 5 per minute per reference and MSN, as a Problem; another reference is not affected', async () => {
    const { reference } = await emu.createPayment();
    const other = await emu.createPayment();
    await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: {} });
    const capture = (ref: string) => emu.call('POST', `/epayment/v1/payments/${ref}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 100 } } });
    for (let i = 0; i < 5; i += 1) expect((await capture(reference)).status).toBe(200);
    const refused = await capture(reference);
    expect429(refused);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests', type: 'https://httpstatuses.io/429' });
    // Refused: nothing captured by the sixth call.
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.aggregate.capturedAmount.value).toBe(500);
    expect((await capture(other.reference)).status).toBe(400); // not approved: the API answers, no 429
    await afterWindow();
    expect((await capture(reference)).status).toBe(200);
  });

  it('ePayment create: 5 per minute per reference (retries of one create count), get: 120 per minute', async () => {
    const reference = `order-${randomUUID().slice(0, 12)}`;
    for (let i = 0; i < 5; i += 1) expect((await emu.createPayment({ reference })).response.status).toBeLessThan(429);
    expect429((await emu.createPayment({ reference })).response);
    const { reference: read } = await emu.createPayment();
    for (let i = 0; i < 120; i += 1) expect((await emu.call('GET', `/epayment/v1/payments/${read}`)).status).toBe(200);
    expect429(await emu.call('GET', `/epayment/v1/payments/${read}`));
    // The event log is an endpoint of its own.
    expect((await emu.call('GET', `/epayment/v1/payments/${read}/events`)).status).toBe(200);
    await afterWindow();
    expect((await emu.call('GET', `/epayment/v1/payments/${read}`)).status).toBe(200);
  });

  it('eCom initiate: 2 per minute per orderId, in eCom\'s error array; both spellings of the path share the count', async () => {
    const initiate = (base: string, orderId: string) =>
      emu.call('POST', `/${base}/v2/payments`, { body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId, amount: 1000, transactionText: 'Limits' } } });
    const orderId = `order-${randomUUID().slice(0, 12)}`;
    expect((await initiate('ecomm', orderId)).status).toBe(200);
    expect((await initiate('Ecomm', orderId)).status).toBe(400); // duplicate orderId (Merchant/34), still counted
    const refused = await initiate('ecomm', orderId);
    expect429(refused);
    expect(refused.body).toEqual([{ errorGroup: 'InvalidRequest', errorCode: '429', errorMessage: expect.stringContaining('Too Many Requests'), contextId: expect.any(String) }]);
    await afterWindow();
    expect((await initiate('ecomm', orderId)).status).toBe(400);
  });

  it('eCom details: 120 per minute per orderId and subscription key', async () => {
    const orderId = `order-${randomUUID().slice(0, 12)}`;
    await emu.call('POST', '/ecomm/v2/payments', { body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId, amount: 1000, transactionText: 'Limits' } } });
    for (let i = 0; i < 120; i += 1) expect((await emu.call('GET', `/ecomm/v2/payments/${orderId}/details`)).status).toBe(200);
    expect429(await emu.call('GET', `/ecomm/v2/payments/${orderId}/details`));
    await afterWindow();
    expect((await emu.call('GET', `/ecomm/v2/payments/${orderId}/details`)).status).toBe(200);
  });

  it('a reset forgets the counts', async () => {
    const { reference } = await emu.createPayment();
    for (let i = 0; i < 120; i += 1) await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect429(await emu.call('GET', `/epayment/v1/payments/${reference}`));
    expect((await emu.call('POST', `/devkit/v1/merchants/${emu.merchant.msn}/reset`, { anonymous: true })).status).toBe(200);
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(404);
  });
});

describe('rate limits off (serve --rate-limits off)', () => {
  it('answers every request', async () => {
    const emu = await startTestEmulator({ rateLimits: false });
    try {
      const { reference } = await emu.createPayment();
      for (let i = 0; i < 130; i += 1) expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});
