/**
 * Recurring's events reach the merchant through the Webhooks API and the delivery engine, with the
 * documented payloads; the control API acts as the user and runs the calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startReceiver } from '../../helpers/receiver.js';
import { createCharge, dateIn, draft, PHONE, refreshingTokens } from './helpers.js';

const TYPES = ['agreement-activated', 'agreement-rejected', 'agreement-stopped', 'agreement-expired', 'charge-reserved', 'charge-captured', 'charge-canceled', 'charge-failed', 'charge-refunded', 'charge-creation-failed'].map((t) => `recurring.${t}.v1`);

let emu: TestEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator({ rateLimits: false }));
  receiver = await startReceiver();
  const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: TYPES } });
  expect(hook.status, hook.text).toBe(201);
});
afterAll(async () => {
  await receiver?.close();
  await emu?.close();
});

const eventsOf = (agreementId: string) => receiver.received.filter((r) => r.json?.agreementId === agreementId).map((r) => r.json);
const waitFor = (agreementId: string, types: string[]) =>
  receiver.until(() => types.every((t) => eventsOf(agreementId).some((e) => e.eventType === t)));
const control = (path: string, body?: unknown) => emu.call('POST', `/devkit/v1/recurring${path}`, { body: body ?? {} });

describe('Recurring webhooks and control API', () => {
  it('the Webhooks API accepts registrations for every Recurring event type the module declares', async () => {
    const bad = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url('/x'), events: ['recurring.agreement-exploded.v1'] } });
    expect(bad.status).toBe(400);
  });

  it('activation with a DIRECT_CAPTURE initial charge: agreement-activated and charge-captured, with the documented fields', async () => {
    const d = await draft(emu, { externalId: 'ext-agr', initialCharge: { amount: 4900, description: 'First', transactionType: 'DIRECT_CAPTURE', externalId: 'ext-chg' } });
    const accepted = await control(`/agreements/${d.body.agreementId}/accept`, { phoneNumber: PHONE });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.agreement.status).toBe('ACTIVE');
    await waitFor(d.body.agreementId, ['recurring.agreement-activated.v1', 'recurring.charge-captured.v1']);
    const [activated] = eventsOf(d.body.agreementId).filter((e) => e.eventType === 'recurring.agreement-activated.v1');
    expect(activated).toEqual({ msn: emu.merchant.msn, eventType: 'recurring.agreement-activated.v1', occurred: expect.any(String), agreementId: d.body.agreementId, agreementExternalId: 'ext-agr', actor: 'USER' });
    const [captured] = eventsOf(d.body.agreementId).filter((e) => e.eventType === 'recurring.charge-captured.v1');
    expect(captured).toMatchObject({ chargeId: d.body.chargeId, chargeExternalId: 'ext-chg', chargeType: 'INITIAL', amount: 4900, currency: 'NOK', amountCaptured: 4900, amountCanceled: 0, amountRefunded: 0, failureReason: null, transactionId: expect.stringMatching(/^\d{10}$/) });
  });

  it('rejected, expired, stopped (with a charge cancelled), reserved, refunded and failed', async () => {
    const rejected = await draft(emu);
    expect((await control(`/agreements/${rejected.body.agreementId}/reject`)).body.agreement.status).toBe('STOPPED');
    await waitFor(rejected.body.agreementId, ['recurring.agreement-rejected.v1']);

    const expiring = await draft(emu);
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '11m' } });
    await waitFor(expiring.body.agreementId, ['recurring.agreement-expired.v1']);
    expect(eventsOf(expiring.body.agreementId)[0].actor).toBe('ADMIN');

    const reserved = await draft(emu, { initialCharge: { amount: 3000, description: 'First', transactionType: 'RESERVE_CAPTURE' } });
    await control(`/agreements/${reserved.body.agreementId}/accept`, { phoneNumber: PHONE });
    const a = reserved.body.agreementId;
    const c = reserved.body.chargeId;
    expect((await emu.call('POST', `/recurring/v3/agreements/${a}/charges/${c}/capture`, { idempotencyKey: newKey(), body: { amount: 3000, description: 'x' } })).status).toBe(204);
    expect((await emu.call('POST', `/recurring/v3/agreements/${a}/charges/${c}/refund`, { idempotencyKey: newKey(), body: { amount: 1000, description: 'x' } })).status).toBe(204);
    const open = (await createCharge(emu, a, { due: dateIn(emu, 1), retryDays: 0 })).body.chargeId;
    expect((await emu.call('PATCH', `/recurring/v3/agreements/${a}`, { idempotencyKey: newKey(), body: { status: 'STOPPED' } })).status).toBe(204);
    await waitFor(a, ['recurring.charge-reserved.v1', 'recurring.charge-captured.v1', 'recurring.charge-refunded.v1', 'recurring.charge-canceled.v1', 'recurring.agreement-stopped.v1']);
    const types = eventsOf(a).map((e) => `${e.eventType}:${e.chargeId ?? ''}`);
    expect(types).toContain(`recurring.charge-canceled.v1:${open}`);
    expect(eventsOf(a).find((e) => e.eventType === 'recurring.charge-refunded.v1')).toMatchObject({ amountCaptured: 3000, amountRefunded: 1000, actor: 'MERCHANT' });
    expect(eventsOf(a).find((e) => e.eventType === 'recurring.agreement-stopped.v1')).toMatchObject({ actor: 'MERCHANT' });

    // Failed: no funds through due + retryDays; the calendar runs at the jump, and "process" runs it again (nothing left).
    const failing = (await draft(emu)).body.agreementId;
    await control(`/agreements/${failing}/accept`, { phoneNumber: '4746123456' });
    const f = (await createCharge(emu, failing, { due: dateIn(emu, 1), retryDays: 1 })).body.chargeId;
    expect((await emu.call('PUT', '/devkit/v1/recurring/users/4746123456/funds', { body: { insufficientFunds: true } })).status).toBe(200);
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '4d' } });
    expect((await control('/process')).body).toEqual({ expiredAgreements: 0, chargeSteps: 0 });
    await waitFor(failing, ['recurring.charge-failed.v1']);
    expect(eventsOf(failing).find((e) => e.eventType === 'recurring.charge-failed.v1')).toMatchObject({ chargeId: f, failureReason: 'user_action_required', amountCaptured: 0, actor: 'ADMIN' });
  });

  it('the user side over the control API: accept with an initial charge that fails expires the agreement; stop as the user', async () => {
    const d = await draft(emu, { initialCharge: { amount: 151, description: 'Test amount', transactionType: 'DIRECT_CAPTURE' } });
    const r = await control(`/agreements/${d.body.agreementId}/accept`, { phoneNumber: PHONE });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ agreement: { status: 'EXPIRED' }, declined: 'user_action_required' });
    const initial = (await emu.call('GET', `/recurring/v3/charges/${d.body.chargeId}`)).body;
    expect(initial).toMatchObject({ status: 'FAILED', failureReason: 'user_action_required' });

    const ok = await draft(emu);
    await control(`/agreements/${ok.body.agreementId}/accept`, { phoneNumber: PHONE });
    const stopped = await control(`/agreements/${ok.body.agreementId}/stop`);
    expect(stopped.body.agreement).toMatchObject({ status: 'STOPPED', stop: expect.any(String) });
    await waitFor(ok.body.agreementId, ['recurring.agreement-stopped.v1']);
    expect(eventsOf(ok.body.agreementId).find((e) => e.eventType === 'recurring.agreement-stopped.v1').actor).toBe('USER');
    expect((await control('/agreements/agr_nosuch1/accept')).status).toBe(404);
  });

  it('charge-creation-failed for a batch item accepted (202) but not created; charge-canceled by ADMIN when a partial capture\'s rest is released', async () => {
    const d = await draft(emu, { externalId: 'ext-batch' });
    await control(`/agreements/${d.body.agreementId}/accept`, { phoneNumber: PHONE });
    const a = d.body.agreementId;
    const stamp = Date.now();
    const item = (orderId: string, extra: Record<string, unknown> = {}) => ({ agreementId: a, orderId, amount: 2500, transactionType: 'RESERVE_CAPTURE', description: 'Batch', due: dateIn(emu, 2), retryDays: 0, ...extra });
    const taken = `ev-taken-${stamp}`;
    const r = await emu.call('POST', '/recurring/v3/agreements/charges', { idempotencyKey: newKey(), body: [item(taken), item(taken, { amount: 2600, externalId: 'ext-dup' })] });
    expect(r.status, r.text).toBe(202);
    expect(r.body).toEqual({ validCharges: [taken, taken], invalidCharges: [] });
    await waitFor(a, ['recurring.charge-creation-failed.v1']);
    expect(eventsOf(a).find((e) => e.eventType === 'recurring.charge-creation-failed.v1')).toEqual({
      msn: emu.merchant.msn, eventType: 'recurring.charge-creation-failed.v1', occurred: expect.any(String), agreementId: a, agreementExternalId: 'ext-batch', actor: 'MERCHANT',
      chargeId: taken, chargeExternalId: 'ext-dup', chargeType: 'RECURRING', amount: 2600, currency: 'NOK', amountCaptured: 0, amountCanceled: 0, amountRefunded: 0, failureReason: null, transactionId: null,
      failureDescription: expect.stringContaining(taken),
    });
    // The first one exists; reserved on its due date, captured in part, its rest released a week later.
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '3d' } });
    expect((await emu.call('GET', `/recurring/v3/charges/${taken}`)).body.status).toBe('RESERVED');
    expect((await emu.call('POST', `/recurring/v3/agreements/${a}/charges/${taken}/capture`, { idempotencyKey: newKey(), body: { amount: 1000 } })).status).toBe(204);
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '8d' } });
    await receiver.until(() => eventsOf(a).some((e) => e.eventType === 'recurring.charge-canceled.v1' && e.chargeId === taken));
    expect(eventsOf(a).find((e) => e.eventType === 'recurring.charge-canceled.v1')).toMatchObject({ chargeId: taken, actor: 'ADMIN', amountCaptured: 1000, amountCanceled: 1500 });
  });
});
