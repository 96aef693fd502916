/**
 * RowCache with PreparedQuery.firstCached (src/db/row-cache.ts): rows are kept only from committed
 * state, a write forgets its row, a rolled-back write leaves the committed row, and shared
 * PostgreSQL keeps nothing (another instance may write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../../src/db/open.js';
import { prepared } from '../../src/db/prepared.js';
import { RowCache } from '../../src/db/row-cache.js';
import { pgTestSchema, testPgUrl } from '../helpers/postgres.js';
import { skipNote } from '../helpers/skip.js';

const dir = mkdtempSync(path.join(tmpdir(), 'devkit-row-cache-'));
const { skip: pgSkip, schema, drop: dropSchema } = await pgTestSchema('devkit_rowcache');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema();
});

type Row = { v: string };
const READ = prepared<Row>('select v from row_cache_test where k = ?');
const WRITE = prepared('update row_cache_test set v = ? where k = ?');

async function open(config: DatabaseConfig): Promise<DatabaseHandle> {
  const database = await openDatabase(config);
  await sql`create table row_cache_test (k varchar(10) primary key, v varchar(10) not null)`.execute(database.db);
  await sql`insert into row_cache_test (k, v) values ('a', 'one')`.execute(database.db);
  return database;
}
/** Changes the row without telling the cache (as another process or instance would). */
const behindTheBack = (database: DatabaseHandle, v: string) => sql`update row_cache_test set v = ${v} where k = 'a'`.execute(database.db);

describe('RowCache', () => {
  it('SQLite: keeps the committed row, forgets it on write, never keeps an uncommitted or rolled-back one', async () => {
    const database = await open({ kind: 'sqlite', file: path.join(dir, 'devkit.sqlite') });
    const cache = new RowCache<Row>();
    const read = (db = database.db) => READ.firstCached(db, ['a'], cache, 'a');
    try {
      expect(await read()).toEqual({ v: 'one' });
      // Served from memory: a change the cache was not told of is not seen.
      await behindTheBack(database, 'hidden');
      expect(await read()).toEqual({ v: 'one' });

      // A write in a command forgets the row; the next read outside takes the committed one.
      await database.commands.run(async (trx) => {
        cache.forget(trx, 'a');
        await WRITE.run(trx, ['two', 'a']);
        // Inside the batch the command sees its own write, and it is not kept.
        expect(await read(trx)).toEqual({ v: 'two' });
      });
      expect(await read()).toEqual({ v: 'two' });
      await behindTheBack(database, 'hidden');
      expect(await read()).toEqual({ v: 'two' });

      // A write rolled back: the command read its uncommitted row, the cache keeps none of it.
      await expect(database.commands.run(async (trx) => {
        cache.forget(trx, 'a');
        await WRITE.run(trx, ['three', 'a']);
        expect(await read(trx)).toEqual({ v: 'three' });
        throw new Error('refused');
      })).rejects.toThrow('refused');
      expect(await read()).toEqual({ v: 'hidden' });

      // clear (a reset) drops every row.
      await behindTheBack(database, 'four');
      await database.commands.run(async (trx) => cache.clear(trx));
      expect(await read()).toEqual({ v: 'four' });
    } finally {
      await database.close();
    }
  });

  it.skipIf(pgSkip !== undefined)(`PostgreSQL: keeps nothing, every read sees the database${skipNote(pgSkip)}`, async () => {
    const database = await open({ kind: 'postgres', url: testPgUrl, schema });
    const cache = new RowCache<Row>();
    try {
      expect(await READ.firstCached(database.db, ['a'], cache, 'a')).toEqual({ v: 'one' });
      await behindTheBack(database, 'two');
      expect(await READ.firstCached(database.db, ['a'], cache, 'a')).toEqual({ v: 'two' });
    } finally {
      await database.close();
    }
  });
});
