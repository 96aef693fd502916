import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations are code, written with Kysely's schema builder so that one list serves SQLite and
 * PostgreSQL. Append only: a released migration is never edited.
 */
const migrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('settings')
        .addColumn('key', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('signing_keys')
        .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('merchants')
        .addColumn('msn', 'varchar(6)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('client_secret', 'varchar(128)', (c) => c.notNull())
        .addColumn('subscription_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('allow_skip_landing_page', 'integer', (c) => c.notNull())
        .addColumn('allow_long_living', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('test_users')
        .addColumn('phone_number', 'varchar(15)', (c) => c.primaryKey())
        .addColumn('sub', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('given_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('family_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('email', 'varchar(200)', (c) => c.notNull())
        .addColumn('nin', 'varchar(11)', (c) => c.notNull())
        .addColumn('birth_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('street_address', 'varchar(200)', (c) => c.notNull())
        .addColumn('postal_code', 'varchar(10)', (c) => c.notNull())
        .addColumn('city', 'varchar(100)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('epayment_payments')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('reference', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'varchar(20)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('redirect_token', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('event_count', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('epayment_payments_pk', ['msn', 'reference'])
        .execute();
      await db.schema.createIndex('epayment_payments_expiry').on('epayment_payments')
        .columns(['state', 'expires_at']).execute();
      await db.schema.createTable('epayment_events')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('reference', 'varchar(64)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(20)', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('epayment_events_pk', ['msn', 'reference', 'seq'])
        .execute();
      await db.schema.createTable('idempotency_keys')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('operation', 'varchar(40)', (c) => c.notNull())
        .addColumn('reference', 'varchar(64)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['msn', 'operation', 'reference', 'idempotency_key'])
        .execute();
      void sql; // keep the import available for later data migrations
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
