import type { Kysely, Migration } from 'kysely';

/**
 * The settlements module's tables. Append only: a released migration is never edited. Row types:
 * store.ts. Money columns are bigint (a ledger's sums pass 2^31 øre = 21 million kroner).
 */
export const settlementMigrations: Record<string, Migration> = {
  settlements_0001_ledger: {
    async up(db: Kysely<any>) {
      // One row per sales unit: its settlement profile, where its ledger stands, and the counters
      // of its transaction IDs, entries and settlement numbers. Bookings update it in their transaction.
      await db.schema.createTable('settlement_units')
        .addColumn('msn', 'varchar(6)', (c) => c.primaryKey())
        .addColumn('ledger_id', 'varchar(6)', (c) => c.notNull().unique())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('last_closed', 'varchar(10)', (c) => c.notNull())
        .addColumn('funds_balance', 'bigint', (c) => c.notNull())
        .addColumn('fees_balance', 'bigint', (c) => c.notNull())
        .addColumn('entry_seq', 'bigint', (c) => c.notNull())
        .addColumn('transaction_base', 'bigint', (c) => c.notNull())
        .addColumn('transaction_seq', 'bigint', (c) => c.notNull())
        .addColumn('next_settlement', 'integer', (c) => c.notNull())
        // Totals booked on closed dates and not yet paid out (JSON Totals).
        .addColumn('carried', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();

      // Every capture and refund: a settlement report line. (source, source_id) is the movement's
      // identity in the API that made it: a movement told twice is booked once.
      await db.schema.createTable('settlement_transactions')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('transaction_id', 'varchar(10)', (c) => c.notNull())
        .addColumn('kind', 'varchar(7)', (c) => c.notNull())
        .addColumn('time', 'varchar(30)', (c) => c.notNull())
        .addColumn('ledger_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('fee', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('source', 'varchar(20)', (c) => c.notNull())
        .addColumn('source_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('settlement_id', 'varchar(7)')
        .addPrimaryKeyConstraint('settlement_transactions_pk', ['msn', 'transaction_id'])
        .addUniqueConstraint('settlement_transactions_source', ['source', 'source_id'])
        .execute();
      await db.schema.createIndex('settlement_transactions_day').on('settlement_transactions').columns(['msn', 'ledger_date']).execute();
      await db.schema.createIndex('settlement_transactions_lines').on('settlement_transactions').columns(['msn', 'settlement_id', 'time', 'transaction_id']).execute();

      // Report API entries on the funds and fees accounts of each ledger, in one sequence per ledger.
      await db.schema.createTable('settlement_entries')
        .addColumn('ledger_id', 'varchar(6)', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('topic', 'varchar(5)', (c) => c.notNull())
        .addColumn('entry_type', 'varchar(30)', (c) => c.notNull())
        .addColumn('psp_reference', 'varchar(40)', (c) => c.notNull())
        .addColumn('time', 'varchar(30)', (c) => c.notNull())
        .addColumn('ledger_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('balance_before', 'bigint', (c) => c.notNull())
        .addColumn('balance_after', 'bigint', (c) => c.notNull())
        .addColumn('recipient_handle', 'varchar(20)')
        .addPrimaryKeyConstraint('settlement_entries_pk', ['ledger_id', 'seq'])
        .execute();
      await db.schema.createIndex('settlement_entries_date').on('settlement_entries').columns(['ledger_id', 'topic', 'ledger_date', 'seq']).execute();
      await db.schema.createIndex('settlement_entries_feed').on('settlement_entries').columns(['ledger_id', 'topic', 'seq']).execute();

      // The settlements made (one payout each); the document is the domain's Settlement.
      await db.schema.createTable('settlements')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('settlement_id', 'varchar(7)', (c) => c.notNull())
        .addColumn('settlement_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlements_pk', ['msn', 'settlement_id'])
        .execute();
      await db.schema.createIndex('settlements_date').on('settlements').columns(['settlement_date', 'msn']).execute();
    },
  },
};
