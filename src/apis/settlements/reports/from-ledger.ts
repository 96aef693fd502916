/**
 * The report model of the engine's settlements: header from the sales unit, one SettlementInfo
 * per settlement with the ledger's totals, rows streamed from the ledger's transactions.
 */
import type { LedgerTransaction, SalesUnit, Settlement } from '../domain/types.js';
import type { ReportSalesUnit, ReportSettlement, ReportTransaction, SettlementReportModel } from './model.js';

/** Where a report's rows come from: the transactions a settlement paid out, in time order. */
export type TransactionsOf = (settlement: Settlement) => AsyncIterable<LedgerTransaction> | Iterable<LedgerTransaction>;

export function reportTransactionOf(t: LedgerTransaction): ReportTransaction {
  const capture = t.kind === 'capture';
  return {
    timeMs: Date.parse(t.time),
    kind: t.kind,
    amountOre: capture ? t.captureAmount : -t.refundAmount,
    feeOre: t.feeAmount,
    transactionId: t.transactionId,
    orderId: t.orderId,
    source: t.source,
  };
}

async function* mapped(rows: AsyncIterable<LedgerTransaction> | Iterable<LedgerTransaction>): AsyncGenerator<ReportTransaction> {
  for await (const t of rows) yield reportTransactionOf(t);
}

export function reportSettlementOf(s: Settlement, transactionsOf: TransactionsOf): ReportSettlement {
  return {
    settlementId: Number(s.settlementId),
    settlementDate: s.settlementDate,
    type: s.settlementType,
    currency: s.currency,
    transactions: () => mapped(transactionsOf(s)),
    totals: { count: s.numberOfTransactions, capture: s.captureAmount, refund: s.refundAmount, fee: s.feeAmount },
  };
}

export interface ReportPeriod {
  /** YYYY-MM-DD; defaults to the earliest transaction's ledger date of the settlements. */
  from?: string;
  /** YYYY-MM-DD; defaults to the latest settlement date. */
  to?: string;
  referenceNumber?: string;
}

/** One sales unit's settlements (in date/id order) as a report. */
export function salesUnitReportOf(unit: SalesUnit, settlements: readonly Settlement[], transactionsOf: TransactionsOf, period: ReportPeriod = {}): ReportSalesUnit {
  const sorted = [...settlements].sort((a, b) => a.settlementDate.localeCompare(b.settlementDate) || Number(a.settlementId) - Number(b.settlementId));
  const from = period.from ?? sorted.map((s) => s.firstLedgerDate).sort()[0] ?? '';
  const to = period.to ?? sorted.at(-1)?.settlementDate ?? '';
  return {
    name: unit.saleUnitName,
    msn: unit.msn,
    organizationName: unit.organizationName,
    organizationNumber: unit.organizationNumber,
    address: unit.mainAddress,
    zipCode: unit.mainAddressZipCode,
    city: unit.mainAddressCity,
    countryCode: unit.mainAddressCountryCode,
    accountNumber: sorted[0]?.settlementAccount ?? unit.settlementAccount,
    reportDateFrom: from,
    reportDateTo: to,
    currency: unit.currency,
    ...(period.referenceNumber !== undefined ? { referenceNumber: period.referenceNumber } : {}),
    settlements: sorted.map((s) => reportSettlementOf(s, transactionsOf)),
  };
}

export function reportModelOf(units: ReportSalesUnit[]): SettlementReportModel {
  return { salesUnits: units };
}
