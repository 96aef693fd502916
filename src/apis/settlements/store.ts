/**
 * The settlements module's SQL, and only its tables. Money columns are bigint: read back through
 * Number() (PostgreSQL's driver gives bigint as text).
 */
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import type { LedgerState, Totals } from './domain/engine.js';
import type { Currency, LedgerTransaction, ReportEntry, SalesUnit, Settlement, Topic } from './domain/types.js';

export interface SettlementUnitsTable {
  msn: string;
  ledger_id: string;
  /** JSON: the SalesUnit without msn and ledgerId. */
  profile: string;
  last_closed: string;
  funds_balance: number | string;
  fees_balance: number | string;
  entry_seq: number | string;
  transaction_base: number | string;
  transaction_seq: number | string;
  next_settlement: number;
  carried: string;
  created_at: string;
}

export interface SettlementTransactionsTable {
  msn: string;
  transaction_id: string;
  kind: string;
  time: string;
  ledger_date: string;
  /** Signed: captures positive, refunds negative. */
  amount: number | string;
  fee: number | string;
  currency: string;
  order_id: string;
  source: string;
  source_id: string;
  settlement_id: string | null;
}

export interface SettlementEntriesTable {
  ledger_id: string;
  seq: number | string;
  msn: string;
  topic: string;
  entry_type: string;
  psp_reference: string;
  time: string;
  ledger_date: string;
  reference: string;
  currency: string;
  amount: number | string;
  balance_before: number | string;
  balance_after: number | string;
  recipient_handle: string | null;
}

