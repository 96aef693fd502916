import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { Payment, PaymentEvent } from './domain.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredPayment {
  payment: Payment;
  eventCount: number;
}

/** ePayment's tables: the payment document, indexed by what queries need, and its event log. */
export const paymentStore = {
  async load(db: Db, msn: string, reference: string): Promise<StoredPayment | undefined> {
    const row = await db
      .selectFrom('epayment_payments')
      .select(['document', 'event_count'])
      .where('msn', '=', msn)
      .where('reference', '=', reference)
      .executeTakeFirst();
    return row && { payment: JSON.parse(row.document) as Payment, eventCount: row.event_count };
  },

  async loadByToken(db: Db, token: string): Promise<StoredPayment | undefined> {
    const row = await db.selectFrom('epayment_payments').select(['document', 'event_count']).where('redirect_token', '=', token).executeTakeFirst();
    return row && { payment: JSON.parse(row.document) as Payment, eventCount: row.event_count };
  },

  async insert(trx: Transaction<Database>, payment: Payment, events: PaymentEvent[]): Promise<void> {
    await trx
      .insertInto('epayment_payments')
      .values({
        msn: payment.msn,
        reference: payment.reference,
        state: payment.state,
        expires_at: payment.expiresAt,
        redirect_token: payment.redirectToken,
        event_count: events.length,
        document: JSON.stringify(payment),
        created_at: payment.createdAt,
        updated_at: payment.createdAt,
      })
      .execute();
    await appendEvents(trx, payment, events, 0);
  },

  async update(trx: Transaction<Database>, before: StoredPayment, payment: Payment, events: PaymentEvent[], now: Date): Promise<StoredPayment> {
    if (events.length === 0) return before;
    const eventCount = before.eventCount + events.length;
    const result = await trx
      .updateTable('epayment_payments')
      .set({ state: payment.state, event_count: eventCount, document: JSON.stringify(payment), updated_at: now.toISOString() })
      .where('msn', '=', payment.msn)
      .where('reference', '=', payment.reference)
      // Optimistic check: another instance (shared PostgreSQL) may have changed the payment meanwhile.
      .where('event_count', '=', before.eventCount)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new ProblemError(problem(423, 'Order processing', 'Another operation on this payment is in progress; retry with the same Idempotency-Key.', '6160'));
    }
    await appendEvents(trx, payment, events, before.eventCount);
    return { payment, eventCount };
  },

  async events(db: Db, msn: string, reference: string): Promise<PaymentEvent[]> {
    const rows = await db
      .selectFrom('epayment_events')
      .select('document')
      .where('msn', '=', msn)
      .where('reference', '=', reference)
      .orderBy('seq')
      .execute();
    return rows.map((r) => JSON.parse(r.document) as PaymentEvent);
  },

  /** Payments still waiting for the user whose time is up. */
  async dueForExpiry(db: Db, now: Date, limit = 500): Promise<Array<{ msn: string; reference: string }>> {
    return db
      .selectFrom('epayment_payments')
      .select(['msn', 'reference'])
      .where('state', '=', 'CREATED')
      .where('expires_at', '<=', now.toISOString())
      .limit(limit)
      .execute();
  },
};

async function appendEvents(trx: Transaction<Database>, payment: Payment, events: PaymentEvent[], firstSeq: number) {
  if (events.length === 0) return;
  await trx
    .insertInto('epayment_events')
    .values(events.map((e, i) => ({ msn: payment.msn, reference: payment.reference, seq: firstSeq + i, name: e.name, document: JSON.stringify(e) })))
    .execute();
}
