import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the shared-mode tests use (trust auth on the machines and in CI). */
export const testPgUrl = process.env.VIPPS_DEVKIT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL cannot be used (for a printed skip reason), or undefined when it answers. */
export async function pgUnreachable(url = testPgUrl): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A schema of its own for a test file on the test PostgreSQL: its name, why PostgreSQL cannot be
 * used (undefined when it can), and `drop` for afterAll (nothing to do when it was unreachable).
 */
export async function pgTestSchema(prefix: string, url = testPgUrl): Promise<{ schema: string; skip: string | undefined; drop: () => Promise<void> }> {
  const schema = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const skip = await pgUnreachable(url);
  const drop = async () => {
    if (skip) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  };
  return { schema, skip, drop };
}
