import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/open.js';

/**
 * The group-commit queue on a real SQLite file: concurrent commands share one transaction, and a
 * command that throws loses its own writes only (the batch runs again with savepoints).
 */
let dir: string;
let database: DatabaseHandle;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vipps-devkit-queue-'));
  database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'devkit.sqlite') });
});

afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string) => database.commands.run((trx) => trx.insertInto('settings').values({ key, value: 'v' }).execute());
const keys = async () => (await database.db.selectFrom('settings').select('key').where('key', 'like', 'q-%').orderBy('key').execute()).map((r) => r.key);

describe('CommandQueue', () => {
  it('commits concurrent commands together and answers each with its own value', async () => {
    const results = await Promise.all(
      ['q-1', 'q-2', 'q-3'].map((key) => database.commands.run(async (trx) => {
        await trx.insertInto('settings').values({ key, value: 'v' }).execute();
        return key.toUpperCase();
      })),
    );
    expect(results).toEqual(['Q-1', 'Q-2', 'Q-3']);
    expect(await keys()).toEqual(['q-1', 'q-2', 'q-3']);
  });

  it('rolls back only the command that threw, after its write, and commits the rest of its batch', async () => {
    let runsOfOthers = 0;
    let rollbacks = 0;
    database.commands.onRollback(() => (rollbacks += 1));
    const failing = database.commands.run(async (trx) => {
      await trx.insertInto('settings').values({ key: 'q-failing', value: 'v' }).execute();
      throw new Error('refused after writing');
    });
    const others = ['q-a', 'q-b'].map((key) => database.commands.run(async (trx) => {
      runsOfOthers += 1;
      await trx.insertInto('settings').values({ key, value: 'v' }).execute();
      return key;
    }));
    await expect(failing).rejects.toThrow('refused after writing');
    expect(await Promise.all(others)).toEqual(['q-a', 'q-b']);
    expect(await keys()).toEqual(['q-a', 'q-b']);
    // The batch ran without savepoints first, rolled back, and ran again with them.
    expect(rollbacks).toBe(1);
    expect(runsOfOthers).toBeGreaterThanOrEqual(2);
  });

  it('a command that fails alone leaves nothing behind and the queue goes on', async () => {
    await expect(database.commands.run(async (trx) => {
      await trx.insertInto('settings').values({ key: 'q-alone', value: 'v' }).execute();
      throw new Error('alone');
    })).rejects.toThrow('alone');
    await put('q-after');
    expect(await keys()).toEqual(['q-after']);
  });

  it('a constraint violation in one command does not cost the others their writes', async () => {
    await put('q-taken');
    const results = await Promise.allSettled([put('q-new-1'), put('q-taken'), put('q-new-2')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['q-new-1', 'q-new-2', 'q-taken']);
  });
});
