import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const nok = (value: number) => ({ currency: 'NOK', value });
const approve = (reference: string) =>
  emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: { customer: { phoneNumber: '4797777776' } } });
const capture = (reference: string, value: number, key = newKey()) =>
  emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: key, body: { modificationAmount: nok(value) } });
const refund = (reference: string, value: number, key = newKey()) =>
  emu.call('POST', `/epayment/v1/payments/${reference}/refund`, { idempotencyKey: key, body: { modificationAmount: nok(value) } });
const cancel = (reference: string, key = newKey()) => emu.call('POST', `/epayment/v1/payments/${reference}/cancel`, { idempotencyKey: key });
const get = (reference: string) => emu.call('GET', `/epayment/v1/payments/${reference}`);
const events = (reference: string) => emu.call('GET', `/epayment/v1/payments/${reference}/events`);

describe('the whole payment flow over HTTP', () => {
  it('create → force approve → partial capture → capture rest → partial refund → get → events', async () => {
    const { reference, response } = await emu.createPayment({ amount: nok(1000) });
    expect(response.status).toBe(201);
    expect(response.body.reference).toBe(reference);
    expect(response.body.redirectUrl).toMatch(new RegExp(`^${emu.url}/landing\\?token=`));

    const created = await get(reference);
    expect(created.body.state).toBe('CREATED');
    expect(created.body.aggregate.authorizedAmount).toEqual(nok(0));

    expect((await approve(reference)).status).toBe(200);
    const c1 = await capture(reference, 250);
    expect(c1.status).toBe(200);
    expect(c1.body.state).toBe('AUTHORIZED');
    expect(c1.body.aggregate.capturedAmount).toEqual(nok(250));
    const c2 = await capture(reference, 750);
    expect(c2.body.aggregate.capturedAmount).toEqual(nok(1000));
    const r1 = await refund(reference, 300);
    expect(r1.status).toBe(200);
    expect(r1.body.aggregate.refundedAmount).toEqual(nok(300));

    const final = await get(reference);
    expect(final.status).toBe(200);
    expect(final.headers.get('content-type')).toMatch(/^application\/json/);
    expect(final.body).toMatchObject({
      state: 'AUTHORIZED',
      amount: nok(1000),
      aggregate: { authorizedAmount: nok(1000), capturedAmount: nok(1000), refundedAmount: nok(300), cancelledAmount: nok(0) },
      paymentMethod: { type: 'WALLET' },
      reference,
    });

    const log = await events(reference);
    expect(log.body.map((e: any) => [e.name, e.amount.value])).toEqual([
      ['CREATED', 1000],
      ['AUTHORIZED', 1000],
      ['CAPTURED', 250],
      ['CAPTURED', 750],
      ['REFUNDED', 300],
    ]);
    // The CREATED event carries the payment's pspReference; later events have their own.
    expect(log.body[0].pspReference).toBe(final.body.pspReference);
    expect(new Set(log.body.map((e: any) => e.pspReference)).size).toBe(5);
    expect(log.body.every((e: any) => e.success === true && e.reference === reference)).toBe(true);
  });

  it('cancel before approval terminates the payment', async () => {
    const { reference } = await emu.createPayment({ amount: nok(1000) });
    const res = await cancel(reference);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('TERMINATED');
    expect(res.body.aggregate.cancelledAmount).toEqual(nok(1000));
    expect(res.body.aggregate.authorizedAmount).toEqual(nok(0));
    expect((await approve(reference)).status).toBe(400);
    expect((await events(reference)).body.map((e: any) => e.name)).toEqual(['CREATED', 'TERMINATED']);
  });

  it('cancel after approval releases the uncaptured rest and keeps AUTHORIZED', async () => {
    const { reference } = await emu.createPayment({ amount: nok(1000) });
    await approve(reference);
    await capture(reference, 250);
    const res = await cancel(reference);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('AUTHORIZED');
    expect(res.body.aggregate.cancelledAmount).toEqual(nok(750));
    const late = await capture(reference, 1);
    expect(late.status).toBe(400);
    expect(late.body.title).toBe('Cannot capture a cancelled payment');
    // Refunds of what was captured stay possible.
    expect((await refund(reference, 100)).status).toBe(200);
    const over = await refund(reference, 200);
    expect(over.status).toBe(400);
    expect(over.body.title).toBe('Not enough refundable');
  });

  it('a fully captured payment cannot be cancelled', async () => {
    const { reference } = await emu.createPayment();
    await approve(reference);
    await capture(reference, 1000);
    const res = await cancel(reference);
    expect(res.status).toBe(400);
    expect(res.body.title).toBe('Cannot cancel a captured payment');
  });

  it('over-capture and over-refund are refused and change nothing', async () => {
    const { reference } = await emu.createPayment({ amount: nok(1000) });
    const early = await capture(reference, 100);
    expect(early.status).toBe(400);
    expect(early.body.title).toBe('Cannot capture before reservation');
    const earlyRefund = await refund(reference, 100);
    expect(earlyRefund.body.title).toBe('Attempted refund before reservation');

    await approve(reference);
    const over = await capture(reference, 1001);
    expect(over.status).toBe(400);
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({ title: 'Capture amount too high', status: 400, type: 'https://httpstatuses.io/400' });
    expect(over.body.traceId).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(over.body.extraDetails).toContainEqual({ name: 'ErrorCode', reason: '6090' });

    await capture(reference, 400);
    const overRefund = await refund(reference, 401);
    expect(overRefund.status).toBe(400);
    expect(overRefund.body.title).toBe('Not enough refundable');
    await refund(reference, 400);
    const again = await refund(reference, 1);
    expect(again.body.title).toBe('Payment already refunded');

    const state = await get(reference);
    expect(state.body.aggregate).toMatchObject({ capturedAmount: nok(400), refundedAmount: nok(400) });
    expect((await events(reference)).body.map((e: any) => e.name)).toEqual(["CREATED", "AUTHORIZED", "CAPTURED", "REFUNDED"]);
  });

  it('a capture in another currency is refused', async () => {
    const { reference } = await emu.createPayment();
    await approve(reference);
    const res = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, {
      idempotencyKey: newKey(),
      body: { modificationAmount: { currency: 'EUR', value: 100 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.title).toBe('Invalid currency');
  });

  it('unknown references are 404 with the documented title', async () => {
    for (const path of ['/epayment/v1/payments/does-not-exist', '/epayment/v1/payments/does-not-exist/events']) {
      const res = await emu.call('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.title).toBe('Reference not found');
    }
    expect((await capture('does-not-exist', 100)).status).toBe(404);
  });
});

describe('payment rules at creation', () => {
  it('refuses a reference already used by this merchant', async () => {
    const { reference } = await emu.createPayment();
    const again = await emu.createPayment({ reference });
    expect(again.response.status).toBe(409);
    expect(again.response.body.title).toBe(`Idempotency error: Reference ${reference} already exists`);
  });

  it('applies the documented cross-field rules', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ amount: nok(99) }, 400, 'Amount too small'],
      [{ amount: { currency: 'DKK', value: 1000 } }, 400, 'Invalid currency for merchant'],
      [{ returnUrl: undefined }, 400, 'Missing required parameter'],
      [{ returnUrl: 'http://example.com/return' }, 400, 'Invalid URL'],
      [{ userFlow: 'PUSH_MESSAGE' }, 400, 'Missing required parameter'],
      [{ paymentMethod: { type: 'CARD' }, userFlow: 'QR' }, 400, 'Invalid payment method'],
      [{ userFlow: 'WEB_REDIRECT', qrFormat: { format: 'IMAGE/PNG' } }, 400, 'Invalid qrFormat'],
      [{ customer: { phoneNumber: '4712345678' } }, 400, 'Customer not found'],
      [{ profile: { scope: 'name shoeSize' } }, 400, 'Invalid scope'],
      [{ profile: { scope: 'name nin' } }, 403, 'Illegal scope'],
      [{ userFlow: 'WEB_REDIRECT', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'ExpiresAt not allowed'],
      [{ userFlow: 'QR', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'Long-living payments require a receipt'],
    ];
    for (const [overrides, status, title] of cases) {
      const { response } = await emu.createPayment(overrides);
      expect({ overrides, status: response.status, title: response.body.title }).toEqual({ overrides, status, title });
    }
  });

  it('redirectUrl depends on userFlow; PUSH_MESSAGE has none', async () => {
    const push = await emu.createPayment({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4797777776' }, returnUrl: undefined });
    expect(push.response.status).toBe(201);
    expect(push.response.body.redirectUrl).toBeUndefined();
    const qr = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined });
    expect(qr.response.body.redirectUrl).toMatch(/\/qr\/v1\?token=/);
    const native = await emu.createPayment({ userFlow: 'NATIVE_REDIRECT' });
    expect(native.response.body.redirectUrl).toMatch(/\/app-switch\?token=/);
  });

  it('echoes metadata and accepts a long-living QR payment with a receipt', async () => {
    const expiresAt = new Date(emu.ctx.clock.now().getTime() + 2 * 86_400_000).toISOString();
    const { reference, response } = await emu.createPayment({
      userFlow: 'QR',
      returnUrl: undefined,
      expiresAt,
      metadata: { orderGroup: 'A7' },
      receipt: {
        orderLines: [{ name: 'Socks', id: 's-1', totalAmount: 1000, totalAmountExcludingTax: 800, totalTaxAmount: 200, taxRate: 2500 }],
        bottomLine: { currency: 'NOK' },
      },
    });
    expect(response.status).toBe(201);
    expect((await get(reference)).body.metadata).toEqual({ orderGroup: 'A7' });
    // Ten minutes later a long-living payment is still waiting for the user.
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '15m' } });
    expect((await get(reference)).body.state).toBe('CREATED');
  });
});

describe('expiry follows the injectable clock', () => {
  it('a payment nobody approves expires after ten minutes', async () => {
    const { reference } = await emu.createPayment();
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '9m' } });
    expect((await get(reference)).body.state).toBe('CREATED');
    const advanced = await emu.call('POST', '/devkit/v1/clock/advance', { body: { seconds: 61 } });
    expect(advanced.status).toBe(200);
    const after = await get(reference);
    expect(after.body.state).toBe('EXPIRED');
    const log = (await events(reference)).body;
    expect(log.map((e: any) => e.name)).toEqual(['CREATED', 'EXPIRED']);
    expect(Date.parse(log[1].timestamp)).toBeGreaterThanOrEqual(Date.parse(log[0].timestamp) + 10 * 60_000);
    const late = await approve(reference);
    expect(late.status).toBe(400);
    const cancelled = await cancel(reference);
    expect(cancelled.status).toBe(400);
    expect(cancelled.body.title).toBe('Payment cannot be cancelled');
  });
});
