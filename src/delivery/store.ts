import { sql, type Kysely, type Transaction } from 'kysely';
import { prepared, type Param, type PreparedQuery } from '../db/prepared.js';
import type { Database, DeliveryAttemptsTable } from '../db/schema.js';
import type { PendingDelivery } from './rows.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Every statement of the delivery engine: the outbox's writes, the dispatcher's polls, claims and
 * attempt records, and the delivery log. The hot ones (insert, poll, record) are prepared
 * (src/db/prepared.ts), one SQL text for SQLite and PostgreSQL; the rare ones use Kysely's builder.
 */

const COLUMNS = [
  'id', 'event_id', 'webhook_id', 'msn', 'reference', 'event_seq', 'event_type', 'payload', 'status', 'attempts',
  'next_attempt_at', 'lease_until', 'last_error', 'created_at', 'delivered_at', 'target_url', 'headers', 'max_attempts',
  'timeout_ms', 'signing_secret',
] as const satisfies ReadonlyArray<keyof PendingDelivery>;
const COLUMN_LIST = COLUMNS.join(', ');
const D_COLUMN_LIST = COLUMNS.map((c) => `d.${c}`).join(', ');

/** Multi-row inserts, one prepared statement per row count (outbox writes are small). */
const INSERT_CHUNK = 16;
const inserts = new Map<number, PreparedQuery>();
const insertOf = (n: number) => {
  let q = inserts.get(n);
  if (!q) {
    const row = `(${COLUMNS.map(() => '?').join(', ')})`;
    q = prepared(`insert into deliveries (${COLUMN_LIST}) values ${Array.from({ length: n }, () => row).join(', ')}`);
    inserts.set(n, q);
  }
  return q;
};

/** No earlier delivery of the same channel, MSN and reference is still pending. */
const FIRST_OF_CHANNEL = `not exists (select 1 from deliveries e where e.webhook_id = d.webhook_id and e.msn = d.msn and e.reference = d.reference and e.status = 'pending' and e.event_seq < d.event_seq)`;
/** Due, held by nobody (or by a lease that ran out), and first of its channel. */
const ELIGIBLE = `d.status = 'pending' and d.next_attempt_at <= ? and d.target_url is not null and (d.lease_until is null or d.lease_until < ?) and ${FIRST_OF_CHANNEL}`;

// The (status, next_attempt_at) index yields rows in this order, so the scan stops as soon as
// enough eligible rows are found, however long the backlog is.
const DUE = prepared<PendingDelivery>(`select ${D_COLUMN_LIST} from deliveries d where ${ELIGIBLE} order by d.next_attempt_at limit ?`);

// Shared PostgreSQL: find and lease in one statement; rows another instance is claiming right now
// are skipped, and the outer conditions re-check what the lock waited for.
const CLAIM_DUE = prepared<PendingDelivery>(
  `update deliveries set lease_until = ? where id in (select d.id from deliveries d where ${ELIGIBLE} order by d.next_attempt_at limit ? for update skip locked)` +
    ` and status = 'pending' and (lease_until is null or lease_until < ?) returning ${COLUMN_LIST}`,
);

