/**
 * The official SDK's 13 Recurring methods (`recurring.agreement.*`, `recurring.charge.*`), unmodified,
 * against the emulator through `vipps-devkit/testing` (its fetch calls to apitest.vipps.no are routed here).
 */
import { Client } from '@vippsmobilepay/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeVippsApisTo } from '../../src/testing/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let restore: () => void;
beforeAll(async () => {
  emu = await startTestEmulator({ rateLimits: false });
  restore = routeVippsApisTo(emu.url);
});
afterAll(async () => {
  restore?.();
  await emu?.close();
});

const dateIn = (days: number) => new Date(emu.ctx.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);

describe('the official Vipps SDK\'s Recurring methods, unmodified, against the emulator', () => {
  it('runs all 13: agreement create, info, list, update, forceAccept; charge create, createMultiple, info, infoById, list, capture, refund, cancel', async () => {
    const m = emu.merchant;
    const client = Client({ merchantSerialNumber: m.msn, subscriptionKey: m.subscriptionKey, useTestMode: true, retryRequests: false });
    const token = await client.auth.getToken(m.clientId, m.clientSecret);
    if (!token.ok) throw new Error('no token');
    const t = token.data.access_token;

    // 1. agreement.create
    const created = await client.recurring.agreement.create(t, {
      pricing: { type: 'LEGACY', amount: 10_000, currency: 'NOK' },
      interval: { unit: 'MONTH', count: 1 },
      merchantRedirectUrl: 'https://example.com/redirect',
      merchantAgreementUrl: 'https://example.com/agreement',
      phoneNumber: '4791234567',
      productName: 'SDK subscription',
      initialCharge: { amount: 10_000, description: 'First month', transactionType: 'RESERVE_CAPTURE', orderId: 'sdk-initial-1' },
    });
    expect(created).toMatchObject({ ok: true, data: { agreementId: expect.stringMatching(/^agr_/), chargeId: 'sdk-initial-1', vippsConfirmationUrl: expect.any(String) } });
    if (!created.ok) return;
    const agreementId = created.data.agreementId;

    // 2. agreement.info (PENDING), 3. agreement.forceAccept, then ACTIVE
    expect(await client.recurring.agreement.info(t, agreementId)).toMatchObject({ ok: true, data: { id: agreementId, status: 'PENDING' } });
    expect(await client.recurring.agreement.forceAccept(t, agreementId, { phoneNumber: '4791234567' })).toEqual({ ok: true, data: {} });
    expect(await client.recurring.agreement.info(t, agreementId)).toMatchObject({ ok: true, data: { status: 'ACTIVE' } });

    // 4. agreement.list (ACTIVE by default; by status; with the SDK's paging parameters)
    const listed = await client.recurring.agreement.list(t);
    expect(listed.ok && listed.data.map((a) => a.id)).toEqual([agreementId]);
    expect(await client.recurring.agreement.list(t, 'PENDING')).toEqual({ ok: true, data: [] });
    const paged = await client.recurring.agreement.list(t, 'ACTIVE', 0, 1, 10);
    expect(paged.ok && paged.data).toHaveLength(1);

    // 5. agreement.update
    expect((await client.recurring.agreement.update(t, agreementId, { productName: 'SDK subscription plus', pricing: { amount: 12_000 } })).ok).toBe(true);
    expect(await client.recurring.agreement.info(t, agreementId)).toMatchObject({ ok: true, data: { productName: 'SDK subscription plus', pricing: { amount: 12_000 } } });

    // 6. charge.create, 7. charge.createMultiple
    const charge = await client.recurring.charge.create(t, agreementId, { amount: 12_000, transactionType: 'DIRECT_CAPTURE', description: 'Month 2', due: dateIn(2), retryDays: 3, orderId: 'sdk-month-2' });
    expect(charge).toEqual({ ok: true, data: { chargeId: 'sdk-month-2' } });
    const many = await client.recurring.charge.createMultiple(t, [
      { agreementId, amount: 12_000, transactionType: 'DIRECT_CAPTURE', description: 'Month 3', due: dateIn(32), retryDays: 3, orderId: 'sdk-month-3' },
      { agreementId, amount: 12_000, transactionType: 'DIRECT_CAPTURE', description: 'Month 4', due: dateIn(62), retryDays: 3, orderId: 'sdk-month-4' },
    ]);
    expect(many).toEqual({ ok: true, data: { validCharges: ['sdk-month-3', 'sdk-month-4'], invalidCharges: [] } });

    // 8. charge.info, 9. charge.infoById, 10. charge.list
    expect(await client.recurring.charge.info(t, agreementId, 'sdk-month-2')).toMatchObject({ ok: true, data: { id: 'sdk-month-2', status: 'DUE', amount: 12_000 } });
    expect(await client.recurring.charge.infoById(t, 'sdk-initial-1')).toMatchObject({ ok: true, data: { agreementId, type: 'INITIAL', status: 'RESERVED' } });
    const all = await client.recurring.charge.list(t, agreementId);
    expect(all.ok && all.data.map((c) => c.id).sort()).toEqual(['sdk-initial-1', 'sdk-month-2', 'sdk-month-3', 'sdk-month-4']);
    const pending = await client.recurring.charge.list(t, agreementId, 'PENDING');
    expect(pending.ok && pending.data.map((c) => c.id)).toEqual(['sdk-month-4']);

    // 11. charge.capture, 12. charge.refund, 13. charge.cancel
    expect((await client.recurring.charge.capture(t, agreementId, 'sdk-initial-1', { amount: 10_000, description: 'Captured' })).ok).toBe(true);
    expect((await client.recurring.charge.refund(t, agreementId, 'sdk-initial-1', { amount: 2_500, description: 'Partly back' })).ok).toBe(true);
    expect(await client.recurring.charge.infoById(t, 'sdk-initial-1')).toMatchObject({ ok: true, data: { status: 'PARTIALLY_REFUNDED', summary: { captured: 10_000, refunded: 2_500 } } });
    expect((await client.recurring.charge.cancel(t, agreementId, 'sdk-month-4')).ok).toBe(true);
    expect(await client.recurring.charge.info(t, agreementId, 'sdk-month-4')).toMatchObject({ ok: true, data: { status: 'CANCELLED' } });
  });

  it('surfaces Recurring\'s errors through the SDK\'s error type', async () => {
    const m = emu.merchant;
    const client = Client({ merchantSerialNumber: m.msn, subscriptionKey: m.subscriptionKey, useTestMode: true, retryRequests: false });
    const token = await client.auth.getToken(m.clientId, m.clientSecret);
    if (!token.ok) throw new Error('no token');
    const missing = await client.recurring.agreement.info(token.data.access_token, 'agr_nosuch1');
    expect(missing.ok).toBe(false);
    const bad = await client.recurring.charge.create(token.data.access_token, 'agr_nosuch1', { amount: 50, transactionType: 'DIRECT_CAPTURE', description: 'x', due: dateIn(2), retryDays: 0 });
    expect(bad.ok).toBe(false);
  });
});
