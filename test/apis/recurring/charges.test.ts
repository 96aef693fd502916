import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { activeAgreement, charge, createCharge, dateIn, PHONE, problemId, refreshingTokens } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator({ rateLimits: false }));
});
afterAll(async () => {
  await emu?.close();
});

const base = (a: string) => `/recurring/v3/agreements/${a}/charges`;
const capture = (a: string, c: string, amount: number) => emu.call('POST', `${base(a)}/${c}/capture`, { idempotencyKey: newKey(), body: { amount, description: 'capture' } });
const refund = (a: string, c: string, amount: number) => emu.call('POST', `${base(a)}/${c}/refund`, { idempotencyKey: newKey(), body: { amount, description: 'refund' } });
const cancel = (a: string, c: string) => emu.call('DELETE', `${base(a)}/${c}`, { idempotencyKey: newKey() });
const advance = (duration: string) => emu.call('POST', '/devkit/v1/clock/advance', { body: { duration } });

describe('Recurring charges', () => {
  it('creates a charge (orderId becomes the chargeId), reads it three ways, and refuses a taken orderId', async () => {
    const a = await activeAgreement(emu);
    const orderId = `order-${Date.now()}`;
    const created = await createCharge(emu, a, { orderId, externalId: 'ext-1' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ chargeId: orderId });
    const c = await charge(emu, a, orderId);
    expect(c).toMatchObject({ id: orderId, agreementId: a, externalId: 'ext-1', amount: 2500, currency: 'NOK', status: 'DUE', type: 'RECURRING', transactionType: 'DIRECT_CAPTURE', retryDays: 2, transactionId: null, failureReason: null, summary: { captured: 0, refunded: 0, cancelled: 0 } });
    expect(c.due).toBe(`${dateIn(emu, 3)}T00:00:00Z`);
    expect(c.history).toEqual([expect.objectContaining({ event: 'CREATE', amount: 2500, success: true })]);
    expect((await emu.call('GET', `/recurring/v3/charges/${orderId}`)).body).toEqual(c);
    expect((await emu.call('GET', `${base(a)}?status=DUE`)).body.map((x: { id: string }) => x.id)).toEqual([orderId]);
    expect((await emu.call('GET', `${base(a)}?status=CHARGED`)).body).toEqual([]);
    const taken = await createCharge(emu, a, { orderId });
    expect(taken.status).toBe(409);
    expect((await emu.call('GET', `${base(a)}/nosuch`)).status).toBe(404);
    expect((await emu.call('GET', `${base('agr_nosuch1')}`)).status).toBe(404);
  });

  it('generates ids as the real ones look (chr- and agr_ + 7 alphanumerics) that sort in the order they were made', async () => {
    const a = await activeAgreement(emu);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await createCharge(emu, a, {})).body.chargeId);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const id of ids) expect(id).toMatch(/^chr-[0-9A-Za-z]{7}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(a).toMatch(/^agr_[0-9A-Za-z]{7}$/);
  });

  it('is PENDING until 35 days before its due date', async () => {
    const a = await activeAgreement(emu);
    const far = await createCharge(emu, a, { due: dateIn(emu, 60) });
    expect((await charge(emu, a, far.body.chargeId)).status).toBe('PENDING');
    await advance('26d');
    expect((await charge(emu, a, far.body.chargeId)).status).toBe('DUE');
  });

  it('checks due dates and amount limits per pricing type', async () => {
    const legacy = await activeAgreement(emu);
    const soon = await createCharge(emu, legacy, { due: dateIn(emu, 0) });
    expect(soon.status).toBe(400);
    expect(problemId(soon)).toBe('charge-due-too-soon');
    const late = await createCharge(emu, legacy, { due: dateIn(emu, 740) });
    expect(problemId(late)).toBe('charge-due-in-too-long');
    expect(problemId(await createCharge(emu, legacy, { due: '2030-02-30' }))).toBe('validation-error');
    // LEGACY: at most 5 × the price (2500).
    expect((await createCharge(emu, legacy, { amount: 12_500 })).status).toBe(201);
    const high = await createCharge(emu, legacy, { amount: 12_501 });
    expect(high.status).toBe(400);
    expect(problemId(high)).toBe('charge-amount-too-high');
    // VARIABLE: at most the larger of suggestedMaxAmount and the user's maxAmount.
    const variable = await activeAgreement(emu, { pricing: { type: 'VARIABLE', suggestedMaxAmount: 5000, currency: 'NOK' } });
    expect((await createCharge(emu, variable, { amount: 5000 })).status).toBe(201);
    expect(problemId(await createCharge(emu, variable, { amount: 5001 }))).toBe('charge-amount-too-high');
  });

  it('captures a reserved charge in parts, refunds, and cancels the rest of a partial capture', async () => {
    const a = await activeAgreement(emu);
    const c = (await createCharge(emu, a, { amount: 10_000, transactionType: 'RESERVE_CAPTURE', due: dateIn(emu, 1), retryDays: 0 })).body.chargeId;
    expect(problemId(await capture(a, c, 100))).toBe('charge-capture-failed');
    await advance('2d');
    expect(await charge(emu, a, c)).toMatchObject({ status: 'RESERVED' });
    const tooMuch = await capture(a, c, 10_001);
    expect(tooMuch.status).toBe(400);
    expect((await capture(a, c, 4000)).status).toBe(204);
    expect(await charge(emu, a, c)).toMatchObject({ status: 'PARTIALLY_CAPTURED', summary: { captured: 4000 }, transactionId: expect.stringMatching(/^\d{10}$/) });
    expect((await cancel(a, c)).status).toBe(204);
    expect(await charge(emu, a, c)).toMatchObject({ status: 'CHARGED', summary: { captured: 4000, cancelled: 6000 } });
    expect((await refund(a, c, 1000)).status).toBe(204);
    expect((await charge(emu, a, c)).status).toBe('PARTIALLY_REFUNDED');
    expect(problemId(await refund(a, c, 3001))).toBe('operation-failed');
    expect((await refund(a, c, 3000)).status).toBe(204);
    const done = await charge(emu, a, c);
    expect(done).toMatchObject({ status: 'REFUNDED', summary: { captured: 4000, refunded: 4000, cancelled: 6000 } });
    expect(done.history.map((h: { event: string }) => h.event)).toEqual(['CREATE', 'RESERVE', 'CAPTURE', 'CANCEL', 'REFUND', 'REFUND']);
    expect((await cancel(a, c)).status).toBe(409);
  });

  it('cancels PENDING and DUE charges; DIRECT_CAPTURE charges cannot be captured', async () => {
    const a = await activeAgreement(emu);
    const due = (await createCharge(emu, a, {})).body.chargeId;
    expect((await capture(a, due, 100)).status).toBe(409);
    expect((await cancel(a, due)).status).toBe(204);
    expect(await charge(emu, a, due)).toMatchObject({ status: 'CANCELLED', summary: { cancelled: 2500 } });
    // A cancelled charge is never processed.
    await advance('5d');
    expect((await charge(emu, a, due)).status).toBe('CANCELLED');
  });

  it('creates several charges at once: invalid ones with their errors; valid ones listed by id, created, or failing later (no such agreement)', async () => {
    const a = await activeAgreement(emu);
    const item = (orderId: string, extra: Record<string, unknown> = {}) => ({ agreementId: a, orderId, amount: 2500, transactionType: 'DIRECT_CAPTURE', description: 'Batch', due: dateIn(emu, 5), retryDays: 1, ...extra });
    const stamp = Date.now();
    const r = await emu.call('POST', '/recurring/v3/agreements/charges', {
      idempotencyKey: newKey(),
      body: [item(`b1-${stamp}`), item(`b2-${stamp}`, { amount: 50 }), item(`b3-${stamp}`, { agreementId: 'agr_nosuch1' }), item(`b4-${stamp}`)],
    });
    expect(r.status).toBe(202);
    // b3's agreement does not exist: valid as a request, not created (charge-creation-failed, events.test.ts).
    expect(r.body.validCharges).toEqual([`b1-${stamp}`, `b3-${stamp}`, `b4-${stamp}`]);
    expect(r.body.invalidCharges.map((x: { chargeBatchItemDto: { orderId: string } }) => x.chargeBatchItemDto.orderId)).toEqual([`b2-${stamp}`]);
    expect(r.body.invalidCharges[0].errors[0]).toMatch(/amount/);
    expect((await emu.call('GET', base(a))).body).toHaveLength(2);
    expect((await emu.call('GET', `/recurring/v3/charges/b3-${stamp}`)).status).toBe(404);
    // Rules checked without the agreement's state are validation too: a due date too far ahead, a missing orderId.
    const late = await emu.call('POST', '/recurring/v3/agreements/charges', { idempotencyKey: newKey(), body: [item(`b5-${stamp}`, { due: dateIn(emu, 900) }), item(`b6-${stamp}`, { orderId: undefined })] });
    expect(late.body.validCharges).toEqual([]);
    expect(late.body.invalidCharges.map((x: { errors: string[] }) => x.errors[0])).toEqual([expect.stringMatching(/due/i), expect.stringMatching(/orderId/)]);
  });

  it('replays a capture with the same Idempotency-Key instead of capturing twice', async () => {
    const a = await activeAgreement(emu, { initialCharge: { amount: 5000, description: 'Start', transactionType: 'RESERVE_CAPTURE', orderId: `ic-${Date.now()}` } });
    const initial = (await emu.call('GET', base(a))).body[0].id;
    const key = newKey();
    const first = await emu.call('POST', `${base(a)}/${initial}/capture`, { idempotencyKey: key, body: { amount: 2000, description: 'x' } });
    const again = await emu.call('POST', `${base(a)}/${initial}/capture`, { idempotencyKey: key, body: { amount: 2000, description: 'x' } });
    expect([first.status, again.status]).toEqual([204, 204]);
    expect((await charge(emu, a, initial)).summary.captured).toBe(2000);
  });

  it('the SDK\'s bodies: capture without a description, DELETE with an empty JSON body', async () => {
    const a = await activeAgreement(emu, { initialCharge: { amount: 5000, description: 'Start', transactionType: 'RESERVE_CAPTURE' } });
    const initial = (await emu.call('GET', base(a))).body[0].id;
    expect((await emu.call('POST', `${base(a)}/${initial}/capture`, { idempotencyKey: newKey(), body: { amount: 1000 } })).status).toBe(204);
    const del = await emu.call('DELETE', `${base(a)}/${initial}`, { idempotencyKey: newKey(), rawBody: '' });
    expect(del.status).toBe(204);
    expect((await charge(emu, a, initial)).status).toBe('CHARGED');
    expect(PHONE).toBe('4791234567');
  });
});
