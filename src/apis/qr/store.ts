/**
 * The QR API's tables and every query on them. The row types join the shared `Database` interface
 * by declaration merging, from here: no central file names them. Inside a command pass its
 * transaction (decision 6).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MerchantRedirect, OneTimeQr } from './domain.js';

export interface QrMerchantRedirectsTable {
  msn: string;
  id: string;
  code: string;
  redirect_url: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface QrOneTimeCodesTable {
  code: string;
  msn: string;
  landing_url: string;
  expires_at: string;
  created_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    qr_merchant_redirects: QrMerchantRedirectsTable;
    qr_one_time_codes: QrOneTimeCodesTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

const redirectOf = (r: QrMerchantRedirectsTable): MerchantRedirect => ({
  msn: r.msn,
  id: r.id,
  code: r.code,
  redirectUrl: r.redirect_url,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const oneTimeOf = (r: QrOneTimeCodesTable): OneTimeQr => ({ code: r.code, msn: r.msn, landingUrl: r.landing_url, expiresAt: r.expires_at, createdAt: r.created_at });

export const qrStore = {
  async redirect(db: Db, msn: string, id: string): Promise<MerchantRedirect | undefined> {
    const row = await db.selectFrom('qr_merchant_redirects').selectAll().where('msn', '=', msn).where('id', '=', id).executeTakeFirst();
    return row && redirectOf(row);
  },

  async redirectByCode(db: Db, code: string): Promise<MerchantRedirect | undefined> {
    const row = await db.selectFrom('qr_merchant_redirects').selectAll().where('code', '=', code).executeTakeFirst();
    return row && redirectOf(row);
  },

  /** A sales unit's codes, oldest first (expired ones included: the caller filters with the clock). */
  async redirects(db: Db, msn: string): Promise<MerchantRedirect[]> {
    return (await db.selectFrom('qr_merchant_redirects').selectAll().where('msn', '=', msn).orderBy('created_at').orderBy('id').execute()).map(redirectOf);
  },

  /** Inserts, or replaces an expired row with the same id (the caller decided it may). */
  async putRedirect(trx: Transaction<Database>, qr: MerchantRedirect): Promise<void> {
    await trx.deleteFrom('qr_merchant_redirects').where('msn', '=', qr.msn).where('id', '=', qr.id).execute();
    await trx
      .insertInto('qr_merchant_redirects')
      .values({ msn: qr.msn, id: qr.id, code: qr.code, redirect_url: qr.redirectUrl, expires_at: qr.expiresAt, created_at: qr.createdAt, updated_at: qr.updatedAt })
      .execute();
  },

  async updateRedirect(trx: Transaction<Database>, qr: MerchantRedirect): Promise<void> {
    await trx.updateTable('qr_merchant_redirects').set({ redirect_url: qr.redirectUrl, updated_at: qr.updatedAt }).where('msn', '=', qr.msn).where('id', '=', qr.id).execute();
  },

  async deleteRedirect(trx: Transaction<Database>, msn: string, id: string): Promise<void> {
    await trx.deleteFrom('qr_merchant_redirects').where('msn', '=', msn).where('id', '=', id).execute();
  },

  async insertOneTime(trx: Transaction<Database>, qr: OneTimeQr): Promise<void> {
    await trx.insertInto('qr_one_time_codes').values({ code: qr.code, msn: qr.msn, landing_url: qr.landingUrl, expires_at: qr.expiresAt, created_at: qr.createdAt }).execute();
  },

  async oneTime(db: Db, code: string): Promise<OneTimeQr | undefined> {
    const row = await db.selectFrom('qr_one_time_codes').selectAll().where('code', '=', code).executeTakeFirst();
    return row && oneTimeOf(row);
  },

  /** Whether any code has run out by `now` (a read, so that the periodic sweep writes only when there is work). */
  async anyExpired(db: Db, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const redirect = await db.selectFrom('qr_merchant_redirects').select('code').where('expires_at', 'is not', null).where('expires_at', '<=', at).limit(1).executeTakeFirst();
    if (redirect) return true;
    return (await db.selectFrom('qr_one_time_codes').select('code').where('expires_at', '<=', at).limit(1).executeTakeFirst()) !== undefined;
  },

  /** Deletes every code that has run out; returns how many. */
  async deleteExpired(trx: Transaction<Database>, now: Date): Promise<number> {
    const at = now.toISOString();
    const a = await trx.deleteFrom('qr_merchant_redirects').where('expires_at', 'is not', null).where('expires_at', '<=', at).executeTakeFirst();
    const b = await trx.deleteFrom('qr_one_time_codes').where('expires_at', '<=', at).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  },
};
