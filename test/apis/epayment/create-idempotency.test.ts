import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type ApiResponse, type TestEmulator } from '../../helpers/emulator.js';

/**
 * Create idempotency without an idempotency row per successful create: the payment row is the
 * record (its create_request column and the document's createIdempotencyKey); refusals are still
 * stored per key in idempotency_keys.
 */
let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const newReference = () => `idem-${randomUUID().slice(0, 18)}`;
const body = (reference: string, value = 1000) => ({
  amount: { currency: 'NOK', value },
  paymentMethod: { type: 'WALLET' },
  reference,
  userFlow: 'WEB_REDIRECT',
  returnUrl: 'https://shop.example/return',
  paymentDescription: 'Socks',
});
const create = (key: string, b: unknown) => emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, body: b });
const createRaw = (key: string, raw: string) => emu.call('POST', '/epayment/v1/payments', { idempotencyKey: key, rawBody: raw });
const events = async (reference: string) => (await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body as any[];
/** A problem body without its per-response traceId. */
const problemOf = (r: ApiResponse) => {
  const { traceId, ...rest } = r.body;
  expect(typeof traceId).toBe('string');
  return rest;
};

const db = () => emu.ctx.database.db;
const idempotencyRows = (reference: string) =>
  db().selectFrom('idempotency_keys').selectAll().where('msn', '=', emu.merchant.msn).where('reference', '=', reference).orderBy('created_at').execute();
const paymentRow = (reference: string) =>
  db().selectFrom('epayment_payments').selectAll().where('msn', '=', emu.merchant.msn).where('reference', '=', reference).executeTakeFirst();

describe('a successful create is recorded in the payment row', () => {
  it('writes no idempotency row; the payment keeps the create request and the key', async () => {
    const reference = newReference();
    const key = newKey();
    const sent = body(reference);
    const res = await create(key, sent);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ redirectUrl: expect.stringMatching(/\/landing\?token=/), reference });

    expect(await idempotencyRows(reference)).toEqual([]);
    const row = await paymentRow(reference);
    expect(row).toBeDefined();
    expect(row!.create_request).not.toBeNull();
    expect(JSON.parse(row!.create_request!)).toEqual(sent);
    const document = JSON.parse(row!.document);
    expect(document.createIdempotencyKey).toBe(key);
    expect(document.redirectUrl).toBe(res.body.redirectUrl);
  });

  it('a PUSH_MESSAGE create (no redirectUrl) is recorded the same way', async () => {
    const reference = newReference();
    const key = newKey();
    const sent = { ...body(reference), userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4791234567' } };
    const { returnUrl: _omit, ...push } = sent;
    const res = await create(key, push);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ reference });
    expect(await idempotencyRows(reference)).toEqual([]);
    expect(JSON.parse((await paymentRow(reference))!.create_request!)).toEqual(push);
    const again = await create(key, push);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(res.body);
  });
});

