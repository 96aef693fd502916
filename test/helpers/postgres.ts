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
