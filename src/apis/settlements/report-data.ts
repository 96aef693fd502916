/**
 * What a settlement report file is built from, in one place for the report writers (XML v3/v2,
 * CSV, XLSX, PDF, SFTP): the sales unit (report header), the settlement (SettlementInfo and its
 * totals) and its transaction lines, streamed in report order (time, then transaction ID).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { LedgerTransaction, SalesUnit, Settlement } from './domain/types.js';
import { settlementStore } from './store.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface SettlementReportData {
  unit: SalesUnit;
  settlement: Settlement;
  /** The lines, read a batch at a time: a settlement of a million lines is never held in memory. */
  lines(): AsyncIterable<LedgerTransaction>;
}

/** The report data of one settlement, or undefined when the sales unit has no such settlement. */
export async function settlementReportData(db: Db, msn: string, settlementId: string, batch = 5_000): Promise<SettlementReportData | undefined> {
  const [stored, settlement] = await Promise.all([settlementStore.loadUnit(db, msn), settlementStore.settlement(db, msn, settlementId)]);
  if (!stored || !settlement) return undefined;
  return { unit: stored.unit, settlement, lines: () => settlementStore.transactionLines(db, msn, settlementId, batch) };
}

/** The report data of every settlement of a sales unit dated in [from, to] (a report period), oldest first. */
export async function periodReportData(db: Db, msn: string, from: string, to: string, batch = 5_000): Promise<{ unit: SalesUnit; settlements: SettlementReportData[] } | undefined> {
  const stored = await settlementStore.loadUnit(db, msn);
  if (!stored) return undefined;
  const settlements = await settlementStore.settlements(db, { msns: [msn], from, to });
  return {
    unit: stored.unit,
    settlements: settlements.map((settlement) => ({ unit: stored.unit, settlement, lines: () => settlementStore.transactionLines(db, msn, settlement.settlementId, batch) })),
  };
}
