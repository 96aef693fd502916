import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/open.js';
import { prepared } from '../../src/db/prepared.js';
import { settings } from '../../src/db/tables.js';

/** A WAL fsync that waits for the test to let it finish. */
function heldSync() {
  const held: Array<() => void> = [];
  let holding = true;
  return {
    held,
    wrap: (sync: () => Promise<void>) => async () => {
      await sync();
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
    },
    /** Lets the held sync finish, and every later one run freely. */
    release: () => {
      holding = false;
      held.splice(0).forEach((go) => go());
    },
  };
}

const SETTING = prepared<{ value: string }>('select value from settings where key = ?');

describe('reads on a SQLite file wait for the durability barrier by themselves', () => {
  let dir: string | undefined;
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a Kysely read and a prepared read started during a commit\'s fsync answer only after it, and see the commit', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-durable-reads-'));
    const sync = heldSync();
    database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') }, [], { wrapSync: sync.wrap });
    const db = database;
    const order: string[] = [];
    const write = db.commands.run((trx) => settings.set(trx, 'probe', 'written')).then(() => order.push('write acknowledged'));
    await expect.poll(() => sync.held.length).toBe(1);
    // The commit is in the WAL but not yet synced: neither read may answer yet.
    const kyselyRead = settings.get(db.db, 'probe').then((v) => (order.push('kysely read'), v));
    const preparedRead = SETTING.first(db.db, ['probe']).then((r) => (order.push('prepared read'), r?.value));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    sync.release();
    expect(await kyselyRead).toBe('written');
    expect(await preparedRead).toBe('written');
    await write;
    expect(order).toHaveLength(3);
  });
});
