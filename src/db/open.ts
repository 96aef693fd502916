import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type DatabaseConnection, type Dialect, type Driver, type Migration, type TransactionSettings } from 'kysely';
import { CommandQueue } from './command-queue.js';
import { DurabilityBarrier } from './durability-barrier.js';
import { migrationProvider } from './migrations.js';
import { bindSqlite } from './prepared.js';
import type { Database } from './schema.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; /** a file path, or ':memory:' for an ephemeral database */ file: string }
  | { kind: 'postgres'; url: string; /** PostgreSQL schema to use (created if missing) */ schema?: string };

export interface DatabaseHandle {
  /**
   * For reads: on a SQLite file every query first waits for the durability barrier, so a read
   * never shows a commit whose fsync is still under way (nothing to remember at call sites).
   * Writes go through `commands`, whose transactions bypass the wait.
   */
  db: Kysely<Database>;
  kind: DatabaseConfig['kind'];
  commands: CommandQueue;
  /** Resolves once everything committed so far is on disk (see DurabilityBarrier). */
  durable(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Wraps the WAL fsync of a SQLite file (tests hold it to see what waits for durability). */
  wrapSync?: (sync: () => Promise<void>) => () => Promise<void>;
}

/** Opens and migrates the database: the platform's migrations and `moduleMigrations` (each module's own). */
export async function openDatabase(config: DatabaseConfig, moduleMigrations: ReadonlyArray<readonly [string, Migration]> = [], options: OpenOptions = {}): Promise<DatabaseHandle> {
  const opened = config.kind === 'sqlite' ? openSqlite(config.file) : { writer: await openPostgres(config.url, config.schema) };
  const db = opened.writer;
  // Migrations of parallel work may land in any order; each runs once whatever its position.
  // The migration tables live in the configured PostgreSQL schema: Kysely looks for them in every
  // schema otherwise, finds another schema's, and never creates this one's.
  const migrationTableSchema = config.kind === 'postgres' ? config.schema : undefined;
  const migrator = new Migrator({ db, provider: migrationProvider(moduleMigrations), allowUnorderedMigrations: true, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  const wal = config.kind === 'sqlite' && config.file !== ':memory:' ? await walSync(config.file) : undefined;
  const barrier = wal && new DurabilityBarrier(options.wrapSync ? options.wrapSync(wal.sync) : wal.sync);
  const commands = new CommandQueue(db, barrier);
  return {
    db: 'readers' in opened && barrier ? opened.readers(barrier) : db,
    kind: config.kind,
    commands,
    durable: () => commands.durable(),
    async close() {
      await commands.drain();
      await db.destroy();
      await wal?.close();
    },
  };
}

/**
 * fdatasync of the SQLite WAL file (as SQLite itself syncs it), run in the thread pool: the data and
 * the size, not the modification time. On Linux it flushes the file whatever descriptor wrote it; the WAL file stays the same file while our connection is open (it is
 * reused, not recreated, after checkpoints).
 */
async function walSync(file: string): Promise<{ sync: () => Promise<void>; close: () => Promise<void> }> {
  const handle: FileHandle = await open(`${file}-wal`, 'r');
  return { sync: () => handle.datasync(), close: () => handle.close() };
}

function openSqlite(file: string): { writer: Kysely<Database>; readers: (barrier: DurabilityBarrier) => Kysely<Database> } {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new BetterSqlite3(file);
  // WAL. A file database commits with synchronous=NORMAL and the CommandQueue's durability
  // barrier fsyncs the WAL off the event loop before any reply: acknowledged transactions are as
  // durable as with FULL (SQLite still syncs at checkpoints). In memory nothing is durable anyway.
  raw.pragma('journal_mode = WAL');
  raw.pragma(file === ':memory:' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  const dialect = new SqliteDialect({ database: withStatementCache(raw) as never });
  // One driver (one connection, one mutex) shared by the writer and the readers' instance.
  const driver = dialect.createDriver();
  const on = (createDriver: () => Driver): Dialect => ({
    createDriver,
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  });
  const writer = new Kysely<Database>({ dialect: on(() => driver) });
  bindSqlite(writer, raw);
  return {
    writer,
    readers(barrier) {
      const readers = new Kysely<Database>({ dialect: on(() => new DurableReads(driver, barrier)) });
      bindSqlite(readers, raw, barrier);
      return readers;
    },
  };
}

/**
 * The readers' view of the shared SQLite driver: a connection is handed out only once everything
 * committed so far is on disk. The writer's instance owns the driver's life (init, destroy).
 */
class DurableReads implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly barrier: DurabilityBarrier,
  ) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.barrier.durable();
    return this.inner.acquireConnection();
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }
  async destroy(): Promise<void> {}
}

async function openPostgres(url: string, schema?: string): Promise<Kysely<Database>> {
  // Loaded only for a shared deployment: a SQLite start does not pay for the driver.
  const { default: pg } = await import('pg');
  if (schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  return db;
}
