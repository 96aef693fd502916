import { createHash, randomBytes } from 'node:crypto';
import type { Merchant, RegeneratedKey } from '../../platform/merchants.js';
import type { TestUser } from '../../platform/test-users.js';
import type { Platform } from '../module.js';
import { lookUpCompany } from './company-register.js';
import { reviewApplication, reviewSalesUnit, type ApplicationInput, type FieldProblems, type MerchantAgreement } from './domain.js';
import { portalStore, type SalesUnitRecord } from './store.js';

/** The BankID step must be finished within this; a confirmed session lasts a working day. */
const PENDING_MS = 10 * 60_000;
const SESSION_MS = 8 * 3600_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A sales unit as the portal lists it: the platform's merchant, and what the portal knows of it. */
export interface SalesUnitView {
  merchant: Merchant;
  /** Undefined for units made outside the portal (the seeded merchant, the control API). */
  record?: SalesUnitRecord;
}

/**
 * The portal's commands. Sessions expire on wall-clock time, not the emulator clock: advancing
 * simulated days must not sign the developer out.
 */
export class PortalService {
  constructor(private readonly platform: Platform) {}

  private get db() {
    return this.platform.database.db;
  }

  // ---- signing in with (simulated) BankID ----

  /** Starts a sign-in for a test user: the session's token, waiting for the BankID step. */
  async startSignIn(user: TestUser): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    await this.platform.database.commands.run((trx) =>
      portalStore.insertSession(trx, { token_hash: hash(token), phone_number: user.phoneNumber, confirmed: 0, created_at: now.toISOString(), expires_at: new Date(now.getTime() + PENDING_MS).toISOString() }),
    );
    return token;
  }

  /** The session's test user, confirmed or still at the BankID step; undefined when unknown or expired. */
  async session(token: string | undefined): Promise<{ user: TestUser; confirmed: boolean } | undefined> {
    if (!token || token.length > 100) return undefined;
    const s = await portalStore.session(this.db, hash(token));
    if (!s || Date.parse(s.expiresAt) <= Date.now()) return undefined;
    const user = await this.platform.users.find(s.phoneNumber);
    return user && { user, confirmed: s.confirmed };
  }

  async confirmSignIn(token: string): Promise<void> {
    await this.platform.database.commands.run((trx) => portalStore.confirmSession(trx, hash(token), new Date(Date.now() + SESSION_MS).toISOString()));
  }

  async signOut(token: string): Promise<void> {
    await this.platform.database.commands.run((trx) => portalStore.deleteSession(trx, hash(token), new Date().toISOString()));
  }

  // ---- merchant agreements and sales units ----

  companies(user: TestUser): Promise<MerchantAgreement[]> {
    return portalStore.companiesOf(this.db, user.phoneNumber);
  }

  /** A company the user signed for; undefined for anyone else's. */
  async company(user: TestUser, orgNumber: string): Promise<MerchantAgreement | undefined> {
    if ((await portalStore.ownerOf(this.db, orgNumber)) !== user.phoneNumber) return undefined;
    return portalStore.company(this.db, orgNumber);
  }

  /**
   * Signs a merchant agreement for a company of the test register, and makes its first test sales
   * unit in the same transaction (Vipps emails the new merchant the MSN of a test sales unit).
   */
  async apply(user: TestUser, orgNumber: string, input: ApplicationInput): Promise<{ ok: true; agreement: MerchantAgreement; msn: string } | { ok: false; problems: FieldProblems & { orgNumber?: string } }> {
    const looked = lookUpCompany(orgNumber);
    if ('problem' in looked) return { ok: false, problems: { orgNumber: looked.problem } };
    const signer = { name: `${user.givenName} ${user.familyName}`, phoneNumber: user.phoneNumber };
    const reviewed = reviewApplication(looked.found, input, signer, this.platform.clock.now());
    if (!reviewed.ok) return reviewed;
    const { agreement } = reviewed;
    const now = this.platform.clock.now();
    const result = await this.platform.database.commands.run(async (trx) => {
      if (await portalStore.company(trx, agreement.company.orgNumber)) return undefined;
      await portalStore.insertCompany(trx, user.phoneNumber, agreement);
      const options = { name: `${agreement.company.name} (test)`, skipLandingPage: false, recurring: agreement.products.includes('recurring'), directCapture: false };
      const merchant = await this.platform.merchants.insertIn(trx, { name: options.name, country: 'NO', allowSkipLandingPage: false }, now);
      await portalStore.insertSalesUnit(trx, merchant.msn, agreement.company.orgNumber, options, now.toISOString());
      return merchant.msn;
    });
    if (!result) return { ok: false, problems: { orgNumber: `${agreement.company.name} (${agreement.company.orgNumber}) already has a merchant agreement.` } };
    await this.platform.merchants.load();
    return { ok: true, agreement, msn: result };
  }

  /** Adds a test sales unit to one of the user's companies. */
  async addSalesUnit(user: TestUser, orgNumber: string, input: { name: string; partner: string; skipLandingPage: boolean; recurring: boolean; directCapture: boolean }) {
    const company = await this.company(user, orgNumber);
    if (!company) return { ok: false as const, problems: { name: 'You have no merchant agreement for this company.' } };
    const reviewed = reviewSalesUnit(input);
    if (!reviewed.ok) return reviewed;
    const now = this.platform.clock.now();
    const msn = await this.platform.database.commands.run(async (trx) => {
      const merchant = await this.platform.merchants.insertIn(trx, { name: reviewed.options.name, country: 'NO', allowSkipLandingPage: reviewed.options.skipLandingPage }, now);
      await portalStore.insertSalesUnit(trx, merchant.msn, orgNumber, reviewed.options, now.toISOString());
      if (reviewed.options.directCapture) await this.platform.salesUnits.capture?.setDirectCapture(trx, merchant.msn, true);
      return merchant.msn;
    });
    await this.platform.merchants.load();
    return { ok: true as const, msn };
  }

  /**
   * The sales units the user may see: those of the user's companies, and those made outside the
   * portal (the seeded merchant, `POST /devkit/v1/merchants`), which belong to no company.
   */
  async salesUnits(user: TestUser): Promise<{ mine: Map<string, SalesUnitView[]>; unlinked: SalesUnitView[] }> {
    const records = new Map((await portalStore.salesUnits(this.db)).map((r) => [r.msn, r]));
    const owned = new Set((await this.companies(user)).map((c) => c.company.orgNumber));
    const mine = new Map<string, SalesUnitView[]>();
    const unlinked: SalesUnitView[] = [];
    for (const merchant of this.platform.merchants.all()) {
      const record = records.get(merchant.msn);
      if (!record) unlinked.push({ merchant });
      else if (owned.has(record.orgNumber)) mine.set(record.orgNumber, [...(mine.get(record.orgNumber) ?? []), { merchant, record }]);
    }
    return { mine, unlinked };
  }

  /** One sales unit, when the user may see it. */
  async salesUnit(user: TestUser, msn: string): Promise<SalesUnitView | undefined> {
    const merchant = this.platform.merchants.get(msn);
    if (!merchant) return undefined;
    const record = await portalStore.salesUnit(this.db, msn);
    if (!record) return { merchant };
    return (await portalStore.ownerOf(this.db, record.orgNumber)) === user.phoneNumber ? { merchant, record } : undefined;
  }

  async regenerate(user: TestUser, msn: string, key: RegeneratedKey): Promise<boolean> {
    if (!(await this.salesUnit(user, msn))) return false;
    return (await this.platform.merchants.regenerate(msn, key)) !== undefined;
  }
}
