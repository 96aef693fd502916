import { sql, type Kysely, type Transaction } from 'kysely';
import { ecomPaymentView } from '../ecom/app-view.js';
import type { EcomPayment } from '../ecom/domain.js';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import type { Payment } from './domain.js';
import type { EventSink } from './service.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * eCom payments share the inbox (decision E7): their row's `reference` is `ecom/<orderId>`, which
 * no ePayment reference can be ('/' is not allowed in one), so one table serves both APIs.
 */
export const ECOM_INBOX_PREFIX = 'ecom/';
export const ecomInboxReference = (orderId: string) => `${ECOM_INBOX_PREFIX}${orderId}`;

export type AppRequestVia = 'PUSH_MESSAGE' | 'LANDING' | 'APP_SWITCH' | 'QR' | 'CONTROL_API';

export interface AppRequest {
  payment: Payment;
  phoneNumber: string;
  via: AppRequestVia;
  sentAt: string;
}

// Written by every PUSH_MESSAGE create: prepared (src/db/prepared.ts).
const MOVE = prepared('update app_requests set phone_number = ?, via = ?, sent_at = ? where msn = ? and reference = ?');
const INSERT = prepared('insert into app_requests (msn, reference, phone_number, via, sent_at) values (?, ?, ?, ?, ?)');

/**
 * The simulated Vipps app's inbox: which test user's app a payment request was sent to. Inside
 * a command pass its transaction (SQLite has one connection, held by the transaction).
 */
export const appInbox = {
  /** Sends the request to a user's app; a request sent again (another number) moves to that user. */
  async deliver(db: Db, payment: Pick<Payment, 'msn' | 'reference'>, phoneNumber: string, via: AppRequestVia, now: Date): Promise<void> {
    const sentAt = now.toISOString();
    if ((await MOVE.run(db, [phoneNumber, via, sentAt, payment.msn, payment.reference])) === 0) {
      await INSERT.run(db, [payment.msn, payment.reference, phoneNumber, via, sentAt]);
    }
  },

  /** The phone number whose app holds the request, if it was sent to one. */
  async recipient(db: Db, msn: string, reference: string): Promise<string | undefined> {
    const row = await db.selectFrom('app_requests').select('phone_number').where('msn', '=', msn).where('reference', '=', reference).executeTakeFirst();
    return row?.phone_number;
  },

  /** Every request a user's app has received, newest first: the inbox (still CREATED) and the history. */
  async forUser(db: Db, phoneNumber: string, limit = 200): Promise<AppRequest[]> {
    const rows = await db
      .selectFrom('app_requests as r')
      .innerJoin('epayment_payments as p', (j) => j.onRef('p.msn', '=', 'r.msn').onRef('p.reference', '=', 'r.reference'))
      .select(['r.phone_number', 'r.via', 'r.sent_at', 'p.document'])
      .where('r.phone_number', '=', phoneNumber)
      .orderBy('r.sent_at', 'desc')
      .limit(limit)
      .execute();
    const requests: AppRequest[] = rows.map((r) => ({ payment: JSON.parse(r.document) as Payment, phoneNumber: r.phone_number, via: r.via as AppRequestVia, sentAt: r.sent_at }));
    // eCom payments in the same inbox (their reference is `ecom/<orderId>`), shown through the same pages.
    const ecomRows = await db
      .selectFrom('app_requests as r')
      .innerJoin('ecom_payments as e', (j) => j.onRef('e.msn', '=', 'r.msn').on(sql<string>`r.reference`, '=', sql<string>`${sql.lit(ECOM_INBOX_PREFIX)} || e.order_id`))
      .select(['r.phone_number', 'r.via', 'r.sent_at', 'e.document'])
      .where('r.phone_number', '=', phoneNumber)
      .where('r.reference', 'like', `${ECOM_INBOX_PREFIX}%`)
      .orderBy('r.sent_at', 'desc')
      .limit(limit)
      .execute();
    if (ecomRows.length === 0) return requests;
    const ecom = ecomRows.map((r) => ({ payment: ecomPaymentView(JSON.parse(r.document) as EcomPayment), phoneNumber: r.phone_number, via: r.via as AppRequestVia, sentAt: r.sent_at }));
    return [...requests, ...ecom].sort((a, b) => (a.sentAt < b.sentAt ? 1 : a.sentAt > b.sentAt ? -1 : 0)).slice(0, limit);
  },

  /** Payments with this reference, of any merchant (references are unique per MSN only). */
  async byReference(db: Db, reference: string): Promise<Payment[]> {
    const rows = await db.selectFrom('epayment_payments').select('document').where('reference', '=', reference).orderBy('msn').execute();
    return rows.map((r) => JSON.parse(r.document) as Payment);
  },

  async removeUser(db: Db, phoneNumber: string): Promise<void> {
    await db.deleteFrom('app_requests').where('phone_number', '=', phoneNumber).execute();
  },

  async clear(db: Db): Promise<void> {
    await db.deleteFrom('app_requests').execute();
  },
};

/** PUSH_MESSAGE payments go straight to the customer's app, in the same transaction as their creation. */
export function appInboxSink(now: () => Date): EventSink {
  return async (trx, payment, events) => {
    if (payment.userFlow !== 'PUSH_MESSAGE' || !payment.customer?.phoneNumber) return;
    if (!events.some((e) => e.name === 'CREATED')) return;
    await appInbox.deliver(trx, payment, payment.customer.phoneNumber, 'PUSH_MESSAGE', now());
  };
}
