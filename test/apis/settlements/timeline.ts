/**
 * The engine's timeline without a database, as its store drives it: before each movement, close
 * the ledger dates that ended; book it and post its entries; at the end close through a date.
 */
import { addDays, ledgerDateOf } from '../../../src/apis/settlements/domain/calendar.js';
import { NO_TOTALS, book, closeDays, post, totalsOf, type LedgerState, type Totals } from '../../../src/apis/settlements/domain/engine.js';
import type { LedgerTransaction, ReportEntry, SalesUnit, Settlement } from '../../../src/apis/settlements/domain/types.js';

export interface TimelineMovement {
  timeMs: number;
  kind: 'capture' | 'refund';
  amountOre: number;
  orderId: string;
  transactionId: string;
}

export function runTimeline(unit: SalesUnit, movements: readonly TimelineMovement[], through: string, nextSettlementNumber = 2_000_001) {
  let state: LedgerState = {
    lastClosed: addDays(ledgerDateOf(new Date(movements[0]!.timeMs), unit.cutoffHour), -1),
    balances: { funds: 0, fees: 0, seq: 0 },
    carried: NO_TOTALS,
    nextSettlementNumber,
  };
  const booked: LedgerTransaction[] = [];
  const entries: ReportEntry[] = [];
  const settlements: Settlement[] = [];
  let n = 0;
  const closeThrough = (date: string) => {
    const activity = new Map<string, Totals>();
    const open = booked.filter((t) => t.ledgerDate > state.lastClosed);
    for (const t of open) if (!activity.has(t.ledgerDate)) activity.set(t.ledgerDate, totalsOf(open.filter((b) => b.ledgerDate === t.ledgerDate)));
    const closing = closeDays(unit, state, activity, date, () => `id-${(n += 1)}`);
    state = closing.state;
    entries.push(...closing.entries);
    for (const s of closing.settlements) {
      // What the store's markSettled does: every waiting transaction up to the settlement date.
      for (const t of booked) if (t.settlementId === null && t.ledgerDate <= s.settlementDate) t.settlementId = s.settlementId;
      settlements.push(s);
    }
  };
  for (const m of movements) {
    closeThrough(addDays(ledgerDateOf(new Date(m.timeMs), unit.cutoffHour), -1));
    const movement = { kind: m.kind, amount: m.amountOre, currency: unit.currency, reference: m.orderId, at: new Date(m.timeMs).toISOString(), source: 'epayment' };
    const { transaction, drafts } = book(unit, state.lastClosed, movement, m.transactionId);
    booked.push(transaction);
    const posted = post(unit.ledgerId, state.balances, drafts);
    entries.push(...posted.entries);
    state = { ...state, balances: posted.balances };
  }
  closeThrough(through);
  return { booked, entries, settlements, state, rowsOf: (s: Settlement) => booked.filter((t) => t.settlementId === s.settlementId) };
}
