/**
 * Every payment API's captures and refunds reach the ledger: eCom (reserve → capture, refund) and
 * Recurring (a DIRECT_CAPTURE charge the calendar captures on its due date, a refund), and
 * Checkout's payments (ePayment's, captured over the ePayment API). A clock jump
 * over several days books each capture on its own ledger date and settles each day on its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { createSession, newReference, pageForm, sessionBody, startShop } from '../checkout/helpers.js';
import { activeAgreement, createCharge, dateIn, refreshingTokens } from '../recurring/helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator());
});
afterAll(async () => emu.close());

const transactions = async (msn: string) => (await emu.call('GET', `/devkit/v1/settlements/units/${msn}/transactions`)).body.transactions as any[];

describe('captures and refunds of every API are booked', () => {
  it('eCom: a capture and a refund of a reserved payment', async () => {
    const msn = emu.merchant.msn;
    const orderId = `ecom-${randomUUID().slice(0, 12)}`;
    const initiated = await emu.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: {},
        merchantInfo: { merchantSerialNumber: msn, callbackPrefix: 'https://shop.example/vipps/callbacks', fallBack: 'https://shop.example/fallback' },
        transaction: { orderId, amount: 200_00, transactionText: 'Socks' },
      },
    });
    expect(initiated.status, initiated.text).toBe(200);
    const token = String(initiated.body.url).split('=', 3)[2];
    expect((await emu.call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { body: { customerPhoneNumber: '97777776', token } })).status).toBe(200);
    const action = (amount: number, text: string) => ({ body: { merchantInfo: { merchantSerialNumber: msn }, transaction: { amount, transactionText: text } }, headers: { 'x-request-id': randomUUID().slice(0, 30) } });
    expect((await emu.call('POST', `/ecomm/v2/payments/${orderId}/capture`, action(150_00, 'Shipped'))).status).toBe(200);
    expect((await emu.call('POST', `/ecomm/v2/payments/${orderId}/refund`, action(50_00, 'Returned'))).status).toBe(200);
    const mine = (await transactions(msn)).filter((t) => t.orderId === orderId);
    expect(mine.map((t) => [t.source, t.kind, t.grossAmount])).toEqual([
      ['ecom', 'capture', 150_00],
      ['ecom', 'refund', -50_00],
    ]);
  });

  it('Recurring: the calendar\'s capture lands on the due date, however far the clock jumps', async () => {
    const msn = emu.merchant.msn;
    const agreement = await activeAgreement(emu);
    const due = dateIn(emu, 2);
    const made = await createCharge(emu, agreement, { amount: 49_00, due, retryDays: 0, orderId: `charge-${randomUUID().slice(0, 8)}` });
    expect(made.status, made.text).toBe(201);
    const chargeId = made.body.chargeId as string;
    expect((await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '5d' } })).status).toBe(200);
    const captured = (await transactions(msn)).filter((t) => t.orderId === chargeId);
    expect(captured.map((t) => [t.source, t.kind, t.grossAmount, t.ledgerDate])).toEqual([['recurring', 'capture', 49_00, due]]);
    // The day it was captured on was settled by itself, with that capture in it.
    const settled = captured[0].settlementId as string;
    expect(settled).toMatch(/^\d{7}$/);
    const settlement = (await emu.call('GET', `/devkit/v1/settlements/units/${msn}/settlements/${settled}`)).body;
    expect(settlement.settlementDate).toBe(due);

    const refund = await emu.call('POST', `/recurring/v3/agreements/${agreement}/charges/${chargeId}/refund`, { idempotencyKey: randomUUID(), body: { amount: 9_00, description: 'Partly back' } });
    expect(refund.status, refund.text).toBe(204);
    const after = (await transactions(msn)).filter((t) => t.orderId === chargeId);
    expect(after.map((t) => [t.kind, t.grossAmount, t.feeAmount])).toEqual([
      ['capture', 49_00, 74],
      ['refund', -9_00, 0],
    ]);
  });

  it('Checkout: the session\'s payment is ePayment\'s, and its capture is booked under the session\'s reference', async () => {
    const shop = await startShop();
    try {
      const reference = newReference();
      const created = await createSession(emu, sessionBody(reference, shop));
      expect(created.status, created.text).toBe(200);
      const token = created.body.token as string;
      const details = await pageForm(emu, '/vippscheckout/v1/details', { token, firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.com', phoneNumber: '97777776', streetAddress: 'Robert Levins gate 5', postalCode: '0150', city: 'Oslo', country: 'NO' });
      expect(details.status).toBe(303);
      expect((await pageForm(emu, '/vippscheckout/v1/pay', { token, method: 'vipps' })).status).toBe(303);
      expect((await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { body: { phoneNumber: '4797777776' } })).status).toBe(200);
      const capture = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 250_00 } } });
      expect(capture.status, capture.text).toBe(200);
      const booked = (await transactions(emu.merchant.msn)).filter((t) => t.orderId === reference);
      expect(booked.map((t) => [t.source, t.kind, t.grossAmount])).toEqual([['epayment', 'capture', 250_00]]);
    } finally {
      await shop.close();
    }
  });
});
