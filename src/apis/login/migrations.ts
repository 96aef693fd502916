import type { Kysely, Migration } from 'kysely';

/**
 * The Login API's tables (ApiModule.migrations: they run in name order with every other module's).
 * Append only: a released migration is never edited. Row types: store.ts.
 */
export const loginMigrations: Record<string, Migration> = {
  login_0001_oidc: {
    async up(db: Kysely<any>) {
      // The client settings a merchant keeps in the portal: allowed redirect URIs (JSON array) and
      // the token endpoint's authentication method. A merchant without a row has the defaults.
      await db.schema.createTable('login_clients')
        .addColumn('msn', 'varchar(6)', (c) => c.primaryKey())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      // oidc-provider's state (its adapter): sessions, interactions, codes, grants, tokens, CIBA
      // requests, one row per (model, id). `expires_at` is on the emulator clock; `msn` scopes a
      // merchant's reset (the client's sales unit, where the model has a client).
      await db.schema.createTable('login_oidc_state')
        .addColumn('model', 'varchar(40)', (c) => c.notNull())
        .addColumn('id', 'varchar(200)', (c) => c.notNull())
        .addColumn('msn', 'varchar(6)')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'varchar(200)')
        .addColumn('uid', 'varchar(200)')
        .addColumn('user_code', 'varchar(200)')
        .addColumn('consumed_at', 'varchar(40)')
        .addColumn('expires_at', 'varchar(40)')
        .addPrimaryKeyConstraint('login_oidc_state_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('login_oidc_state_grant').on('login_oidc_state').columns(['grant_id']).execute();
      await db.schema.createIndex('login_oidc_state_uid').on('login_oidc_state').columns(['uid']).execute();
      await db.schema.createIndex('login_oidc_state_expiry').on('login_oidc_state').columns(['expires_at']).execute();
      // Signing keys of ID tokens (`kind` sig, newest first in the JWKS, the previous one still
      // published) and the provider's cookie secret (`kind` cookie): shared by every instance.
      await db.schema.createTable('login_keys')
        .addColumn('kid', 'varchar(80)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(10)', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      // A login waiting for the user's confirmation in the app: from the login page (`uid` of the
      // interaction) or from CIBA (`auth_req_id`). `status` pending → approved | rejected.
      await db.schema.createTable('login_requests')
        .addColumn('id', 'varchar(80)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(10)', (c) => c.notNull())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('phone_number', 'varchar(15)', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('binding_message', 'varchar(20)')
        .addColumn('redirect_uri', 'text')
        .addColumn('state', 'text')
        .addColumn('token', 'varchar(80)', (c) => c.notNull().unique())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('code', 'varchar(80)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('decided_at', 'varchar(40)')
        // CIBA polling: the last poll, for slow_down (oidc-provider 8 has no polling interval).
        .addColumn('last_polled_at', 'varchar(40)')
        .execute();
    },
  },
  login_0002_app_to_app: {
    async up(db: Kysely<any>) {
      // requested_flow=app_to_app: the deeplink back to the merchant's app (its `state` goes in `state`).
      await db.schema.alterTable('login_requests').addColumn('app_callback_uri', 'text').execute();
      // The login page's "open the Vipps app on this phone" (app switch): the app returns to the page.
      await db.schema.alterTable('login_requests').addColumn('app_switch', 'integer').execute();
    },
  },
};
