import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const body = (reference: string, value = 1000) => ({
  amount: { currency: 'NOK', value },
  paymentMethod: { type: 'WALLET' },
  reference,
  userFlow: 'WEB_REDIRECT',
  returnUrl: 'https://shop.example/return',
});

describe('Idempotency-Key', () => {
  it('a retried create with the same key and body returns the same result and creates nothing more', async () => {
    const key = newKey();
    const first = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, body: body('idem-create-1') });
    // Same body, different key order and spacing: still the same request.
    const { reference, amount, ...rest } = body('idem-create-1');
    const second = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, rawBody: JSON.stringify({ ...rest, amount, reference }, null, 2) });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const log = await emu.call('GET', '/epayment/v1/payments/idem-create-1/events');
    expect(log.body).toHaveLength(1);
  });

  it('the same key with a different body is a 409 conflict', async () => {
    const key = newKey();
    await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, body: body('idem-create-2') });
    const other = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, body: body('idem-create-2', 2000) });
    expect(other.status).toBe(409);
    expect(other.body.title).toBe(`Idempotency error: Idempotency-Key ${key} already exists`);
    expect((await emu.call('GET', '/epayment/v1/payments/idem-create-2')).body.amount.value).toBe(1000);
  });

  it('a retried capture captures once; a changed capture body conflicts', async () => {
    const { reference } = await emu.createPayment();
    await emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} });
    const key = newKey();
    const capture = (value: number) =>
      emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: key, body: { modificationAmount: { currency: 'NOK', value } } });
    const a = await capture(300);
    const b = await capture(300);
    expect(b.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect(b.body.aggregate.capturedAmount.value).toBe(300);
    const changed = await capture(400);
    expect(changed.status).toBe(409);
    expect(changed.body.title).toBe('Capture idempotency conflict');
    const names = (await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body.map((e: any) => e.name);
    expect(names.filter((n: string) => n === 'CAPTURED')).toHaveLength(1);
  });

  it('a first attempt that failed with 4xx keeps failing the same way on retry', async () => {
    const { reference } = await emu.createPayment();
    const key = newKey();
    const capture = () => emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: key, body: { modificationAmount: { currency: 'NOK', value: 100 } } });
    expect((await capture()).body.title).toBe('Cannot capture before reservation');
    await emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} });
    const retry = await capture();
    expect(retry.status).toBe(400);
    expect(retry.body.title).toBe('Cannot capture before reservation');
    // A new key is a new attempt.
    const fresh = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: newKey(), body: { modificationAmount: { currency: 'NOK', value: 100 } } });
    expect(fresh.status).toBe(200);
  });

  it('is required on create, capture, refund and cancel, and at most 50 characters', async () => {
    const missing = await emu.call('POST', '/epayment/v1/payments', { body: body('idem-missing') });
    expect(missing.status).toBe(400);
    expect(missing.body.extraDetails).toContainEqual({ name: 'Idempotency-Key', reason: 'idempotency-key is required' });
    const long = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: 'k'.repeat(51), body: body('idem-missing') });
    expect(long.status).toBe(400);
    expect(long.body.extraDetails[0].name).toBe('Idempotency-Key');
    for (const op of ['capture', 'refund', 'cancel']) {
      const res = await emu.call('POST', `/epayment/v1/payments/idem-missing/${op}`, { body: { modificationAmount: { currency: 'NOK', value: 1 } } });
      expect(res.status).toBe(400);
    }
  });
});

describe('bad input gets a 4xx Problem that names the field', () => {
  it('malformed JSON', async () => {
    const res = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: newKey(), rawBody: '{"amount": {"currency": "NOK",' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.title).toBe('Invalid JSON');
  });

  it('wrong types are not coerced', async () => {
    const res = await emu.call('POST', '/epayment/v1/payments', {
      idempotencyKey: newKey(),
      body: { ...body('wrong-types-1'), amount: { currency: 'NOK', value: '1000' }, userFlow: 'SMOKE_SIGNAL' },
    });
    expect(res.status).toBe(400);
    const names = res.body.extraDetails.map((d: any) => d.name);
    expect(names).toContain('amount.value');
    expect(names).toContain('userFlow');
    expect(res.body.detail).toContain('amount.value: must be integer');
  });

  it('missing required fields are named', async () => {
    const { amount: _a, ...noAmount } = body('missing-amount');
    const res = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: newKey(), body: noAmount });
    expect(res.status).toBe(400);
    expect(res.body.extraDetails).toContainEqual({ name: 'amount', reason: 'amount is required' });
  });

  it('unknown fields are ignored, as the spec allows, and not echoed', async () => {
    const res = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: newKey(), body: { ...body('unknown-fields-1'), shoeSize: 44 } });
    expect(res.status).toBe(201);
    const payment = await emu.call('GET', '/epayment/v1/payments/unknown-fields-1');
    expect(payment.text).not.toContain('shoeSize');
  });

  it('oversized bodies are 413', async () => {
    const res = await emu.call('POST', '/epayment/v1/payments', {
      idempotencyKey: newKey(),
      body: { ...body('too-big-1'), paymentDescription: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body.title).toBe('Payload Too Large');
  });

  it('a body that is not JSON is 415', async () => {
    const res = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: newKey(), rawBody: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
  });

  it('invalid references in the path are 400', async () => {
    const res = await emu.call('GET', '/epayment/v1/payments/short');
    expect(res.status).toBe(400);
    expect(res.body.extraDetails[0].name).toBe('reference');
  });

  it('nothing a client sends yields a 500', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const paths = ['/epayment/v1/payments', '/epayment/v1/payments/fuzz-reference-1/capture', '/epayment/v1/payments/fuzz-reference-1/refund', '/epayment/v1/payments/fuzz-reference-1/cancel', '/epayment/v1/test/payments/fuzz-reference-1/approve'];
    await emu.createPayment({ reference: 'fuzz-reference-1' });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(json.map((v) => JSON.stringify(v)), fc.string()), fc.option(fc.string({ maxLength: 60 })), async (path, raw, key) => {
        const res = await emu.call('POST', path, { rawBody: raw, ...(key ? { idempotencyKey: key.replace(/[^\x20-\x7e]/g, '') || 'k' } : {}) });
        expect(res.status).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(200);
      }),
      { numRuns: 300 },
    );
  });
});
