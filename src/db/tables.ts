import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Empties a table a module owns: whole, or only one merchant's rows when it has an MSN column. */
export async function clearTable(trx: Transaction<Database>, table: keyof Database & string, scope?: { msnColumn: string; msn: string }): Promise<void> {
  if (!scope) {
    await trx.deleteFrom(table).execute();
    return;
  }
  await sql`delete from ${sql.table(table)} where ${sql.ref(scope.msnColumn)} = ${scope.msn}`.execute(trx);
}

/** Key-value settings of the platform (the clock's offset, the status page's birth). */
export const settings = {
  async get(db: Db, key: string): Promise<string | undefined> {
    return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
  },
  async set(trx: Transaction<Database>, key: string, value: string): Promise<void> {
    await trx.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  },
};
