import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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
  '0002_delivery': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('webhooks')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_msn').on('webhooks').column('msn').execute();
      await db.schema.createTable('deliveries')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('event_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('webhook_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('reference', 'varchar(64)', (c) => c.notNull())
        .addColumn('event_seq', 'integer', (c) => c.notNull())
        .addColumn('event_type', 'varchar(100)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('lease_until', 'varchar(40)')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('delivered_at', 'varchar(40)')
        .execute();
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('deliveries_order').on('deliveries').columns(['webhook_id', 'msn', 'reference', 'status', 'event_seq']).execute();
      await db.schema.createTable('delivery_attempts')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('delivery_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'varchar(40)', (c) => c.notNull())
        .addColumn('source_environment', 'varchar(10)', (c) => c.notNull())
        .addColumn('source_hostname', 'varchar(100)', (c) => c.notNull())
        .addColumn('source_address', 'varchar(45)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('request_headers', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('response_body', 'text')
        .execute();
      await db.schema.createIndex('delivery_attempts_delivery').on('delivery_attempts').columns(['delivery_id', 'attempt']).execute();
      await db.schema.createIndex('delivery_attempts_at').on('delivery_attempts').columns(['at']).execute();
      await db.schema.createTable('request_server_state')
        .addColumn('environment', 'varchar(10)', (c) => c.primaryKey())
        .addColumn('anchor', 'varchar(40)', (c) => c.notNull())
        .addColumn('manual_rotations', 'integer', (c) => c.notNull())
        .addColumn('down', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0003_user_side': {
    async up(db: Kysely<any>) {
      // Payment requests sent to a test user's simulated app (push message, landing page, app
      // switch, QR scan): the app's inbox and history. One recipient per payment at a time.
      await db.schema.createTable('app_requests')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('reference', 'varchar(64)', (c) => c.notNull())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('via', 'varchar(20)', (c) => c.notNull())
        .addColumn('sent_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_requests_pk', ['msn', 'reference'])
        .execute();
      await db.schema.createIndex('app_requests_phone').on('app_requests').columns(['phone_number', 'sent_at']).execute();
    },
  },
  '0004_operations': {
    async up(db: Kysely<any>) {
      // Operations (issue 6): injected faults, the status page's incidents and maintenance windows.
      // Each is a JSON document owned by src/apis/status/domain.ts plus the columns queries need.
      await db.schema.createTable('faults')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('status_incidents')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('resolved', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('status_maintenances')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('scheduled_for', 'varchar(40)', (c) => c.notNull())
        .addColumn('scheduled_until', 'varchar(40)', (c) => c.notNull())
        .execute();
    },
  },
  '0005_ecom': {
    async up(db: Kysely<any>) {
      // eCom API v2 (issue 5): payments as a JSON document (its transaction log inside) plus the
      // columns queries need (decision 4), and per-sales-unit eCom settings (direct capture).
      await db.schema.createTable('ecom_payments')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('state', 'varchar(20)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('token', 'varchar(160)', (c) => c.notNull().unique())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('ecom_payments_pk', ['msn', 'order_id'])
        .execute();
      await db.schema.createIndex('ecom_payments_expiry').on('ecom_payments').columns(['state', 'expires_at']).execute();
      await db.schema.createTable('ecom_merchant_settings')
        .addColumn('msn', 'varchar(6)', (c) => c.primaryKey())
        .addColumn('direct_capture', 'integer', (c) => c.notNull())
        .execute();
      // The delivery engine learns callbacks: a row may carry its own target URL, headers, attempt
      // limit and timeout instead of a webhook (its webhook_id is then a pseudo id such as
      // 'ecom-callback', which keeps per-payment ordering). Signing applies only to webhooks.
      await db.schema.alterTable('deliveries').addColumn('target_url', 'text').execute();
      await db.schema.alterTable('deliveries').addColumn('headers', 'text').execute();
      await db.schema.alterTable('deliveries').addColumn('max_attempts', 'integer').execute();
      await db.schema.alterTable('deliveries').addColumn('timeout_ms', 'integer').execute();
    },
  },
  // Redirect tokens carry their payment's key (src/apis/epayment/redirect-token.ts): the unique
  // index over random tokens goes, as it was the dearest write of a create, and the column grows to
  // hold the longer tokens. A payment keeps the create request it was made from: a successful
  // create's idempotency record (decision 15). SQLite cannot drop a
  // column's UNIQUE, so the table is rebuilt (in one transaction: a crash leaves the old table).
  '0006_lean_payment_create': {
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`alter table epayment_payments drop constraint if exists epayment_payments_redirect_token_key`.execute(db);
        await sql`alter table epayment_payments alter column redirect_token type varchar(128)`.execute(db);
        await db.schema.alterTable('epayment_payments').addColumn('create_request', 'text').execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx.schema.createTable('epayment_payments_0006')
          .addColumn('msn', 'varchar(6)', (c) => c.notNull())
          .addColumn('reference', 'varchar(64)', (c) => c.notNull())
          .addColumn('state', 'varchar(20)', (c) => c.notNull())
          .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('redirect_token', 'varchar(128)', (c) => c.notNull())
          .addColumn('event_count', 'integer', (c) => c.notNull())
          .addColumn('document', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
          .addColumn('create_request', 'text')
          .addPrimaryKeyConstraint('epayment_payments_pk', ['msn', 'reference'])
          .execute();
        await sql`insert into epayment_payments_0006 (msn, reference, state, expires_at, redirect_token, event_count, document, created_at, updated_at) select msn, reference, state, expires_at, redirect_token, event_count, document, created_at, updated_at from epayment_payments`.execute(trx);
        await trx.schema.dropTable('epayment_payments').execute();
        await trx.schema.alterTable('epayment_payments_0006').renameTo('epayment_payments').execute();
        await trx.schema.createIndex('epayment_payments_expiry').on('epayment_payments').columns(['state', 'expires_at']).execute();
      });
    },
  },  // Profile sharing (src/platform/consents.ts): written by the payment APIs when a user approves a
  // payment with profile scopes, read by the Userinfo API. One row per (sales unit, sub, scope).
  '0007_user_consents': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('user_consents')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('sub', 'varchar(36)', (c) => c.notNull())
        .addColumn('scope', 'varchar(20)', (c) => c.notNull())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('consented_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_consents_pk', ['msn', 'sub', 'scope'])
        .execute();
      await db.schema.createIndex('user_consents_sub').on('user_consents').columns(['sub']).execute();
    },
  },
  // Every delivery row carries its own target (URL, headers, signing secret), so the delivery
  // engine reads only its own table. Rows still owed to a webhook take its URL and secret now; one
  // whose webhook is gone was never going to be sent. Indexes cover pending rows only.
  '0007_delivery_targets': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('deliveries').addColumn('signing_secret', 'text').execute();
      await sql`update deliveries set
          target_url = (select w.url from webhooks w where w.id = deliveries.webhook_id),
          signing_secret = (select w.secret from webhooks w where w.id = deliveries.webhook_id)
        where status = 'pending' and target_url is null`.execute(db);
      await sql`update deliveries set status = 'dropped', last_error = 'webhook deleted' where status = 'pending' and target_url is null`.execute(db);
      // The dispatcher only ever looks for pending rows: index just those. Delivered rows then cost
      // no index upkeep, and the indexes stay a few pages however long the history grows.
      await db.schema.dropIndex('deliveries_due').execute();
      await db.schema.dropIndex('deliveries_order').execute();
      await db.schema.createIndex('deliveries_pending_due').on('deliveries').column('next_attempt_at').where(sql.ref('status'), '=', sql.lit('pending')).execute();
      await db.schema.createIndex('deliveries_pending_order').on('deliveries').columns(['webhook_id', 'msn', 'reference', 'event_seq']).where(sql.ref('status'), '=', sql.lit('pending')).execute();
    },
  },
  // A sales unit has two subscription keys, primary and secondary, either accepted, so that one can
  // be regenerated while integrations move to the other (the merchant portal's key rotation).
  // Sales units from before get a fresh secondary key; their primary key stays as it was.
  '0008_secondary_subscription_key': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('merchants').addColumn('secondary_subscription_key', 'varchar(64)').execute();
      const rows = await db.selectFrom('merchants').select('msn').execute();
      for (const { msn } of rows as Array<{ msn: string }>) {
        await db.updateTable('merchants').set({ secondary_subscription_key: randomBytes(16).toString('hex') }).where('msn', '=', msn).execute();
      }
    },
  },
};

/** The platform's migrations plus those of the modules (ApiModule.migrations); a name used twice is a mistake. */
export function migrationProvider(extra: ReadonlyArray<readonly [string, Migration]> = []): MigrationProvider {
  const all: Record<string, Migration> = { ...migrations };
  for (const [name, migration] of extra) {
    if (name in all) throw new Error(`migration ${name} is defined twice`);
    all[name] = migration;
  }
  return { getMigrations: async () => all };
}
