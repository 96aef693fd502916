import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MerchantAgreement, SalesUnitOptions } from './domain.js';

export interface PortalSessionsTable {
  token_hash: string;
  phone_number: string;
  /** 0 while the BankID step is waiting, 1 once confirmed. */
  confirmed: number;
  created_at: string;
  expires_at: string;
}

export interface PortalCompaniesTable {
  org_number: string;
  /** The phone number (MSISDN) of the test person who signed: whose companies the portal shows. */
  owner_phone: string;
  document: string;
  created_at: string;
}

export interface PortalSalesUnitsTable {
  msn: string;
  org_number: string;
  document: string;
  created_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    portal_sessions: PortalSessionsTable;
    portal_companies: PortalCompaniesTable;
    portal_sales_units: PortalSalesUnitsTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

export interface PortalSession {
  phoneNumber: string;
  confirmed: boolean;
  expiresAt: string;
}

export interface SalesUnitRecord extends SalesUnitOptions {
  msn: string;
  orgNumber: string;
  createdAt: string;
}

const sessionOf = (r: PortalSessionsTable): PortalSession => ({ phoneNumber: r.phone_number, confirmed: r.confirmed === 1, expiresAt: r.expires_at });
const unitOf = (r: PortalSalesUnitsTable): SalesUnitRecord => ({ ...(JSON.parse(r.document) as SalesUnitOptions), msn: r.msn, orgNumber: r.org_number, createdAt: r.created_at });

export const portalStore = {
  async session(db: Db, tokenHash: string): Promise<PortalSession | undefined> {
    const row = await db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && sessionOf(row);
  },
  async insertSession(trx: Transaction<Database>, row: PortalSessionsTable): Promise<void> {
    await trx.insertInto('portal_sessions').values(row).execute();
  },
  async confirmSession(trx: Transaction<Database>, tokenHash: string, expiresAt: string): Promise<void> {
    await trx.updateTable('portal_sessions').set({ confirmed: 1, expires_at: expiresAt }).where('token_hash', '=', tokenHash).execute();
  },
  async deleteSession(trx: Transaction<Database>, tokenHash: string, now: string): Promise<void> {
    // Expired sessions go with it: the table never grows past the people signed in.
    await trx.deleteFrom('portal_sessions').where((eb) => eb.or([eb('token_hash', '=', tokenHash), eb('expires_at', '<', now)])).execute();
  },

  async company(db: Db, orgNumber: string): Promise<MerchantAgreement | undefined> {
    const row = await db.selectFrom('portal_companies').select('document').where('org_number', '=', orgNumber).executeTakeFirst();
    return row && (JSON.parse(row.document) as MerchantAgreement);
  },
  async companiesOf(db: Db, ownerPhone: string): Promise<MerchantAgreement[]> {
    const rows = await db.selectFrom('portal_companies').select('document').where('owner_phone', '=', ownerPhone).orderBy('created_at').execute();
    return rows.map((r) => JSON.parse(r.document) as MerchantAgreement);
  },
  async ownerOf(db: Db, orgNumber: string): Promise<string | undefined> {
    return (await db.selectFrom('portal_companies').select('owner_phone').where('org_number', '=', orgNumber).executeTakeFirst())?.owner_phone;
  },
  async insertCompany(trx: Transaction<Database>, ownerPhone: string, agreement: MerchantAgreement): Promise<void> {
    await trx.insertInto('portal_companies').values({ org_number: agreement.company.orgNumber, owner_phone: ownerPhone, document: JSON.stringify(agreement), created_at: agreement.signedAt }).execute();
  },

  async salesUnit(db: Db, msn: string): Promise<SalesUnitRecord | undefined> {
    const row = await db.selectFrom('portal_sales_units').selectAll().where('msn', '=', msn).executeTakeFirst();
    return row && unitOf(row);
  },
  async salesUnits(db: Db): Promise<SalesUnitRecord[]> {
    return (await db.selectFrom('portal_sales_units').selectAll().orderBy('created_at').execute()).map(unitOf);
  },
  async insertSalesUnit(trx: Transaction<Database>, msn: string, orgNumber: string, options: SalesUnitOptions, now: string): Promise<void> {
    await trx.insertInto('portal_sales_units').values({ msn, org_number: orgNumber, document: JSON.stringify(options), created_at: now }).execute();
  },
};
