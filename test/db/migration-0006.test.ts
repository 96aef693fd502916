import { randomBytes, randomUUID } from 'node:crypto';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { skipNote } from '../helpers/skip.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { create as createPayment, type Payment } from '../../src/apis/epayment/domain.js';
import { isLegacyToken, redirectToken } from '../../src/apis/epayment/redirect-token.js';
import { paymentStore } from '../../src/apis/epayment/store.js';
import { migrationProvider } from '../../src/db/migrations.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../../src/db/open.js';
import { requestHash } from '../../src/platform/idempotency.js';
import { ids } from '../../src/platform/ids.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

/**
 * Migration 0006_lean_payment_create on a database that holds data from before it: built with
 * migrations 0001–0005 only, filled the way the emulator filled it then (32-character random
 * redirect tokens, an idempotency row per create), then opened the normal way (all migrations).
 */

const MIGRATION = '0006_lean_payment_create';

async function migrateTo0005(db: Kysely<any>, schema?: string): Promise<void> {
  const all = await migrationProvider().getMigrations();
  expect(Object.keys(all)).toContain(MIGRATION);
  const before: Record<string, Migration> = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0006'));
  expect(Object.keys(before).sort()).toEqual(['0001_foundation', '0002_delivery', '0003_user_side', '0004_operations', '0005_ecom']);
  // On PostgreSQL the migration tables are pinned to the test's schema: Kysely's Migrator otherwise
  // takes another schema's kysely_migration table for its own (see the note at the PostgreSQL tests).
  const migrator = new Migrator({ db, provider: { getMigrations: async () => before }, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  expect(results?.map((r) => r.status)).toEqual(['Success', 'Success', 'Success', 'Success', 'Success']);
}

interface Legacy {
  msn: string;
  merchant: { client_id: string; client_secret: string; subscription_key: string };
  reference: string;
  key: string;
  token: string;
  payment: Payment;
  row: Record<string, unknown>;
  createBody: Record<string, unknown>;
  createResponse: { redirectUrl: string; reference: string };
}

/** The rows the emulator wrote for one WEB_REDIRECT create before 0006, plus its merchant. */
function legacyData(): Legacy {
  const msn = String(100_000 + Math.floor(Math.random() * 899_999));
  const reference = `legacy-${randomUUID().slice(0, 12)}`;
  const key = randomUUID();
  const token = ids.token(); // 24 random bytes: the pre-0006 form
  expect(isLegacyToken(token)).toBe(true);
  expect(redirectToken.key(token)).toBeUndefined();
  const createBody = {
    amount: { currency: 'NOK', value: 4200 },
    paymentMethod: { type: 'WALLET' },
    reference,
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://shop.example/return',
    paymentDescription: 'Legacy socks',
  };
  const outcome = createPayment(
    {
      msn,
      reference,
      amount: { currency: 'NOK', value: 4200 },
      paymentMethod: 'WALLET',
      userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://shop.example/return',
      paymentDescription: 'Legacy socks',
      hasReceipt: false,
      expiresAt: null,
      qrFormat: null,
      idempotencyKey: key,
      pspReference: randomUUID(),
      redirectToken: token,
      merchant: { country: 'NO', allowSkipLandingPage: true, allowLongLiving: true },
    },
    { now: new Date(), newPspReference: () => '1234567890' },
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.problem));
  const redirectUrl = `http://127.0.0.1:1/landing?token=${token}`;
  const payment: Payment = { ...outcome.payment, redirectUrl };
  const row = {
    msn,
    reference,
    state: payment.state,
    expires_at: payment.expiresAt,
    redirect_token: token,
    event_count: 1,
    document: JSON.stringify(payment),
    created_at: payment.createdAt,
    updated_at: payment.createdAt,
  };
  return {
    msn,
    merchant: { client_id: randomUUID(), client_secret: randomBytes(16).toString('base64'), subscription_key: randomBytes(16).toString('hex') },
    reference,
    key,
    token,
    payment,
    row,
    createBody,
    createResponse: { redirectUrl, reference },
  };
}

async function fillLegacy(db: Kysely<any>, d: Legacy): Promise<void> {
  const now = new Date().toISOString();
  await db.insertInto('merchants').values({
    msn: d.msn,
    name: 'Legacy Shop',
    country: 'NO',
    ...d.merchant,
    allow_skip_landing_page: 1,
    allow_long_living: 1,
    created_at: now,
  }).execute();
  await db.insertInto('epayment_payments').values(d.row).execute();
  const created = d.payment;
  await db.insertInto('epayment_events').values({
    msn: d.msn,
    reference: d.reference,
    seq: 0,
    name: 'CREATED',
    document: JSON.stringify({ reference: d.reference, pspReference: created.pspReference, name: 'CREATED', amount: created.amount, timestamp: created.createdAt, idempotencyKey: d.key, success: true }),
  }).execute();
  // Before 0006 every successful create stored its response under its key.
  await db.insertInto('idempotency_keys').values({
    msn: d.msn,
    operation: 'create',
    reference: d.reference,
    idempotency_key: d.key,
    request_hash: requestHash(d.createBody),
    status: 201,
    body: JSON.stringify(d.createResponse),
    created_at: now,
  }).execute();
}

/** The same row inserted with another reference: used to test that tokens need not be unique. */
const rowWith = (d: Legacy, reference: string, token: string) => ({ ...d.row, reference, redirect_token: token, document: JSON.stringify({ ...d.payment, reference, redirectToken: token }) });

/** Checks that hold on both databases once 0006 has run. */
async function expectMigrated(handle: DatabaseHandle, d: Legacy): Promise<void> {
  const db = handle.db;
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  expect(applied.rows.map((r) => r.name)).toContain(MIGRATION);

  // The payment survives with every column; create_request is null (it predates the column).
  const row = await db.selectFrom('epayment_payments').selectAll().where('msn', '=', d.msn).where('reference', '=', d.reference).executeTakeFirstOrThrow();
  expect({ ...row, event_count: Number(row.event_count) }).toEqual({ ...d.row, create_request: null });
  expect(JSON.parse(row.document)).toEqual(d.payment);
  expect(Number((await db.selectFrom('epayment_payments').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)).toBe(1);

  // Its event and its idempotency row are untouched.
  const events = await db.selectFrom('epayment_events').selectAll().where('reference', '=', d.reference).execute();
  expect(events).toHaveLength(1);
  const idem = await db.selectFrom('idempotency_keys').selectAll().where('reference', '=', d.reference).execute();
  expect(idem).toHaveLength(1);
  expect(idem[0]).toMatchObject({ idempotency_key: d.key, status: 201 });
  expect(JSON.parse(idem[0]!.body)).toEqual(d.createResponse);

  // The legacy token is found by the scan fallback, and only the exact token.
  const found = await paymentStore.loadByToken(db, d.token);
  expect(found).toBeDefined();
  expect(found!.payment).toEqual(d.payment);
  expect(found!.eventCount).toBe(1);
  const flipped = (d.token[0] === 'A' ? 'B' : 'A') + d.token.slice(1);
  expect(await paymentStore.loadByToken(db, flipped)).toBeUndefined();

  // No unique constraint any more: two payments may share a token value (new-form, longest size).
  const longReference = `shared-${'x'.repeat(43)}`;
  const shared = redirectToken.mint('999999', longReference, randomBytes(16).toString('base64url'));
  expect(shared.length).toBeGreaterThan(64); // did not fit the old varchar(64)
  await db.insertInto('epayment_payments').values(rowWith(d, longReference, shared) as never).execute();
  await db.insertInto('epayment_payments').values(rowWith(d, 'shared-two', shared) as never).execute();
  const sharing = await db.selectFrom('epayment_payments').select('reference').where('redirect_token', '=', shared).orderBy('reference').execute();
  expect(sharing.map((r) => r.reference)).toEqual(['shared-two', longReference].sort());

  // The primary key (msn, reference) still holds.
  await expect(db.insertInto('epayment_payments').values(rowWith(d, d.reference, ids.token()) as never).execute()).rejects.toThrow();

  // New rows keep their create request.
  await db.insertInto('epayment_payments').values({ ...rowWith(d, 'with-request', ids.token()), create_request: '{"a":1}' } as never).execute();
  const withRequest = await paymentStore.loadWithCreateRequest(db, d.msn, 'with-request');
  expect(withRequest?.createRequest).toBe('{"a":1}');
  const legacy = await paymentStore.loadWithCreateRequest(db, d.msn, d.reference);
  expect(legacy?.createRequest).toBeNull();
}

/** Removes the rows expectMigrated added, leaving the legacy data as it was. */
async function removeAdded(handle: DatabaseHandle, d: Legacy): Promise<void> {
  await handle.db.deleteFrom('epayment_payments').where('reference', '!=', d.reference).execute();
}

describe('migration 0006 on SQLite', () => {
  const dirs: string[] = [];
  const handles: DatabaseHandle[] = [];
  let emu: TestEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    for (const h of handles.splice(0)) await h.close().catch(() => undefined);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A SQLite file at the pre-0006 schema holding one legacy payment. */
  async function legacyFile(): Promise<{ file: string; data: Legacy }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'devkit-0006-'));
    dirs.push(dir);
    const file = path.join(dir, 'devkit.sqlite');
    const raw = new BetterSqlite3(file);
    raw.pragma('journal_mode = WAL');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      await migrateTo0005(db);
      // The pre-0006 schema, as it was: a unique index over redirect_token, no create_request.
      const indexes = raw.prepare(`pragma index_list('epayment_payments')`).all() as Array<{ name: string; unique: number; origin: string }>;
      expect(indexes.filter((i) => i.origin === 'u')).toHaveLength(1);
      const columns = raw.prepare(`pragma table_info('epayment_payments')`).all() as Array<{ name: string; type: string }>;
      expect(columns.map((c) => c.name)).not.toContain('create_request');
      const data = legacyData();
      await fillLegacy(db, data);
      // Proof that the old schema refused a shared token.
      await expect(db.insertInto('epayment_payments').values(rowWith(data, 'dup-token', data.token)).execute()).rejects.toThrow(/UNIQUE/);
      return { file, data };
    } finally {
      await db.destroy();
    }
  }

  it('keeps the payment, drops the unique index, adds create_request; the legacy token is still found', async () => {
    const { file, data } = await legacyFile();
    const handle = await openDatabase({ kind: 'sqlite', file });
    handles.push(handle);
    await expectMigrated(handle, data);

    // Schema: no UNIQUE index left but the primary key's; the expiry index is back; the new column is nullable text.
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      const indexes = raw.prepare(`pragma index_list('epayment_payments')`).all() as Array<{ name: string; unique: number; origin: string }>;
      expect(indexes.filter((i) => i.origin === 'u')).toEqual([]);
      expect(indexes.filter((i) => i.unique === 1).map((i) => i.origin)).toEqual(['pk']);
      expect(indexes.map((i) => i.name)).toContain('epayment_payments_expiry');
      const expiry = raw.prepare(`pragma index_info('epayment_payments_expiry')`).all() as Array<{ name: string }>;
      expect(expiry.map((c) => c.name)).toEqual(['state', 'expires_at']);
      const columns = raw.prepare(`pragma table_info('epayment_payments')`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>;
      const byName = Object.fromEntries(columns.map((c) => [c.name, c]));
      expect(columns.map((c) => c.name)).toEqual(['msn', 'reference', 'state', 'expires_at', 'redirect_token', 'event_count', 'document', 'created_at', 'updated_at', 'create_request']);
      expect(byName.redirect_token).toMatchObject({ type: 'varchar(128)', notnull: 1 });
      expect(byName.create_request).toMatchObject({ notnull: 0 });
      expect(byName.create_request!.type.toLowerCase()).toBe('text');
      expect(columns.filter((c) => c.pk > 0).map((c) => c.name)).toEqual(['msn', 'reference']);
      // The rebuild left no temporary table behind.
      const tables = raw.prepare(`select name from sqlite_master where type = 'table' and name like 'epayment_payments%'`).all() as Array<{ name: string }>;
      expect(tables.map((t) => t.name)).toEqual(['epayment_payments']);
    } finally {
      raw.close();
    }

    // Opening again runs nothing twice and loses nothing.
    await removeAdded(handle, data);
    await handle.close();
    handles.splice(handles.indexOf(handle), 1);
    const again = await openDatabase({ kind: 'sqlite', file });
    handles.push(again);
    expect((await paymentStore.loadByToken(again.db, data.token))?.payment.reference).toBe(data.reference);
  });

  it('an emulator on the migrated file serves the legacy link and replays the legacy create from its idempotency row', async () => {
    const { file, data } = await legacyFile();
    emu = await startTestEmulator({ database: { kind: 'sqlite', file } });
    expect(emu.merchant.msn).toBe(data.msn);

    const landing = await fetch(`${emu.url}/landing?token=${data.token}`, { redirect: 'manual' });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('Legacy Shop');
    const flipped = (data.token[0] === 'A' ? 'B' : 'A') + data.token.slice(1);
    expect((await fetch(`${emu.url}/landing?token=${flipped}`, { redirect: 'manual' })).status).toBe(404);

    const got = await emu.call('GET', `/epayment/v1/payments/${data.reference}`);
    expect(got.status).toBe(200);
    expect(got.body.amount).toEqual({ currency: 'NOK', value: 4200 });
    expect(got.body.redirectUrl).toBe(data.createResponse.redirectUrl);

    // The legacy create's key: its stored response comes back; another body under it conflicts.
    const replay = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: data.key, body: data.createBody });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(data.createResponse);
    const changed = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: data.key, body: { ...data.createBody, amount: { currency: 'NOK', value: 9900 } } });
    expect(changed.status).toBe(409);
    expect(changed.body.title).toBe(`Idempotency error: Idempotency-Key ${data.key} already exists`);
    const clash = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: randomUUID(), body: data.createBody });
    expect(clash.status).toBe(409);
    expect(clash.body.title).toBe(`Idempotency error: Reference ${data.reference} already exists`);

    // New payments on the migrated file get new-form tokens and keep their create request.
    const fresh = await emu.createPayment();
    expect(fresh.response.status).toBe(201);
    const token = new URL(fresh.response.body.redirectUrl).searchParams.get('token')!;
    expect(redirectToken.key(token)).toEqual({ msn: data.msn, reference: fresh.reference });
    expect((await fetch(fresh.response.body.redirectUrl, { redirect: 'manual' })).status).toBe(200);
    const row = await emu.ctx.database.db.selectFrom('epayment_payments').select(['create_request', 'redirect_token']).where('reference', '=', fresh.reference).executeTakeFirstOrThrow();
    expect(row.redirect_token).toBe(token);
    expect(JSON.parse(row.create_request!)).toMatchObject({ reference: fresh.reference });
  });
});

