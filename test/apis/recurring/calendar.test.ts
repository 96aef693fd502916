/**
 * The calendar: 24 monthly charges on one agreement, processed by moving the emulator clock —
 * attempts at 07:00 UTC on the due date, retries once a day for retryDays while the test user has
 * no funds, FAILED with user_action_required when the retries run out, the rest charged. A jump of
 * many months processes every owed step in order, as if the days had passed one by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { activeAgreement, createCharge, PHONE, refreshingTokens } from './helpers.js';

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

    // Month 1 is charged at 07:00 UTC on its due date, not a minute before.
    await advanceTo(`${dues[0]}T06:59:00Z`);
    expect((await list()).get(ids[0]!).status).toBe('DUE');
    await advanceTo(`${dues[0]}T07:00:00Z`);
    expect((await list()).get(ids[0]!)).toMatchObject({ status: 'CHARGED', summary: { captured: 10_000 } });

    // Month 3: no funds on the due date and the day after; funds back before the third attempt.
    await advanceTo(`${dues[2]}T00:00:00Z`);
    await funds(true);
    await advanceTo(`${dues[2]}T07:00:00Z`);
    await advanceTo(new Date(Date.parse(`${dues[2]}T07:00:00Z`) + DAY).toISOString());
    const retrying = (await list()).get(ids[2]!);
    expect(retrying).toMatchObject({ status: 'DUE', failureReason: null });
    expect(retrying.history.filter((h: { event: string }) => h.event === 'FAIL')).toHaveLength(2);
    await funds(false);
    await advanceTo(new Date(Date.parse(`${dues[2]}T07:00:00Z`) + 2 * DAY).toISOString());
    const recovered = (await list()).get(ids[2]!);
    expect(recovered).toMatchObject({ status: 'CHARGED', failureReason: null });
    expect(recovered.history.map((h: { event: string; occurred: string }) => `${h.event}@${h.occurred.slice(0, 16)}`).slice(1)).toEqual([
      `FAIL@${dues[2]}T07:00`,
      `FAIL@${new Date(Date.parse(dues[2]!) + DAY).toISOString().slice(0, 10)}T07:00`,
      `CAPTURE@${new Date(Date.parse(dues[2]!) + 2 * DAY).toISOString().slice(0, 10)}T07:00`,
    ]);

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
    expect(all.get(ids[5]!).history.filter((h: { event: string }) => h.event === 'FAIL')).toHaveLength(4);
    expect(statuses).toEqual(ids.map((_, i) => (i === 5 ? 'FAILED' : i % 2 === 0 ? 'CHARGED' : 'RESERVED')));
    // Every charge was taken exactly once, at 07:00 UTC on a day from its due date to due + retryDays.
    for (const [i, id] of ids.entries()) {
      const taken = all.get(id).history.filter((h: { event: string; success: boolean }) => h.success && (h.event === 'CAPTURE' || h.event === 'RESERVE'));
      if (i === 5) expect(taken).toHaveLength(0);
      else {
        expect(taken).toHaveLength(1);
        expect(taken[0].occurred.slice(11, 16)).toBe('07:00');
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
});