const INSERT_ATTEMPT = prepared(
  'insert into delivery_attempts (id, delivery_id, attempt, at, source_environment, source_hostname, source_address, url, request_headers, status_code, latency_ms, error, response_body) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
// A row dropped meanwhile (webhook deleted, reset) stays as it is.
const UPDATE_AFTER_ATTEMPT = prepared(
  "update deliveries set attempts = ?, status = ?, delivered_at = ?, next_attempt_at = ?, last_error = ?, lease_until = null where id = ? and status = 'pending'",
);

export type DeliveryAttempt = DeliveryAttemptsTable;

/** What one attempt changes on its delivery. */
export interface AttemptOutcome {
  status: 'pending' | 'delivered' | 'dropped';
  attempts: number;
  deliveredAt: string | null;
  nextAttemptAt: string;
  lastError: string | null;
}

export interface DeliveryLogQuery {
  msn?: string;
  reference?: string;
  /** With `reference`: also the references below it (`agreementId/chargeId` under `agreementId`). */
  withChildren?: boolean;
  webhookId?: string;
  /** Only attempts after this `at|id` cursor. */
  after?: string;
  limit: number;
  /** The newest `limit` rows (still returned oldest first) instead of the oldest. */
  newest?: boolean;
}

export const deliveryStore = {
  // ------------------------------------------------------------------ outbox

  async insert(trx: Transaction<Database>, rows: readonly PendingDelivery[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const params: Param[] = [];
      for (const row of chunk) for (const c of COLUMNS) params.push(row[c]);
      await insertOf(chunk.length).run(trx, params);
    }
  },

  /** Gives up what is still owed on a channel. */
  async drop(trx: Transaction<Database>, channel: string, reason: string): Promise<void> {
    await trx.updateTable('deliveries').set({ status: 'dropped', last_error: reason }).where('webhook_id', '=', channel).where('status', '=', 'pending').execute();
  },

  /** Forgets deliveries and their attempts: all, or one merchant's. */
  async clear(trx: Transaction<Database>, msn?: string): Promise<void> {
    if (msn === undefined) {
      await trx.deleteFrom('delivery_attempts').execute();
      await trx.deleteFrom('deliveries').execute();
      return;
    }
    await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', trx.selectFrom('deliveries').select('id').where('msn', '=', msn)).execute();
    await trx.deleteFrom('deliveries').where('msn', '=', msn).execute();
  },

  // ------------------------------------------------------------------ dispatcher

  /** Up to `limit` eligible rows, oldest due first (a lone instance: nothing to claim). */
  due(db: Db, now: string, realNow: string, limit: number): Promise<PendingDelivery[]> {
    return DUE.all(db, [now, realNow, limit]);
  },

  /** Shared mode: leases up to `limit` eligible rows until `leaseUntil` and returns them. */
  async claimDue(db: Db, now: string, realNow: string, leaseUntil: string, limit: number): Promise<PendingDelivery[]> {
    const rows = await CLAIM_DUE.all(db, [leaseUntil, now, realNow, limit, realNow]);
    return rows.sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : 0));
  },

  /**
   * Shared mode, rows this instance wrote, still under the lease they were born with (`birthLease`):
   * those in `keep` that wait for no earlier pending row of their channel are leased until
   * `leaseUntil` (this instance sends them now); the others are let go, for any instance's poll.
   * Returns the ids kept. A row whose birth lease ran out and that another instance claimed is
   * neither kept nor let go: its lease is no longer the one it was born with.
   */
  async admit(db: Db, ids: readonly string[], birthLease: string, keep: readonly string[], leaseUntil: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .updateTable('deliveries as d')
      .set(({ eb, and, not, exists, selectFrom }) => ({
        lease_until:
          keep.length === 0
            ? null
            : eb
                .case()
                .when(
                  and([
                    eb('d.id', 'in', keep),
                    not(
                      exists(
                        selectFrom('deliveries as e')
                          .select('e.id')
                          .whereRef('e.webhook_id', '=', 'd.webhook_id')
                          .whereRef('e.msn', '=', 'd.msn')
                          .whereRef('e.reference', '=', 'd.reference')
                          .where('e.status', '=', 'pending')
                          .whereRef('e.event_seq', '<', 'd.event_seq'),
                      ),
                    ),
                  ]),
                )
                .then(leaseUntil)
                .else(null)
                .end(),
      }))
      .where('d.id', 'in', ids)
      .where('d.lease_until', '=', birthLease)
      .returning(['d.id', 'd.lease_until'])
      .execute();
    return new Set(rows.filter((r) => r.lease_until !== null).map((r) => r.id));
  },

  /** Lets go of rows this instance held, for the poll to find. */
  async release(trx: Transaction<Database>, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await trx.updateTable('deliveries').set({ lease_until: null }).where('id', 'in', ids).where('status', '=', 'pending').execute();
  },

  /** Records one attempt and its outcome; false when the row was no longer pending (dropped meanwhile). */
  async record(trx: Transaction<Database>, a: DeliveryAttempt, o: AttemptOutcome): Promise<boolean> {
    await INSERT_ATTEMPT.run(trx, [a.id, a.delivery_id, a.attempt, a.at, a.source_environment, a.source_hostname, a.source_address, a.url, a.request_headers, a.status_code, a.latency_ms, a.error, a.response_body]);
    return (await UPDATE_AFTER_ATTEMPT.run(trx, [o.attempts, o.status, o.deliveredAt, o.nextAttemptAt, o.lastError, a.delivery_id])) > 0;
  },

  /** A lone instance owns every row: what it held when it stopped is free again. */
  async clearLeases(db: Db): Promise<void> {
    await db.updateTable('deliveries').set({ lease_until: null }).where('status', '=', 'pending').where('lease_until', 'is not', null).execute();
  },

  /** Pending rows per channel (a lone instance's starting point for ordering in memory). */
  async pendingPerChannel(db: Db): Promise<Array<{ webhook_id: string; msn: string; reference: string; n: number }>> {
    const rows = await db
      .selectFrom('deliveries')
      .select(['webhook_id', 'msn', 'reference', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('status', '=', 'pending')
      .groupBy(['webhook_id', 'msn', 'reference'])
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  },

  // ------------------------------------------------------------------ delivery log (control API)

  /** Pending deliveries whose next attempt falls in (from, to]: what a clock jump makes due. */
  async dueBetween(db: Db, from: string, to: string): Promise<number> {
    const row = await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', 'pending').where('next_attempt_at', '>', from).where('next_attempt_at', '<=', to).executeTakeFirst();
    return Number(row?.n ?? 0);
  },

  /** Changes whenever a delivery is owed, tried or settled (the dashboard's live view polls it). */
  async changeMark(db: Db): Promise<string> {
    const [d, a] = await Promise.all([
      db.selectFrom('deliveries').select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('attempts').as('tries')]).executeTakeFirst(),
      db.selectFrom('delivery_attempts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return `${d?.n ?? 0}:${d?.tries ?? 0}:${a?.n ?? 0}`;
  },

  /** One delivery row with everything needed to send it again (a replay). */
  async load(db: Db, id: string): Promise<PendingDelivery | undefined> {
    return (await db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()) as PendingDelivery | undefined;
  },

  async log(db: Db, q: DeliveryLogQuery) {
    const dir = q.newest ? 'desc' : 'asc';
    let deliveries = db.selectFrom('deliveries').selectAll().orderBy('created_at', dir).orderBy('event_seq', dir).orderBy('id', dir).limit(q.limit);
    if (q.msn) deliveries = deliveries.where('msn', '=', q.msn);
    const below = q.reference ? `${q.reference.replace(/[!%_]/g, (c) => `!${c}`)}/%` : '';
    if (q.reference && q.withChildren) deliveries = deliveries.where((eb) => eb.or([eb('reference', '=', q.reference!), sql<boolean>`reference like ${below} escape '!'`]));
    else if (q.reference) deliveries = deliveries.where('reference', '=', q.reference);
    if (q.webhookId) deliveries = deliveries.where('webhook_id', '=', q.webhookId);
    let attempts = db
      .selectFrom('delivery_attempts as a')
      .innerJoin('deliveries as d', 'd.id', 'a.delivery_id')
      .select(['a.id', 'a.delivery_id', 'a.attempt', 'a.at', 'a.source_environment', 'a.source_hostname', 'a.source_address', 'a.url', 'a.request_headers', 'a.status_code', 'a.latency_ms', 'a.error', 'a.response_body', 'd.event_id', 'd.event_type', 'd.webhook_id', 'd.reference', 'd.payload'])
      .orderBy('a.at')
      .orderBy('a.id')
      .limit(q.limit);
    if (q.msn) attempts = attempts.where('d.msn', '=', q.msn);
    if (q.reference && q.withChildren) attempts = attempts.where((eb) => eb.or([eb('d.reference', '=', q.reference!), sql<boolean>`d.reference like ${below} escape '!'`]));
    else if (q.reference) attempts = attempts.where('d.reference', '=', q.reference);
    if (q.webhookId) attempts = attempts.where('d.webhook_id', '=', q.webhookId);
    if (q.after) {
      const [at, id = ''] = q.after.split('|');
      attempts = attempts.where((eb) => eb.or([eb('a.at', '>', at!), eb.and([eb('a.at', '=', at!), eb('a.id', '>', id)])]));
    }
    if (q.newest) {
      // The newest deliveries, and every attempt of exactly those (oldest first).
      const deliveryRows = (await deliveries.execute()).reverse();
      const ids = deliveryRows.map((d) => d.id);
      const attemptRows = ids.length === 0 ? [] : await attempts.clearLimit().clearOrderBy().where('a.delivery_id', 'in', ids).orderBy('a.at').orderBy('a.id').execute();
      return { deliveries: deliveryRows, attempts: attemptRows };
    }
    const [deliveryRows, attemptRows] = await Promise.all([deliveries.execute(), attempts.execute()]);
    return { deliveries: deliveryRows, attempts: attemptRows };
  },
};
