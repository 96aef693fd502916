/**
 * The calendar: 24 monthly charges on one agreement, processed by moving the emulator clock —
 * picked up by the 07:00 UTC run on the due date (PROCESSING for an hour), retried once a day for
 * retryDays while the test user has no funds, taken by the 15:00 UTC run when the funds came back
 * after a failed morning, FAILED with user_action_required when the retries run out, the rest
 * charged. A jump of many months processes every owed step in order, as if the days had passed
 * one by one. Also: the test amount 2.01 kr (unknown result for an hour), a stop during
 * processing, and the release of a partial capture's rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { newKey } from '../../helpers/emulator.js';
import { activeAgreement, createCharge, PHONE, problemId, refreshingTokens } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator({ rateLimits: false }));
});
afterAll(async () => {
  await emu?.close();
});

const DAY = 86_400_000;
/** The first of the month `n` months after the emulator's current month. */
function firstOfMonth(n: number): string {
  const now = emu.ctx.clock.now();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 1)).toISOString().slice(0, 10);
}
/** Moves the clock to an instant (forward only). */
async function advanceTo(iso: string) {
  const ms = Date.parse(iso) - emu.ctx.clock.now().getTime();
  if (ms <= 0) return;
  const r = await emu.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: ms } });
  expect(r.status, r.text).toBe(200);
}
const funds = async (insufficientFunds: boolean) => {
  const r = await emu.call('PUT', `/devkit/v1/recurring/users/${PHONE}/funds`, { body: { insufficientFunds } });
  expect(r.status, r.text).toBe(200);
};