describe('replays of a successful create', () => {
  it('the same key and body gives 201 with the identical body, and creates nothing more', async () => {
    const reference = newReference();
    const key = newKey();
    const first = await create(key, body(reference));
    expect(first.status).toBe(201);
    const second = await create(key, body(reference));
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.body).toEqual(first.body);
    expect(await events(reference)).toHaveLength(1);
    expect(await idempotencyRows(reference)).toEqual([]);
    // The redirect token was not re-minted by the replay.
    expect(JSON.parse((await paymentRow(reference))!.document).redirectToken).toBe(new URL(first.body.redirectUrl).searchParams.get('token'));
  });

  it('the same request with keys in another order (nested too) and other white space is a replay: 201, same body', async () => {
    const reference = newReference();
    const key = newKey();
    const first = await create(key, body(reference));
    expect(first.status).toBe(201);
    const reordered =
      '{\n  "returnUrl": "https://shop.example/return",\n  "paymentDescription": "Socks",\n' +
      `  "userFlow" :"WEB_REDIRECT", "reference":"${reference}",\n` +
      '  "paymentMethod": {"type": "WALLET"},\n  "amount": { "value": 1000, "currency": "NOK" }\n}\n';
    expect(JSON.parse(reordered)).toEqual(body(reference));
    expect(reordered).not.toBe(JSON.stringify(body(reference)));
    const second = await createRaw(key, reordered);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await events(reference)).toHaveLength(1);
  });

  it('the same key with a different body is a 409 idempotency conflict, and the payment is unchanged', async () => {
    const reference = newReference();
    const key = newKey();
    const first = await create(key, body(reference));
    expect(first.status).toBe(201);
    for (const changed of [body(reference, 2000), { ...body(reference), paymentDescription: 'Shoes' }, { ...body(reference), returnUrl: 'https://shop.example/other' }]) {
      const other = await create(key, changed);
      expect(other.status).toBe(409);
      expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(other.body.title).toBe(`Idempotency error: Idempotency-Key ${key} already exists`);
      expect(other.body.extraDetails).toContainEqual({ name: 'ErrorCode', reason: '4020' });
    }
    const payment = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect(payment.body.amount.value).toBe(1000);
    const stored = await paymentRow(reference);
    expect(JSON.parse(stored!.document)).toMatchObject({ paymentDescription: 'Socks', returnUrl: 'https://shop.example/return' });
    expect(JSON.parse(stored!.create_request!)).toEqual(body(reference));
    expect(await events(reference)).toHaveLength(1);
    // The conflict did not take the key: the original request still replays.
    const again = await create(key, body(reference));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('a replay after the payment moved on (approved, captured) still gives the first response', async () => {
    const reference = newReference();
    const key = newKey();
    const first = await create(key, body(reference));
    expect((await emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} })).status).toBe(200);
    const capture = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: newKey(), body: { modificationAmount: { currency: 'NOK', value: 300 } } });
    expect(capture.status).toBe(200);
    const before = (await events(reference)).length;
    const replay = await create(key, body(reference));
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await events(reference)).toHaveLength(before);
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.state).toBe('AUTHORIZED');
  });

  it('concurrent creates with the same key and body: all 201 with one body, one payment', async () => {
    const reference = newReference();
    const key = newKey();
    // Five: the documented rate limit of create per reference (a sixth within the minute is a 429).
    const results = await Promise.all(Array.from({ length: 5 }, () => create(key, body(reference))));
    for (const r of results) expect(r.status).toBe(201);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(await events(reference)).toHaveLength(1);
    expect(await idempotencyRows(reference)).toEqual([]);
  });
});

