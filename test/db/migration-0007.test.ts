import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/db/migrations.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../../src/db/open.js';
import { verifyWebhookRequest } from '../../src/delivery/signing.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';

/**
 * Migration 0007_delivery_targets on a database from before it: webhook rows took their URL and
 * secret from `webhooks` at send time; afterwards every pending row carries its own.
 */

const MIGRATION = '0007_delivery_targets';

async function migrateTo0006(db: Kysely<any>, schema?: string): Promise<void> {
  const all = await migrationProvider().getMigrations();
  expect(Object.keys(all)).toContain(MIGRATION);
  const before: Record<string, Migration> = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0007'));
  const migrator = new Migrator({ db, provider: { getMigrations: async () => before }, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

interface Legacy {
  msn: string;
  hook: { id: string; url: string; secret: string };
  /** Pending for the webhook; delivered for it; pending for a webhook deleted without dropping it; an eCom callback. */
  ids: { pending: string; delivered: string; orphan: string; callback: string };
  reference: string;
  payload: string;
}

async function fillLegacy(db: Kysely<any>, hookUrl: string): Promise<Legacy> {
  const now = new Date().toISOString();
  const msn = String(100_000 + Math.floor(Math.random() * 899_999));
  const hook = { id: randomUUID(), url: hookUrl, secret: 'legacy-secret-as-registered==' };
  await db.insertInto('webhooks').values({ ...hook, msn, events: JSON.stringify(['epayments.payment.created.v1']), created_at: now }).execute();
  const reference = `legacy-${randomUUID().slice(0, 8)}`;
  const payload = JSON.stringify({ msn, reference, name: 'CREATED' });
  const ids = { pending: randomUUID(), delivered: randomUUID(), orphan: randomUUID(), callback: randomUUID() };
  const row = (id: string, webhookId: string, seq: number, extra: Record<string, unknown> = {}) => ({
    id, event_id: randomUUID(), webhook_id: webhookId, msn, reference, event_seq: seq, event_type: 'epayments.payment.created.v1', payload,
    status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, last_error: null, created_at: now, delivered_at: null, ...extra,
  });
  await db.insertInto('deliveries').values([
    row(ids.delivered, hook.id, 0, { status: 'delivered', attempts: 1, delivered_at: now }),
    row(ids.pending, hook.id, 1),
    row(ids.orphan, randomUUID(), 1),
    row(ids.callback, 'ecom-callback', 1, { target_url: 'https://shop.example/cb/v2/payments/o-1', headers: '{"authorization":"t"}', max_attempts: 1, timeout_ms: 3000 }),
  ]).execute();
  return { msn, hook, ids, reference, payload };
}

async function expectMigrated(handle: DatabaseHandle, d: Legacy): Promise<void> {
  const rows = await handle.db.selectFrom('deliveries').select(['id', 'status', 'target_url', 'signing_secret', 'headers', 'last_error']).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  // The pending webhook row carries the webhook's URL and secret now.
  expect(byId.get(d.ids.pending)).toMatchObject({ status: 'pending', target_url: d.hook.url, signing_secret: d.hook.secret, headers: null });
  // A row whose webhook is gone could never be sent: dropped, with the reason.
  expect(byId.get(d.ids.orphan)).toMatchObject({ status: 'dropped', target_url: null, last_error: 'webhook deleted' });
  // A callback keeps its own target, unsigned; a delivered row is history and stays as it was.
  expect(byId.get(d.ids.callback)).toMatchObject({ status: 'pending', target_url: 'https://shop.example/cb/v2/payments/o-1', signing_secret: null, headers: '{"authorization":"t"}' });
  expect(byId.get(d.ids.delivered)).toMatchObject({ status: 'delivered', target_url: null, signing_secret: null });
}

describe('migration 0007 on SQLite', () => {
  const dirs: string[] = [];
  let emu: TestEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function legacyFile(hookUrl: string): Promise<{ file: string; data: Legacy }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'devkit-0007-'));
    dirs.push(dir);
    const file = path.join(dir, 'devkit.sqlite');
    const raw = new BetterSqlite3(file);
    raw.pragma('journal_mode = WAL');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      await migrateTo0006(db);
      const columns = raw.prepare(`pragma table_info('deliveries')`).all() as Array<{ name: string }>;
      expect(columns.map((c) => c.name)).not.toContain('signing_secret');
      return { file, data: await fillLegacy(db, hookUrl) };
    } finally {
      await db.destroy();
    }
  }

  it('backfills pending webhook rows with their target and secret, and drops orphans', async () => {
    const { file, data } = await legacyFile('https://shop.example/hooks');
    const handle = await openDatabase({ kind: 'sqlite', file });
    try {
      await expectMigrated(handle, data);
    } finally {
      await handle.close();
    }
  });

  it('an emulator on the migrated file sends the owed webhook, signed with the webhook secret', async () => {
    const receiver = await startReceiver();
    try {
      const { file, data } = await legacyFile(receiver.url());
      emu = await startTestEmulator({ database: { kind: 'sqlite', file } });
      const [got] = await receiver.until((r) => r.some((x) => x.json?.reference === data.reference));
      expect(got!.body).toBe(data.payload);
      expect(verifyWebhookRequest(data.hook.url, got!.body, data.hook.secret, got!.headers)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

// ---- PostgreSQL: a database of its own, as in migration-0006.test.ts (Kysely's Migrator looks
// for its tables in every schema of a database) ----

const pgSkipReason = await pgUnreachable(testPgUrl);
if (pgSkipReason) console.log(`PostgreSQL migration tests skipped: no database at ${testPgUrl} (${pgSkipReason})`);
const privateDatabase = `devkit_m7_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let pgDbUrl = testPgUrl;
if (!pgSkipReason) {
  try {
    await pgAdmin(`create database ${privateDatabase}`);
    const u = new URL(testPgUrl);
    u.pathname = `/${privateDatabase}`;
    pgDbUrl = u.toString();
  } catch (err) {
    console.log(`PostgreSQL migration tests use the shared database: cannot create ${privateDatabase} (${(err as Error).message})`);
  }
}

async function pgAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPgUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe.skipIf(pgSkipReason !== undefined)('migration 0007 on PostgreSQL', () => {
  const schema = `devkit_m7_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  afterAll(async () => {
    if (pgDbUrl !== testPgUrl) await pgAdmin(`drop database if exists ${privateDatabase} with (force)`);
    else await pgAdmin(`drop schema if exists ${schema} cascade`);
  });

  it('backfills pending webhook rows with their target and secret, and drops orphans', async () => {
    const client = new pg.Client({ connectionString: pgDbUrl });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const pool = new pg.Pool({ connectionString: pgDbUrl, max: 2, options: `-c search_path=${schema}` });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    let data: Legacy;
    try {
      await migrateTo0006(db, schema);
      data = await fillLegacy(db, 'https://shop.example/hooks');
    } finally {
      await db.destroy();
    }
    const config: DatabaseConfig = { kind: 'postgres', url: pgDbUrl, schema };
    const handle = await openDatabase(config);
    try {
      await expectMigrated(handle, data);
    } finally {
      await handle.close();
    }
  });
});
