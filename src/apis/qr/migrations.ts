import type { Kysely, Migration } from 'kysely';

/**
 * The QR API's tables (ApiModule.migrations: they run in name order with every other module's).
 * Append only: a released migration is never edited. Row types: store.ts.
 */
export const qrMigrations: Record<string, Migration> = {
  qr_0001_merchant_redirect: {
    async up(db: Kysely<any>) {
      // One row per (sales unit, merchant's id). `code` is ours: the QR's content and image links
      // point at it, so it is unique across sales units and new for every create.
      await db.schema.createTable('qr_merchant_redirects')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('id', 'varchar(128)', (c) => c.notNull())
        .addColumn('code', 'varchar(40)', (c) => c.notNull().unique())
        .addColumn('redirect_url', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('qr_merchant_redirects_pk', ['msn', 'id'])
        .execute();
      await db.schema.createIndex('qr_merchant_redirects_expiry').on('qr_merchant_redirects').columns(['expires_at']).execute();
    },
  },
  qr_0002_one_time_payment: {
    async up(db: Kysely<any>) {
      await db.schema.createTable('qr_one_time_codes')
        .addColumn('code', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('landing_url', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('qr_one_time_codes_expiry').on('qr_one_time_codes').columns(['expires_at']).execute();
    },
  },
  qr_0003_merchant_callback: {
    async up(db: Kysely<any>) {
      // Merchant callback QRs (and mapped MobilePay beacons, `beacon` = 1): scanning one checks
      // the user in and sends the sales unit a user.checked-in.v1 webhook. `check_ins` orders them.
      await db.schema.createTable('qr_merchant_callbacks')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('merchant_qr_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('code', 'varchar(40)', (c) => c.notNull().unique())
        .addColumn('location_description', 'varchar(36)', (c) => c.notNull())
        .addColumn('beacon', 'integer', (c) => c.notNull())
        .addColumn('check_ins', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('qr_merchant_callbacks_pk', ['msn', 'merchant_qr_id'])
        .execute();
      // The customerToken of a check-in: the sales unit exchanges it for the user's phone number.
      await db.schema.createTable('qr_customer_tokens')
        .addColumn('token', 'varchar(80)', (c) => c.primaryKey())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('merchant_qr_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('initiated_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('qr_customer_tokens_expiry').on('qr_customer_tokens').columns(['expires_at']).execute();
    },
  },
  qr_0004_personal_qr: {
    async up(db: Kysely<any>) {
      // The QR a test user shows in the app (version 2.0: it carries when it was made): a sales unit
      // scans it and exchanges it for the user's phone number. A user's, not a sales unit's.
      await db.schema.createTable('qr_personal_codes')
        .addColumn('code', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
    },
  },
};
