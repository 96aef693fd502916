import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe('control API /devkit/v1', () => {
  it('lists the test merchants with their keys and test users', async () => {
    const res = await emu.call('GET', '/devkit/v1/merchants', { anonymous: true });
    expect(res.status).toBe(200);
    const [m] = res.body.merchants;
    expect(m).toMatchObject({ msn: emu.merchant.msn, clientId: emu.merchant.clientId, clientSecret: emu.merchant.clientSecret, subscriptionKey: emu.merchant.subscriptionKey });
    expect(m.msn).toMatch(/^\d{6}$/);
    expect(m.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.subscriptionKey).toMatch(/^[0-9a-f]{32}$/);
    expect(m.testUsers[0]).toMatchObject({ phoneNumber: '4797777776', nin: '01032300371' });
  });

  it('creates another merchant whose keys work at once', async () => {
    const created = await emu.call('POST', '/devkit/v1/merchants', { anonymous: true, body: { name: 'Second shop', msn: '654321' } });
    expect(created.status).toBe(201);
    const token = await emu.fetchToken(emu.ctx.merchants.get('654321'));
    expect(token.split('.')).toHaveLength(3);
    const dup = await emu.call('POST', '/devkit/v1/merchants', { anonymous: true, body: { msn: '654321' } });
    expect(dup.status).toBe(409);
    const bad = await emu.call('POST', '/devkit/v1/merchants', { anonymous: true, body: { msn: 'abc' } });
    expect(bad.status).toBe(400);
  });

  it('reads and advances the clock, refusing bad durations', async () => {
    const before = await emu.call('GET', '/devkit/v1/clock', { anonymous: true });
    const res = await emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration: 'PT2H' } });
    expect(res.status).toBe(200);
    expect(res.body.offsetMilliseconds - before.body.offsetMilliseconds).toBe(2 * 3_600_000);
    expect(Date.parse(res.body.now) - Date.parse(before.body.now)).toBeGreaterThanOrEqual(2 * 3_600_000);
    for (const body of [{ duration: 'soon' }, { seconds: -5 }, {}, { seconds: 1, duration: '1m' }]) {
      const bad = await emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body });
      expect({ body, status: bad.status }).toEqual({ body, status: 400 });
    }
  });

  it('reset wipes payments and the clock but keeps credentials', async () => {
    const token = await emu.fetchToken();
    const call = (method: string, path: string, o: any = {}) => emu.call(method, path, { ...o, headers: { authorization: `Bearer ${token}`, ...(o.headers ?? {}) } });
    const created = await call('POST', '/epayment/v1/payments', {
      idempotencyKey: 'reset-key',
      body: { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'reset-ref-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example/r' },
    });
    expect(created.status).toBe(201);
    // Read once before: what the emulator keeps of a read payment must go with the reset too.
    expect((await call('GET', '/epayment/v1/payments/reset-ref-1')).status).toBe(200);
    const reset = await emu.call('POST', '/devkit/v1/reset', { anonymous: true });
    expect(reset.status).toBe(200);
    expect(reset.body.offsetMilliseconds).toBe(0);
    expect((await call('GET', '/epayment/v1/payments/reset-ref-1')).status).toBe(404);
    // The same reference (and key) can be used again after a reset.
    const again = await call('POST', '/epayment/v1/payments', {
      idempotencyKey: 'reset-key',
      body: { amount: { currency: 'NOK', value: 2000 }, paymentMethod: { type: 'WALLET' }, reference: 'reset-ref-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example/r' },
    });
    expect(again.status).toBe(201);
    expect((await emu.call('GET', '/devkit/v1/merchants', { anonymous: true })).body.merchants[0].clientId).toBe(emu.merchant.clientId);
  });

  it('the root lists the APIs and pages, and each listed page answers', async () => {
    const root = (await emu.call('GET', '/', { anonymous: true })).body;
    // The listing comes from the module registry: each API with the paths it answers.
    expect(root.apis).toContainEqual(expect.objectContaining({ name: 'epayment', paths: ['/epayment/'] }));
    for (const path of [root.pages.app, root.pages.status, root.statusApi, root.control]) {
      expect({ path, status: (await emu.call('GET', path, { anonymous: true })).status }).toEqual({ path, status: 200 });
    }
  });

  it('answers unknown paths with a Problem 404', async () => {
    const res = await emu.call('GET', '/devkit/v1/nothing-here', { anonymous: true });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
