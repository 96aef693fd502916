/**
 * The settlement rules, pure (no I/O, no system time): booking a capture or refund on a sales
 * unit's ledger, and closing ledger dates — fees retained (net) or invoiced (gross), the payout
 * decision under the positive-balance rule, the settlement it makes. The store loads the state,
 * these decide, the store writes what they return, all in one transaction.
 */
import { addDays, isLastDayOfMonth, ledgerDateEnd, ledgerDateOf, payoutDateOf, weekday } from './calendar.js';
import { captureFee } from './fees.js';
import type { Currency, EntryType, LedgerTransaction, Minor, ReportEntry, SalesUnit, Settlement, Topic, TransactionKind } from './types.js';

/** The first settlement number of every sales unit (a 7-digit sequence per unit). */
export const FIRST_SETTLEMENT_NUMBER = 2_000_001;

/** A capture or refund as a payment API told it. */
export interface Movement {
  kind: TransactionKind;
  /** Positive, minor units. */
  amount: Minor;
  currency: Currency;
  reference: string;
  /** ISO instant. */
  at: string;
  source: string;
}

/** The running state of a ledger's two topic accounts and its entry sequence. */
export interface Balances {
  funds: Minor;
  fees: Minor;
  /** The seq of the last entry written (entries of both topics share one sequence). */
  seq: number;
}

/** An entry before it is placed on its account (seq and running balances come from posting it). */
export type EntryDraft = Omit<ReportEntry, 'seq' | 'balanceBefore' | 'balanceAfter' | 'ledgerId'>;

/** Places entries on their topic accounts in order: seq and balances before/after. */
export function post(ledgerId: string, balances: Balances, drafts: readonly EntryDraft[]): { entries: ReportEntry[]; balances: Balances } {
  let { funds, fees, seq } = balances;
  const entries = drafts.map((d): ReportEntry => {
    seq += 1;
    const before = d.topic === 'funds' ? funds : fees;
    const after = before + d.amount;
    if (d.topic === 'funds') funds = after;
    else fees = after;
    return { ledgerId, seq, ...d, balanceBefore: before, balanceAfter: after };
  });
  return { entries, balances: { funds, fees, seq } };
}

export const recipientHandleOf = (unit: Pick<SalesUnit, 'country' | 'msn'>): string => `${unit.country}:${unit.msn}`;

/**
 * Books one movement: its ledger transaction (own transaction ID, fee for a capture) and the
 * entries it makes at once — `capture`/`refund` on funds, `capture-fee` on fees. A movement stamped
 * in a ledger date that is already closed (it reached the ledger late) is booked on the first open date.
 */
export function book(unit: SalesUnit, lastClosed: string, m: Movement, transactionId: string): { transaction: LedgerTransaction; drafts: EntryDraft[] } {
  const stamped = ledgerDateOf(new Date(m.at), unit.cutoffHour);
  const ledgerDate = stamped > lastClosed ? stamped : addDays(lastClosed, 1);
  const capture = m.kind === 'capture' ? m.amount : 0;
  const refund = m.kind === 'refund' ? -m.amount : 0;
  const fee = m.kind === 'capture' ? captureFee(m.amount, unit.fee) : 0;
  const transaction: LedgerTransaction = {
    transactionId,
    msn: unit.msn,
    kind: m.kind,
    time: new Date(m.at).toISOString(),
    ledgerDate,
    captureAmount: capture,
    refundAmount: refund,
    grossAmount: capture + refund,
    feeAmount: fee,
    netAmount: capture + refund - fee,
    currency: m.currency,
    orderId: m.reference,
    source: m.source,
    settlementId: null,
  };
  const handle = recipientHandleOf(unit);
  const common = { pspReference: transactionId, time: transaction.time, ledgerDate, reference: m.reference, currency: m.currency, recipientHandle: handle };
  const drafts: EntryDraft[] = [{ ...common, topic: 'funds', entryType: m.kind, amount: capture + refund }];
  if (fee > 0) drafts.push({ ...common, topic: 'fees', entryType: 'capture-fee', amount: -fee });
  return { transaction, drafts };
}

/** Sums over booked transactions (a day's, or those waiting for a payout). */
export interface Totals {
  count: number;
  capture: Minor;
  refund: Minor;
  fee: Minor;
  /** Earliest ledger date among them; null when there are none. */
  firstLedgerDate: string | null;
}

export const NO_TOTALS: Totals = { count: 0, capture: 0, refund: 0, fee: 0, firstLedgerDate: null };

export function addTotals(a: Totals, b: Totals): Totals {
  const first = a.firstLedgerDate === null ? b.firstLedgerDate : b.firstLedgerDate === null ? a.firstLedgerDate : a.firstLedgerDate < b.firstLedgerDate ? a.firstLedgerDate : b.firstLedgerDate;
  return { count: a.count + b.count, capture: a.capture + b.capture, refund: a.refund + b.refund, fee: a.fee + b.fee, firstLedgerDate: first };
}

