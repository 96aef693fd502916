/**
 * The Report API guide's worked ledger day (reference §6.7: ledgerDate 2022-10-01, Vippsnummer
 * 57860, 400 øre per capture, payout 2000023 on ledger 12345), fed through the engine and
 * compared entry by entry: funds and fees, amounts, references, pspReferences, times, balances.
 */
import { describe, expect, it } from 'vitest';
import { book, closeDays, NO_TOTALS, post, type Balances, type Totals } from '../../../src/apis/settlements/domain/engine.js';
import type { LedgerTransaction, ReportEntry, SalesUnit } from '../../../src/apis/settlements/domain/types.js';
import { defaultProfile } from '../../../src/apis/settlements/service.js';
import { entryView } from '../../../src/apis/settlements/views.js';

const unit: SalesUnit = { ...defaultProfile('57860', '12345', { name: 'Vippsnummer 57860', country: 'NO' }), fee: { percentBp: 0, fixed: 400 } };

const movements = [
  { kind: 'capture', amount: 10000, reference: 'purchase-12', id: '3343121302', at: '2022-10-01T16:33:00.824993+02:00' },
  { kind: 'capture', amount: 10000, reference: 'purchase-12', id: '3334234112', at: '2022-10-01T18:37:55+02:00' },
  { kind: 'capture', amount: 20000, reference: 'purchase-14', id: '3259823497', at: '2022-10-01T19:12:54+02:00' },
  { kind: 'refund', amount: 10000, reference: 'purchase-12', id: '1154320987', at: '2022-10-01T23:47:59+02:00' },
] as const;

describe('the worked ledger day of the Report API guide', () => {
  it('is reproduced entry by entry', () => {
    let balances: Balances = { funds: 0, fees: 0, seq: 0 };
    const entries: ReportEntry[] = [];
    const transactions: LedgerTransaction[] = [];
    for (const m of movements) {
      const { transaction, drafts } = book(unit, '2022-09-30', { kind: m.kind, amount: m.amount, currency: 'NOK', reference: m.reference, at: new Date(m.at).toISOString(), source: 'epayment' }, m.id);
      const posted = post(unit.ledgerId, balances, drafts);
      transactions.push(transaction);
      entries.push(...posted.entries);
      balances = posted.balances;
    }
    const day: Totals = transactions.reduce((t, x) => ({ count: t.count + 1, capture: t.capture + x.captureAmount, refund: t.refund + x.refundAmount, fee: t.fee + x.feeAmount, firstLedgerDate: '2022-10-01' }), NO_TOTALS);
    const closing = closeDays(unit, { lastClosed: '2022-09-30', balances, carried: NO_TOTALS, nextSettlementNumber: 2000023 }, new Map([['2022-10-01', day]]), '2022-10-01', () => '01H7W7Q6Y5R3G58CTAZX0MHKV2');
    entries.push(...closing.entries);

    const row = (e: ReportEntry) => [e.topic, e.entryType, e.amount, e.reference, e.pspReference, e.time, e.ledgerDate, e.balanceBefore, e.balanceAfter];
    const midnight = '2022-10-01T22:00:00.000Z'; // 2022-10-02T00:00:00+02:00
    expect(entries.filter((e) => e.topic === 'funds').map(row)).toEqual([
      ['funds', 'capture', 10000, 'purchase-12', '3343121302', '2022-10-01T14:33:00.824Z', '2022-10-01', 0, 10000],
      ['funds', 'capture', 10000, 'purchase-12', '3334234112', '2022-10-01T16:37:55.000Z', '2022-10-01', 10000, 20000],
      ['funds', 'capture', 20000, 'purchase-14', '3259823497', '2022-10-01T17:12:54.000Z', '2022-10-01', 20000, 40000],
      ['funds', 'refund', -10000, 'purchase-12', '1154320987', '2022-10-01T21:47:59.000Z', '2022-10-01', 40000, 30000],
      ['funds', 'fees-retained', -1200, '', '01H7W7Q6Y5R3G58CTAZX0MHKV2', midnight, '2022-10-01', 30000, 28800],
      ['funds', 'scheduled-for-payout', -28800, 'Vipps utbet. 2000023 Vippsnr 57860', '12345-2000023', midnight, '2022-10-01', 28800, 0],
    ]);
    expect(entries.filter((e) => e.topic === 'fees').map(row)).toEqual([
      ['fees', 'capture-fee', -400, 'purchase-12', '3343121302', '2022-10-01T14:33:00.824Z', '2022-10-01', 0, -400],
      ['fees', 'capture-fee', -400, 'purchase-12', '3334234112', '2022-10-01T16:37:55.000Z', '2022-10-01', -400, -800],
      ['fees', 'capture-fee', -400, 'purchase-14', '3259823497', '2022-10-01T17:12:54.000Z', '2022-10-01', -800, -1200],
      // The guide prints 1200 → 0 here (open question 13): the running balance is −1200 → 0.
      ['fees', 'fees-retained', 1200, '', '01H7W7Q6Y5R3G58CTAZX0MHKV2', midnight, '2022-10-01', -1200, 0],
    ]);
    // The scheduled payout is the ledger date's last entry; recipientHandle is the unit's, null on synthetic entries.
    expect(entries[entries.length - 1]!.entryType).toBe('scheduled-for-payout');
    expect(entries.filter((e) => e.entryType === 'capture' || e.entryType === 'refund').every((e) => e.recipientHandle === 'NO:57860')).toBe(true);
    expect(entries.filter((e) => e.entryType === 'scheduled-for-payout' || e.entryType === 'fees-retained').every((e) => e.recipientHandle === null)).toBe(true);
    // As the API writes it: UTC with six fractional digits.
    expect(entryView(entries[0]!).time).toBe('2022-10-01T14:33:00.824000Z');

    expect(closing.settlements).toEqual([
      expect.objectContaining({ settlementId: '2000023', settlementDate: '2022-10-01', numberOfTransactions: 4, captureAmount: 40000, refundAmount: -10000, grossAmount: 30000, feeAmount: 1200, netAmount: 28800, settledAmount: 28800, payoutDate: '2022-10-04' }),
    ]);
  });
});

