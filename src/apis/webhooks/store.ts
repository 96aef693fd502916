import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface Webhook {
  id: string;
  msn: string;
  url: string;
  events: string[];
  secret: string;
}

const fromRow = (r: { id: string; msn: string; url: string; events: string; secret: string }): Webhook => ({
  id: r.id,
  msn: r.msn,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  secret: r.secret,
});

export const webhookStore = {
  async list(db: Db, msn: string): Promise<Webhook[]> {
    const rows = await db.selectFrom('webhooks').selectAll().where('msn', '=', msn).orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  },
  async get(db: Db, id: string): Promise<Webhook | undefined> {
    const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  },
  async insert(trx: Transaction<Database>, w: Webhook, now: Date): Promise<void> {
    await trx.insertInto('webhooks').values({ ...w, events: JSON.stringify(w.events), created_at: now.toISOString() }).execute();
  },
  /** Deleting a webhook also drops what is still owed to it: nobody is listening there any more. */
  async delete(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    await trx.updateTable('deliveries').set({ status: 'dropped', last_error: 'webhook deleted' }).where('webhook_id', '=', id).where('status', '=', 'pending').execute();
  },
};
