/**
 * What landed in the emulator, as the dashboard and the control API's listings show it: payments
 * (ePayment), orders (eCom), agreements (Recurring) and sessions (Checkout). APIs never import each
 * other, and the dashboard imports no API: each module that keeps such objects provides a source
 * here in its start, in neutral terms (an id, a state, an amount, a timeline), and the dashboard
 * reads them through the port. Newest first, paged by an opaque cursor.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export const ACTIVITY_KINDS = ['payment', 'order', 'agreement', 'session'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface Money {
  currency: string;
  /** Minor units (øre, cents). */
  value: number;
}

/** One object as a row of a listing. */
export interface ActivityItem {
  kind: ActivityKind;
  /** The module that keeps it (`epayment`, `ecom`, `recurring`, `checkout`). */
  api: string;
  msn: string;
  /** Reference, order id, agreement id, session reference: unique per MSN. */
  id: string;
  state: string;
  amount: Money | null;
  description: string | null;
  /** The customer's or the acting test user's phone number. */
  phoneNumber: string | null;
  createdAt: string;
  /** The module that had it made on its behalf (a Checkout session's payment). */
  owner: string | null;
  /** Objects of other kinds it belongs with (a session's payment). */
  related: Array<{ kind: ActivityKind; id: string }>;
}

/** One step of an object's history. */
export interface TimelineEntry {
  at: string;
  name: string;
  amount: Money | null;
  success: boolean;
  detail: string | null;
}

export interface ActivityDetail {
  item: ActivityItem;
  timeline: TimelineEntry[];
  /** The object as its API shows it (for the raw view). */
  document: unknown;
}

export interface ActivityQuery {
  msn?: string;
  state?: string;
  /** Case-insensitive substring of the id or of anything in the object (description, phone number). */
  search?: string;
  /** Only objects strictly older than this position (a cursor's content). */
  before?: ActivityPosition;
  limit: number;
}

export interface ActivityPosition {
  createdAt: string;
  msn: string;
  id: string;
}

/** What a module provides for one kind of object. */
export interface ActivitySource {
  kind: ActivityKind;
  api: string;
  /** The states its objects can be in, for the filters. */
  states: readonly string[];
  /** Newest first (created, then MSN and id descending). */
  list(query: ActivityQuery): Promise<ActivityItem[]>;
  get(msn: string, id: string): Promise<ActivityDetail | undefined>;
  /** The MSNs that have an object with this id (an id is unique per MSN only). */
  owners(id: string): Promise<string[]>;
  /** Changes whenever any of its objects changes: the dashboard's live view polls it. */
  changeMark(): Promise<string>;
}

export interface ActivityPage {
  items: ActivityItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last one. */
  cursor: string | null;
}

export class CursorError extends Error {}

export const encodeCursor = (p: ActivityPosition): string => Buffer.from(JSON.stringify([p.createdAt, p.msn, p.id])).toString('base64url');

export function decodeCursor(cursor: string): ActivityPosition {
  try {
    const [createdAt, msn, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof msn === 'string' && typeof id === 'string') return { createdAt, msn, id };
  } catch {
    // fall through
  }
  throw new CursorError('The cursor is not one this emulator gave out.');
}

export class ActivityPort {
  private readonly byKind = new Map<ActivityKind, ActivitySource>();

  /** Called by a module in its start. */
  provide(source: ActivitySource): void {
    if (this.byKind.has(source.kind)) throw new Error(`an activity source for ${source.kind} is already registered`);
    this.byKind.set(source.kind, source);
  }

  source(kind: ActivityKind): ActivitySource | undefined {
    return this.byKind.get(kind);
  }

  sources(): ActivitySource[] {
    return ACTIVITY_KINDS.flatMap((k) => this.byKind.get(k) ?? []);
  }

  /** One page of a listing; `cursor` from the previous page. Throws CursorError on a bad cursor. */
  async page(kind: ActivityKind, query: Omit<ActivityQuery, 'before'> & { cursor?: string }): Promise<ActivityPage> {
    const source = this.byKind.get(kind);
    if (!source) return { items: [], cursor: null };
    const { cursor, ...rest } = query;
    const rows = await source.list({ ...rest, ...(cursor ? { before: decodeCursor(cursor) } : {}), limit: query.limit + 1 });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, cursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, msn: last.msn, id: last.id }) : null };
  }

  /** One mark for everything: changes when any source's objects change. */
  async changeMark(): Promise<string> {
    return (await Promise.all(this.sources().map((s) => s.changeMark()))).join('/');
  }
}

type Db = Kysely<Database> | Transaction<Database>;

/** Which columns of a module's table a listing reads (the table keeps the object as JSON in `document`). */
export interface ListedTable {
  table: string;
  idColumn: string;
  stateColumn: string;
  createdColumn: string;
}

/**
 * The listing query every source shares: filters, search and keyset paging over a module's own
 * table, newest first. Returns the rows' documents; the module turns them into items.
 */
export async function listDocuments(db: Db, t: ListedTable, q: ActivityQuery): Promise<string[]> {
  const id = sql.ref(t.idColumn);
  const created = sql.ref(t.createdColumn);
  const where: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (q.msn) where.push(sql`msn = ${q.msn}`);
  if (q.state) where.push(sql`${sql.ref(t.stateColumn)} = ${q.state}`);
  if (q.search) {
    const pattern = `%${q.search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    where.push(sql`(lower(${id}) like ${pattern} escape '!' or lower(document) like ${pattern} escape '!')`);
  }
  if (q.before) {
    const b = q.before;
    where.push(sql`(${created} < ${b.createdAt} or (${created} = ${b.createdAt} and (msn < ${b.msn} or (msn = ${b.msn} and ${id} < ${b.id}))))`);
  }
  const rows = await sql<{ document: string }>`select document from ${sql.table(t.table)} where ${sql.join(where, sql` and `)} order by ${created} desc, msn desc, ${id} desc limit ${q.limit}`.execute(db);
  return rows.rows.map((r) => r.document);
}

/** The MSNs with a row of this id. */
export async function ownersOf(db: Db, t: Pick<ListedTable, 'table' | 'idColumn'>, id: string): Promise<string[]> {
  const rows = await sql<{ msn: string }>`select msn from ${sql.table(t.table)} where ${sql.ref(t.idColumn)} = ${id} order by msn`.execute(db);
  return rows.rows.map((r) => r.msn);
}

/** Row count and a column that grows with every change (a version, an event count), as one string. */
export async function changeMarkOf(db: Db, table: string, growing: string): Promise<string> {
  const rows = await sql<{ n: number | string; v: number | string | null }>`select count(*) as n, sum(${sql.ref(growing)}) as v from ${sql.table(table)}`.execute(db);
  const r = rows.rows[0];
  return `${r?.n ?? 0}:${r?.v ?? 0}`;
}
