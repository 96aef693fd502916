/**
 * SFTP users and what each has archived. A user belongs to one organization (the merchant) and
 * sees the reports of all its sales units; it logs in with a password, a public key, or both.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely, Migration, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface SftpUsersTable {
  username: string;
  organization_number: string;
  /** `scrypt$<salt hex>$<hash hex>`, or '' for key-only users. */
  password_hash: string;
  /** JSON array of OpenSSH public key lines. */
  public_keys: string;
  created_at: string;
}

/** A report file moved from inbox to archive by a user (`rm` in inbox). */
export interface SftpArchivedTable {
  username: string;
  msn: string;
  settlement_id: string;
  ext: string;
}

declare module '../../../db/schema.js' {
  interface Database {
    settlement_sftp_users: SftpUsersTable;
    settlement_sftp_archived: SftpArchivedTable;
  }
}

export const sftpMigrations: Record<string, Migration> = {
  settlements_sftp_0001_users: {
    async up(db: Kysely<any>) {
      await db.schema.createTable('settlement_sftp_users')
        .addColumn('username', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('organization_number', 'varchar(9)', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('public_keys', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createTable('settlement_sftp_archived')
        .addColumn('username', 'varchar(64)', (c) => c.notNull())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('settlement_id', 'varchar(7)', (c) => c.notNull())
        .addColumn('ext', 'varchar(8)', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_sftp_archived_pk', ['username', 'msn', 'settlement_id', 'ext'])
        .execute();
    },
  },
};

export interface SftpUser {
  username: string;
  organizationNumber: string;
  hasPassword: boolean;
  publicKeys: string[];
}

type Db = Kysely<Database> | Transaction<Database>;

const userOf = (r: SftpUsersTable): SftpUser => ({
  username: r.username,
  organizationNumber: r.organization_number,
  hasPassword: r.password_hash !== '',
  publicKeys: JSON.parse(r.public_keys) as string[],
});

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${(await scrypt(password, salt, 32)).toString('hex')}`;
}

export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const actual = await scrypt(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(actual, Buffer.from(hash, 'hex'));
}

export const sftpStore = {
  async user(db: Db, username: string): Promise<(SftpUser & { passwordHash: string }) | undefined> {
    const row = await db.selectFrom('settlement_sftp_users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && { ...userOf(row), passwordHash: row.password_hash };
  },
  async users(db: Db): Promise<SftpUser[]> {
    return (await db.selectFrom('settlement_sftp_users').selectAll().orderBy('username').execute()).map(userOf);
  },
  async put(trx: Transaction<Database>, user: { username: string; organizationNumber: string; passwordHash: string; publicKeys: string[] }, now: Date): Promise<void> {
    await trx.deleteFrom('settlement_sftp_users').where('username', '=', user.username).execute();
    await trx.insertInto('settlement_sftp_users').values({
      username: user.username,
      organization_number: user.organizationNumber,
      password_hash: user.passwordHash,
      public_keys: JSON.stringify(user.publicKeys),
      created_at: now.toISOString(),
    }).execute();
  },
  async remove(trx: Transaction<Database>, username: string): Promise<boolean> {
    await trx.deleteFrom('settlement_sftp_archived').where('username', '=', username).execute();
    const r = await trx.deleteFrom('settlement_sftp_users').where('username', '=', username).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  async archived(db: Db, username: string): Promise<Set<string>> {
    const rows = await db.selectFrom('settlement_sftp_archived').selectAll().where('username', '=', username).execute();
    return new Set(rows.map((r) => archiveKey(r.msn, r.settlement_id, r.ext)));
  },
  async archive(trx: Transaction<Database>, username: string, msn: string, settlementId: string, ext: string): Promise<void> {
    await trx.deleteFrom('settlement_sftp_archived').where('username', '=', username).where('msn', '=', msn).where('settlement_id', '=', settlementId).where('ext', '=', ext).execute();
    await trx.insertInto('settlement_sftp_archived').values({ username, msn, settlement_id: settlementId, ext }).execute();
  },
};

export const archiveKey = (msn: string, settlementId: string, ext: string) => `${msn}/${settlementId}/${ext}`;
