import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Command, Option } from 'commander';
import { migrationProvider } from '../db/migrations.js';
import { isValidOffset } from '../platform/clock.js';
import { MAX_SIMULATED_TIME_MS } from '../platform/limits.js';

/** One finding: fine, a problem (with how to repair it), or a problem --repair fixed. */
export interface Finding {
  check: string;
  status: 'ok' | 'problem' | 'repaired';
  detail: string;
  repair?: string;
}

/** What the doctor needs of a database: a few reads and one write. */
interface Store {
  settings(): Promise<Map<string, string>>;
  setSetting(key: string, value: string): Promise<void>;
  migrations(): Promise<string[] | undefined>;
  close(): Promise<void>;
}

const CLOCK_OFFSET = 'clock_offset_ms';
const CLOCK_EPOCH = 'clock_epoch';

/**
 * `vipps-devkit doctor`: checks a data directory (or a PostgreSQL database) the way `serve` will
 * open it, says what is wrong and how to repair it; `--repair` fixes what can be fixed without
 * losing data (an out-of-range simulated clock goes back to real time).
 */
export async function examine(target: { dataDir?: string; databaseUrl?: string }, repair: boolean): Promise<Finding[]> {
  const findings: Finding[] = [];
  const repairHint = 'vipps-devkit doctor --repair';
  let store: Store | undefined;
  if (target.databaseUrl) {
    try {
      store = await openPostgres(target.databaseUrl);
      findings.push({ check: 'database', status: 'ok', detail: 'PostgreSQL answers' });
    } catch (err) {
      findings.push({ check: 'database', status: 'problem', detail: `PostgreSQL cannot be reached: ${(err as Error).message}`, repair: 'Check --database-url and that the server runs.' });
      return findings;
    }
  } else {
    const dir = path.resolve(target.dataDir ?? './.vipps-devkit');
    const file = path.join(dir, 'devkit.sqlite');
    if (!existsSync(dir)) {
      findings.push({ check: 'data directory', status: 'ok', detail: `${dir} does not exist yet: serve creates it` });
      return findings;
    }
    try {
      accessSync(dir, constants.W_OK);
      findings.push({ check: 'data directory', status: 'ok', detail: `${dir} is writable` });
    } catch {
      findings.push({ check: 'data directory', status: 'problem', detail: `${dir} is not writable by this user`, repair: 'Fix its permissions, or give serve another --data-dir.' });
    }
    if (!existsSync(file)) {
      findings.push({ check: 'database', status: 'ok', detail: `${file} does not exist yet: serve creates it` });
      return findings;
    }
    try {
      store = openSqlite(file, repair);
      findings.push({ check: 'database', status: 'ok', detail: `${file} opens and passes SQLite's quick check (${Math.round(statSync(file).size / 1024)} KiB)` });
    } catch (err) {
      findings.push({
        check: 'database',
        status: 'problem',
        detail: `${file} is damaged or not a Vipps Devkit database: ${(err as Error).message}`,
        repair: `Move the directory aside to keep it (mv ${dir} ${dir}.broken) and start serve again for a new one.`,
      });
      return findings;
    }
  }

  try {
    const { MODULES } = await import('../apis/index.js'); // only here: the other checks start without every API
    const known = new Set(Object.keys(await migrationProvider(MODULES.flatMap((m) => Object.entries(m.migrations ?? {}))).getMigrations()));
    const applied = await store.migrations();
    if (applied === undefined) findings.push({ check: 'schema', status: 'ok', detail: 'no migrations applied yet: serve applies them' });
    else {
      const unknown = applied.filter((m) => !known.has(m));
      if (unknown.length > 0) {
        findings.push({ check: 'schema', status: 'problem', detail: `made by a newer Vipps Devkit (migrations this version does not know: ${unknown.join(', ')})`, repair: 'Upgrade vipps-devkit, or use another --data-dir with this version.' });
      } else {
        const pending = [...known].filter((m) => !applied.includes(m)).length;
        findings.push({ check: 'schema', status: 'ok', detail: `${applied.length} migrations applied${pending ? `, ${pending} to apply on the next start` : ''}` });
      }
    }

    const settings = await store.settings();
    const saved = settings.get(CLOCK_OFFSET);
    if (saved === undefined || isValidOffset(Number(saved))) {
      findings.push({ check: 'clock', status: 'ok', detail: saved === undefined ? 'real time (no jump saved)' : `simulated time is real time + ${Number(saved)} ms` });
    } else if (repair) {
      await store.setSetting(CLOCK_OFFSET, '0');
      findings.push({ check: 'clock', status: 'repaired', detail: `the saved offset ${saved.slice(0, 40)} ms was out of range; the clock is back at real time` });
    } else {
      findings.push({
        check: 'clock',
        status: 'problem',
        detail: `the saved offset ${saved.slice(0, 40)} ms is out of range (simulated time ends at ${new Date(MAX_SIMULATED_TIME_MS).toISOString()}); serve cannot start`,
        repair: `${repairHint} sets the clock back to real time; payments, merchants and keys stay.`,
      });
    }
    const epoch = settings.get(CLOCK_EPOCH);
    if (epoch !== undefined && !/^\d{1,15}$/.test(epoch)) {
      if (repair) {
        await store.setSetting(CLOCK_EPOCH, '0');
        findings.push({ check: 'clock epoch', status: 'repaired', detail: `the saved reset counter ${epoch.slice(0, 40)} was not a number; it is 0 again` });
      } else findings.push({ check: 'clock epoch', status: 'problem', detail: `the saved reset counter ${epoch.slice(0, 40)} is not a number`, repair: `${repairHint} sets it to 0.` });
    }
  } finally {
    await store.close();
  }
  return findings;
}