// ---- PostgreSQL ----

const pgUrl = testPgUrl;

// Decided before the suite is collected, so that a machine without PostgreSQL reports these tests
// as skipped, with the reason in the suite's name.
const pgUnreachableReason = await pgUnreachable(pgUrl);
const pgSkipReason = pgUnreachableReason === undefined ? undefined : `no PostgreSQL at ${pgUrl}: ${pgUnreachableReason}`;
if (pgSkipReason) console.log(`PostgreSQL migration tests skipped: ${pgSkipReason}`);

/**
 * These tests run in a database of their own (one fresh schema per test inside it). openDatabase's
 * Migrator looks for its kysely_migration tables in every schema of the database, so a fresh
 * schema opened while another schema of the same database is migrated fails ("relation
 * kysely_migration_lock does not exist"): sharing the `test` database would make these tests and
 * test/db/postgres.test.ts (run in parallel) break each other. Falls back to the shared database
 * when the role may not create databases.
 */
const privateDatabase = `devkit_m6_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let pgDbUrl = pgUrl;
if (!pgSkipReason) {
  try {
    await pgAdmin(`create database ${privateDatabase}`);
    const u = new URL(pgUrl);
    u.pathname = `/${privateDatabase}`;
    pgDbUrl = u.toString();
  } catch (err) {
    console.log(`PostgreSQL migration tests use the shared database: cannot create ${privateDatabase} (${(err as Error).message})`);
  }
}

async function pgAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function pgQuery<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: pgDbUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(pgSkipReason !== undefined)(`migration 0006 on PostgreSQL${skipNote(pgSkipReason)}`, () => {
  const schemas: string[] = [];
  const handles: DatabaseHandle[] = [];
  let emu: TestEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    for (const h of handles.splice(0)) await h.close().catch(() => undefined);
    for (const s of schemas.splice(0)) await pgQuery(`drop schema if exists ${s} cascade`);
  });
  afterAll(async () => {
    if (pgDbUrl !== pgUrl) await pgAdmin(`drop database if exists ${privateDatabase} with (force)`);
  });

  /** A fresh schema at the pre-0006 state holding one legacy payment. */
  async function legacySchema(): Promise<{ config: DatabaseConfig; schema: string; data: Legacy }> {
    const schema = `devkit_m6_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    schemas.push(schema);
    await pgQuery(`create schema ${schema}`);
    const pool = new pg.Pool({ connectionString: pgDbUrl, max: 2, options: `-c search_path=${schema}` });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateTo0005(db, schema);
      const constraints = await pgQuery<{ conname: string }>(
        `select conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.conrelid = ($1 || '.epayment_payments')::regclass and c.contype = 'u'`,
        [schema],
      );
      expect(constraints.map((c) => c.conname)).toEqual(['epayment_payments_redirect_token_key']);
      const data = legacyData();
      await fillLegacy(db, data);
      await expect(db.insertInto('epayment_payments').values(rowWith(data, 'dup-token', data.token)).execute()).rejects.toThrow(/unique|duplicate/i);
      // The old column could not hold a new-form token of a long reference.
      const long = redirectToken.mint('999999', `r${'x'.repeat(49)}`, randomBytes(16).toString('base64url'));
      await expect(db.insertInto('epayment_payments').values(rowWith(data, 'too-long', long)).execute()).rejects.toThrow(/too long/i);
      return { config: { kind: 'postgres', url: pgDbUrl, schema }, schema, data };
    } finally {
      await db.destroy();
    }
  }

  it('keeps the payment, drops the unique constraint, widens the column, adds create_request', async () => {
    const { config, schema, data } = await legacySchema();
    const handle = await openDatabase(config);
    handles.push(handle);
    await expectMigrated(handle, data);

    const constraints = await pgQuery<{ conname: string; contype: string }>(
      `select conname, contype from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.conrelid = ($1 || '.epayment_payments')::regclass order by conname`,
      [schema],
    );
    expect(constraints.filter((c) => c.contype === 'u')).toEqual([]);
    expect(constraints.filter((c) => c.contype === 'p').map((c) => c.conname)).toEqual(['epayment_payments_pk']);
    const uniqueIndexes = await pgQuery<{ indexname: string; indexdef: string }>(`select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'epayment_payments'`, [schema]);
    expect(uniqueIndexes.filter((i) => /unique/i.test(i.indexdef) && !/_pk$/.test(i.indexname))).toEqual([]);
    const columns = await pgQuery<{ column_name: string; data_type: string; character_maximum_length: number | null; is_nullable: string }>(
      `select column_name, data_type, character_maximum_length, is_nullable from information_schema.columns where table_schema = $1 and table_name = 'epayment_payments'`,
      [schema],
    );
    const byName = Object.fromEntries(columns.map((c) => [c.column_name, c]));
    expect(byName.redirect_token).toMatchObject({ data_type: 'character varying', character_maximum_length: 128, is_nullable: 'NO' });
    expect(byName.create_request).toMatchObject({ data_type: 'text', is_nullable: 'YES' });

    await removeAdded(handle, data);
    await handle.close();
    handles.splice(handles.indexOf(handle), 1);
    const again = await openDatabase(config);
    handles.push(again);
    expect((await paymentStore.loadByToken(again.db, data.token))?.payment.reference).toBe(data.reference);
  });

  it('an emulator on the migrated schema serves the legacy link and creates new payments', async () => {
    const { config, data } = await legacySchema();
    emu = await startTestEmulator({ database: config });
    expect(emu.merchant.msn).toBe(data.msn);
    expect((await fetch(`${emu.url}/landing?token=${data.token}`, { redirect: 'manual' })).status).toBe(200);
    const replay = await emu.call('POST', '/epayment/v1/payments', { idempotencyKey: data.key, body: data.createBody });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(data.createResponse);

    const reference = `pg-new-${'y'.repeat(43)}`; // 50 characters: the longest token
    const fresh = await emu.createPayment({ reference });
    expect(fresh.response.status).toBe(201);
    const token = new URL(fresh.response.body.redirectUrl).searchParams.get('token')!;
    expect(token.length).toBeGreaterThan(64);
    expect((await fetch(fresh.response.body.redirectUrl, { redirect: 'manual' })).status).toBe(200);
    const again = await emu.createPayment({ reference });
    expect(again.response.status).toBe(409);
  });
});
