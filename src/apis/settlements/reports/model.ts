/**
 * What a settlement report says, independent of its file format: the writers (XML v3/v2, CSV,
 * XLSX, PDF) all take this model. Amounts are integer øre, as the ledger keeps them; each writer
 * formats them its own way (XML fee positive, CSV/XLSX/PDF fee negative).
 *
 * Transactions are a factory of an async iterable, not an array: a report may cover a million
 * rows, and the writers that need totals before the rows (XML v2, CSV, PDF) iterate twice.
 */

export type SettlementType = 'Gross' | 'Net';

export interface ReportTransaction {
  /** The instant of the capture or refund (epoch milliseconds); printed in Oslo time. */
  timeMs: number;
  kind: 'capture' | 'refund';
  /** Captured or refunded amount in øre, always ≥ 0 (a refund's sign is applied by the writers). */
  amountOre: number;
  /** The transaction's fee in øre, ≥ 0; refunds carry 0. */
  feeOre: number;
  /** 10-digit transaction id (pspReference). */
  transactionId: string;
  /** The merchant's orderId/reference; empty for Vippsnummer payments. */
  orderId: string;
  /** The API the money moved through (`epayment`, `ecom`, `recurring`…): the XLSX `Produkt`. */
  source?: string;
}

export interface ReportSettlement {
  /** 7-digit settlement (payout) number, per sales unit from 2000001. */
  settlementId: number;
  /** YYYY-MM-DD */
  settlementDate: string;
  type: SettlementType;
  currency: string;
  /** In time order. Called once per pass. */
  transactions: () => AsyncIterable<ReportTransaction> | Iterable<ReportTransaction>;
  /** Known totals (from the ledger); writers that need totals first use these instead of a pass. */
  totals?: SettlementTotals;
}

/** Sums over a settlement's transactions, all in øre. fee ≥ 0, refund ≤ 0. */
export interface SettlementTotals {
  count: number;
  capture: number;
  refund: number;
  fee: number;
  /** sale date (YYYY-MM-DD, Oslo) of the first and last transaction */
  firstDate?: string;
  lastDate?: string;
}

export interface ReportSalesUnit {
  name: string;
  /** MSN / Vippsnummer */
  msn: string;
  organizationName: string;
  organizationNumber: string;
  address: string;
  zipCode: string;
  city: string;
  /** "NOR" or empty */
  countryCode: string;
  /** 11-digit BBAN without separators */
  accountNumber: string;
  /** YYYY-MM-DD */
  reportDateFrom: string;
  reportDateTo: string;
  currency: string;
  referenceNumber?: string;
  /** In settlement date / id order. */
  settlements: ReportSettlement[];
}

export interface SettlementReportModel {
  salesUnits: ReportSalesUnit[];
}

/** The issuer block (`VippsInfo`, the CSV's second header pair). */
export const VIPPS_INFO = {
  name: 'Vipps AS',
  webSite: 'vipps.no',
  visitingAddress: 'Dronning Eufemias Gate 42',
  postBox: '',
  postAddress: 'N-0191 Oslo',
  zipCode: '0191',
  place: 'Oslo',
  country: 'Norway',
  organizationNumber: '918713867',
} as const;

/** Net = gross − fee; what is paid out depends on the settlement type. */
export function settledAmount(type: SettlementType, t: SettlementTotals): number {
  const gross = t.capture + t.refund;
  return type === 'Net' ? gross - t.fee : gross;
}

export function emptyTotals(): SettlementTotals {
  return { count: 0, capture: 0, refund: 0, fee: 0 };
}

/** Adds one transaction to running totals (mutates, so a million rows allocate nothing). */
export function addToTotals(t: SettlementTotals, tx: ReportTransaction, saleDate?: string): void {
  t.count += 1;
  if (tx.kind === 'capture') {
    t.capture += tx.amountOre;
    t.fee += tx.feeOre;
  } else t.refund -= tx.amountOre;
  if (saleDate !== undefined) {
    if (t.firstDate === undefined) t.firstDate = saleDate;
    t.lastDate = saleDate;
  }
}

/** Totals of a settlement: the ledger's when given, else one pass over its transactions. */
export async function totalsOf(s: ReportSettlement): Promise<SettlementTotals> {
  if (s.totals) return s.totals;
  const t = emptyTotals();
  for await (const tx of s.transactions()) addToTotals(t, tx);
  return t;
}
