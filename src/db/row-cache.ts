import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import { sqliteConnectionOf } from './prepared.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Committed rows of one hot query kept in memory, per SQLite connection (decision 244), read with
 * `PreparedQuery.firstCached`. On SQLite this process is the only writer, so a row stays true until
 * this process writes it: every write of a cached row calls `forget` (in its transaction, before or
 * after the statement), a reset calls `clear`. Rows enter only from a read outside any transaction,
 * that is from committed state, in the same synchronous step as the read. Shared PostgreSQL keeps
 * nothing here: other instances write too.
 */
export class RowCache<Row> {
  private readonly maps = new WeakMap<BetterSqlite3.Database, Map<string, Row>>();

  /** At most this many rows per connection; the oldest entry goes first. */
  constructor(private readonly capacity = 10_000) {}

  /** The rows of a SQLite connection (undefined for PostgreSQL). */
  of(raw: BetterSqlite3.Database | undefined): Map<string, Row> | undefined {
    if (!raw) return undefined;
    let map = this.maps.get(raw);
    if (!map) {
      map = new Map();
      this.maps.set(raw, map);
    }
    return map;
  }

  put(map: Map<string, Row>, key: string, row: Row): void {
    map.delete(key);
    map.set(key, row);
    if (map.size > this.capacity) map.delete(map.keys().next().value!);
  }

  /** The row of `key` is being written in `db`'s transaction. */
  forget(db: Db, key: string): void {
    this.of(sqliteConnectionOf(db))?.delete(key);
  }

  /** Every row of `db`'s connection (a reset). */
  clear(db: Db): void {
    this.of(sqliteConnectionOf(db))?.clear();
  }
}
