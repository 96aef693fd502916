import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/db/migrations.js';
import { http, startTestEmulator } from '../helpers/emulator.js';

/**
 * Migration 0008_secondary_subscription_key on a data directory from before it: its sales units
 * keep their keys and get a secondary subscription key, which the gateway accepts like the primary.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'devkit-0008-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0008: a secondary subscription key for existing sales units', () => {
  it('an old sales unit keeps its keys and gets a working secondary key', async () => {
    const file = path.join(dir, 'devkit.db');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const all = await migrationProvider().getMigrations();
    const before: Record<string, Migration> = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0008'));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => before }, allowUnorderedMigrations: true }).migrateToLatest();
    if (error) throw error;
    const old = { msn: '654321', name: 'Old shop', country: 'NO', client_id: randomUUID(), client_secret: randomBytes(16).toString('base64'), subscription_key: randomBytes(16).toString('hex'), allow_skip_landing_page: 1, allow_long_living: 1, created_at: new Date().toISOString() };
    await db.insertInto('merchants').values(old).execute();
    await db.destroy();

    const emu = await startTestEmulator({ database: { kind: 'sqlite', file } });
    try {
      const m = emu.ctx.merchants.get(old.msn)!;
      expect(m).toMatchObject({ clientId: old.client_id, clientSecret: old.client_secret, subscriptionKey: old.subscription_key });
      expect(m.secondarySubscriptionKey).toMatch(/^[0-9a-f]{32}$/);
      expect(m.secondarySubscriptionKey).not.toBe(old.subscription_key);
      for (const key of [old.subscription_key, m.secondarySubscriptionKey]) {
        const res = await http(`${emu.url}/accesstoken/get`, { method: 'POST', headers: { client_id: old.client_id, client_secret: old.client_secret, 'Ocp-Apim-Subscription-Key': key } });
        expect(res.status, res.text).toBe(200);
      }
    } finally {
      await emu.close();
    }
  });
});
