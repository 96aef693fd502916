import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Transaction } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/open.js';
import type { Database } from '../../src/db/schema.js';

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

  it('runs after-commit effects once per command whose writes stuck, before its reply, never for one rolled back', async () => {
    const seen: string[] = [];
    const command = (key: string, fail = false) => database.commands.run(async (trx) => {
      await trx.insertInto('settings').values({ key, value: 'v' }).execute();
      database.commands.afterCommit(trx, () => seen.push(`effect ${key}`));
      if (fail) throw new Error(`refused ${key}`);
      return key;
    }).then((value) => {
      seen.push(`reply ${value}`);
      return value;
    });
    // The batch runs optimistically, rolls back when q-e2 throws, and runs again with savepoints.
    const results = await Promise.allSettled([command('q-e1'), command('q-e2', true), command('q-e3')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['q-e1', 'q-e3']);
    expect(seen.filter((s) => s.startsWith('effect')).sort()).toEqual(['effect q-e1', 'effect q-e3']);
    // Effects run once the batch is durable, before the replies are resolved.
    expect(seen.indexOf('effect q-e1')).toBeLessThan(seen.indexOf('reply q-e1'));
    expect(() => database.commands.afterCommit(undefined as never, () => undefined)).toThrow(/not inside a running command/);
  });

  it('answers a batch whose effects ran after what they started in the check phase (a webhook on a kept-alive socket)', async () => {
    const seen: string[] = [];
    // undici writes a request on an idle kept-alive socket only in the check phase (setImmediate).
    const command = (key: string) => database.commands.run(async (trx) => {
      await trx.insertInto('settings').values({ key, value: 'v' }).execute();
      database.commands.afterCommit(trx, () => void setImmediate(() => seen.push(`webhook ${key}`)));
      return key;
    }).then((value) => seen.push(`reply ${value}`));
    const plain = database.commands.run((trx) => trx.insertInto('settings').values({ key: 'q-plain', value: 'v' }).execute()).then(() => seen.push('reply q-plain'));
    await Promise.all([command('q-w1'), command('q-w2'), plain]);
    await new Promise((resolve) => setImmediate(resolve));
    // One batch: both webhooks are written before any of its replies (q-plain's too) is answered.
    expect(seen).toEqual(['webhook q-w1', 'webhook q-w2', 'reply q-plain', 'reply q-w1', 'reply q-w2']);
  });

  it('runSoon rides along with the next batch, or runs alone after its delay', async () => {
    const batches: unknown[] = [];
    const trxOf = (key: string) => async (trx: Transaction<Database>) => {
      batches.push(trx);
      await trx.insertInto('settings').values({ key, value: 'v' }).execute();
    };
    const started = Date.now();
    const rider = database.commands.runSoon(trxOf('q-rider'), 5_000);
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([rider, database.commands.run(trxOf('q-driver'))]);
    // One transaction for both, long before the rider's own deadline.
    expect(batches).toHaveLength(2);
    expect(batches[0]).toBe(batches[1]);
    expect(Date.now() - started).toBeLessThan(4_000);
    const alone = Date.now();
    await database.commands.runSoon(trxOf('q-alone-rider'), 50);
    expect(Date.now() - alone).toBeGreaterThanOrEqual(45);
    expect(await keys()).toEqual(['q-alone-rider', 'q-driver', 'q-rider']);
  });
});