describe('a taken reference under another key', () => {
  it('is a 409 reference-exists problem, stored under that key', async () => {
    const reference = newReference();
    const firstKey = newKey();
    expect((await create(firstKey, body(reference))).status).toBe(201);

    const otherKey = newKey();
    const clash = await create(otherKey, body(reference));
    expect(clash.status).toBe(409);
    expect(clash.body.title).toBe(`Idempotency error: Reference ${reference} already exists`);
    expect(clash.body.extraDetails).toContainEqual({ name: 'ErrorCode', reason: '4150' });

    const rows = await idempotencyRows(reference);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ operation: 'create', idempotency_key: otherKey, status: 409 });
    expect(JSON.parse(rows[0]!.body).title).toBe(clash.body.title);
    // Still no row for the successful create's key.
    expect(rows.some((r) => r.idempotency_key === firstKey)).toBe(false);

    const repeat = await create(otherKey, body(reference));
    expect(repeat.status).toBe(409);
    expect(problemOf(repeat)).toEqual(problemOf(clash));
    expect(await idempotencyRows(reference)).toHaveLength(1);
  });

  it('the stored 409 is what a repeat gets, even when the payment row is gone', async () => {
    const reference = newReference();
    expect((await create(newKey(), body(reference))).status).toBe(201);
    const otherKey = newKey();
    const clash = await create(otherKey, body(reference));
    expect(clash.status).toBe(409);

    // Remove the payment behind the emulator's back: only the stored refusal can answer now.
    await emu.ctx.database.commands.run(async (trx) => {
      await trx.deleteFrom('epayment_events').where('msn', '=', emu.merchant.msn).where('reference', '=', reference).execute();
      await trx.deleteFrom('epayment_payments').where('msn', '=', emu.merchant.msn).where('reference', '=', reference).execute();
    });
    expect(await paymentRow(reference)).toBeUndefined();

    const repeat = await create(otherKey, body(reference));
    expect(repeat.status).toBe(409);
    expect(problemOf(repeat)).toEqual(problemOf(clash));
    expect(await paymentRow(reference)).toBeUndefined();

    // The refusal is bound to its request: the same key with another body is a conflict.
    const changed = await create(otherKey, body(reference, 2000));
    expect(changed.status).toBe(409);
    expect(changed.body.title).toBe(`Idempotency error: Idempotency-Key ${otherKey} already exists`);

    // A fresh key creates the payment anew.
    expect((await create(newKey(), body(reference))).status).toBe(201);
  });

  it('a refused request under the original key reports a conflict, not a new refusal', async () => {
    const reference = newReference();
    const key = newKey();
    expect((await create(key, body(reference))).status).toBe(201);
    // This body would be refused before the insert (unknown customer): the taken reference and the key's first request decide.
    const refused = await create(key, { ...body(reference), customer: { phoneNumber: '4700000009' } });
    expect(refused.status).toBe(409);
    expect(refused.body.title).toBe(`Idempotency error: Idempotency-Key ${key} already exists`);
    expect(await idempotencyRows(reference)).toEqual([]);
    // Under another key the same body reports the taken reference (and stores that).
    const otherKey = newKey();
    const clash = await create(otherKey, { ...body(reference), customer: { phoneNumber: '4700000009' } });
    expect(clash.status).toBe(409);
    expect(clash.body.title).toBe(`Idempotency error: Reference ${reference} already exists`);
    expect((await idempotencyRows(reference)).map((r) => [r.idempotency_key, r.status])).toEqual([[otherKey, 409]]);
  });
});

describe('refusals before the insert are stored per key', () => {
  it('customer not found: 400 stored; a repeat gets it even once the user exists and the payment was created', async () => {
    const phone = `47${String(Date.now()).slice(-8)}`;
    const reference = newReference();
    const key = newKey();
    const withCustomer = { ...body(reference), customer: { phoneNumber: phone } };
    const refused = await create(key, withCustomer);
    expect(refused.status).toBe(400);
    expect(refused.body.title).toBe('Customer not found');
    expect(await paymentRow(reference)).toBeUndefined();
    const rows = await idempotencyRows(reference);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ operation: 'create', idempotency_key: key, status: 400 });

    // The user appears: a new key creates the payment; the old key keeps its first answer.
    const user = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: { phoneNumber: phone } });
    expect(user.status).toBe(201);
    const repeat = await create(key, withCustomer);
    expect(repeat.status).toBe(400);
    expect(problemOf(repeat)).toEqual(problemOf(refused));

    const ok = await create(newKey(), withCustomer);
    expect(ok.status).toBe(201);
    const afterCreate = await create(key, withCustomer);
    expect(afterCreate.status).toBe(400);
    expect(problemOf(afterCreate)).toEqual(problemOf(refused));
    expect(await events(reference)).toHaveLength(1);
  });

  it('a domain refusal (amount below the minimum) is stored too', async () => {
    const reference = newReference();
    const key = newKey();
    const refused = await create(key, body(reference, 1));
    expect(refused.status).toBe(400);
    expect(await paymentRow(reference)).toBeUndefined();
    expect((await idempotencyRows(reference)).map((r) => [r.idempotency_key, r.status])).toEqual([[key, 400]]);
    const repeat = await create(key, body(reference, 1));
    expect(problemOf(repeat)).toEqual(problemOf(refused));
    // The same key, now with a valid amount: the key already has its answer for another request.
    const changed = await create(key, body(reference));
    expect(changed.status).toBe(409);
    expect(changed.body.title).toBe(`Idempotency error: Idempotency-Key ${key} already exists`);
  });
});
