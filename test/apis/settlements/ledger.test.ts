/**
 * Captures and refunds of the payment APIs become ledger transactions in the command that made
 * them; the clock closes the day into a settlement; the Report API shows the day entry by entry.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutDateOf } from '../../../src/apis/settlements/domain/calendar.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { capturedPayment, closeToday, report } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => emu.close());

describe('the ledger and a daily settlement', () => {
  it('books ePayment captures and refunds once each, settles the day at Oslo midnight and shows it in the Report API', async () => {
    const msn = emu.merchant.msn;
    const reference = await capturedPayment(emu, 100_00);
    const key = randomUUID();
    const refund = () => emu.call('POST', `/epayment/v1/payments/${reference}/refund`, { idempotencyKey: key, body: { modificationAmount: { currency: 'NOK', value: 30_00 } } });
    expect((await refund()).status).toBe(200);
    // A retry of the same refund (same Idempotency-Key) moves no money: booked once.
    expect((await refund()).status).toBe(200);

    const w = await emu.call('GET', `/devkit/v1/settlements/units/${msn}/transactions?waiting=true`);
    expect(w.status, w.text).toBe(200);
    const waiting = w.body.transactions;
    expect(waiting.map((t: any) => [t.kind, t.grossAmount, t.feeAmount, t.orderId, t.source])).toEqual([
      ['capture', 100_00, 150, reference, 'epayment'],
      ['refund', -30_00, 0, reference, 'epayment'],
    ]);
    expect(waiting.every((t: any) => /^\d{10}$/.test(t.transactionId))).toBe(true);

    const date = await closeToday(emu);
    const list = (await emu.call('GET', `/devkit/v1/settlements?msn=${msn}`)).body.settlements;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      settlementId: '2000001',
      msn,
      settlementType: 'Net',
      settlementDate: date,
      firstLedgerDate: date,
      payoutDate: payoutDateOf(date),
      payoutStatus: 'scheduled',
      numberOfTransactions: 2,
      captureAmount: 100_00,
      refundAmount: -30_00,
      grossAmount: 70_00,
      feeAmount: 150,
      netAmount: 68_50,
      settledAmount: 68_50,
      bankText: `Vipps utbet. 2000001 Vippsnr ${msn}`,
    });

    const ledgers = await report(emu, '/settlement/v1/ledgers');
    expect(ledgers.status, ledgers.text).toBe(200);
    expect(ledgers.body.cursor).toBe('');
    expect(ledgers.body.items).toHaveLength(1);
    const ledger = ledgers.body.items[0];
    expect(ledger.settlesForRecipientHandles).toEqual([`api:${msn}`]);
    const funds = await report(emu, `/report/v2/ledgers/${ledger.ledgerId}/funds/dates/${date}`);
    expect(funds.status, funds.text).toBe(200);
    expect(funds.body.hasMore).toBe(false);
    expect(funds.body.items.map((e: any) => [e.entryType, e.amount, e.balanceBefore, e.balanceAfter])).toEqual([
      ['capture', 100_00, 0, 100_00],
      ['refund', -30_00, 100_00, 70_00],
      ['fees-retained', -150, 70_00, 68_50],
      ['scheduled-for-payout', -68_50, 68_50, 0],
    ]);
    expect(funds.body.items[3]).toMatchObject({ reference: `Vipps utbet. 2000001 Vippsnr ${msn}`, pspReference: `${ledger.ledgerId}-2000001`, recipientHandle: null });
    const fees = await report(emu, `/report/v2/ledgers/${ledger.ledgerId}/fees/dates/${date}`);
    expect(fees.body.items.map((e: any) => [e.entryType, e.amount, e.balanceAfter])).toEqual([
      ['capture-fee', -150, -150],
      ['fees-retained', 150, 0],
    ]);
    // The same refund again books nothing: the day's sums stand.
    expect((await emu.call('GET', `/devkit/v1/settlements/units/${msn}/settlements/2000001/transactions`)).body.transactions).toHaveLength(2);
  });
});
