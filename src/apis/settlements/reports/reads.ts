/**
 * Report models read from the settlements store (through report-data.ts): one settlement (what
 * SFTP and email deliver), or a sales unit's settlements dated within a period (the portal's
 * report). Rows are streamed from the ledger in batches, so a report is never held in memory.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Settlement } from '../domain/types.js';
import { periodReportData, settlementReportData } from '../report-data.js';
import { salesUnitReportOf } from './from-ledger.js';
import type { SettlementReportModel } from './model.js';

export interface ReportReads {
  db: Kysely<Database>;
}

/** The report of one settlement; undefined when the unit has no such settlement. */
export async function settlementReport(reads: ReportReads, msn: string, settlementId: string): Promise<{ model: SettlementReportModel; settlement: Settlement } | undefined> {
  const data = await settlementReportData(reads.db, msn, settlementId);
  if (!data) return undefined;
  const { unit, settlement } = data;
  const report = salesUnitReportOf(unit, [settlement], () => data.lines(), { from: settlement.firstLedgerDate, to: settlement.settlementDate });
  return { model: { salesUnits: [report] }, settlement };
}

/** The settlements of a unit dated in [from, to]; undefined when there are none (the schema needs one). */
export async function periodReport(reads: ReportReads, msn: string, from: string, to: string): Promise<SettlementReportModel | undefined> {
  const data = await periodReportData(reads.db, msn, from, to);
  if (!data || data.settlements.length === 0) return undefined;
  const lines = new Map(data.settlements.map((s) => [s.settlement.settlementId, s.lines]));
  return { salesUnits: [salesUnitReportOf(data.unit, data.settlements.map((s) => s.settlement), (s) => lines.get(s.settlementId)!(), { from, to })] };
}
