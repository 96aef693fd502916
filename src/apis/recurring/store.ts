import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';
import { agreementToken, isLegacyAgreementToken } from './agreement-token.js';
import type { Agreement, AgreementStatus, Charge, ChargeStatus } from './domain.js';

export interface RecurringAgreementsTable {
  msn: string;
  id: string;
  status: string;
  created_at: string;
  expires_at: string;
  token: string;
  phone_number: string | null;
  version: number;
  document: string;
}

export interface RecurringChargesTable {
  msn: string;
  due: string;
  id: string;
  agreement_id: string;
  status: string;
  next_at: string | null;
  created_at: string;
  version: number;
  document: string;
}

export interface RecurringUserFundsTable {
  phone_number: string;
  insufficient_funds: number;
  updated_at: string;
}

export interface RecurringContinuationTokensTable {
  token: string;
  msn: string;
  cursor: string;
  expires_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    recurring_agreements: RecurringAgreementsTable;
    recurring_charges: RecurringChargesTable;
    recurring_user_funds: RecurringUserFundsTable;
    recurring_continuation_tokens: RecurringContinuationTokensTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

/** A row as read: the object and its version (optimistic concurrency; also the seq of its next event). */
export interface Stored<T> {
  value: T;
  version: number;
}

// The hot path (draft, get, charge create/get, every modification, the calendar's batches): prepared (src/db/prepared.ts).
const LOAD_AGREEMENT = prepared<{ document: string; version: number }>('select document, version from recurring_agreements where msn = ? and id = ?');
const INSERT_AGREEMENT = prepared(
  'insert into recurring_agreements (msn, id, status, created_at, expires_at, token, phone_number, version, document) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing',
);
const UPDATE_AGREEMENT = prepared('update recurring_agreements set status = ?, phone_number = ?, version = ?, document = ? where msn = ? and id = ? and version = ?');
const CHARGE_ROW = 'msn, id, agreement_id, due, status, next_at, created_at, document, version';
const LOAD_CHARGE = prepared<ChargeRow>(`select ${CHARGE_ROW} from recurring_charges where msn = ? and id = ?`);
const INSERT_CHARGE = prepared('insert into recurring_charges (msn, due, id, agreement_id, status, next_at, created_at, version, document) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing');
const UPDATE_CHARGE = prepared('update recurring_charges set status = ?, next_at = ?, version = ?, document = ? where msn = ? and id = ? and version = ?');
const AGREEMENT_CHARGES = prepared<ChargeRow>(`select ${CHARGE_ROW} from recurring_charges where msn = ? and agreement_id = ? order by created_at, id`);
const FIRST_DUE = prepared<{ next_at: string | null }>('select min(next_at) as next_at from recurring_charges where next_at <= ?');
const DUE_AT = prepared<ChargeRow>(`select ${CHARGE_ROW} from recurring_charges where next_at = ? order by msn, due, id limit ?`);

const parse = <T>(row: { document: string; version: number } | undefined): Stored<T> | undefined => row && { value: JSON.parse(row.document) as T, version: row.version };

/**
 * A charge row: the columns the queries need, and the document holds the rest — not the columns
 * again, and no null field (a charge has a dozen, most null for most of its life). Half the bytes
 * of the whole object: less to stringify on every write, and more rows to a page.
 */
type ChargeRow = Pick<RecurringChargesTable, 'msn' | 'id' | 'agreement_id' | 'due' | 'status' | 'next_at' | 'created_at' | 'document' | 'version'>;
const NULLABLE: ReadonlyArray<keyof Charge> = ['externalId', 'externalAgreementId', 'transactionId', 'failureReason', 'failureDescription', 'reservedAt', 'capturedAt'];
const IN_COLUMNS = new Set<string>(['msn', 'id', 'agreementId', 'due', 'status', 'nextAt', 'created']);

export function chargeDocument(c: Charge): string {
  const rest: Record<string, unknown> = {};
  for (const key in c) {
    const v = c[key as keyof Charge];
    if (v !== null && !IN_COLUMNS.has(key)) rest[key] = v;
  }
  return JSON.stringify(rest);
}

function chargeOf(row: ChargeRow | undefined): Stored<Charge> | undefined {
  if (!row) return undefined;
  const c = JSON.parse(row.document) as Charge;
  for (const key of NULLABLE) if (c[key] === undefined) (c as unknown as Record<string, unknown>)[key] = null;
  // Rows written before the document dropped its columns carry them too: the columns win (the same values).
  c.msn = row.msn;
  c.id = row.id;
  c.agreementId = row.agreement_id;
  c.due = row.due;
  c.status = row.status as ChargeStatus;
  c.nextAt = row.next_at;
  c.created = row.created_at;
  return { value: c, version: row.version };
}

export const agreementStore = {
  async load(db: Db, msn: string, id: string): Promise<Stored<Agreement> | undefined> {
    return parse<Agreement>(await LOAD_AGREEMENT.first(db, [msn, id]));
  },

  /** Agreements with this id, of any sales unit (ids are unique per MSN only): the control API's lookup. */
  async byId(db: Db, id: string): Promise<Agreement[]> {
    const rows = await db.selectFrom('recurring_agreements').select('document').where('id', '=', id).orderBy('msn').execute();
    return rows.map((r) => JSON.parse(r.document) as Agreement);
  },

  /** The agreement of a confirmation URL's token: by the key the token carries (agreement-token.ts). */
  async byToken(db: Db, token: string): Promise<Stored<Agreement> | undefined> {
    const key = agreementToken.key(token);
    const stored = key && (await this.load(db, key.msn, key.id));
    if (stored) return stored.value.token === token ? stored : undefined;
    if (!isLegacyAgreementToken(token)) return undefined;
    // A link minted before tokens carried their key: found by a scan (no index on the column since recurring_0002).
    const row = await db.selectFrom('recurring_agreements').select(['document', 'version']).where('token', '=', token).executeTakeFirst();
    return parse<Agreement>(row);
  },

  async loadMany(db: Db, keys: ReadonlyArray<{ msn: string; id: string }>): Promise<Agreement[]> {
    if (keys.length === 0) return [];
    const rows = await db.selectFrom('recurring_agreements').select('document').where((eb) => eb(eb.refTuple('msn', 'id'), 'in', keys.map((k) => eb.tuple(k.msn, k.id)))).execute();
    return rows.map((r) => JSON.parse(r.document) as Agreement);
  },

  /** False (nothing written) when the id is taken. */
  async insert(trx: Transaction<Database>, a: Agreement): Promise<boolean> {
    return (await INSERT_AGREEMENT.run(trx, [a.msn, a.id, a.status, a.created, a.expiresAt, a.token, a.userPhoneNumber ?? null, 0, JSON.stringify(a)])) === 1;
  },

  /** Writes a new state over the one read (`before`); another command's change meanwhile is ConcurrentUpdate. `events` advance the version further (their seqs). */
  async update(trx: Transaction<Database>, before: Stored<Agreement>, a: Agreement, events = 0): Promise<Stored<Agreement>> {
    const version = before.version + 1 + events;
    const n = await UPDATE_AGREEMENT.run(trx, [a.status, a.userPhoneNumber ?? null, version, JSON.stringify(a), a.msn, a.id, before.version]);
    if (n !== 1) throw new ConcurrentUpdate('recurring agreement', `${a.msn}/${a.id}`);
    return { value: a, version };
  },

  /** A page of a sales unit's agreements in one status, oldest first, after a cursor. */
  async list(db: Db, msn: string, status: AgreementStatus, after: { created: string; id: string } | undefined, createdAfter: string | undefined, limit: number, offset = 0): Promise<Agreement[]> {
    let q = db.selectFrom('recurring_agreements').select('document').where('msn', '=', msn).where('status', '=', status);
    if (createdAfter !== undefined) q = q.where('created_at', '>', createdAfter);
    if (after) q = q.where((eb) => eb.or([eb('created_at', '>', after.created), eb.and([eb('created_at', '=', after.created), eb('id', '>', after.id)])]));
    const rows = await q.orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    return rows.map((r) => JSON.parse(r.document) as Agreement);
  },

  /** PENDING agreements nobody answered in time. */
  async overdue(db: Db, now: Date, limit = 500): Promise<Array<{ msn: string; id: string }>> {
    return db.selectFrom('recurring_agreements').select(['msn', 'id']).where('status', '=', 'PENDING').where('expires_at', '<=', now.toISOString()).orderBy('expires_at').limit(limit).execute();
  },

  /** Every ACTIVE agreement a test user accepted (stopped when the user is deleted). */
  async activeOfUser(db: Db, phoneNumber: string): Promise<Array<{ msn: string; id: string }>> {
    return db.selectFrom('recurring_agreements').select(['msn', 'id']).where('phone_number', '=', phoneNumber).where('status', '=', 'ACTIVE').orderBy('created_at').execute();
  },

  /** The agreements a test user accepted or rejected, newest first (the app's list). */
  async ofUser(db: Db, phoneNumber: string, limit = 200): Promise<Agreement[]> {
    const rows = await db.selectFrom('recurring_agreements').select('document').where('phone_number', '=', phoneNumber).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map((r) => JSON.parse(r.document) as Agreement);
  },
};

export const chargeStore = {
  async load(db: Db, msn: string, id: string): Promise<Stored<Charge> | undefined> {
    return chargeOf(await LOAD_CHARGE.first(db, [msn, id]));
  },

  async insert(trx: Transaction<Database>, c: Charge): Promise<boolean> {
    return (await INSERT_CHARGE.run(trx, [c.msn, c.due, c.id, c.agreementId, c.status, c.nextAt, c.created, c.history.length, chargeDocument(c)])) === 1;
  },

  /** The version is the length of the charge's history: the seq of its next event. */
  async update(trx: Transaction<Database>, before: Stored<Charge>, c: Charge): Promise<Stored<Charge>> {
    const version = Math.max(before.version + 1, c.history.length);
    const n = await UPDATE_CHARGE.run(trx, [c.status, c.nextAt, version, chargeDocument(c), c.msn, c.id, before.version]);
    if (n !== 1) throw new ConcurrentUpdate('recurring charge', `${c.msn}/${c.id}`);
    return { value: c, version };
  },

  async ofAgreement(db: Db, msn: string, agreementId: string, status?: ChargeStatus): Promise<Array<Stored<Charge>>> {
    const rows = await AGREEMENT_CHARGES.all(db, [msn, agreementId]);
    const all = rows.map((r) => chargeOf(r)!);
    return status === undefined ? all : all.filter((c) => c.value.status === status);
  },

  /** The earliest instant at which the calendar owes a charge something, up to `now`. */
  async firstDue(db: Db, now: Date): Promise<string | undefined> {
    return (await FIRST_DUE.first(db, [now.toISOString()]))?.next_at ?? undefined;
  },

  /** Up to `limit` charges the calendar owes something at exactly `at`, in a fixed order. */
  async dueAt(db: Db, at: string, limit: number): Promise<Array<Stored<Charge>>> {
    return (await DUE_AT.all(db, [at, limit])).map((r) => chargeOf(r)!);
  },
};

export const fundsStore = {
  /** The users whose funds are flagged as insufficient. */
  async insufficient(db: Db): Promise<Set<string>> {
    const rows = await db.selectFrom('recurring_user_funds').select('phone_number').where('insufficient_funds', '=', 1).execute();
    return new Set(rows.map((r) => r.phone_number));
  },
  async set(trx: Transaction<Database>, phoneNumber: string, insufficient: boolean, now: Date): Promise<void> {
    await trx.deleteFrom('recurring_user_funds').where('phone_number', '=', phoneNumber).execute();
    if (insufficient) await trx.insertInto('recurring_user_funds').values({ phone_number: phoneNumber, insufficient_funds: 1, updated_at: now.toISOString() }).execute();
  },
};

export interface ListCursor {
  status: AgreementStatus;
  createdAfter?: string;
  after: { created: string; id: string };
  pageSize: number;
}

export const tokenStore = {
  async save(trx: Transaction<Database>, token: string, msn: string, cursor: ListCursor, expiresAt: Date): Promise<void> {
    await trx.deleteFrom('recurring_continuation_tokens').where('expires_at', '<', new Date(expiresAt.getTime() - 3_600_000).toISOString()).execute();
    await trx.insertInto('recurring_continuation_tokens').values({ token, msn, cursor: JSON.stringify(cursor), expires_at: expiresAt.toISOString() }).execute();
  },
  async find(db: Db, token: string, msn: string, now: Date): Promise<ListCursor | undefined> {
    const row = await db.selectFrom('recurring_continuation_tokens').select(['cursor', 'expires_at']).where('token', '=', token).where('msn', '=', msn).executeTakeFirst();
    if (!row || row.expires_at <= now.toISOString()) return undefined;
    return JSON.parse(row.cursor) as ListCursor;
  },
};