/** Totals of a list of transactions (what a report's sums must equal). */
export const totalsOf = (transactions: readonly LedgerTransaction[]): Totals =>
  transactions.reduce<Totals>((t, x) => addTotals(t, { count: 1, capture: x.captureAmount, refund: x.refundAmount, fee: x.feeAmount, firstLedgerDate: x.ledgerDate }), NO_TOTALS);

/** Where a ledger stands between closes. */
export interface LedgerState {
  /** The last ledger date closed. */
  lastClosed: string;
  balances: Balances;
  /** Booked on closed dates, not yet paid out (the positive-balance rule carried them). */
  carried: Totals;
  nextSettlementNumber: number;
}

/** Whether the ledger date ends a payout period: every day (daily), Sunday (weekly), the month's last day (monthly). */
export function endsPayoutPeriod(date: string, frequency: SalesUnit['frequency']): boolean {
  if (frequency === 'daily') return true;
  if (frequency === 'weekly') return weekday(date) === 0;
  return isLastDayOfMonth(date);
}

export const bankTextOf = (settlementId: string, msn: string): string => `Vipps utbet. ${settlementId} Vippsnr ${msn}`;

/** The settlement of totals waiting for payout, cut at the end of `date`. */
export function settlementOf(unit: SalesUnit, totals: Totals, date: string, settlementId: string): Settlement {
  const gross = totals.capture + totals.refund;
  const net = gross - totals.fee;
  return {
    settlementId,
    msn: unit.msn,
    ledgerId: unit.ledgerId,
    currency: unit.currency,
    settlementType: unit.settlementType,
    settlementDate: date,
    firstLedgerDate: totals.firstLedgerDate ?? date,
    createdAt: ledgerDateEnd(date, unit.cutoffHour).toISOString(),
    payoutDate: payoutDateOf(date),
    numberOfTransactions: totals.count,
    captureAmount: totals.capture,
    refundAmount: totals.refund,
    grossAmount: gross,
    feeAmount: totals.fee,
    netAmount: net,
    settledAmount: unit.settlementType === 'Net' ? net : gross,
    settlementAccount: unit.settlementAccount,
    bankText: bankTextOf(settlementId, unit.msn),
  };
}

export interface Closing {
  state: LedgerState;
  entries: ReportEntry[];
  settlements: Settlement[];
}

/**
 * Closes every ledger date after `state.lastClosed` up to `through`, in order. `activity` holds the
 * totals booked on each of those dates (dates without bookings may be absent). `newId` names the
 * synthetic entries (fees moved, fees invoiced).
 */
export function closeDays(unit: SalesUnit, state: LedgerState, activity: ReadonlyMap<string, Totals>, through: string, newId: () => string): Closing {
  let { balances, carried, nextSettlementNumber } = state;
  let lastClosed = state.lastClosed;
  const entries: ReportEntry[] = [];
  const settlements: Settlement[] = [];
  const put = (drafts: EntryDraft[]) => {
    const posted = post(unit.ledgerId, balances, drafts);
    entries.push(...posted.entries);
    balances = posted.balances;
  };
  for (let date = addDays(lastClosed, 1); date <= through; date = addDays(date, 1)) {
    const day = activity.get(date) ?? NO_TOTALS;
    carried = addTotals(carried, day);
    const synthetic = (topic: Topic, entryType: EntryType, amount: Minor, pspReference: string, reference = ''): EntryDraft => ({
      topic,
      entryType,
      amount,
      pspReference,
      reference,
      time: ledgerDateEnd(date, unit.cutoffHour).toISOString(),
      ledgerDate: date,
      currency: unit.currency,
      recipientHandle: null,
    });
    if (unit.settlementType === 'Net' && day.fee > 0) {
      // Net: the day's fees move from funds to fees, both stamped at the start of the next day.
      const id = newId();
      put([synthetic('funds', 'fees-retained', -day.fee, id), synthetic('fees', 'fees-retained', day.fee, id)]);
    }
    if (unit.settlementType === 'Gross' && isLastDayOfMonth(date) && balances.fees < 0) {
      // Gross: fees stay on the fees account and are invoiced once a month.
      put([synthetic('fees', 'fees-invoiced', -balances.fees, newId())]);
    }
    // Positive-balance rule: a payout only when the balance of the closed dates is positive;
    // otherwise it all carries over. (That balance is the funds account's, less what was already
    // booked on later dates: after a clock jump, a late capture may sit on an open date already.)
    const due = carried.capture + carried.refund - (unit.settlementType === 'Net' ? carried.fee : 0);
    if (endsPayoutPeriod(date, unit.frequency) && due > 0 && carried.count > 0) {
      const settlementId = String(nextSettlementNumber);
      nextSettlementNumber += 1;
      const settlement = settlementOf(unit, carried, date, settlementId);
      put([synthetic('funds', 'scheduled-for-payout', -settlement.settledAmount, `${unit.ledgerId}-${settlementId}`, settlement.bankText)]);
      settlements.push(settlement);
      carried = NO_TOTALS;
    }
    lastClosed = date;
  }
  return { state: { lastClosed, balances, carried, nextSettlementNumber }, entries, settlements };
}

/** The last ledger date that has ended at `now`. */
export const lastClosableDate = (now: Date, cutoffHour: number): string => addDays(ledgerDateOf(now, cutoffHour), -1);
