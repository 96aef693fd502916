/**
 * The QR API's tables and every query on them. The row types join the shared `Database` interface
 * by declaration merging, from here: no central file names them. Inside a command pass its
 * transaction (decision 6).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CustomerToken, MerchantCallback, MerchantRedirect, OneTimeQr, PersonalQr } from './domain.js';

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

export interface QrMerchantCallbacksTable {
  msn: string;
  merchant_qr_id: string;
  code: string;
  location_description: string;
  beacon: number;
  check_ins: number;
  created_at: string;
  updated_at: string;
}

export interface QrCustomerTokensTable {
  token: string;
  msn: string;
  merchant_qr_id: string;
  phone_number: string;
  initiated_at: string;
  expires_at: string;
}

export interface QrPersonalCodesTable {
  code: string;
  phone_number: string;
  created_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    qr_personal_codes: QrPersonalCodesTable;
    qr_merchant_redirects: QrMerchantRedirectsTable;
    qr_one_time_codes: QrOneTimeCodesTable;
    qr_merchant_callbacks: QrMerchantCallbacksTable;
    qr_customer_tokens: QrCustomerTokensTable;
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

const callbackOf = (r: QrMerchantCallbacksTable): MerchantCallback => ({
  msn: r.msn,
  merchantQrId: r.merchant_qr_id,
  code: r.code,
  locationDescription: r.location_description,
  beacon: r.beacon === 1,
  checkIns: r.check_ins,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const tokenOf = (r: QrCustomerTokensTable): CustomerToken => ({
  token: r.token,
  msn: r.msn,
  merchantQrId: r.merchant_qr_id,
  phoneNumber: r.phone_number,
  initiatedAt: r.initiated_at,
  expiresAt: r.expires_at,
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

  async callback(db: Db, msn: string, merchantQrId: string): Promise<MerchantCallback | undefined> {
    const row = await db.selectFrom('qr_merchant_callbacks').selectAll().where('msn', '=', msn).where('merchant_qr_id', '=', merchantQrId).executeTakeFirst();
    return row && callbackOf(row);
  },

  async callbackByCode(db: Db, code: string): Promise<MerchantCallback | undefined> {
    const row = await db.selectFrom('qr_merchant_callbacks').selectAll().where('code', '=', code).executeTakeFirst();
    return row && callbackOf(row);
  },

  /** The sales unit that holds a MobilePay beacon, if any. */
  async beaconHolder(db: Db, beaconId: string): Promise<string | undefined> {
    const row = await db.selectFrom('qr_merchant_callbacks').select('msn').where('merchant_qr_id', '=', beaconId).where('beacon', '=', 1).executeTakeFirst();
    return row?.msn;
  },

  async callbacks(db: Db, msn: string): Promise<MerchantCallback[]> {
    return (await db.selectFrom('qr_merchant_callbacks').selectAll().where('msn', '=', msn).orderBy('created_at').orderBy('merchant_qr_id').execute()).map(callbackOf);
  },

  async putCallback(trx: Transaction<Database>, qr: MerchantCallback): Promise<void> {
    const row = { location_description: qr.locationDescription, beacon: qr.beacon ? 1 : 0, check_ins: qr.checkIns, updated_at: qr.updatedAt };
    await trx
      .insertInto('qr_merchant_callbacks')
      .values({ msn: qr.msn, merchant_qr_id: qr.merchantQrId, code: qr.code, created_at: qr.createdAt, ...row })
      .onConflict((oc) => oc.columns(['msn', 'merchant_qr_id']).doUpdateSet(row))
      .execute();
  },

  async deleteCallback(trx: Transaction<Database>, msn: string, merchantQrId: string): Promise<void> {
    await trx.deleteFrom('qr_merchant_callbacks').where('msn', '=', msn).where('merchant_qr_id', '=', merchantQrId).execute();
  },

  async insertToken(trx: Transaction<Database>, t: CustomerToken): Promise<void> {
    await trx.insertInto('qr_customer_tokens').values({ token: t.token, msn: t.msn, merchant_qr_id: t.merchantQrId, phone_number: t.phoneNumber, initiated_at: t.initiatedAt, expires_at: t.expiresAt }).execute();
  },

  async token(db: Db, token: string): Promise<CustomerToken | undefined> {
    const row = await db.selectFrom('qr_customer_tokens').selectAll().where('token', '=', token).executeTakeFirst();
    return row && tokenOf(row);
  },

  async insertPersonal(trx: Transaction<Database>, qr: PersonalQr): Promise<void> {
    await trx.insertInto('qr_personal_codes').values({ code: qr.code, phone_number: qr.phoneNumber, created_at: qr.createdAt }).execute();
  },

  async personal(db: Db, code: string): Promise<PersonalQr | undefined> {
    const row = await db.selectFrom('qr_personal_codes').selectAll().where('code', '=', code).executeTakeFirst();
    return row && { code: row.code, phoneNumber: row.phone_number, createdAt: row.created_at };
  },

  /** Whether any code has run out by `now` (a read, so that the periodic sweep writes only when there is work). */
  async anyExpired(db: Db, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const redirect = await db.selectFrom('qr_merchant_redirects').select('code').where('expires_at', 'is not', null).where('expires_at', '<=', at).limit(1).executeTakeFirst();
    if (redirect) return true;
    if (await db.selectFrom('qr_one_time_codes').select('code').where('expires_at', '<=', at).limit(1).executeTakeFirst()) return true;
    return (await db.selectFrom('qr_customer_tokens').select('token').where('expires_at', '<=', at).limit(1).executeTakeFirst()) !== undefined;
  },

  /** Deletes every code and customer token that has run out; returns how many. */
  async deleteExpired(trx: Transaction<Database>, now: Date): Promise<number> {
    const at = now.toISOString();
    const a = await trx.deleteFrom('qr_merchant_redirects').where('expires_at', 'is not', null).where('expires_at', '<=', at).executeTakeFirst();
    const b = await trx.deleteFrom('qr_one_time_codes').where('expires_at', '<=', at).executeTakeFirst();
    const c = await trx.deleteFrom('qr_customer_tokens').where('expires_at', '<=', at).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows) + Number(c.numDeletedRows);
  },
};