describe('Recurring charges on the emulator calendar', () => {
  it('runs 24 monthly charges with failures and retries by advancing the clock', async () => {
    const agreement = await activeAgreement(emu, { pricing: { type: 'LEGACY', amount: 10_000, currency: 'NOK' } });
    const dues = Array.from({ length: 24 }, (_, i) => firstOfMonth(i + 1));
    const ids: string[] = [];
    for (const [i, due] of dues.entries()) {
      const r = await createCharge(emu, agreement, { amount: 10_000, due, retryDays: 3, orderId: `month-${i + 1}-${Date.now()}`, transactionType: i % 2 === 0 ? 'DIRECT_CAPTURE' : 'RESERVE_CAPTURE' });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.chargeId);
    }
    const list = async () => new Map<string, any>((await emu.call('GET', `/recurring/v3/agreements/${agreement}/charges`)).body.map((c: { id: string }) => [c.id, c]));

    // Month 1 is picked up by the 07:00 UTC run on its due date, not a minute before, and is
    // PROCESSING (not cancellable) for the hour the run takes.
    await advanceTo(`${dues[0]}T06:59:00Z`);
    expect((await list()).get(ids[0]!).status).toBe('DUE');
    await advanceTo(`${dues[0]}T07:00:00Z`);
    expect((await list()).get(ids[0]!)).toMatchObject({ status: 'PROCESSING', summary: { captured: 0 }, transactionId: null });
    const cancel = await emu.call('DELETE', `/recurring/v3/agreements/${agreement}/charges/${ids[0]}`, { idempotencyKey: newKey() });
    expect(cancel.status, cancel.text).toBe(409);
    expect(problemId(cancel)).toBe('cancel-charge-failed');
    await advanceTo(`${dues[0]}T08:00:00Z`);
    expect((await list()).get(ids[0]!)).toMatchObject({ status: 'CHARGED', summary: { captured: 10_000 } });

    // Month 3: no funds on the due date and the morning after; funds back before that afternoon's
    // run, which takes it (without funds it would not have tried twice that day).
    await advanceTo(`${dues[2]}T00:00:00Z`);
    await funds(true);
    const day1 = new Date(Date.parse(dues[2]!) + DAY).toISOString().slice(0, 10);
    await advanceTo(`${day1}T09:00:00Z`);
    const retrying = (await list()).get(ids[2]!);
    expect(retrying).toMatchObject({ status: 'DUE', failureReason: null });
    expect(retrying.history.map((h: { event: string; occurred: string }) => `${h.event}@${h.occurred.slice(0, 16)}`).slice(1)).toEqual([`FAIL@${dues[2]}T08:00`, `FAIL@${day1}T08:00`]);
    await funds(false);
    await advanceTo(`${day1}T15:30:00Z`);
    expect((await list()).get(ids[2]!).status).toBe('PROCESSING');
    await advanceTo(`${day1}T16:00:00Z`);
    const recovered = (await list()).get(ids[2]!);
    expect(recovered).toMatchObject({ status: 'CHARGED', failureReason: null });
    expect(recovered.history.map((h: { event: string; occurred: string }) => `${h.event}@${h.occurred.slice(0, 16)}`).slice(1)).toEqual([`FAIL@${dues[2]}T08:00`, `FAIL@${day1}T08:00`, `CAPTURE@${day1}T16:00`]);

    // Month 6: no funds through all of due + retryDays: FAILED after 4 attempts.
    await advanceTo(`${dues[5]}T00:00:00Z`);
    await funds(true);
    await advanceTo(`${dues[6]}T00:00:00Z`);
    await funds(false);
    // The rest: one jump of about 18 months processes every owed step, in order.
    await advanceTo(`${dues[23]}T12:00:00Z`);

    const all = await list();
    const statuses = ids.map((id) => all.get(id).status);
    expect(statuses[5]).toBe('FAILED');
    expect(all.get(ids[5]!)).toMatchObject({ failureReason: 'user_action_required', failureDescription: expect.any(String), summary: { captured: 0 } });
    // One attempt a day (the afternoon runs found no funds either), the last on due + 3.
    expect(all.get(ids[5]!).history.filter((h: { event: string }) => h.event === 'FAIL').map((h: { occurred: string }) => h.occurred.slice(11, 16))).toEqual(['08:00', '08:00', '08:00', '08:00']);
    expect(statuses).toEqual(ids.map((_, i) => (i === 5 ? 'FAILED' : i % 2 === 0 ? 'CHARGED' : 'RESERVED')));
    // Every charge was taken exactly once, by a run of a day from its due date to due + retryDays (an hour after 07:00 UTC, or 15:00 after a fix).
    for (const [i, id] of ids.entries()) {
      const taken = all.get(id).history.filter((h: { event: string; success: boolean }) => h.success && (h.event === 'CAPTURE' || h.event === 'RESERVE'));
      if (i === 5) expect(taken).toHaveLength(0);
      else {
        expect(taken).toHaveLength(1);
        expect(['08:00', '16:00']).toContain(taken[0].occurred.slice(11, 16));
        const day = Math.round((Date.parse(taken[0].occurred.slice(0, 10)) - Date.parse(dues[i]!)) / DAY);
        expect(day).toBeGreaterThanOrEqual(0);
        expect(day).toBeLessThanOrEqual(3);
      }
    }
  });

  it('fails a test amount (1.51 kr, insufficient funds) after its retries, and a VARIABLE charge above the user\'s limit with charge_amount_too_high', async () => {
    const legacy = await activeAgreement(emu, { pricing: { type: 'LEGACY', amount: 1000, currency: 'NOK' } });
    const variable = await activeAgreement(emu, { pricing: { type: 'VARIABLE', suggestedMaxAmount: 5000, currency: 'NOK' } });
    const limit = await emu.call('POST', `/devkit/v1/recurring/agreements/${variable}/max-amount`, { body: { maxAmount: 2000 } });
    expect(limit.status, limit.text).toBe(200);
    const due = firstOfMonth(1);
    const testAmount = (await createCharge(emu, legacy, { amount: 151, due, retryDays: 1 })).body.chargeId;
    const tooHigh = (await createCharge(emu, variable, { amount: 4000, due, retryDays: 0 })).body.chargeId;
    const within = (await createCharge(emu, variable, { amount: 2000, due, retryDays: 0 })).body.chargeId;
    await advanceTo(new Date(Date.parse(`${due}T07:00:00Z`) + 2 * DAY).toISOString());
    const get = async (a: string, c: string) => (await emu.call('GET', `/recurring/v3/agreements/${a}/charges/${c}`)).body;
    expect(await get(legacy, testAmount)).toMatchObject({ status: 'FAILED', failureReason: 'user_action_required' });
    expect(await get(variable, tooHigh)).toMatchObject({ status: 'FAILED', failureReason: 'charge_amount_too_high' });
    expect(await get(variable, within)).toMatchObject({ status: 'CHARGED' });
  });

  it('keeps a 2.01 kr charge PROCESSING an extra hour (unknown result), then fails it with technical_error; a stop during processing cancels', async () => {
    const a = await activeAgreement(emu, { pricing: { type: 'LEGACY', amount: 1000, currency: 'NOK' } });
    const due = firstOfMonth(1);
    const unknown = (await createCharge(emu, a, { amount: 201, due, retryDays: 0 })).body.chargeId;
    const get = async (agreementId: string, c: string) => (await emu.call('GET', `/recurring/v3/agreements/${agreementId}/charges/${c}`)).body;
    await advanceTo(`${due}T08:30:00Z`);
    expect(await get(a, unknown)).toMatchObject({ status: 'PROCESSING', failureReason: null });
    await advanceTo(`${due}T09:00:00Z`);
    const failedOnce = await get(a, unknown);
    expect(failedOnce).toMatchObject({ status: 'DUE' });
    expect(failedOnce.history.at(-1)).toMatchObject({ event: 'FAIL', occurred: `${due}T09:00:00.000Z`, success: false });
    // retryDays 0: the afternoon run finds the same amount and settles it.
    await advanceTo(`${due}T15:00:00Z`);
    expect(await get(a, unknown)).toMatchObject({ status: 'FAILED', failureReason: 'technical_error', failureDescription: 'Technical error' });

    const b = await activeAgreement(emu, { pricing: { type: 'LEGACY', amount: 1000, currency: 'NOK' } });
    const next = firstOfMonth(2);
    const inFlight = (await createCharge(emu, b, { amount: 1000, due: next, retryDays: 1 })).body.chargeId;
    await advanceTo(`${next}T07:30:00Z`);
    expect((await get(b, inFlight)).status).toBe('PROCESSING');
    const stopped = await emu.call('PATCH', `/recurring/v3/agreements/${b}`, { idempotencyKey: newKey(), body: { status: 'STOPPED' } });
    expect(stopped.status, stopped.text).toBe(204);
    await advanceTo(`${next}T09:00:00Z`);
    expect(await get(b, inFlight)).toMatchObject({ status: 'CANCELLED', summary: { captured: 0, cancelled: 1000 } });
  });

  it('releases the rest of a partial capture seven days after the first capture', async () => {
    const a = await activeAgreement(emu, { pricing: { type: 'LEGACY', amount: 5000, currency: 'NOK' } });
    const due = firstOfMonth(1);
    const id = (await createCharge(emu, a, { amount: 5000, due, retryDays: 0, transactionType: 'RESERVE_CAPTURE' })).body.chargeId;
    await advanceTo(`${due}T10:00:00Z`);
    const capture = await emu.call('POST', `/recurring/v3/agreements/${a}/charges/${id}/capture`, { idempotencyKey: newKey(), body: { amount: 2000, description: 'Part' } });
    expect(capture.status, capture.text).toBe(204);
    const release = new Date(Date.parse(due!) + 7 * DAY).toISOString().slice(0, 10);
    await advanceTo(new Date(Date.parse(`${release}T00:00:00Z`) - 60_000).toISOString());
    const get = async () => (await emu.call('GET', `/recurring/v3/agreements/${a}/charges/${id}`)).body;
    expect(await get()).toMatchObject({ status: 'PARTIALLY_CAPTURED', summary: { captured: 2000, cancelled: 0 } });
    await advanceTo(`${release}T00:00:01Z`);
    const released = await get();
    expect(released).toMatchObject({ status: 'CHARGED', summary: { captured: 2000, cancelled: 3000, refunded: 0 } });
    expect(released.history.at(-1)).toMatchObject({ event: 'CANCEL', amount: 3000, occurred: `${release}T00:00:00.000Z`, idempotencyKey: `${id}-${a}-ProcessPayment`, success: true });
  });
});
