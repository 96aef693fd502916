import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { EcomPayment } from './domain.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredEcomPayment {
  payment: EcomPayment;
  version: number;
}

const parse = (row: { document: string; version: number }): StoredEcomPayment => ({ payment: JSON.parse(row.document) as EcomPayment, version: row.version });

/** eCom payments: one row per (MSN, orderId), the transaction log inside the document. Inside a command pass its transaction. */
export const ecomStore = {
  async load(db: Db, msn: string, orderId: string): Promise<StoredEcomPayment | undefined> {
    const row = await db.selectFrom('ecom_payments').select(['document', 'version']).where('msn', '=', msn).where('order_id', '=', orderId).executeTakeFirst();
    return row && parse(row);
  },

  async byOrderId(db: Db, orderId: string, msn?: string): Promise<StoredEcomPayment[]> {
    let q = db.selectFrom('ecom_payments').select(['document', 'version']).where('order_id', '=', orderId);
    if (msn) q = q.where('msn', '=', msn);
    return (await q.orderBy('msn').execute()).map(parse);
  },

  /** Payments by key, in any order; keys without a payment are left out (the app's inbox lists them). */
  async loadMany(db: Db, keys: ReadonlyArray<{ msn: string; orderId: string }>): Promise<StoredEcomPayment[]> {
    if (keys.length === 0) return [];
    const rows = await db
      .selectFrom('ecom_payments')
      .select(['document', 'version'])
      .where((eb) => eb(eb.refTuple('msn', 'order_id'), 'in', keys.map((k) => eb.tuple(k.msn, k.orderId))))
      .execute();
    return rows.map(parse);
  },

  async loadByToken(db: Db, token: string): Promise<StoredEcomPayment | undefined> {
    const row = await db.selectFrom('ecom_payments').select(['document', 'version']).where('token', '=', token).executeTakeFirst();
    return row && parse(row);
  },

  /** False when the orderId is taken for this MSN. */
  async insert(trx: Transaction<Database>, p: EcomPayment, now: Date): Promise<boolean> {
    const result = await trx
      .insertInto('ecom_payments')
      .values({ msn: p.msn, order_id: p.orderId, state: p.state, expires_at: p.expiresAt, token: p.token, version: 1, document: JSON.stringify(p), created_at: now.toISOString(), updated_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['msn', 'order_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  /** Writes the new document if nobody changed the row meanwhile (PostgreSQL shared mode); else ConcurrentUpdate. */
  async update(trx: Transaction<Database>, before: StoredEcomPayment, p: EcomPayment, now: Date): Promise<StoredEcomPayment> {
    const result = await trx
      .updateTable('ecom_payments')
      .set({ state: p.state, expires_at: p.expiresAt, version: before.version + 1, document: JSON.stringify(p), updated_at: now.toISOString() })
      .where('msn', '=', p.msn)
      .where('order_id', '=', p.orderId)
      .where('version', '=', before.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new ConcurrentUpdate('ecom payment', `${p.msn}/${p.orderId}`);
    return { payment: p, version: before.version + 1 };
  },

  async dueForExpiry(db: Db, now: Date, limit = 500): Promise<Array<{ msn: string; order_id: string }>> {
    return db.selectFrom('ecom_payments').select(['msn', 'order_id']).where('state', '=', 'INITIATE').where('expires_at', '<=', now.toISOString()).limit(limit).execute();
  },

  async directCapture(db: Db, msn: string): Promise<boolean> {
    const row = await db.selectFrom('ecom_merchant_settings').select('direct_capture').where('msn', '=', msn).executeTakeFirst();
    return row?.direct_capture === 1;
  },

  async setDirectCapture(trx: Transaction<Database>, msn: string, on: boolean): Promise<void> {
    const updated = await trx.updateTable('ecom_merchant_settings').set({ direct_capture: on ? 1 : 0 }).where('msn', '=', msn).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('ecom_merchant_settings').values({ msn, direct_capture: on ? 1 : 0 }).execute();
  },
};
