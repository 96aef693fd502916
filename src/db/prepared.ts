import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import type { DurabilityBarrier } from './durability-barrier.js';
import type { RowCache } from './row-cache.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type Param = string | number | null;

/**
 * How a Kysely instance reaches its database for prepared queries. SQLite: the raw connection,
 * used directly (`inBatch`: the group-commit transaction that holds it; otherwise the root, which
 * may only use it while no transaction is open). PostgreSQL: Kysely's executor.
 */
interface Binding {
  raw?: BetterSqlite3.Database;
  inBatch: boolean;
  postgres: boolean;
  /** Readers of a SQLite file wait for it before using the connection (see DatabaseHandle.db). */
  barrier?: DurabilityBarrier;
}

const bindings = new WeakMap<object, Binding>();

/** Lets prepared queries on `db` (the root Kysely instance) use the better-sqlite3 connection directly. */
export function bindSqlite(db: Kysely<Database>, raw: BetterSqlite3.Database, barrier?: DurabilityBarrier): void {
  bindings.set(db, { raw, inBatch: false, postgres: false, ...(barrier ? { barrier } : {}) });
}

/** The command queue's batch transaction: on SQLite it holds the one connection, so it may use it directly. */
export function bindBatch(root: Kysely<Database>, trx: Transaction<Database>): void {
  const { barrier: _readersOnly, ...parent } = binding(root);
  bindings.set(trx, { ...parent, inBatch: true });
}

function binding(db: Db): Binding {
  let b = bindings.get(db);
  if (!b) {
    b = { inBatch: false, postgres: db.getExecutor().adapter instanceof PostgresAdapter };
    bindings.set(db, b);
  }
  return b;
}

/** The SQLite connection `db` runs on (undefined for PostgreSQL). */
export const sqliteConnectionOf = (db: Db): BetterSqlite3.Database | undefined => binding(db).raw;

/** The barrier a root reader waits for; undefined inside a batch and for PostgreSQL. */
const barrierOf = (db: Db): DurabilityBarrier | undefined => bindings.get(db)?.barrier;

/**
 * A hot-path query written once as SQL with `?` placeholders (no `?` elsewhere in the text),
 * for both dialects. Kysely builds, compiles and runs every query anew, which cost more than the
 * database work itself on create-payment; this runs a prepared better-sqlite3 statement held
 * here (SQLite) or the text rewritten to `$1..` through the transaction's executor (PostgreSQL).
 * Cold queries (migrations, control API, sweeps) stay on Kysely's builder.
 */
export class PreparedQuery<Row = unknown> {
  private readonly pgText: string;
  private lastRaw: BetterSqlite3.Database | undefined;
  private lastStatement: BetterSqlite3.Statement | undefined;
  private readonly statements = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

  constructor(readonly text: string) {
    let n = 0;
    this.pgText = text.replace(/\?/g, () => `$${(n += 1)}`);
  }

  /** Every row. */
  async all(db: Db, params: readonly Param[] = []): Promise<Row[]> {
    const barrier = barrierOf(db);
    if (barrier) await barrier.durable();
    const stmt = this.direct(db);
    if (stmt) return stmt.all(...params) as Row[];
    return (await this.viaKysely(db, params)).rows;
  }

  /** The first row, if any. */
  async first(db: Db, params: readonly Param[] = []): Promise<Row | undefined> {
    const barrier = barrierOf(db);
    if (barrier) await barrier.durable();
    const stmt = this.direct(db);
    if (stmt) return stmt.get(...params) as Row | undefined;
    return (await this.viaKysely(db, params)).rows[0];
  }

  /**
   * The first row, through `cache` under `key` (see RowCache): a hit is the committed row, also
   * inside a batch (a command that writes the row forgets it first). A miss reads the database;
   * the row is kept only when read outside any transaction, in the same step as the read.
   */
  async firstCached(db: Db, params: readonly Param[], cache: RowCache<Row>, key: string): Promise<Row | undefined> {
    const barrier = barrierOf(db);
    if (barrier) await barrier.durable();
    const b = binding(db);
    const rows = cache.of(b.raw);
    const hit = rows?.get(key);
    if (hit) return hit;
    const stmt = this.direct(db);
    if (!stmt) return (await this.viaKysely(db, params)).rows[0];
    const row = stmt.get(...params) as Row | undefined;
    if (row && rows && !b.inBatch) cache.put(rows, key, row);
    return row;
  }

  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  async run(db: Db, params: readonly Param[] = []): Promise<number> {
    const barrier = barrierOf(db);
    if (barrier) await barrier.durable();
    const stmt = this.direct(db);
    if (stmt) return stmt.run(...params).changes;
    return Number((await this.viaKysely(db, params)).numAffectedRows ?? 0n);
  }

  /** The cached statement when `db` may use the SQLite connection directly now, else undefined. */
  private direct(db: Db): BetterSqlite3.Statement | undefined {
    const b = binding(db);
    const raw = b.raw;
    // The root waits for an open batch through Kysely's connection mutex: never read uncommitted rows.
    if (!raw || (!b.inBatch && raw.inTransaction)) return undefined;
    if (raw === this.lastRaw) return this.lastStatement;
    let stmt = this.statements.get(raw);
    if (!stmt) {
      stmt = raw.prepare(this.text);
      this.statements.set(raw, stmt);
    }
    this.lastRaw = raw;
    this.lastStatement = stmt;
    return stmt;
  }

  private viaKysely(db: Db, params: readonly Param[]) {
    return db.executeQuery<Row>(CompiledQuery.raw(binding(db).postgres ? this.pgText : this.text, params as Param[]));
  }
}

export const prepared = <Row = unknown>(text: string) => new PreparedQuery<Row>(text);
