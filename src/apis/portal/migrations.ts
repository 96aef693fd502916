import type { Kysely, Migration } from 'kysely';

/**
 * The merchant portal's tables (ApiModule.migrations). Append only. Row types: store.ts.
 * Sales units themselves are the platform's merchants; the portal keeps who applied for them.
 */
export const portalMigrations: Record<string, Migration> = {
  portal_0001_onboarding: {
    async up(db: Kysely<any>) {
      // A signed-in test person. Only the SHA-256 of the cookie's token is kept.
      await db.schema.createTable('portal_sessions')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('confirmed', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      // A merchant agreement: the company, its bank account and contact, who signed it.
      await db.schema.createTable('portal_companies')
        .addColumn('org_number', 'varchar(9)', (c) => c.primaryKey())
        .addColumn('owner_phone', 'varchar(15)', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('portal_companies_owner').on('portal_companies').columns(['owner_phone']).execute();
      // A test sales unit made in the portal: its company and the options chosen when it was made.
      await db.schema.createTable('portal_sales_units')
        .addColumn('msn', 'varchar(6)', (c) => c.primaryKey())
        .addColumn('org_number', 'varchar(9)', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('portal_sales_units_company').on('portal_sales_units').columns(['org_number']).execute();
    },
  },
};
