import type { Kysely, Migration } from 'kysely';

/** Checkout's tables (append only: a released migration is never edited). Row types: store.ts. */
export const checkoutMigrations: Record<string, Migration> = {
  checkout_0001_sessions: {
    async up(db: Kysely<any>) {
      // One row per (sales unit, reference); the document is the domain's Session. `version` guards
      // against a lost update between instances (shared PostgreSQL).
      await db.schema.createTable('checkout_sessions')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('reference', 'varchar(50)', (c) => c.notNull())
        .addColumn('session_id', 'varchar(40)', (c) => c.notNull().unique())
        .addColumn('state', 'varchar(24)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('checkout_sessions_pk', ['msn', 'reference'])
        .execute();
      await db.schema.createIndex('checkout_sessions_expiry').on('checkout_sessions').columns(['state', 'expires_at']).execute();
    },
  },
};
