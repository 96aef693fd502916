/**
 * The Login API's tables and every query on them. Row types join the shared `Database` interface by
 * declaration merging, from here. Inside a command pass its transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AUTH_METHODS, DEFAULT_SETTINGS, type AuthMethod, type ClientSettings, type LoginKind, type LoginRequest, type LoginStatus } from './domain.js';

export interface LoginClientsTable {
  msn: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  updated_at: string;
}

export interface LoginOidcStateTable {
  model: string;
  id: string;
  msn: string | null;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  consumed_at: string | null;
  expires_at: string | null;
}

export interface LoginKeysTable {
  kid: string;
  kind: string;
  private_jwk: string;
  created_at: string;
}

export interface LoginRequestsTable {
  id: string;
  kind: string;
  msn: string;
  phone_number: string;
  scope: string;
  binding_message: string | null;
  redirect_uri: string | null;
  /** requested_flow=app_to_app: the merchant app's deeplink the Vipps app returns to. */
  app_callback_uri: string | null;
  /** 1: opened by app switch from the login page; the app returns to it. */
  app_switch: number | null;
  state: string | null;
  token: string;
  status: string;
  code: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  last_polled_at: string | null;
}

declare module '../../db/schema.js' {
  interface Database {
    login_clients: LoginClientsTable;
    login_oidc_state: LoginOidcStateTable;
    login_keys: LoginKeysTable;
    login_requests: LoginRequestsTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

const settingsOf = (r: LoginClientsTable): ClientSettings => ({
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  tokenEndpointAuthMethod: (AUTH_METHODS as readonly string[]).includes(r.token_endpoint_auth_method) ? (r.token_endpoint_auth_method as AuthMethod) : 'client_secret_basic',
});

const requestOf = (r: LoginRequestsTable): LoginRequest => ({
  id: r.id,
  kind: r.kind as LoginKind,
  msn: r.msn,
  phoneNumber: r.phone_number,
  scope: r.scope,
  ...(r.binding_message === null ? {} : { bindingMessage: r.binding_message }),
  ...(r.redirect_uri === null ? {} : { redirectUri: r.redirect_uri }),
  ...(r.app_callback_uri === null ? {} : { appCallbackUri: r.app_callback_uri }),
  ...(r.app_switch ? { appSwitch: true } : {}),
  ...(r.state === null ? {} : { state: r.state }),
  token: r.token,
  status: r.status as LoginStatus,
  ...(r.code === null ? {} : { code: r.code }),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ...(r.decided_at === null ? {} : { decidedAt: r.decided_at }),
  ...(r.last_polled_at === null ? {} : { lastPolledAt: r.last_polled_at }),
});

const rowOf = (r: LoginRequest): LoginRequestsTable => ({
  id: r.id,
  kind: r.kind,
  msn: r.msn,
  phone_number: r.phoneNumber,
  scope: r.scope,
  binding_message: r.bindingMessage ?? null,
  redirect_uri: r.redirectUri ?? null,
  app_callback_uri: r.appCallbackUri ?? null,
  app_switch: r.appSwitch ? 1 : null,
  state: r.state ?? null,
  token: r.token,
  status: r.status,
  code: r.code ?? null,
  created_at: r.createdAt,
  expires_at: r.expiresAt,
  decided_at: r.decidedAt ?? null,
  last_polled_at: r.lastPolledAt ?? null,
});

export const clientStore = {
  async settings(db: Db, msn: string): Promise<ClientSettings> {
    const row = await db.selectFrom('login_clients').selectAll().where('msn', '=', msn).executeTakeFirst();
    return row ? settingsOf(row) : { ...DEFAULT_SETTINGS, redirectUris: [] };
  },
  async save(trx: Transaction<Database>, msn: string, s: ClientSettings, now: Date): Promise<void> {
    const row: LoginClientsTable = { msn, redirect_uris: JSON.stringify(s.redirectUris), token_endpoint_auth_method: s.tokenEndpointAuthMethod, updated_at: now.toISOString() };
    await trx.insertInto('login_clients').values(row).onConflict((oc) => oc.column('msn').doUpdateSet({ redirect_uris: row.redirect_uris, token_endpoint_auth_method: row.token_endpoint_auth_method, updated_at: row.updated_at })).execute();
  },
};

export const oidcStore = {
  async upsert(trx: Transaction<Database>, row: LoginOidcStateTable): Promise<void> {
    const { model: _m, id: _i, ...rest } = row;
    await trx.insertInto('login_oidc_state').values(row).onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(rest)).execute();
  },
  find(db: Db, model: string, id: string) {
    return db.selectFrom('login_oidc_state').selectAll().where('model', '=', model).where('id', '=', id).executeTakeFirst();
  },
  findBy(db: Db, model: string, column: 'uid' | 'user_code', value: string) {
    return db.selectFrom('login_oidc_state').selectAll().where('model', '=', model).where(column, '=', value).executeTakeFirst();
  },
  async consume(trx: Transaction<Database>, model: string, id: string, at: Date): Promise<void> {
    await trx.updateTable('login_oidc_state').set({ consumed_at: at.toISOString() }).where('model', '=', model).where('id', '=', id).execute();
  },
  async destroy(trx: Transaction<Database>, model: string, id: string): Promise<void> {
    await trx.deleteFrom('login_oidc_state').where('model', '=', model).where('id', '=', id).execute();
  },
  async revokeByGrantId(trx: Transaction<Database>, grantId: string): Promise<void> {
    await trx.deleteFrom('login_oidc_state').where('grant_id', '=', grantId).execute();
  },
  async anyExpired(db: Db, now: Date): Promise<boolean> {
    return (await db.selectFrom('login_oidc_state').select('id').where('expires_at', '<=', now.toISOString()).limit(1).executeTakeFirst()) !== undefined;
  },
  /** Rows whose time is up on the emulator clock. */
  async deleteExpired(trx: Transaction<Database>, now: Date): Promise<number> {
    const r = await trx.deleteFrom('login_oidc_state').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const keyStore = {
  list(db: Db, kind: 'sig' | 'cookie') {
    return db.selectFrom('login_keys').selectAll().where('kind', '=', kind).orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
  },
  async insert(trx: Transaction<Database>, row: LoginKeysTable): Promise<void> {
    await trx.insertInto('login_keys').values(row).execute();
  },
  async remove(trx: Transaction<Database>, kids: readonly string[]): Promise<void> {
    if (kids.length > 0) await trx.deleteFrom('login_keys').where('kid', 'in', kids).execute();
  },
};

export const requestStore = {
  async byId(db: Db, id: string): Promise<LoginRequest | undefined> {
    const r = await db.selectFrom('login_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return r && requestOf(r);
  },
  async byToken(db: Db, token: string): Promise<LoginRequest | undefined> {
    const r = await db.selectFrom('login_requests').selectAll().where('token', '=', token).executeTakeFirst();
    return r && requestOf(r);
  },
  async byCode(db: Db, code: string): Promise<LoginRequest | undefined> {
    const r = await db.selectFrom('login_requests').selectAll().where('code', '=', code).executeTakeFirst();
    return r && requestOf(r);
  },
  async many(db: Db, ids: readonly string[]): Promise<LoginRequest[]> {
    if (ids.length === 0) return [];
    return (await db.selectFrom('login_requests').selectAll().where('id', 'in', ids).execute()).map(requestOf);
  },
  async insert(trx: Transaction<Database>, r: LoginRequest): Promise<void> {
    await trx.insertInto('login_requests').values(rowOf(r)).execute();
  },
  async remove(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('login_requests').where('id', '=', id).execute();
  },
  async update(trx: Transaction<Database>, r: LoginRequest): Promise<void> {
    const { id, ...rest } = rowOf(r);
    await trx.updateTable('login_requests').set(rest).where('id', '=', id).execute();
  },
};
