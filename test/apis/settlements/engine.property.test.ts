/**
 * For any sequence of captures, refunds and clock jumps over several sales units (net or gross,
 * daily, weekly or monthly payouts, any cut-off hour): per unit, payouts + fees retained + the
 * balance carried = captures − refunds; every transaction is settled at most once, and each
 * settlement's sums are those of its own transactions. Runs the engine as the service does:
 * book on open dates, close the dates that ended.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastClosableDate, book, closeDays, NO_TOTALS, post, totalsOf, type LedgerState, type Totals } from '../../../src/apis/settlements/domain/engine.js';
import { addDays, ledgerDateOf } from '../../../src/apis/settlements/domain/calendar.js';
import type { LedgerTransaction, ReportEntry, SalesUnit, Settlement } from '../../../src/apis/settlements/domain/types.js';
import { defaultProfile } from '../../../src/apis/settlements/service.js';

/** `lag`: minutes the movement happened before it reached the ledger (Recurring's calendar books a jump's captures at their due instant). */
type Op = { type: 'capture' | 'refund'; unit: number; amount: number; lag?: number } | { type: 'jump'; minutes: number; close: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('capture' as const), unit: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 500_00 }), lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 * 24 * 3 })) }),
  fc.record({ type: fc.constant('refund' as const), unit: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 500_00 }) }),
  // `close: false`: the clock moved but the ledger has not caught up yet (bookings of the jump come first, as Recurring's calendar does).
  fc.record({ type: fc.constant('jump' as const), minutes: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 600, max: 60 * 24 * 40 })), close: fc.boolean() }),
);

const unitArb = fc.record({
  settlementType: fc.constantFrom('Net' as const, 'Gross' as const),
  frequency: fc.constantFrom('daily' as const, 'weekly' as const, 'monthly' as const),
  cutoffHour: fc.constantFrom(0, 4),
  percentBp: fc.integer({ min: 0, max: 400 }),
  fixed: fc.integer({ min: 0, max: 300 }),
});

interface Sim {
  unit: SalesUnit;
  state: LedgerState;
  transactions: LedgerTransaction[];
  entries: ReportEntry[];
  settlements: Settlement[];
}

describe('settlement engine properties', () => {
  it('conserves money per sales unit and settles nothing twice', () => {
    fc.assert(
      fc.property(fc.array(unitArb, { minLength: 3, maxLength: 3 }), fc.array(op, { maxLength: 80 }), fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }), (profiles, ops, start) => {
        let now = start;
        let nextId = 1_000_000_000;
        const sims: Sim[] = profiles.map((p, i) => {
          const unit: SalesUnit = { ...defaultProfile(String(100_000 + i), String(300_000 + i), undefined), settlementType: p.settlementType, frequency: p.frequency, cutoffHour: p.cutoffHour, fee: { percentBp: p.percentBp, fixed: p.fixed } };
          return { unit, state: { lastClosed: addDays(ledgerDateOf(new Date(now), p.cutoffHour), -1), balances: { funds: 0, fees: 0, seq: 0 }, carried: NO_TOTALS, nextSettlementNumber: 2_000_001 }, transactions: [], entries: [], settlements: [] };
        });
        const close = () => {
          for (const s of sims) {
            const through = lastClosableDate(new Date(now), s.unit.cutoffHour);
            const activity = new Map<string, Totals>();
            for (const t of s.transactions.filter((x) => x.ledgerDate > s.state.lastClosed && x.ledgerDate <= through)) {
              const a = activity.get(t.ledgerDate) ?? NO_TOTALS;
              activity.set(t.ledgerDate, { count: a.count + 1, capture: a.capture + t.captureAmount, refund: a.refund + t.refundAmount, fee: a.fee + t.feeAmount, firstLedgerDate: t.ledgerDate });
            }
            const closing = closeDays(s.unit, s.state, activity, through, () => `id-${nextId++}`);
            for (const settlement of closing.settlements) {
              const mine = s.transactions.filter((t) => t.settlementId === null && t.ledgerDate <= settlement.settlementDate);
              for (const t of mine) t.settlementId = settlement.settlementId;
              // The settlement's sums are exactly those of the transactions it took.
              const totals = totalsOf(mine);
              expect([settlement.numberOfTransactions, settlement.captureAmount, settlement.refundAmount, settlement.feeAmount]).toEqual([totals.count, totals.capture, totals.refund, totals.fee]);
              expect(settlement.settledAmount).toBeGreaterThan(0);
            }
            s.state = closing.state;
            s.entries.push(...closing.entries);
            s.settlements.push(...closing.settlements);
          }
        };
        for (const o of ops) {
          if (o.type === 'jump') {
            now += o.minutes * 60_000;
            if (o.close) close();
            continue;
          }
          const s = sims[o.unit]!;
          const { transaction, drafts } = book(s.unit, s.state.lastClosed, { kind: o.type, amount: o.amount, currency: 'NOK', reference: `r${nextId}`, at: new Date(now - (o.lag ?? 0) * 60_000).toISOString(), source: 'test' }, String(nextId++));
          expect(transaction.ledgerDate > s.state.lastClosed).toBe(true);
          const posted = post(s.unit.ledgerId, s.state.balances, drafts);
          s.state = { ...s.state, balances: posted.balances };
          s.transactions.push(transaction);
          s.entries.push(...posted.entries);
        }
        close();
        for (const s of sims) {
          const captures = s.transactions.reduce((n, t) => n + t.captureAmount, 0);
          const refunds = -s.transactions.reduce((n, t) => n + t.refundAmount, 0);
          const payouts = s.settlements.reduce((n, x) => n + x.settledAmount, 0);
          const feesRetained = s.entries.filter((e) => e.topic === 'funds' && e.entryType === 'fees-retained').reduce((n, e) => n - e.amount, 0);
          expect(payouts + feesRetained + s.state.balances.funds).toBe(captures - refunds);
          // Payout entries are the settlements, one each.
          expect(s.entries.filter((e) => e.entryType === 'scheduled-for-payout').map((e) => -e.amount)).toEqual(s.settlements.map((x) => x.settledAmount));
          // Every settlement number once, in sequence.
          expect(s.settlements.map((x) => Number(x.settlementId))).toEqual(s.settlements.map((_, i) => 2_000_001 + i));
          // Gross: no fee leaves the funds account; net: every closed day's fees did.
          if (s.unit.settlementType === 'Gross') expect(feesRetained).toBe(0);
          else expect(feesRetained).toBe(s.transactions.filter((t) => t.ledgerDate <= s.state.lastClosed).reduce((n, t) => n + t.feeAmount, 0));
          // Running balances chain per topic.
          for (const topic of ['funds', 'fees'] as const) {
            let balance = 0;
            for (const e of s.entries.filter((x) => x.topic === topic)) {
              expect(e.balanceBefore).toBe(balance);
              balance = e.balanceAfter;
              expect(e.balanceAfter - e.balanceBefore).toBe(e.amount);
            }
          }
          // What waits is exactly what is carried or booked on open dates; a positive balance on a closed payout day never waits.
          const waiting = s.transactions.filter((t) => t.settlementId === null && t.ledgerDate <= s.state.lastClosed);
          expect(totalsOf(waiting).count).toBe(s.state.carried.count);
        }
      }),
      { numRuns: 300 },
    );
  });
});
