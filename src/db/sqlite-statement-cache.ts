import type BetterSqlite3 from 'better-sqlite3';

/**
 * Kysely's SQLite driver prepares every query anew. Our queries are a small fixed set, so a
 * prepared-statement cache in front of better-sqlite3 takes that cost off the hot path.
 */
export interface CachingDatabase {
  close(): void;
  prepare(sql: string): BetterSqlite3.Statement;
}

export function withStatementCache(db: BetterSqlite3.Database, limit = 500): CachingDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= limit) cache.clear();
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
