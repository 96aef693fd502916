/**
 * Report models read from the settlements store: one settlement (what SFTP and email deliver), or
 * a sales unit's settlements dated within a period (the portal's report). Rows are streamed from
 * the ledger in batches, so a report is never held in memory.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { SalesUnit, Settlement } from '../domain/types.js';
import { settlementStore as store } from '../store.js';
import { salesUnitReportOf } from './from-ledger.js';
import type { SettlementReportModel } from './model.js';

export interface ReportReads {
  db: Kysely<Database>;
  /** The unit's current profile (organization, address) for the report header. */
  unitOf(msn: string): Promise<SalesUnit>;
}

const linesOf = (db: Kysely<Database>) => (s: Settlement) => store.transactionLines(db, s.msn, s.settlementId);

/** The report of one settlement; undefined when the unit has no such settlement. */
export async function settlementReport(reads: ReportReads, msn: string, settlementId: string): Promise<{ model: SettlementReportModel; settlement: Settlement } | undefined> {
  const settlement = await store.settlement(reads.db, msn, settlementId);
  if (!settlement) return undefined;
  const unit = await reads.unitOf(msn);
  const report = salesUnitReportOf(unit, [settlement], linesOf(reads.db), { from: settlement.firstLedgerDate, to: settlement.settlementDate });
  return { model: { salesUnits: [report] }, settlement };
}

/** The settlements of a unit dated in [from, to]; undefined when there are none (the schema needs one). */
export async function periodReport(reads: ReportReads, msn: string, from: string, to: string): Promise<SettlementReportModel | undefined> {
  const settlements = await store.settlements(reads.db, { msns: [msn], from, to });
  if (settlements.length === 0) return undefined;
  const unit = await reads.unitOf(msn);
  return { salesUnits: [salesUnitReportOf(unit, settlements, linesOf(reads.db), { from, to })] };
}
