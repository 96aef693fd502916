/**
 * recurring_0003_charges_in_creation_order on a database from before it: the charges keep every
 * column, read back and update as before, and the key becomes (msn, id) — on SQLite a rowid table
 * (rows in creation order), no longer clustered WITHOUT ROWID by due date.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Migration } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Charge } from '../../../src/apis/recurring/domain.js';
import { recurringMigrations } from '../../../src/apis/recurring/migrations.js';
import { chargeStore } from '../../../src/apis/recurring/store.js';
import { openDatabase, type DatabaseConfig } from '../../../src/db/open.js';
import { pgTestSchema, testPgUrl } from '../../helpers/postgres.js';
import { skipNote } from '../../helpers/skip.js';

const before = Object.entries(recurringMigrations).filter(([name]) => name < 'recurring_0003') as Array<[string, Migration]>;
const dir = mkdtempSync(path.join(tmpdir(), 'devkit-recurring-0003-'));
const { skip: pgSkip, schema, drop: dropSchema } = await pgTestSchema('devkit_r0003');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema();
});

const charge = (id: string, due: string, created: string): Charge => ({
  msn: '123456', id, agreementId: 'agr_0000001', externalId: null, externalAgreementId: null, amount: 1000, currency: 'NOK', description: 'Monthly',
  due, retryDays: 2, status: 'DUE', type: 'RECURRING', transactionType: 'DIRECT_CAPTURE', transactionId: null, failureReason: null, failureDescription: null,
  reserved: 0, captured: 0, refunded: 0, cancelled: 0, history: [{ occurred: created, event: 'CREATE', amount: 1000, idempotencyKey: id, success: true }],
  created, reservedAt: null, capturedAt: null, attempts: 0, nextAt: `${due}T07:00:00.000Z`,
});
// Written in this order, due dates out of order: the old table kept them by due date.
const old = [charge('chr-0000001', '2031-03-01', '2030-01-01T10:00:00.000Z'), charge('chr-0000002', '2030-02-01', '2030-01-01T10:00:01.000Z'), charge('chr-0000003', '2030-12-01', '2030-01-01T10:00:02.000Z')];

async function migrateWithCharges(config: DatabaseConfig) {
  const first = await openDatabase(config, before);
  for (const c of old) expect(await first.commands.run((trx) => chargeStore.insert(trx, c))).toBe(true);
  await first.close();
  return openDatabase(config, Object.entries(recurringMigrations));
}

async function expectMigrated(config: DatabaseConfig) {
  const database = await migrateWithCharges(config);
  try {
    for (const c of old) expect((await chargeStore.load(database.db, c.msn, c.id))?.value).toEqual(c);
    expect((await chargeStore.ofAgreement(database.db, '123456', 'agr_0000001')).map((s) => s.value.id)).toEqual(['chr-0000001', 'chr-0000002', 'chr-0000003']);
    // Updates find the row by its new key.
    const stored = (await chargeStore.load(database.db, '123456', 'chr-0000002'))!;
    const charged: Charge = { ...stored.value, status: 'CHARGED', captured: 1000, reserved: 1000, nextAt: null, capturedAt: '2030-02-01T08:00:00.000Z' };
    await database.commands.run((trx) => chargeStore.update(trx, stored, charged));
    expect((await chargeStore.load(database.db, '123456', 'chr-0000002'))?.value).toEqual(charged);
    // The key is (msn, id): the same id with another due date is taken.
    expect(await database.commands.run((trx) => chargeStore.insert(trx, charge('chr-0000002', '2030-05-05', '2030-01-02T00:00:00.000Z')))).toBe(false);
    expect(await database.commands.run((trx) => chargeStore.insert(trx, charge('chr-0000004', '2030-05-05', '2030-01-02T00:00:00.000Z')))).toBe(true);
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}

describe('migration recurring_0003: charges in creation order', () => {
  it('SQLite: a rowid table keyed (msn, id), rows in creation order, every charge as it was', async () => {
    const database = await expectMigrated({ kind: 'sqlite', file: path.join(dir, 'devkit.sqlite') });
    try {
      const ddl = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'recurring_charges'`.execute(database.db);
      expect(ddl.rows[0]?.sql).not.toMatch(/without rowid/i);
      expect(ddl.rows[0]?.sql).toMatch(/primary key \("msn", "id"\)/);
      const order = await sql<{ id: string }>`select id from recurring_charges order by rowid`.execute(database.db);
      expect(order.rows.map((r) => r.id)).toEqual(['chr-0000001', 'chr-0000002', 'chr-0000003', 'chr-0000004']);
      const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'recurring_charges' and sql is not null order by name`.execute(database.db);
      expect(indexes.rows.map((r) => r.name)).toEqual(['recurring_charges_agreement', 'recurring_charges_calendar']);
    } finally {
      await database.close();
    }
  });

  it.skipIf(pgSkip !== undefined)(`PostgreSQL: the key is (msn, id) and the id index is gone${skipNote(pgSkip)}`, async () => {
    const database = await expectMigrated({ kind: 'postgres', url: testPgUrl, schema });
    try {
      const key = await sql<{ def: string }>`select pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = ${schema} and c.conname = 'recurring_charges_pk'`.execute(database.db);
      expect(key.rows[0]?.def).toBe('PRIMARY KEY (msn, id)');
      const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where schemaname = ${schema} and tablename = 'recurring_charges' order by indexname`.execute(database.db);
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['recurring_charges_agreement', 'recurring_charges_calendar', 'recurring_charges_pk']);
    } finally {
      await database.close();
    }
  });
});
