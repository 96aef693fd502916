/**
 * Checkout's table and its queries. The row type joins the shared `Database` by declaration
 * merging. Inside a command pass its transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';
import type { Session } from './domain.js';

export interface CheckoutSessionsTable {
  msn: string;
  reference: string;
  session_id: string;
  state: string;
  expires_at: string;
  version: number;
  document: string;
  created_at: string;
  updated_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    checkout_sessions: CheckoutSessionsTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredSession {
  session: Session;
  version: number;
}

const of = (r: Pick<CheckoutSessionsTable, 'document' | 'version'>): StoredSession => ({ session: JSON.parse(r.document) as Session, version: r.version });

export const sessionStore = {
  async load(db: Db, msn: string, reference: string): Promise<StoredSession | undefined> {
    const row = await db.selectFrom('checkout_sessions').select(['document', 'version']).where('msn', '=', msn).where('reference', '=', reference).executeTakeFirst();
    return row && of(row);
  },

  async bySessionId(db: Db, sessionId: string): Promise<StoredSession | undefined> {
    const row = await db.selectFrom('checkout_sessions').select(['document', 'version']).where('session_id', '=', sessionId).executeTakeFirst();
    return row && of(row);
  },

  /** False when the reference is taken. */
  async insert(trx: Transaction<Database>, s: Session): Promise<boolean> {
    const taken = await trx.selectFrom('checkout_sessions').select('reference').where('msn', '=', s.msn).where('reference', '=', s.reference).executeTakeFirst();
    if (taken) return false;
    await trx
      .insertInto('checkout_sessions')
      .values({ msn: s.msn, reference: s.reference, session_id: s.sessionId, state: s.state, expires_at: s.expiresAt, version: 1, document: JSON.stringify(s), created_at: s.createdAt, updated_at: s.createdAt })
      .execute();
    return true;
  },

  async update(trx: Transaction<Database>, before: StoredSession, s: Session, now: Date): Promise<StoredSession> {
    const result = await trx
      .updateTable('checkout_sessions')
      .set({ state: s.state, version: before.version + 1, document: JSON.stringify(s), updated_at: now.toISOString() })
      .where('msn', '=', s.msn)
      .where('reference', '=', s.reference)
      .where('version', '=', before.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new ConcurrentUpdate('checkout session', `${s.msn}/${s.reference}`);
    return { session: s, version: before.version + 1 };
  },

  async dueForExpiry(db: Db, now: Date, limit = 500): Promise<Array<{ msn: string; reference: string }>> {
    return db.selectFrom('checkout_sessions').select(['msn', 'reference']).where('state', '=', 'SessionCreated').where('expires_at', '<=', now.toISOString()).limit(limit).execute();
  },
};