describe('the worked week of docs/settlements.md (Christmas 2026)', () => {
  it('settles Monday and Tuesday, carries the negative days over Christmas, and pays them with Monday 28th', () => {
    const shop: SalesUnit = defaultProfile('123456', '302321', { name: 'Devkit Test Shop', country: 'NO' });
    const week = [
      ['2026-12-21T10:00:00+01:00', 'capture', 1000_00],
      ['2026-12-22T11:00:00+01:00', 'capture', 500_00],
      ['2026-12-22T15:00:00+01:00', 'refund', 200_00],
      ['2026-12-23T09:00:00+01:00', 'refund', 800_00],
      ['2026-12-24T12:00:00+01:00', 'capture', 300_00],
      ['2026-12-26T13:00:00+01:00', 'capture', 100_00],
      ['2026-12-28T10:00:00+01:00', 'capture', 1200_00],
    ] as const;
    let balances: Balances = { funds: 0, fees: 0, seq: 0 };
    const activity = new Map<string, Totals>();
    week.forEach(([at, kind, amount], i) => {
      const { transaction, drafts } = book(shop, '2026-12-20', { kind, amount, currency: 'NOK', reference: `order-${i}`, at: new Date(at).toISOString(), source: 'epayment' }, String(5_000_000_001 + i));
      balances = post(shop.ledgerId, balances, drafts).balances;
      const a = activity.get(transaction.ledgerDate) ?? NO_TOTALS;
      activity.set(transaction.ledgerDate, { count: a.count + 1, capture: a.capture + transaction.captureAmount, refund: a.refund + transaction.refundAmount, fee: a.fee + transaction.feeAmount, firstLedgerDate: transaction.ledgerDate });
    });
    const closing = closeDays(shop, { lastClosed: '2026-12-20', balances, carried: NO_TOTALS, nextSettlementNumber: 2_000_001 }, activity, '2026-12-28', () => 'id');
    expect(closing.settlements.map((s) => [s.settlementId, s.firstLedgerDate, s.settlementDate, s.numberOfTransactions, s.captureAmount, s.refundAmount, s.feeAmount, s.settledAmount, s.payoutDate])).toEqual([
      ['2000001', '2026-12-21', '2026-12-21', 1, 1000_00, 0, 15_00, 985_00, '2026-12-23'],
      ['2000002', '2026-12-22', '2026-12-22', 2, 500_00, -200_00, 7_50, 292_50, '2026-12-28'],
      ['2000003', '2026-12-23', '2026-12-28', 4, 1600_00, -800_00, 24_00, 776_00, '2026-12-30'],
    ]);
    expect(closing.state.balances.funds).toBe(0);
  });
});
