import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../db/open.js';
import type { Transaction } from 'kysely';
import type { Database, MerchantsTable } from '../db/schema.js';
import { ids } from './ids.js';

/** A test sales unit and its API keys, as a merchant sees them in the portal. */
export interface Merchant {
  msn: string;
  name: string;
  country: string;
  clientId: string;
  clientSecret: string;
  /** The primary subscription key (`Ocp-Apim-Subscription-Key`). */
  subscriptionKey: string;
  /** The secondary key: interchangeable with the primary, so that either can be regenerated without downtime. */
  secondarySubscriptionKey: string;
  allowSkipLandingPage: boolean;
  allowLongLiving: boolean;
}

export interface NewMerchant {
  name?: string;
  msn?: string;
  country?: string;
  allowSkipLandingPage?: boolean;
  allowLongLiving?: boolean;
}

/** The keys the portal can regenerate one at a time. */
export type RegeneratedKey = 'clientSecret' | 'primarySubscriptionKey' | 'secondarySubscriptionKey';

const fromRow = (r: MerchantsTable): Merchant => ({
  msn: r.msn,
  name: r.name,
  country: r.country,
  clientId: r.client_id,
  clientSecret: r.client_secret,
  subscriptionKey: r.subscription_key,
  secondarySubscriptionKey: r.secondary_subscription_key ?? r.subscription_key,
  allowSkipLandingPage: r.allow_skip_landing_page === 1,
  allowLongLiving: r.allow_long_living === 1,
});

/**
 * Every merchant, held in memory: credentials are checked on every request, and there are few
 * merchants. Writes go to the database first, then refresh the cache.
 */
export class MerchantDirectory {
  private byClientId = new Map<string, Merchant>();
  private byMsn = new Map<string, Merchant>();
  private bySubscription = new Map<string, Merchant>();

  constructor(private readonly database: DatabaseHandle) {}

  /** (Re)reads every merchant: at start, after a write, and on the shared-mode sweep. */
  async load(): Promise<void> {
    const rows = await this.database.db.selectFrom('merchants').selectAll().orderBy('created_at').orderBy('msn').execute();
    this.byClientId = new Map(rows.map((r) => [r.client_id, fromRow(r)]));
    this.byMsn = new Map(rows.map((r) => [r.msn, fromRow(r)]));
    this.bySubscription = new Map();
    for (const m of this.byMsn.values()) {
      this.bySubscription.set(m.subscriptionKey, m);
      this.bySubscription.set(m.secondarySubscriptionKey, m);
    }
  }

  all(): Merchant[] {
    return [...this.byMsn.values()];
  }
  byClient(clientId: string): Merchant | undefined {
    return this.byClientId.get(clientId);
  }
  bySubscriptionKey(key: string): Merchant | undefined {
    return this.bySubscription.get(key);
  }
  get(msn: string): Merchant | undefined {
    return this.byMsn.get(msn);
  }

  async create(input: NewMerchant, now: Date): Promise<Merchant> {
    // Through the command queue: acknowledged only once durable, like every other write.
    const merchant = await this.database.commands.run((trx) => this.insertIn(trx, input, now));
    await this.load();
    return merchant;
  }

  /**
   * Writes a new merchant inside the caller's transaction (a command that makes a sales unit along
   * with its own rows, as the portal's onboarding does). The caller reloads (`load`) once it committed.
   */
  async insertIn(trx: Transaction<Database>, input: NewMerchant, now: Date): Promise<Merchant> {
    let msn = input.msn ?? ids.msn();
    while (!input.msn && this.byMsn.has(msn)) msn = ids.msn();
    const row: MerchantsTable = {
      msn,
      name: input.name ?? `Devkit Test Shop ${msn}`,
      country: input.country ?? 'NO',
      client_id: ids.uuid(),
      client_secret: randomBytes(16).toString('base64'),
      subscription_key: ids.hex(16),
      secondary_subscription_key: ids.hex(16),
      allow_skip_landing_page: input.allowSkipLandingPage === false ? 0 : 1,
      allow_long_living: input.allowLongLiving === false ? 0 : 1,
      created_at: now.toISOString(),
    };
    await trx.insertInto('merchants').values(row).execute();
    return fromRow(row);
  }

  /**
   * New keys for a sales unit, as the portal's Regenerate does: the client secret, or one of the
   * two subscription keys. The old value stops working at once (the cache is reloaded after the
   * write); the other keys are untouched, so integrations can rotate without downtime. Access
   * tokens already issued stay valid until they expire.
   */
  async regenerate(msn: string, key: RegeneratedKey): Promise<Merchant | undefined> {
    if (!this.byMsn.has(msn)) return undefined;
    const value = key === 'clientSecret' ? randomBytes(16).toString('base64') : ids.hex(16);
    const column = key === 'clientSecret' ? 'client_secret' : key === 'primarySubscriptionKey' ? 'subscription_key' : 'secondary_subscription_key';
    await this.database.commands.run((trx) => trx.updateTable('merchants').set({ [column]: value }).where('msn', '=', msn).execute());
    await this.load();
    return this.byMsn.get(msn);
  }

  /** The first start of a data directory creates one merchant; later starts find it again. */
  async ensureSeeded(now: Date): Promise<void> {
    await this.load();
    if (this.byMsn.size === 0) await this.create({ name: 'Devkit Test Shop' }, now);
  }
}