function openSqlite(file: string, writable: boolean): Store {
  const db = new BetterSqlite3(file, { readonly: !writable, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
  } catch (err) {
    db.close();
    throw err;
  }
  const hasTable = (name: string) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
  return {
    async settings() {
      if (!hasTable('settings')) return new Map();
      return new Map((db.prepare('select key, value from settings').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    },
    async setSetting(key, value) {
      db.prepare('update settings set value = ? where key = ?').run(value, key);
    },
    async migrations() {
      if (!hasTable('kysely_migration')) return undefined;
      return (db.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name);
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  const hasTable = async (name: string) => (await client.query('select 1 from information_schema.tables where table_name = $1', [name])).rowCount! > 0;
  return {
    async settings() {
      if (!(await hasTable('settings'))) return new Map();
      return new Map((await client.query<{ key: string; value: string }>('select key, value from settings')).rows.map((r) => [r.key, r.value]));
    },
    async setSetting(key, value) {
      await client.query('update settings set value = $1 where key = $2', [value, key]);
    },
    async migrations() {
      if (!(await hasTable('kysely_migration'))) return undefined;
      return (await client.query<{ name: string }>('select name from kysely_migration')).rows.map((r) => r.name);
    },
    async close() {
      await client.end();
    },
  };
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check a data directory (or PostgreSQL database) that serve cannot start from: what is wrong and how to repair it')
    .addOption(new Option('-d, --data-dir <dir>', 'the data directory serve uses').default('./.vipps-devkit').env('VIPPS_DEVKIT_DATA_DIR'))
    .addOption(new Option('--database-url <url>', 'check a PostgreSQL database instead').env('VIPPS_DEVKIT_DATABASE_URL'))
    .option('--repair', 'fix what can be fixed without losing data (stop the emulator first)')
    .option('--json', 'print the findings as JSON')
    .action(async (opts: { dataDir: string; databaseUrl?: string; repair?: boolean; json?: boolean }) => {
      const findings = await examine(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : { dataDir: opts.dataDir }, opts.repair === true);
      const problems = findings.filter((f) => f.status === 'problem');
      if (opts.json) process.stdout.write(`${JSON.stringify({ healthy: problems.length === 0, findings })}\n`);
      else {
        const mark = { ok: 'ok      ', problem: 'PROBLEM ', repaired: 'REPAIRED' } as const;
        const lines = findings.map((f) => `${mark[f.status]} ${f.check}: ${f.detail}${f.repair ? `\n         repair: ${f.repair}` : ''}`);
        lines.push(problems.length === 0 ? 'serve can start from this data.' : `${problems.length} problem(s) found.`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = problems.length === 0 ? 0 : 1;
    });
}
