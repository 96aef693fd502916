import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Recurring's tables (ApiModule.migrations: they run in name order with every other module's).
 * Append only: a released migration is never edited. Row types: store.ts.
 */
export const recurringMigrations: Record<string, Migration> = {
  recurring_0001_agreements_and_charges: {
    async up(db: Kysely<any>) {
      // The agreement document (the domain owns its shape); the columns index what queries need.
      await db.schema.createTable('recurring_agreements')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('token', 'varchar(80)', (c) => c.notNull().unique())
        // The test user who accepted or rejected it: the app lists a user's agreements by it.
        .addColumn('phone_number', 'varchar(15)')
        // Optimistic concurrency (shared PostgreSQL) and the seq of its next webhook event.
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('recurring_agreements_pk', ['msn', 'id'])
        .execute();
      await db.schema.createIndex('recurring_agreements_list').on('recurring_agreements').columns(['msn', 'status', 'created_at', 'id']).execute();
      await db.schema.createIndex('recurring_agreements_pending').on('recurring_agreements').columns(['status', 'expires_at']).execute();
      await db.schema.createIndex('recurring_agreements_user').on('recurring_agreements').columns(['phone_number']).execute();

      // Clustered by due date on SQLite (WITHOUT ROWID, key msn + due + id) until recurring_0003
      // put the rows in creation order (decision 242). PostgreSQL keeps its heap; the key is the same.
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema.createTable('recurring_charges')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('due', 'varchar(10)', (c) => c.notNull())
        .addColumn('id', 'varchar(50)', (c) => c.notNull())
        .addColumn('agreement_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull())
        // When the calendar next does something to the charge (becoming DUE, an attempt); null: never.
        .addColumn('next_at', 'varchar(40)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('recurring_charges_pk', ['msn', 'due', 'id'])
        .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
        .execute();
      await db.schema.createIndex('recurring_charges_id').on('recurring_charges').columns(['msn', 'id']).unique().execute();
      await db.schema.createIndex('recurring_charges_agreement').on('recurring_charges').columns(['msn', 'agreement_id', 'created_at']).execute();
      // The calendar's queue: the earliest instant first, then a fixed order (deterministic batches).
      await db.schema.createIndex('recurring_charges_calendar').on('recurring_charges').columns(['next_at', 'msn', 'due', 'id']).execute();

      // A test user's money, as the calendar sees it (control API): no funds → attempts fail with user_action_required.
      await db.schema.createTable('recurring_user_funds')
        .addColumn('phone_number', 'varchar(15)', (c) => c.primaryKey())
        .addColumn('insufficient_funds', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .execute();

      // List paging (Continuation-Token): where the next page starts; short-lived, shared by instances.
      await db.schema.createTable('recurring_continuation_tokens')
        .addColumn('token', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('cursor', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .execute();
    },
  },
  // Tokens carry their agreement's key (agreement-token.ts): the unique index over random tokens
  // goes, one scattered B-tree page less per draft (decision 240). On SQLite a column's UNIQUE is an
  // index that cannot be dropped, so the table is rebuilt (as ePayment's 0006 did).
  recurring_0002_token_unindexed: {
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`alter table recurring_agreements drop constraint if exists recurring_agreements_token_key`.execute(db);
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx.schema.createTable('recurring_agreements_0002')
          .addColumn('msn', 'varchar(6)', (c) => c.notNull())
          .addColumn('id', 'varchar(36)', (c) => c.notNull())
          .addColumn('status', 'varchar(10)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('token', 'varchar(80)', (c) => c.notNull())
          .addColumn('phone_number', 'varchar(15)')
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('document', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('recurring_agreements_pk', ['msn', 'id'])
          .execute();
        await sql`insert into recurring_agreements_0002 (msn, id, status, created_at, expires_at, token, phone_number, version, document) select msn, id, status, created_at, expires_at, token, phone_number, version, document from recurring_agreements`.execute(trx);
        await trx.schema.dropTable('recurring_agreements').execute();
        await trx.schema.alterTable('recurring_agreements_0002').renameTo('recurring_agreements').execute();
        await trx.schema.createIndex('recurring_agreements_list').on('recurring_agreements').columns(['msn', 'status', 'created_at', 'id']).execute();
        await trx.schema.createIndex('recurring_agreements_pending').on('recurring_agreements').columns(['status', 'expires_at']).execute();
        await trx.schema.createIndex('recurring_agreements_user').on('recurring_agreements').columns(['phone_number']).execute();
      });
    },
  },
  // Charges in creation order (decision 242): a rowid table keyed (msn, id). Clustering by due date
  // (0001) made each commit of concurrent creates rewrite one leaf per due date in use: a third of a
  // charge create's time was writing those pages to the WAL. Appends fill one page at a time; a
  // clock jump's day batch now updates scattered rows, which costs it far less than creates gained.
  recurring_0003_charges_in_creation_order: {
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        // The heap was never clustered; the key becomes the one lookups use, and its index goes
        // (the migrator runs this in a transaction of its own on PostgreSQL).
        await sql`alter table recurring_charges drop constraint recurring_charges_pk`.execute(db);
        await sql`alter table recurring_charges add constraint recurring_charges_pk primary key (msn, id)`.execute(db);
        await db.schema.dropIndex('recurring_charges_id').execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx.schema.createTable('recurring_charges_0003')
          .addColumn('msn', 'varchar(6)', (c) => c.notNull())
          .addColumn('due', 'varchar(10)', (c) => c.notNull())
          .addColumn('id', 'varchar(50)', (c) => c.notNull())
          .addColumn('agreement_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('status', 'varchar(20)', (c) => c.notNull())
          .addColumn('next_at', 'varchar(40)')
          .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('document', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('recurring_charges_pk', ['msn', 'id'])
          .execute();
        // Existing rows are copied in creation order.
        await sql`insert into recurring_charges_0003 (msn, due, id, agreement_id, status, next_at, created_at, version, document) select msn, due, id, agreement_id, status, next_at, created_at, version, document from recurring_charges order by created_at, msn, id`.execute(trx);
        await trx.schema.dropTable('recurring_charges').execute();
        await trx.schema.alterTable('recurring_charges_0003').renameTo('recurring_charges').execute();
        await trx.schema.createIndex('recurring_charges_agreement').on('recurring_charges').columns(['msn', 'agreement_id', 'created_at']).execute();
        await trx.schema.createIndex('recurring_charges_calendar').on('recurring_charges').columns(['next_at', 'msn', 'due', 'id']).execute();
      });
    },
  },
};
