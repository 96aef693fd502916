/** The Report API's JSON views of ledgers and entries, and its cursors (base64 JSON, opaque to clients). */
import { osloOffsetMinutes } from './domain/calendar.js';
import type { LedgerTransaction, ReportEntry, SalesUnit, Settlement } from './domain/types.js';
import { reportErrors } from './errors.js';
import type { Entry, Ledger, V1Item } from './schemas.js';

/** UTC with six fractional digits, as the latest spec writes `time`. */
export const reportTime = (iso: string): string => new Date(iso).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Oslo local time with its offset (v1 `timestamp`, e.g. 2022-10-01T16:33:00.824+02:00). */
export function osloTimestamp(iso: string): string {
  const at = new Date(iso);
  const offset = osloOffsetMinutes(at);
  const local = new Date(at.getTime() + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export const entryView = (e: ReportEntry): Entry => ({
  pspReference: e.pspReference,
  time: reportTime(e.time),
  ledgerDate: e.ledgerDate,
  entryType: e.entryType,
  reference: e.reference,
  currency: e.currency,
  amount: e.amount,
  balanceBefore: e.balanceBefore,
  balanceAfter: e.balanceAfter,
  recipientHandle: e.recipientHandle,
});

const ORG_SCHEME: Record<string, string> = { NO: 'business:NO:ORG', DK: 'business:DK:CVR', FI: 'business:FI:Y-tunnus' };

/** An ePayment/eCom sales unit's handle in `settlesForRecipientHandles`. */
export const apiHandleOf = (msn: string): string => `api:${msn}`;

export const ledgerView = (u: SalesUnit): Ledger => ({
  ledgerId: u.ledgerId,
  currency: u.currency,
  payoutBankAccount: { scheme: `BBAN:${u.country}`, id: u.settlementAccount },
  owner: { scheme: ORG_SCHEME[u.country] ?? ORG_SCHEME.NO!, id: u.organizationNumber },
  settlesForRecipientHandles: [apiHandleOf(u.msn)],
});

const V1_COUNTRY: Record<string, string> = { NO: 'nor', DK: 'dnk', FI: 'fin' };

export function v1TransactionView(t: LedgerTransaction, unit: SalesUnit): V1Item {
  return {
    transactionId: t.transactionId,
    timestamp: osloTimestamp(t.time),
    ledgerDate: t.ledgerDate,
    ledgerId: unit.ledgerId,
    transactionType: t.kind,
    orderId: t.orderId,
    currency: t.currency,
    ledgerAmount: unit.settlementType === 'Net' ? t.netAmount : t.grossAmount,
    grossAmount: t.grossAmount,
    fee: t.feeAmount,
    recipientHandle: `${V1_COUNTRY[unit.country] ?? unit.country.toLowerCase()}:${unit.msn}`,
  };
}

export const v1PayoutView = (s: Settlement): V1Item => ({
  transactionId: s.settlementId,
  timestamp: osloTimestamp(s.createdAt),
  ledgerDate: s.settlementDate,
  ledgerId: s.ledgerId,
  transactionType: 'payout',
  orderId: s.bankText,
  currency: s.currency,
  ledgerAmount: -s.settledAmount,
  grossAmount: -s.settledAmount,
  fee: 0,
  recipientHandle: null,
});

export const encodeCursor = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64');

/** A cursor this API gave, or the documented validation error naming `cursor`. */
export function decodeCursor<T>(cursor: string, valid: (v: Record<string, unknown>) => T | undefined): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const value = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? valid(parsed as Record<string, unknown>) : undefined;
  if (value === undefined) throw reportErrors.invalid('cursor', 'is not a cursor this API returned');
  return value;
}

export const seqCursor = (v: Record<string, unknown>): number | undefined => (Number.isSafeInteger(v.afterSeq) && (v.afterSeq as number) >= 0 ? (v.afterSeq as number) : undefined);