// The booking path (every capture and refund, inside the payment API's command): prepared once.
const INSERT_TRANSACTION = prepared(
  'insert into settlement_transactions (msn, transaction_id, kind, time, ledger_date, amount, fee, currency, order_id, source, source_id, settlement_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null) on conflict (source, source_id) do nothing',
);
const INSERT_ENTRY = prepared(
  'insert into settlement_entries (ledger_id, seq, msn, topic, entry_type, psp_reference, time, ledger_date, reference, currency, amount, balance_before, balance_after, recipient_handle) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);

export interface SettlementsTable {
  msn: string;
  settlement_id: string;
  settlement_date: string;
  document: string;
}

declare module '../../db/schema.js' {
  interface Database {
    settlement_units: SettlementUnitsTable;
    settlement_transactions: SettlementTransactionsTable;
    settlement_entries: SettlementEntriesTable;
    settlements: SettlementsTable;
  }
}

export type Db = Kysely<Database> | Transaction<Database>;

/** A unit's row: its profile, its ledger's state and its transaction-ID counter. */
export interface StoredUnit {
  unit: SalesUnit;
  state: LedgerState;
  transactionBase: number;
  transactionSeq: number;
  createdAt: string;
}

const unitOf = (r: SettlementUnitsTable): StoredUnit => ({
  unit: { ...(JSON.parse(r.profile) as Omit<SalesUnit, 'msn' | 'ledgerId'>), msn: r.msn, ledgerId: r.ledger_id },
  state: {
    lastClosed: r.last_closed,
    balances: { funds: Number(r.funds_balance), fees: Number(r.fees_balance), seq: Number(r.entry_seq) },
    carried: JSON.parse(r.carried) as Totals,
    nextSettlementNumber: r.next_settlement,
  },
  transactionBase: Number(r.transaction_base),
  transactionSeq: Number(r.transaction_seq),
  createdAt: r.created_at,
});

const profileOf = ({ msn: _m, ledgerId: _l, ...profile }: SalesUnit) => JSON.stringify(profile);

const transactionOf = (r: SettlementTransactionsTable): LedgerTransaction => {
  const amount = Number(r.amount);
  const fee = Number(r.fee);
  const capture = r.kind === 'capture' ? amount : 0;
  const refund = r.kind === 'refund' ? amount : 0;
  return {
    transactionId: r.transaction_id,
    msn: r.msn,
    kind: r.kind as LedgerTransaction['kind'],
    time: r.time,
    ledgerDate: r.ledger_date,
    captureAmount: capture,
    refundAmount: refund,
    grossAmount: amount,
    feeAmount: fee,
    netAmount: amount - fee,
    currency: r.currency as Currency,
    orderId: r.order_id,
    source: r.source,
    settlementId: r.settlement_id,
  };
};

const entryOf = (r: SettlementEntriesTable): ReportEntry => ({
  ledgerId: r.ledger_id,
  topic: r.topic as Topic,
  seq: Number(r.seq),
  pspReference: r.psp_reference,
  time: r.time,
  ledgerDate: r.ledger_date,
  entryType: r.entry_type as ReportEntry['entryType'],
  reference: r.reference,
  currency: r.currency as Currency,
  amount: Number(r.amount),
  balanceBefore: Number(r.balance_before),
  balanceAfter: Number(r.balance_after),
  recipientHandle: r.recipient_handle,
});

const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

export const settlementStore = {
  /** A unit's row; `lock`: held until the transaction ends (PostgreSQL; SQLite has one writer anyway). */
  async loadUnit(db: Db, msn: string, lock = false): Promise<StoredUnit | undefined> {
    let q = db.selectFrom('settlement_units').selectAll().where('msn', '=', msn);
    if (lock && isPostgres(db)) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row && unitOf(row);
  },

  async unitByLedger(db: Db, ledgerId: string): Promise<StoredUnit | undefined> {
    const row = await db.selectFrom('settlement_units').selectAll().where('ledger_id', '=', ledgerId).executeTakeFirst();
    return row && unitOf(row);
  },

  async units(db: Db): Promise<StoredUnit[]> {
    return (await db.selectFrom('settlement_units').selectAll().orderBy('ledger_id').execute()).map(unitOf);
  },

  /** Units with ledger dates ended but not closed. */
  async unitsBehind(db: Db, through: string): Promise<string[]> {
    return (await db.selectFrom('settlement_units').select('msn').where('last_closed', '<', through).orderBy('msn').execute()).map((r) => r.msn);
  },

  /** False when the unit (or its ledger ID) exists already. */
  async createUnit(trx: Transaction<Database>, s: StoredUnit): Promise<boolean> {
    const result = await trx
      .insertInto('settlement_units')
      .values({
        msn: s.unit.msn,
        ledger_id: s.unit.ledgerId,
        profile: profileOf(s.unit),
        last_closed: s.state.lastClosed,
        funds_balance: s.state.balances.funds,
        fees_balance: s.state.balances.fees,
        entry_seq: s.state.balances.seq,
        transaction_base: s.transactionBase,
        transaction_seq: s.transactionSeq,
        next_settlement: s.state.nextSettlementNumber,
        carried: JSON.stringify(s.state.carried),
        created_at: s.createdAt,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async saveProfile(trx: Transaction<Database>, unit: SalesUnit): Promise<void> {
    await trx.updateTable('settlement_units').set({ profile: profileOf(unit) }).where('msn', '=', unit.msn).execute();
  },

  async saveState(trx: Transaction<Database>, msn: string, state: LedgerState, transactionSeq?: number): Promise<void> {
    await trx
      .updateTable('settlement_units')
      .set({
        last_closed: state.lastClosed,
        funds_balance: state.balances.funds,
        fees_balance: state.balances.fees,
        entry_seq: state.balances.seq,
        next_settlement: state.nextSettlementNumber,
        carried: JSON.stringify(state.carried),
        ...(transactionSeq === undefined ? {} : { transaction_seq: transactionSeq }),
      })
      .where('msn', '=', msn)
      .execute();
  },

  /**
   * Inserts transactions and returns the IDs of those inserted; a movement (source, sourceId)
   * booked before is skipped, so nothing is booked twice. One prepared statement per line
   * (src/db/prepared.ts), not Kysely's multi-row insert: a clock jump books about a hundred
   * captures per chunk of the calendar, and building and compiling a 100-row insert per chunk
   * cost more than the inserts (decision 234).
   */
  async insertTransactions(trx: Transaction<Database>, rows: ReadonlyArray<{ transaction: LedgerTransaction; sourceId: string }>): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const { transaction: t, sourceId } of rows) {
      const n = await INSERT_TRANSACTION.run(trx, [t.msn, t.transactionId, t.kind, t.time, t.ledgerDate, t.grossAmount, t.feeAmount, t.currency, t.orderId, t.source, sourceId]);
      if (n === 1) inserted.add(t.transactionId);
    }
    return inserted;
  },

  async insertEntries(trx: Transaction<Database>, msn: string, entries: readonly ReportEntry[]): Promise<void> {
    for (const e of entries) {
      await INSERT_ENTRY.run(trx, [e.ledgerId, e.seq, msn, e.topic, e.entryType, e.pspReference, e.time, e.ledgerDate, e.reference, e.currency, e.amount, e.balanceBefore, e.balanceAfter, e.recipientHandle]);
    }
  },

  /** Totals booked per ledger date in (after, through]. */
  async dayActivity(db: Db, msn: string, after: string, through: string): Promise<Map<string, Totals>> {
    const rows = await db
      .selectFrom('settlement_transactions')
      .select((eb) => [
        'ledger_date',
        eb.fn.countAll<string | number>().as('count'),
        sql<string | number>`coalesce(sum(case when kind = 'capture' then amount else 0 end), 0)`.as('capture'),
        sql<string | number>`coalesce(sum(case when kind = 'refund' then amount else 0 end), 0)`.as('refund'),
        sql<string | number>`coalesce(sum(fee), 0)`.as('fee'),
      ])
      .where('msn', '=', msn)
      .where('ledger_date', '>', after)
      .where('ledger_date', '<=', through)
      .groupBy('ledger_date')
      .execute();
    return new Map(rows.map((r) => [r.ledger_date, { count: Number(r.count), capture: Number(r.capture), refund: Number(r.refund), fee: Number(r.fee), firstLedgerDate: r.ledger_date }]));
  },

  /** Gives every waiting transaction booked on or before `through` to the settlement. */
  async markSettled(trx: Transaction<Database>, msn: string, settlementId: string, through: string): Promise<number> {
    const result = await trx.updateTable('settlement_transactions').set({ settlement_id: settlementId }).where('msn', '=', msn).where('settlement_id', 'is', null).where('ledger_date', '<=', through).executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  async insertSettlement(trx: Transaction<Database>, s: Settlement): Promise<void> {
    await trx.insertInto('settlements').values({ msn: s.msn, settlement_id: s.settlementId, settlement_date: s.settlementDate, document: JSON.stringify(s) }).execute();
  },

  async settlement(db: Db, msn: string, settlementId: string): Promise<Settlement | undefined> {
    const row = await db.selectFrom('settlements').select('document').where('msn', '=', msn).where('settlement_id', '=', settlementId).executeTakeFirst();
    return row && (JSON.parse(row.document) as Settlement);
  },

  /** Settlements, oldest first: of one unit or of all, with settlement dates in [from, to]. */
  async settlements(db: Db, q: { msns?: readonly string[]; from?: string; to?: string }): Promise<Settlement[]> {
    let query = db.selectFrom('settlements').select('document').orderBy('settlement_date').orderBy('msn').orderBy('settlement_id');
    if (q.msns) {
      if (q.msns.length === 0) return [];
      query = query.where('msn', 'in', q.msns);
    }
    if (q.from) query = query.where('settlement_date', '>=', q.from);
    if (q.to) query = query.where('settlement_date', '<=', q.to);
    return (await query.execute()).map((r) => JSON.parse(r.document) as Settlement);
  },

  /**
   * A settlement's transaction lines in report order (time, then ID), read `batch` rows at a time:
   * a settlement of a million lines is streamed, never held in memory.
   */
  async *transactionLines(db: Db, msn: string, settlementId: string, batch = 5_000): AsyncGenerator<LedgerTransaction> {
    let after: { time: string; id: string } | undefined;
    for (;;) {
      let q = db.selectFrom('settlement_transactions').selectAll().where('msn', '=', msn).where('settlement_id', '=', settlementId);
      if (after) {
        const a = after;
        q = q.where((eb) => eb.or([eb('time', '>', a.time), eb.and([eb('time', '=', a.time), eb('transaction_id', '>', a.id)])]));
      }
      const rows = await q.orderBy('time').orderBy('transaction_id').limit(batch).execute();
      for (const r of rows) yield transactionOf(r);
      if (rows.length < batch) return;
      const last = rows[rows.length - 1]!;
      after = { time: last.time, id: last.transaction_id };
    }
  },

  /** Transactions of a unit (waiting ones: settlementId null), oldest first; for control and tests. */
  async transactions(db: Db, msn: string, q: { settlementId?: string | null; limit?: number } = {}): Promise<LedgerTransaction[]> {
    let query = db.selectFrom('settlement_transactions').selectAll().where('msn', '=', msn);
    if (q.settlementId === null) query = query.where('settlement_id', 'is', null);
    else if (q.settlementId !== undefined) query = query.where('settlement_id', '=', q.settlementId);
    return (await query.orderBy('time').orderBy('transaction_id').limit(q.limit ?? 10_000).execute()).map(transactionOf);
  },

  /** Entries of one topic on one ledger date, after seq `afterSeq`, in order. */
  async entriesOfDate(db: Db, ledgerId: string, topic: Topic, date: string, afterSeq: number, limit: number): Promise<ReportEntry[]> {
    const rows = await db.selectFrom('settlement_entries').selectAll().where('ledger_id', '=', ledgerId).where('topic', '=', topic).where('ledger_date', '=', date).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(entryOf);
  },

  /** Entries of one topic after seq `afterSeq`, in order (the feed). */
  async feed(db: Db, ledgerId: string, topic: Topic, afterSeq: number, limit: number): Promise<ReportEntry[]> {
    const rows = await db.selectFrom('settlement_entries').selectAll().where('ledger_id', '=', ledgerId).where('topic', '=', topic).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(entryOf);
  },

  /** v1: the unit's transactions on closed ledger dates in [from, to], or of one settlement; after a (time, id) key. */
  async v1Transactions(db: Db, msn: string, q: { from?: string; to?: string; settlementIds?: readonly string[]; after?: { time: string; id: string }; limit: number }): Promise<LedgerTransaction[]> {
    let query = db.selectFrom('settlement_transactions').selectAll().where('msn', '=', msn);
    if (q.from) query = query.where('ledger_date', '>=', q.from);
    if (q.to) query = query.where('ledger_date', '<=', q.to);
    if (q.settlementIds) {
      if (q.settlementIds.length === 0) return [];
      query = query.where('settlement_id', 'in', q.settlementIds);
    }
    if (q.after) {
      const a = q.after;
      query = query.where((eb) => eb.or([eb('time', '>', a.time), eb.and([eb('time', '=', a.time), eb('transaction_id', '>', a.id)])]));
    }
    return (await query.orderBy('time').orderBy('transaction_id').limit(q.limit).execute()).map(transactionOf);
  },
};
