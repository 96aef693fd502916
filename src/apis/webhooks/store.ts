import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
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

// Read by every ePayment command that emits events (the outbox): prepared, see src/db/prepared.ts.
const LIST = prepared<{ id: string; msn: string; url: string; events: string; secret: string }>(
  'select id, msn, url, events, secret from webhooks where msn = ? order by created_at, id',
);

export const webhookStore = {
  async list(db: Db, msn: string): Promise<Webhook[]> {
    return (await LIST.all(db, [msn])).map(fromRow);
  },
  async get(db: Db, id: string): Promise<Webhook | undefined> {
    const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  },
  async insert(trx: Transaction<Database>, w: Webhook, now: Date): Promise<void> {
    await trx.insertInto('webhooks').values({ ...w, events: JSON.stringify(w.events), created_at: now.toISOString() }).execute();
  },
  async delete(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
  },
};
