import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import { RowCache } from '../../db/row-cache.js';
import type { Database } from '../../db/schema.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';
import type { Payment, PaymentEvent } from './domain.js';
import { isLegacyToken, redirectToken } from './redirect-token.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredPayment {
  payment: Payment;
  eventCount: number;
}

// The hot path's statements (create, get, every modification), prepared once: see src/db/prepared.ts.
const LOAD = prepared<{ document: string; event_count: number }>('select document, event_count from epayment_payments where msn = ? and reference = ?');
const LOAD_WITH_REQUEST = prepared<{ document: string; event_count: number; create_request: string | null }>(
  'select document, event_count, create_request from epayment_payments where msn = ? and reference = ?',
);
const INSERT = prepared(
  'insert into epayment_payments (msn, reference, state, expires_at, redirect_token, event_count, document, created_at, updated_at, create_request) ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (msn, reference) do nothing',
);
// Optimistic check on event_count: another instance (shared PostgreSQL) may have changed the payment meanwhile.
const UPDATE = prepared('update epayment_payments set state = ?, event_count = ?, document = ?, updated_at = ? where msn = ? and reference = ? and event_count = ?');
const INSERT_EVENT = prepared('insert into epayment_events (msn, reference, seq, name, document) values (?, ?, ?, ?, ?)');
// Committed payment rows by key (src/db/row-cache.ts): a get reads no SQLite. Every write below forgets its row.
const ROWS = new RowCache<{ document: string; event_count: number }>();
const rowKey = (msn: string, reference: string) => `${msn}/${reference}`;

/** ePayment's tables: the payment document, indexed by what queries need, and its event log. */
export const paymentStore = {
  async load(db: Db, msn: string, reference: string): Promise<StoredPayment | undefined> {
    const row = await LOAD.firstCached(db, [msn, reference], ROWS, rowKey(msn, reference));
    return row && { payment: JSON.parse(row.document) as Payment, eventCount: row.event_count };
  },

  /** The payment of a redirectUrl's token: by the key the token carries (see redirect-token.ts). */
  async loadByToken(db: Db, token: string): Promise<StoredPayment | undefined> {
    const key = redirectToken.key(token);
    const stored = key && (await this.load(db, key.msn, key.reference));
    if (stored) return stored.payment.redirectToken === token ? stored : undefined;
    if (!isLegacyToken(token)) return undefined;
    // A link minted before tokens carried their key: found by a scan (no index on the column since 0006).
    const row = await db.selectFrom('epayment_payments').select(['document', 'event_count']).where('redirect_token', '=', token).executeTakeFirst();
    return row && { payment: JSON.parse(row.document) as Payment, eventCount: row.event_count };
  },

  /** Payments by key, in any order; keys without a payment are left out (the app's inbox lists them). */
  async loadMany(db: Db, keys: ReadonlyArray<{ msn: string; reference: string }>): Promise<Payment[]> {
    if (keys.length === 0) return [];
    const rows = await db
      .selectFrom('epayment_payments')
      .select('document')
      .where((eb) => eb(eb.refTuple('msn', 'reference'), 'in', keys.map((k) => eb.tuple(k.msn, k.reference))))
      .execute();
    return rows.map((r) => JSON.parse(r.document) as Payment);
  },

  /** Payments with this reference, of any merchant (references are unique per MSN only). */
  async byReference(db: Db, reference: string): Promise<Payment[]> {
    const rows = await db.selectFrom('epayment_payments').select('document').where('reference', '=', reference).orderBy('msn').execute();
    return rows.map((r) => JSON.parse(r.document) as Payment);
  },

  /** A payment with the create request it was made from (null for payments older than migration 0006). */
  async loadWithCreateRequest(db: Db, msn: string, reference: string): Promise<{ stored: StoredPayment; createRequest: string | null } | undefined> {
    const row = await LOAD_WITH_REQUEST.first(db, [msn, reference]);
    return row && { stored: { payment: JSON.parse(row.document) as Payment, eventCount: row.event_count }, createRequest: row.create_request };
  },

  /** The reset emptied the tables (in `trx`): no payment row is known any more. */
  forgetAll(trx: Transaction<Database>): void {
    ROWS.clear(trx);
  },

  /**
   * Inserts a new payment, the create request as sent (the create's idempotency record) and its
   * events; false (nothing written) when the reference is taken.
   */
  async insert(trx: Transaction<Database>, payment: Payment, events: PaymentEvent[], createRequest: string): Promise<boolean> {
    const p = payment;
    ROWS.forget(trx, rowKey(p.msn, p.reference));
    const inserted = await INSERT.run(trx, [p.msn, p.reference, p.state, p.expiresAt, p.redirectToken, events.length, JSON.stringify(p), p.createdAt, p.createdAt, createRequest]);
    if (inserted === 0) return false;
    await appendEvents(trx, payment, events, 0);
    return true;
  },

  async update(trx: Transaction<Database>, before: StoredPayment, payment: Payment, events: PaymentEvent[], now: Date): Promise<StoredPayment> {
    if (events.length === 0) return before;
    const eventCount = before.eventCount + events.length;
    ROWS.forget(trx, rowKey(payment.msn, payment.reference));
    const updated = await UPDATE.run(trx, [payment.state, eventCount, JSON.stringify(payment), now.toISOString(), payment.msn, payment.reference, before.eventCount]);
    // Another instance (shared PostgreSQL) changed the payment since it was read: the service answers 423.
    if (updated !== 1) throw new ConcurrentUpdate('epayment payment', `${payment.msn}/${payment.reference}`);
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
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i]!;
    await INSERT_EVENT.run(trx, [payment.msn, payment.reference, firstSeq + i, e.name, JSON.stringify(e)]);
  }
}
